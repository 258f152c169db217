"""Forms for teams and delegations."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone

from localtrace.areas.models import Area, Team
from localtrace.core.forms import EditForm, GovukDateField, GovukForm, GovukModelForm


class TeamForm(GovukModelForm):
    class Meta:
        model = Team
        fields = ["name", "kind", "area"]
        labels = {"name": "Team name", "kind": "Type of team", "area": "Area the team belongs to"}
        help_texts = {"area": "A local team belongs to an upper-tier council; a surge team to a region or the nation."}
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["area"]).queryset = Area.objects.exclude(level=Area.Level.DISTRICT).order_by(
            "level", "name"
        )
        cast(Any, self.fields["area"]).label_from_instance = lambda a: f"{a.name} ({a.get_level_display().lower()})"
        cast(Any, self.fields["area"]).empty_label = "Choose an area"
        # A required radio question offers its answers only: no blank "---------" option.
        cast(Any, self.fields["kind"]).choices = Team.Kind.choices
        self.fields["name"].error_messages["required"] = "Enter a team name"
        self.fields["name"].error_messages["unique"] = "There is already a team with this name"
        self.fields["kind"].error_messages["required"] = "Choose the type of team"
        self.fields["area"].error_messages["required"] = "Choose the area the team belongs to"


class DelegationForm(GovukForm):
    team = forms.ModelChoiceField(
        label="Surge team",
        queryset=Team.objects.filter(kind=Team.Kind.SURGE).select_related("area"),
        empty_label="Choose a surge team",
        error_messages={"required": "Choose the surge team to give access to"},
    )
    starts_on = GovukDateField(
        label="Access starts on",
        help_text="At the start of this day. For example, 24 11 2026.",
        error_messages={"required": "Enter the day access starts"},
    )
    ends_on = GovukDateField(
        label="Access ends on",
        help_text="At the end of this day. Access ends on its own then.",
        error_messages={"required": "Enter the last day of access"},
    )
    reason = forms.CharField(
        label="Why does the area need surge support?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the area needs surge support"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["team"]).label_from_instance = lambda t: f"{t.name} ({t.area.name})"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        today = timezone.localdate()
        if starts_on and starts_on < today:
            self.add_error("starts_on", "Access cannot start in the past")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day of access must be on or after the first day")
        elif ends_on and ends_on >= dt.date.max:
            # Access ends at the start of the next day, which the calendar does not have (a 500, not an answer).
            self.add_error("ends_on", "The last day of access must be before 31 December 9999")
        return cleaned

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """Whole local days: from the start of the first to the end of the last."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.cleaned_data["starts_on"], dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.cleaned_data["ends_on"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        if self.cleaned_data["starts_on"] == timezone.localdate():
            start = timezone.now()
        return start, end


class PublicPhoneForm(EditForm):
    """Refused if the number changed since the page was opened (`areas.services.public_phone_fingerprint`)."""

    not_sent_whole = "This page was not sent whole. Open it again from the area's page."
    public_phone = forms.CharField(
        label="Phone number for the public",
        help_text=(
            "The local test and trace team's number. Messages and pages that ask someone to call the team give it: "
            "a setting's manager, or a case with more people to tell us about than the online form takes. "
            "Leave it empty to give none."
        ),
        max_length=32,
        required=False,
    )

    def clean_public_phone(self) -> str:
        from localtrace.results.validation import normalise_phone

        typed = self.cleaned_data["public_phone"].strip()
        if not typed:
            return ""
        if not (number := normalise_phone(typed)):
            raise forms.ValidationError("Enter a phone number, like 01632 960 001 or 0300 123 4567")
        return number
