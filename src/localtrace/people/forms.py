from __future__ import annotations

from django import forms

from localtrace.core.forms import GovukForm


class DecisionForm(GovukForm):
    SAME = "same"
    DIFFERENT = "different"
    decision = forms.ChoiceField(
        label="Are these records the same person?",
        choices=[
            (SAME, "Yes, link them: the older record keeps everything from both"),
            (DIFFERENT, "No, keep them apart: we will not ask about this pair again"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether these records are the same person"},
    )
