"""Forms of a contact's page that are the contact's own (an attempt's form is shared with cases)."""

from __future__ import annotations

from django import forms

from localtrace.core.forms import GovukForm


class SymptomCheckForm(GovukForm):
    """Today's daily symptom check, asked by a tracer on a call."""

    symptoms = forms.ChoiceField(
        label="Do they have symptoms today?",
        help_text="A high temperature, a new continuous cough, or a loss or change to their sense of smell or taste.",
        choices=[("yes", "Yes, they have symptoms"), ("no", "No symptoms")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they have symptoms today"},
    )
