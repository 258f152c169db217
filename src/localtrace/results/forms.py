"""Forms for uploading results and correcting quarantined rows."""

from __future__ import annotations

from typing import Any

from django import forms

from localtrace.core.forms import GovukForm
from localtrace.results.models import Submitter
from localtrace.results.reading import COLUMNS

COLUMN_LABELS = {
    "source_id": "Source",
    "specimen_id": "Specimen ID",
    "nhs_number": "NHS number",
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "address_line_1": "Address line 1",
    "postcode": "Postcode",
    "phone": "Phone number",
    "email": "Email address",
    "preferred_language": "Preferred language",
    "test_type": "Test type",
    "test_code": "Test code (LOINC)",
    "result": "Result",
    "result_code": "Result code (SNOMED CT)",
    "specimen_date": "Specimen date",
    "result_date": "Result date",
    "care_home": "Care home (yes or no)",
    "occupation": "Occupation",
}


class UploadForm(GovukForm):
    file = forms.FileField(
        label="Results file (CSV)",
        help_text="UTF-8, with a header row. See the column list below.",
        error_messages={"required": "Choose a CSV file to upload"},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    submitter = forms.ModelChoiceField(
        label="Sent by (optional)",
        help_text=(
            "Choose a laboratory if every row comes from it. A row whose source column names another source is "
            "quarantined, not taken as from this one."
        ),
        queryset=Submitter.objects.filter(is_active=True),
        required=False,
        empty_label="The file says, in its source column",
    )


class CorrectionForm(GovukForm):
    """Every column of a result row as text, prefilled from the quarantined row."""

    def __init__(self, *args: Any, initial_fields: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for column in COLUMNS:
            self.fields[column] = forms.CharField(
                label=COLUMN_LABELS[column], required=False, initial=initial_fields.get(column, ""), max_length=255
            )
        self._govuk_prepare()


class DismissForm(GovukForm):
    reason = forms.CharField(
        label="Why is this row being dismissed?",
        help_text="For example: a test record, or the laboratory has sent a corrected row.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the row is being dismissed"},
    )
