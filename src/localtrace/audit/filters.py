"""One filter for the audit trail, used by the page and the CSV export alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.core.forms import GovukDateField, GovukForm


class AuditFilterForm(GovukForm):
    actor = forms.CharField(label="Username", required=False, max_length=150)
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any action"), *AuditEvent.Action.choices])
    object_type = forms.CharField(
        label="Record type", required=False, max_length=60, help_text="For example accounts.user"
    )
    object_id = forms.CharField(label="Record id", required=False, max_length=64)
    since = GovukDateField(label="From", required=False)
    until = GovukDateField(label="To", required=False)

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_valid():
            return events.none()
        data: dict[str, Any] = self.cleaned_data
        if data["actor"]:
            events = events.filter(actor_username__iexact=data["actor"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"].strip().lower())
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"].strip())
        tz = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(occurred_at__gte=dt.datetime.combine(data["since"], dt.time.min, tzinfo=tz))
        if data["until"]:
            end = dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            events = events.filter(occurred_at__lt=end)
        return events
