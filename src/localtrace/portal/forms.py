"""The public pages' questions, one per page where the GOV.UK pattern asks for it, in English and Welsh."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.cases.models import SUPPORT_NEEDS
from localtrace.core.forms import GovukDateField, GovukForm
from localtrace.places.models import Setting
from localtrace.results.validation import normalise_phone

YES_NO = [("yes", _("Yes")), ("no", _("No"))]

NEEDS = {
    "food": _("Food and essential supplies"),
    "medicines": _("Medicines"),
    "money": _("Money and work worries"),
    "caring": _("Caring for someone"),
    "wellbeing": _("Mental health and loneliness"),
    "digital": _("Help getting online"),
    "rules": _("Understanding the rules"),
    "pets": _("Looking after pets"),
    "other": _("Something else"),
}
PLACE_KINDS = {
    "workplace": _("Workplace"),
    "school": _("School, college or nursery"),
    "care_home": _("Care home"),
    "hospitality": _("Pub, restaurant, café or hotel"),
    "worship": _("Place of worship"),
    "healthcare": _("Hospital, GP surgery or pharmacy"),
    "other": _("Somewhere else"),
}

if set(PLACE_KINDS) != set(Setting.Kind.values):
    raise ImportError("portal.forms.PLACE_KINDS must translate every kind of setting")
if set(NEEDS) != set(SUPPORT_NEEDS):
    raise ImportError("portal.forms.NEEDS must translate every support need in cases.models.SUPPORT_NEEDS")

CONTACT_KINDS = [
    ("close", _("Face to face, less than 1 metre away")),
    ("proximity", _("Within 2 metres for 15 minutes or more")),
    ("travel", _("Travelled in the same car or vehicle")),
]


def _not_future(value: dt.date | None) -> None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("The date must be today or in the past."))


class PastDateField(GovukDateField):
    """A date that must be today or earlier."""

    def clean(self, value: Any) -> Any:
        day = super().clean(value)
        _not_future(day)
        return day


class DateOfBirthForm(GovukForm):
    date_of_birth = GovukDateField(
        label=_("What is your date of birth?"), help_text=_("For example, 27 3 1985"), error_name=_("Your date of birth"),
        error_messages={"required": _("Enter your date of birth")},
    )  # fmt: skip


class SymptomsForm(GovukForm):
    symptomatic = forms.ChoiceField(
        label=_("Have you had any symptoms?"),
        help_text=_("A high temperature, a new continuous cough, or a loss or change to your sense of smell or taste."),
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if you have had symptoms")},
    )  # fmt: skip


class OnsetForm(GovukForm):
    onset_date = PastDateField(
        label=_("When did your symptoms start?"), help_text=_("For example, 3 11 2026"),
        error_name=_("The day your symptoms started"),
        error_messages={"required": _("Enter the day your symptoms started")},
    )  # fmt: skip


class PersonForm(GovukForm):
    """Someone they live with or met; empty means "nobody else"."""

    given_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Mobile number (if you know it)"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank():
            return data
        # A name refused already (too long) is not also missing: one error, the one that says what to change.
        if not data.get("given_name", "").strip() and "given_name" not in self.errors:
            self.add_error("given_name", _("Enter their first name"))
        if not data.get("family_name", "").strip() and "family_name" not in self.errors:
            self.add_error("family_name", _("Enter their last name"))
        return data

    def clean_phone(self) -> str:
        typed = self.cleaned_data.get("phone", "").strip()
        if not typed:
            return ""
        phone = normalise_phone(typed)
        if not phone:
            raise forms.ValidationError(_("Enter a mobile number like 07123 456789, or leave it blank"))
        return phone

    def is_blank(self) -> bool:
        raw = self.data
        return not any((raw.get(self.add_prefix(f)) or "").strip() for f in self.fields if f != "kind")


class CloseContactForm(PersonForm):
    kind = forms.ChoiceField(label=_("How were you close to them?"), choices=CONTACT_KINDS, widget=forms.RadioSelect,
                             required=False)  # fmt: skip
    last_met = PastDateField(
        label=_("When were you last close to them?"),
        required=False,
        error_name=_("The day you were last close to them"),
    )

    field_order = ["given_name", "family_name", "kind", "last_met", "phone"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_blank():
            return data
        if not data.get("kind"):
            self.add_error("kind", _("Select how you were close to them"))
        if not data.get("last_met") and "last_met" not in self.errors:
            self.add_error("last_met", _("Enter the day you were last close to them"))
        return data

    def is_blank(self) -> bool:
        raw = self.data
        names = ("given_name", "family_name", "phone", "last_met_0", "last_met_1", "last_met_2")
        return not any((raw.get(self.add_prefix(f)) or "").strip() for f in names)


class PlaceForm(GovukForm):
    name = forms.CharField(label=_("Name of the place"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("What kind of place is it?"), choices=list(PLACE_KINDS.items()),
                             widget=forms.RadioSelect, required=False)  # fmt: skip
    visited_on = PastDateField(
        label=_("Which day were you there?"), required=False, error_name=_("The day you were there")
    )
    postcode = forms.CharField(label=_("Postcode (if you know it)"), max_length=10, required=False)

    def clean_postcode(self) -> str:
        # Checked here, where they can correct it: a place with a postcode that is not one cannot be recorded.
        typed = self.cleaned_data.get("postcode", "").strip()
        if not typed:
            return ""
        try:
            return normalise_postcode(typed)
        except InvalidPostcode:
            raise forms.ValidationError(_("Enter a postcode like SW1A 2AA, or leave it blank")) from None

    def is_blank(self) -> bool:
        raw = self.data
        names = ("name", "postcode", "visited_on_0", "visited_on_1", "visited_on_2")
        return not any((raw.get(self.add_prefix(f)) or "").strip() for f in names)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank():
            return data
        if not data.get("name", "").strip() and "name" not in self.errors:
            self.add_error("name", _("Enter the name of the place"))
        if not data.get("kind"):
            self.add_error("kind", _("Select what kind of place it is"))
        if not data.get("visited_on") and "visited_on" not in self.errors:
            self.add_error("visited_on", _("Enter the day you were there"))
        return data


class SupportForm(GovukForm):
    needs = forms.MultipleChoiceField(
        label=_("Do you need help with any of these while you isolate?"), help_text=_("Select all that apply."),
        choices=list(NEEDS.items()), widget=forms.CheckboxSelectMultiple, required=False,
    )  # fmt: skip
    urgent = forms.ChoiceField(label=_("Do you need help today?"), choices=YES_NO, widget=forms.RadioSelect,
                               required=False)  # fmt: skip
    # Help never depends on this answer: without it the council's own support officers still help, and only
    # passing their details to outside organisations is ruled out. Never ticked in advance: consent is given.
    consent = forms.BooleanField(
        label=_("I agree that my details can be shared with local support services so they can help me"),
        help_text=_("If you do not agree, the council's support officers still help you, but do not pass your "
                    "details on."),
        required=False,
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # With a need, "today" must be their own answer: left blank it would wait 48 hours, not 4. Without one
        # there is nothing to hurry, so the question may be left.
        if data.get("needs") and not data.get("urgent") and "urgent" not in self.errors:
            self.add_error("urgent", _("Select yes if you need help today"))
        return data


class SymptomCheckForm(GovukForm):
    symptoms = forms.ChoiceField(
        label=_("How are you feeling today?"),
        help_text=_("Symptoms are a high temperature, a new continuous cough, or a loss or change to your sense of "
                    "smell or taste."),
        choices=[("none", _("I have no symptoms")), ("symptoms", _("I have symptoms"))], widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you have symptoms today")},
    )  # fmt: skip


class VerifyNoteForm(GovukForm):
    reference = forms.CharField(label="Isolation note reference", max_length=20,
                                help_text="As printed on the note, for example N-7K4Q-2M9X.")  # fmt: skip


class PaymentClaimForm(GovukForm):
    """The support payment's eligibility questions, asked of the person online (issue 8's rules decide)."""

    told_to_isolate = forms.ChoiceField(
        label=_("Have you been told to isolate by the test and trace service?"), choices=YES_NO,
        widget=forms.RadioSelect, error_messages={"required": _("Select yes if you have been told to isolate")},
    )  # fmt: skip
    low_income = forms.ChoiceField(
        label=_("Do you get a qualifying benefit or have a low income?"),
        help_text=_("For example Universal Credit, Working Tax Credit, income-based Jobseeker's Allowance, "
                    "Pension Credit or Housing Benefit."),
        choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if you get a qualifying benefit or have a low income")},
    )  # fmt: skip
    cannot_work_from_home = forms.ChoiceField(
        label=_("Will you lose income because you cannot work from home while you isolate?"), choices=YES_NO,
        widget=forms.RadioSelect, error_messages={"required": _("Select yes if you cannot work from home")},
    )  # fmt: skip
    evidence_notes = forms.CharField(
        label=_("Anything else we should know (optional)"),
        help_text=_("For example which benefit you get, or your employer's name. Do not include bank details."),
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=2000,
        error_messages={"max_length": _("Keep this to 2,000 characters")},
    )  # fmt: skip
