"""Sign-in, second factor and user administration forms."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

from localtrace.accounts.models import User
from localtrace.accounts.services import (
    DUPLICATE_EMAIL,
    SERVICE_ROLE_NEEDS_NO_TEAM_ROLES,
    email_in_use,
    team_role_refusal,
    username_in_use,
)
from localtrace.areas.models import Membership, Role, Team
from localtrace.core.forms import GovukForm, GovukFormMixin, GovukModelForm
from localtrace.results.validation import normalise_phone


class SignInForm(GovukForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "class": "govuk-!-width-two-thirds"}
        ),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "govuk-!-width-two-thirds"}),
    )

    error_messages = {"required": "Enter your username and password."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class CodeForm(GovukForm):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app.",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input--width-5",
            }
        ),
        error_messages={"required": "Enter the 6-digit security code from your authenticator app"},
    )


class GovukPasswordResetForm(GovukFormMixin, PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        self._govuk_prepare()


NEW_SECRET_RULES_TEXT = "At least 12 characters. Avoid common words and anything like your name."  # noqa: S105 (advice text, not a secret)


class GovukSetPasswordForm(GovukFormMixin, SetPasswordForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = NEW_SECRET_RULES_TEXT
        self._govuk_prepare()


class GovukPasswordChangeForm(GovukSetPasswordForm, PasswordChangeForm):  # type: ignore[misc]
    """Django's password change (old password first) with the same GOV.UK treatment."""


USERNAME_HINT = "Letters a to z, numbers and . _ - only. People sign in with this."
_USERNAME = re.compile(r"[A-Za-z0-9._-]+")


class UserForm(GovukModelForm):
    class Meta:
        model = User
        fields = ["full_name", "username", "email", "phone", "deployment_role"]
        labels = {
            "full_name": "Full name",
            "email": "Work email address",
            "phone": "Work phone number (optional)",
            "deployment_role": "Role across the whole service",
        }
        help_texts = {
            "username": USERNAME_HINT,
            "phone": "For example, 07123 456789 or +44 7123 456789.",
            "deployment_role": (
                "Most staff have none: their roles come from their teams. A role given here takes effect when another"
                " administrator approves it; taking one away is at once."
            ),
        }
        widgets = {"deployment_role": forms.RadioSelect}

    # The account as the page showed it (accounts.services.account_fingerprint), to refuse a stale save.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["full_name"].error_messages["required"] = "Enter the person's full name"
        self.fields["email"].error_messages["required"] = "Enter their work email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.org"
        )
        self.fields["username"].error_messages["required"] = "Enter a username"
        self.fields["deployment_role"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # An edit saved without the fingerprint would skip the stale-page check; a new account has none to check.
        if self.instance.pk and not cleaned.get("seen"):
            raise forms.ValidationError("This page was not sent whole. Open the account again from its page.")
        return cleaned

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if self.instance.pk and username == self.instance.username:
            return username  # unchanged: an older account keeps the name it signs in with
        if not _USERNAME.fullmatch(username):
            raise forms.ValidationError(
                "Enter a username using only letters a to z, numbers, full stops (.), underscores (_) and hyphens (-)"
            )
        if username_in_use(username, exclude=self.instance.pk):
            raise forms.ValidationError("There is already an account with this username")
        return username

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        # Case does not make a different address: Director.A@… is director.a@….
        if email_in_use(email, exclude=self.instance.pk):
            raise forms.ValidationError(DUPLICATE_EMAIL)
        return email

    def clean_phone(self) -> str:
        typed: str = self.cleaned_data.get("phone", "").strip()
        if not typed:
            return ""
        phone = normalise_phone(typed)
        if not phone:
            raise forms.ValidationError("Enter a phone number, like 07123 456789 or +44 7123 456789")
        return phone  # stored in its international form, +447123456789

    def clean_deployment_role(self) -> str:
        role: str = self.cleaned_data.get("deployment_role") or ""
        if role and role != self.instance.deployment_role and self.instance.pk and self.instance.memberships.exists():
            raise forms.ValidationError(SERVICE_ROLE_NEEDS_NO_TEAM_ROLES)
        return role


class MembershipForm(GovukModelForm):
    class Meta:
        model = Membership
        fields = ["team", "role"]
        widgets = {"role": forms.RadioSelect}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.user = user
        cast(Any, self.fields["team"]).queryset = Team.objects.select_related("area")
        cast(Any, self.fields["team"]).label_from_instance = lambda team: f"{team.name} ({team.area.name})"
        cast(Any, self.fields["team"]).empty_label = "Choose a team"
        self.fields["team"].error_messages["required"] = "Choose a team"
        self.fields["role"].error_messages["required"] = "Choose a role"
        cast(Any, self.fields["role"]).choices = Role.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        team, role = cleaned.get("team"), cleaned.get("role")
        # The user is not a field on this form, so Django's own unique check would skip it.
        if team and role and Membership.objects.filter(user=self.instance.user, team=team, role=role).exists():
            self.add_error("role", "They already have this role in this team.")
        if refusal := team_role_refusal(self.instance.user):
            self.add_error("team", refusal)
        return cleaned
