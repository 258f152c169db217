"""Forms of the tracer's working day: attempts, the interview's questions, outcomes, transfers."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.cases.models import Attempt
from localtrace.contacts.models import Contact
from localtrace.core.forms import EditForm, EmailAddressField, GovukDateField, GovukForm
from localtrace.results.validation import normalise_phone

YES_NO = [("yes", "Yes"), ("no", "No")]


class AttemptForm(GovukForm):
    channel = forms.ChoiceField(
        label="How did you try to reach them?",
        choices=[c for c in Attempt.Channel.choices if c[0] != Attempt.Channel.WEB],
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose how you tried to reach them"},
    )
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=Attempt.Outcome.choices,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose what happened"},
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("channel")
            and data.get("outcome")
            and (problem := Attempt.mismatch(data["channel"], data["outcome"]))
        ):
            self.add_error("outcome", problem)
        return data


class IdentityForm(GovukForm):
    confirmed = forms.BooleanField(
        label="I have checked their full name, date of birth and address",
        error_messages={"required": "Confirm you have checked who you are speaking to, or do not go on"},
    )


class SymptomsForm(EditForm):
    reveals: ClassVar[dict[str, dict[str, tuple[str, ...]]]] = {"symptomatic": {"yes": ("onset_date",)}}

    symptomatic = forms.ChoiceField(
        label="Have they had symptoms?",
        help_text="A new continuous cough, a high temperature, or a loss or change to sense of smell or taste.",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if they have had symptoms"},
    )
    onset_date = GovukDateField(
        label="When did the symptoms start?",
        error_name="The day symptoms started",
        help_text="The first day they felt unwell.",
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("symptomatic") == "yes" and not cleaned.get("onset_date") and "onset_date" not in self.errors:
            self.add_error("onset_date", "Enter the day symptoms started")
        return cleaned


class ContactForm(GovukForm):
    kind = forms.ChoiceField(
        label="How were they in contact?",
        choices=Contact.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they were in contact"},
    )
    given_name = forms.CharField(
        label="Given name", max_length=100, error_messages={"required": "Enter their given name"}
    )
    family_name = forms.CharField(
        label="Family name", max_length=100, error_messages={"required": "Enter their family name"}
    )
    relationship = forms.CharField(
        label="Relationship (optional)",
        required=False,
        max_length=100,
        help_text="For example partner, son, colleague.",
    )
    phone = forms.CharField(label="Mobile or phone number (optional)", required=False, max_length=40)
    email = EmailAddressField(label="Email address (optional)", required=False)
    date_of_birth = GovukDateField(label="Date of birth (optional)", required=False)
    postcode = forms.CharField(
        label="Postcode (optional)",
        required=False,
        max_length=10,
        help_text="Leave blank for someone who lives with the case.",
    )
    last_exposure = GovukDateField(
        label="When were they last together?",
        error_name="The last day they were together",
        error_messages={"required": "Enter the last day they were together"},
    )

    def __init__(self, *args: Any, window_hint: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if window_hint:
            self.fields["last_exposure"].help_text = window_hint

    def clean_date_of_birth(self) -> dt.date | None:
        born: dt.date | None = self.cleaned_data["date_of_birth"]
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError("Date of birth must be today or in the past")
        return born

    def clean_phone(self) -> str:
        """Stored as E.164, as intake and the portal store it, so that "Find" by any form of the number finds them."""
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        phone = normalise_phone(typed)
        if not phone:
            raise forms.ValidationError("Enter a phone number, like 07123 456789 or +44 7123 456789, or leave it blank")
        return phone


class OutcomeForm(GovukForm):
    reveals: ClassVar[dict[str, dict[str, tuple[str, ...]]]] = {"outcome": {"unreachable": ("reason",)}}

    outcome = forms.ChoiceField(
        label="What is the outcome?",
        choices=[("completed", "Interview completed and advice given"), ("unreachable", "Could not be reached")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    reason = forms.CharField(
        label="Why could they not be reached?", required=False, max_length=300,
        help_text="For example: no number, moved away, refused.",
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == "unreachable" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Enter why they could not be reached")
        return cleaned


class TransferForm(GovukForm):
    to_area = forms.ModelChoiceField(
        label="Area to transfer to",
        queryset=Area.objects.filter(level=Area.Level.UPPER_TIER),
        empty_label="Choose the area where they live",
        error_messages={"required": "Choose the area to transfer to"},
    )
    reason = forms.CharField(
        label="Why?", max_length=300, help_text="For example: lives in another county; moved since the test.",
        error_messages={"required": "Enter why it is being transferred"},
    )  # fmt: skip


class VisitForm(GovukForm):
    name = forms.CharField(
        label="Name of the place", max_length=200, error_messages={"required": "Enter the name of the place"}
    )
    # Existing settings whose name matches what was typed (offered by the view, and as they type with htmx).
    setting = forms.ChoiceField(
        label="Is it one of these places already in the register?", choices=[], required=False,
        widget=forms.RadioSelect(attrs={"small": True}),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label="What kind of place is it?",
        help_text="Not needed when you chose a place from the register.",
        choices=[],
        required=False,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose what kind of place it is"},
    )
    postcode = forms.CharField(label="Postcode (optional)", required=False, max_length=10)
    visited_on = GovukDateField(
        label="When were they there?",
        error_messages={"required": "Enter the day they were there"},
        error_name="The day they were there",
    )

    def __init__(self, *args: Any, window_hint: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from localtrace.places.models import Setting

        self.fields["kind"].choices = Setting.Kind.choices  # type: ignore[attr-defined]
        if window_hint:
            self.fields["visited_on"].help_text = window_hint

    def offer(self, suggestions: list[Any]) -> None:
        """Offer these settings from the register before a new one is added."""
        choices = [(str(s.pk), f"{s.place_line} ({s.get_kind_display()})") for s in suggestions]
        # "new" is always valid, so a form posted after the register changed still saves; it is shown only with others.
        self.fields["setting"].choices = [*choices, ("new", "No, it is a new place")]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        offered = len(self.fields["setting"].choices) > 1  # type: ignore[attr-defined]
        chosen = data.get("setting") or ""
        if offered and not chosen:
            self.add_error("setting", "Choose a place from the register, or say it is a new place")
        elif chosen in ("", "new") and not data.get("kind"):
            self.add_error("kind", "Choose what kind of place it is")
        return data


class SupportNeedsForm(EditForm):
    needs = forms.MultipleChoiceField(
        label="Do they need help with any of these to be able to isolate?",
        help_text="Select all that apply. Leave all unticked if they need nothing.",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # Asked with needs (clean) and never answered for them: a "no" nobody gave would make an urgent need wait 48 hours.
    urgent = forms.ChoiceField(
        label="Do they need help today?", choices=YES_NO, widget=forms.RadioSelect(attrs={"inline": True, "small": True}),
        required=False,
    )  # fmt: skip
    consent = forms.ChoiceField(
        label="Do they agree we can share their name, contact details and needs with local support organisations?",
        help_text="If not, the council's support officers still help them, but do not pass their details on.",
        choices=YES_NO,
        widget=forms.RadioSelect(attrs={"inline": True, "small": True}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from localtrace.cases.models import SUPPORT_NEEDS

        self.fields["needs"].choices = list(SUPPORT_NEEDS.items())  # type: ignore[attr-defined]

    @staticmethod
    def as_now(item: Any) -> dict[str, Any]:
        """The initial answers: those of a case or a contact as they are now, with their fingerprint."""
        from localtrace.support.services import needs_answers, needs_fingerprint

        answers = needs_answers(item)
        return {
            "needs": answers.needs,
            # Like consent, asked only with needs: with none, nothing is chosen for the tracer in advance.
            "urgent": ("yes" if answers.urgent else "no") if answers.needs else None,
            "consent": None if answers.consent is None else ("yes" if answers.consent else "no"),
            "seen": needs_fingerprint(item),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("needs") and not cleaned.get("urgent") and "urgent" not in self.errors:
            self.add_error("urgent", "Select yes if they need help today")
        if cleaned.get("needs") and not cleaned.get("consent"):
            self.add_error("consent", "Ask whether they agree to share their details, so support services can help")
        return cleaned
