"""One filter for the audit trail, used by the page and the CSV export alike."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from localtrace.audit.labels import type_choices
from localtrace.audit.models import AuditEvent
from localtrace.core.forms import GovukDateField, GovukForm


class AuditFilterForm(GovukForm):
    actor = forms.CharField(label="Username", required=False, max_length=150)
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any action"), *AuditEvent.Action.choices])
    object_type = forms.ChoiceField(label="Kind of record", required=False, choices=())
    object_id = forms.CharField(
        label="Record number", required=False, max_length=64, help_text="For example 344 for case C344"
    )
    since = GovukDateField(label="From", required=False, error_name="The from date")
    until = GovukDateField(label="To", required=False, error_name="The to date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Any kind"), *type_choices()]  # type: ignore[attr-defined]

    def clean_object_id(self) -> str:
        # "C344" as well as "344": the letters are the kind's, which the kind of record says.
        return re.sub(r"^[A-Za-z]+-?(?=\d+$)", "", self.cleaned_data["object_id"].strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The to date must be the same as or after the from date")
        return data

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_valid():
            return events.none()
        data: dict[str, Any] = self.cleaned_data
        if data["actor"]:
            events = events.filter(actor_username__iexact=data["actor"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"])
        tz = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(occurred_at__gte=dt.datetime.combine(data["since"], dt.time.min, tzinfo=tz))
        if data["until"]:
            end = dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            events = events.filter(occurred_at__lt=end)
        return events
