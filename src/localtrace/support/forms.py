"""Forms of the support officer's work: attempts, referrals, outcomes, payment claims and decisions, the directory."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from localtrace.cases.models import SUPPORT_NEEDS
from localtrace.core.forms import EditForm, EmailAddressField, GovukForm
from localtrace.support.models import OUTCOMES, Organisation, SupportAttempt

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, error: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, help_text=help_text, choices=YES_NO, widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": error},
    )  # fmt: skip


class SupportAttemptForm(GovukForm):
    channel = forms.ChoiceField(
        label="How did you try to reach them?",
        choices=SupportAttempt.Channel.choices,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose how you tried to reach them"},
    )
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=SupportAttempt.Outcome.choices,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose what happened"},
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)


class ReferralForm(GovukForm):
    organisation = forms.ModelChoiceField(
        label="Which organisation are you referring them to?",
        queryset=Organisation.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose an organisation", "invalid_choice": "Choose an organisation from the list"},
    )
    note = forms.CharField(
        label="What did you ask them to do? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["organisation"].label_from_instance = lambda o: (  # type: ignore[attr-defined]
            f"{o.name} — {', '.join(o.services_display).lower()}"
        )


class OutcomeForm(GovukForm):
    outcome = forms.ChoiceField(
        label="What was the outcome?", choices=OUTCOMES, widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )  # fmt: skip
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ClaimForm(GovukForm):
    told_to_isolate = _yes_no(
        "Were they told to isolate by the tracing service?",
        "Select yes if they were told to isolate",
        "The record is checked too: the claim is for the isolation on their case or contact record.",
    )
    low_income = _yes_no(
        "Are they on a qualifying benefit or on a low income?",
        "Select yes if they are on a qualifying benefit or a low income",
        "For example Universal Credit, Working Tax Credit, income-based Jobseeker's Allowance, or a low income.",
    )
    cannot_work_from_home = _yes_no(
        "Will they lose income because they cannot work from home?",
        "Select yes if they cannot work from home",
    )
    evidence_notes = forms.CharField(
        label="Evidence seen (optional)",
        help_text="For example a benefit award letter, recent payslips or a letter from their employer. Do not record health details.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecisionForm(GovukForm):
    reveals: ClassVar[dict[str, dict[str, tuple[str, ...]]]] = {"decision": {"approve": ("payment_reference",)}}

    # When the answers on the page were given: the decision is refused if the person has sent new ones since.
    answers_as_of = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve the payment"), ("decline", "Decline the claim")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or decline the claim"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for the decision"},
    )
    payment_reference = forms.CharField(
        label="Payment reference",
        help_text="The reference of the payment instruction sent to finance.",
        required=False,
        max_length=40,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "approve" and not cleaned.get("payment_reference"):
            self.add_error("payment_reference", "Enter the payment reference")
        return cleaned


class OrganisationForm(GovukForm):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the organisation's name"})
    services = forms.MultipleChoiceField(
        label="What do they help with?",
        choices=list(SUPPORT_NEEDS.items()),
        widget=forms.CheckboxSelectMultiple(attrs={"small": True}),
        error_messages={"required": "Choose what the organisation helps with"},
    )
    phone = forms.CharField(label="Phone (optional)", required=False, max_length=30)
    email = EmailAddressField(label="Email (optional)", required=False)
    website = forms.URLField(
        label="Website (optional)",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address starting https://"},
    )
    notes = forms.CharField(
        label="How to refer (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Opening hours, how to refer, who to ask for.",
    )  # fmt: skip
    active = forms.ChoiceField(
        label="Take referrals now?", choices=YES_NO, widget=forms.RadioSelect(attrs={"inline": True}), initial="yes"
    )


class OrganisationEditForm(EditForm, OrganisationForm):
    """The same questions, for an organisation already in the directory (refused if changed since it was opened)."""


# Periods for the area lead's support figures, in days up to and including today.
FIGURE_PERIODS = {"7": "The last 7 days", "28": "The last 4 weeks", "91": "The last 13 weeks"}


class FiguresPeriodForm(GovukForm):
    period = forms.ChoiceField(
        label="Requests asked in",
        choices=list(FIGURE_PERIODS.items()),
        widget=forms.RadioSelect(attrs={"small": True}),
        initial="28",
        error_messages={"invalid_choice": "Choose a period from the list"},
    )

    def days(self) -> int:
        """The chosen period, or the default when nothing (or nothing valid) was chosen."""
        chosen = self.cleaned_data.get("period") if self.is_bound and self.is_valid() else None
        return int(chosen or self.fields["period"].initial)
