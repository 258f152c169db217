from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.core.forms import EditForm, EmailAddressField, GovukDateField, GovukForm
from localtrace.results.validation import normalise_phone


class DecisionForm(GovukForm):
    SAME = "same"
    DIFFERENT = "different"
    decision = forms.ChoiceField(
        label="Are these records the same person?",
        choices=[
            (SAME, "Yes, link them: the record made first keeps everything from both"),
            (DIFFERENT, "No, keep them apart: we will not ask about this pair again"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether these records are the same person"},
    )


class PersonFieldsForm(GovukForm):
    """A person's identifying fields, checked as intake checks them; a form declares the fields it asks for.

    Used where staff type someone's details: correcting them (below) and recording a subject access request.
    """

    phone = forms.CharField(
        label="Mobile or phone number (optional)",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
    )
    email = EmailAddressField(
        label="Email address (optional)",
        required=False,
        invalid="Enter an email address in the correct format, like name@example.com",
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )

    def clean_given_name(self) -> str:
        return " ".join(self.cleaned_data["given_name"].split())

    def clean_family_name(self) -> str:
        return " ".join(self.cleaned_data["family_name"].split())

    def clean_date_of_birth(self) -> dt.date | None:
        born: dt.date | None = self.cleaned_data["date_of_birth"]
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError("Date of birth must be today or in the past")
        return born

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        phone = normalise_phone(text)
        if not phone:
            raise forms.ValidationError("Enter a phone number, like 07123 456789 or +44 7123 456789")
        return phone

    def clean_email(self) -> str:
        # Lower case, as every door stores it, so matching and searches find it by an exact lookup.
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_address_line_1(self) -> str:
        return " ".join(self.cleaned_data["address_line_1"].split())

    def clean_postcode(self) -> str:
        text = self.cleaned_data["postcode"].strip()
        if not text:
            return ""
        try:
            return normalise_postcode(text)
        except InvalidPostcode:
            raise forms.ValidationError("Enter a full UK postcode, like FX1 1AB") from None


class PersonDetailsForm(EditForm, PersonFieldsForm):
    """A person's details as a tracer corrects them; checked as intake checks them."""

    field_order = ["given_name", "family_name", "date_of_birth", "phone", "email", "address_line_1", "postcode"]

    given_name = forms.CharField(
        label="Given name", max_length=100, error_messages={"required": "Enter their given name"}
    )
    family_name = forms.CharField(
        label="Family name", max_length=100, error_messages={"required": "Enter their family name"}
    )
    date_of_birth = GovukDateField(
        label="Date of birth (optional)", required=False, help_text="For example, 31 3 1980."
    )
    address_line_1 = forms.CharField(label="Address (optional)", max_length=200, required=False)
    preferred_language = forms.ChoiceField(
        label="Language for messages",
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect(attrs={"small": True}),
        error_messages={"required": "Choose the language for their messages"},
    )
    not_sent_whole = "This page was not sent whole. Open it again from their record."


class FindForm(GovukForm):
    query = forms.CharField(
        label="Name, phone number, NHS number, email address or reference",
        max_length=200,
        help_text="For example: Gwen Morgan-Davies, 07911 123456, 943 476 5919 or C123.",
        error_messages={"required": "Enter a name, a phone number, an NHS number, an email address or a reference"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = GovukDateField(
        label="Date of birth (optional)", required=False, help_text="With a date of birth, one name is enough."
    )
