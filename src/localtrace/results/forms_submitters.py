"""Forms for adding a submitter and naming a new API token."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from localtrace.core.forms import GovukForm, GovukModelForm
from localtrace.results.models import Submitter

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


class SubmitterForm(GovukModelForm):
    class Meta:
        model = Submitter
        fields = ["code", "name"]
        labels = {"code": "Source code", "name": "Name of the laboratory or testing provider"}
        help_texts = {
            "code": "The source id on its results, for example LAB-NORTH. Capital letters, digits, hyphens and underscores.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"spellcheck": "false", "autocapitalize": "characters"})
        self.fields["code"].error_messages.update(
            required="Enter the source code", unique="There is already a submitter with this source code"
        )
        self.fields["name"].error_messages["required"] = "Enter the name of the laboratory or testing provider"

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip().upper()
        if not _CODE.match(code):
            raise forms.ValidationError(
                "The source code must use only capital letters, digits, hyphens and underscores"
            )
        if Submitter.objects.filter(code__iexact=code).exists():
            raise forms.ValidationError("There is already a submitter with this source code")
        return code


class TokenForm(GovukForm):
    name = forms.CharField(
        label="What is this token for?",
        help_text="For example, the laboratory system that will use it. Only administrators see this.",
        max_length=100,
        error_messages={"required": "Enter what the token is for"},
    )
