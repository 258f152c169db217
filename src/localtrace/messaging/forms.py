"""The form staff use to record that a person wants no more messages."""

from __future__ import annotations

from django import forms

from localtrace.core.forms import GovukForm


class StopMessagesForm(GovukForm):
    note = forms.CharField(
        label="What did they say? (optional)",
        help_text="For example: asked by phone for no more texts. Do not write their number or address here.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "What they said must be 500 characters or fewer"},
    )
