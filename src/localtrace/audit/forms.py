"""Forms for subject access requests: who asked, which records are theirs, identity, free text, extension, close."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from localtrace.audit.models import SubjectAccessRequest
from localtrace.audit.subject_access import Candidate, FreeText
from localtrace.core.forms import EditForm, GovukDateField, GovukForm
from localtrace.people.forms import PersonFieldsForm
from localtrace.results.validation import nhs_number_is_valid

NONE_OF_THESE = "none"


def _not_in_future(day: dt.date | None, what: str) -> dt.date | None:
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError(f"{what} must be today or in the past")
    return day


class RequestForm(PersonFieldsForm):
    field_order = ["received_on", "given_name", "family_name", "date_of_birth", "postcode", "nhs_number", "phone"]

    received_on = GovukDateField(
        label="When did the request reach us?",
        error_name="The day the request reached us",
        help_text="The day it arrived, by any route: the month to respond starts then. For example, 27 3 2026.",
        error_messages={"required": "Enter the day the request reached us"},
    )
    given_name = forms.CharField(
        label="Given name", max_length=100, error_messages={"required": "Enter the requester's given name"}
    )
    family_name = forms.CharField(
        label="Family name", max_length=100, error_messages={"required": "Enter the requester's family name"}
    )
    date_of_birth = GovukDateField(
        label="Date of birth (optional)",
        required=False,
        help_text="Most records are found by name and date of birth. For example, 31 3 1980.",
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )

    def clean_received_on(self) -> dt.date | None:
        return _not_in_future(self.cleaned_data["received_on"], "The day the request reached us")

    def clean_nhs_number(self) -> str:
        digits = "".join(self.cleaned_data["nhs_number"].split())
        if not digits:
            return ""
        if not (digits.isdigit() and len(digits) == 10 and nhs_number_is_valid(digits)):
            raise forms.ValidationError("Enter a real NHS number: 10 digits, like 943 476 5919")
        return digits


class RecordsForm(GovukForm):
    people = forms.MultipleChoiceField(
        label="Which of these records are the requester's?",
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"small": True}),
    )
    none_of_these = forms.BooleanField(
        label="None of these records is theirs, or no record was found",
        required=False,
        widget=forms.CheckboxInput(attrs={"small": True}),
    )

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: Any = [(str(c.person.pk), f"Record {c.person.pk}") for c in candidates]
        self.fields["people"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen, none = data.get("people") or [], data.get("none_of_these")
        if chosen and none:
            raise forms.ValidationError("Choose records, or say that none is theirs, not both")
        if not chosen and not none:
            if self.fields["people"].choices:  # type: ignore[attr-defined]
                self.add_error("people", "Choose the requester's records, or say that none of them is theirs")
            else:
                self.add_error("none_of_these", "Confirm that we hold no record of them")
        return data


class IdentityForm(EditForm):
    """Refused if the identity check changed since the page was opened (`subject_access.identity_fingerprint`)."""

    not_sent_whole = "This page was not sent whole. Open it again from the request's page."
    evidence = forms.CharField(
        label="How did you check the requester's identity?",
        max_length=200,
        help_text="For example: passport seen at the council offices on 3 March. Do not write document numbers.",
        error_messages={"required": "Say how you checked the requester's identity"},
    )


class FreeTextForm(GovukForm):
    withheld = forms.MultipleChoiceField(
        label="Which items identify someone else?",
        required=False,
        help_text="Tick an item to withhold it. The copy says that it was withheld, and why. "
        "Everything you do not tick is sent as written.",
        widget=forms.CheckboxSelectMultiple(attrs={"small": True}),
    )
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, items: list[FreeText], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: Any = [(t.key, t.label) for t in items]
        self.fields["withheld"].choices = choices  # type: ignore[attr-defined]
        # What was on the page, words included: a note edited meanwhile cannot pass as read.
        self.fields["shown"].initial = " ".join(t.signature for t in items)


class ExtendForm(GovukForm):
    reason = forms.CharField(
        label="Why is more time needed?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The law allows two more months for a complex request, or for many requests from one person. "
        "Tell the requester, with this reason, within the first month.",
        error_messages={"required": "Say why more time is needed"},
    )


class CloseForm(GovukForm):
    outcome = forms.ChoiceField(
        label="How did the request end?",
        choices=SubjectAccessRequest.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the request ended"},
    )
    responded_on = GovukDateField(
        label="When did you respond?",
        error_name="The day you responded",
        help_text="The day you sent the copy or the answer. For example, 27 4 2026.",
        error_messages={"required": "Enter the day you responded"},
    )

    def clean_responded_on(self) -> dt.date | None:
        return _not_in_future(self.cleaned_data["responded_on"], "The day you responded")
