"""Cases: a person with a positive result, owned by an area's team, with a priority and a reach deadline."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from localtrace.people.models import Person


class Priority(models.IntegerChoices):
    """Lower numbers are called first."""

    CARE_HOME = 1, "Care home"
    HEALTH_OR_SOCIAL_CARE = 2, "Health or social care worker"
    SCHOOL = 3, "School"
    VULNERABLE = 4, "Clinically vulnerable or older"
    STANDARD = 5, "Standard"


class Status(models.TextChoices):
    NEW = "new", "Not yet contacted"
    IN_PROGRESS = "in_progress", "Being contacted"
    REACHED = "reached", "Reached"
    COMPLETED = "completed", "Completed"
    UNREACHABLE = "unreachable", "Could not be reached"
    TRANSFERRED = "transferred", "Transferred"
    # A contact whose person tested positive (now, or before they were named): the case's advice replaces theirs.
    BECAME_CASE = "became_case", "Became a case"


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.REACHED)


SUPPORT_NEEDS = {
    "food": "Food and essential supplies",
    "medicines": "Medicines",
    "money": "Money and work worries",
    "caring": "Caring for someone",
    "wellbeing": "Mental health and loneliness",
    "digital": "Help getting online",
    "rules": "Understanding the rules",
    "pets": "Looking after pets",
    "other": "Something else",
}


def queue_indexes(prefix: str) -> list[models.Index]:
    """Partial indexes behind a queue (see cases.listing): open items in queue order, closed ones by id and date."""
    open_items = models.Q(status__in=OPEN_STATUSES)
    return [
        models.Index(
            fields=["area", "priority", "reach_deadline", "id", "reached_at", "status"],
            name=f"{prefix}_open_queue",
            condition=open_items,
        ),
        models.Index(fields=["area", "id"], name=f"{prefix}_closed_newest", condition=~open_items),
        models.Index(fields=["area", "closed_at", "status"], name=f"{prefix}_closed_at", condition=~open_items),
    ]


def claim_lapses_after() -> dt.timedelta:
    """How long a hold on a case, contact or support request lasts without activity."""
    return dt.timedelta(minutes=int(getattr(settings, "LOCALTRACE_CLAIM_MINUTES", 20)))


def hold_is_current(item: models.Model) -> bool:
    """Whether someone holds this open item now: a hold lapses, and a closed item has no holder."""
    claimed_at = getattr(item, "claimed_at", None)
    return bool(
        getattr(item, "is_open", False)
        and getattr(item, "claimed_by_id", None) is not None
        and claimed_at is not None
        and claimed_at >= timezone.now() - claim_lapses_after()
    )


class WorkItem(models.Model):
    """What cases and contacts share as items in a team's queue: owner area, urgency, claim, ladder."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.STANDARD)
    reach_deadline = models.DateTimeField()
    # A tracer's claim on the item; it lapses after inactivity (claim_lapses_after).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The escalation ladder: which step is next and when it is due.
    ladder_step = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reached_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.CharField(max_length=500, blank=True)
    if TYPE_CHECKING:
        person: Person  # each kind has its own foreign key to the person it is about

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.reached_at is None and self.is_open and self.reach_deadline < timezone.now()

    @property
    def is_held(self) -> bool:
        return hold_is_current(self)


class Case(WorkItem):
    Status = Status

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="cases")
    priority_reasons = models.JSONField(default=list, blank=True)
    first_result = models.ForeignKey("results.TestResult", on_delete=models.PROTECT, related_name="+")
    specimen_date = models.DateField()
    result_date = models.DateField()
    opened_at = models.DateTimeField(default=timezone.now)
    # The investigation.
    identity_confirmed_at = models.DateTimeField(null=True, blank=True)
    symptomatic = models.BooleanField(null=True, blank=True)
    onset_date = models.DateField(null=True, blank=True)
    # When they were asked about each part of the interview and there was nobody (more) to add: the task is then
    # done with none, as "lives alone" is an answer. Set by the tracer's "No more to add" and by online answers.
    household_asked_at = models.DateTimeField(null=True, blank=True)
    contacts_asked_at = models.DateTimeField(null=True, blank=True)  # other close contacts
    places_asked_at = models.DateTimeField(null=True, blank=True)
    # What they need to be able to isolate (SUPPORT_NEEDS keys), asked at every call; None until asked.
    support_needs = models.JSONField(null=True, blank=True)
    support_urgent = models.BooleanField(default=False)
    support_consent = models.BooleanField(default=False)
    # A contact who later tested positive: the case that named them is this case's source.
    source_contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="later_cases"
    )

    class Meta:
        indexes = [
            models.Index(fields=["area", "status", "priority", "reach_deadline"], name="case_queue_order"),
            # The queue's and team page's counts read only this index, not the area's whole history.
            models.Index(
                fields=["area", "status", "reach_deadline", "reached_at", "closed_at"], name="case_queue_counts"
            ),
            models.Index(fields=["person", "specimen_date"]),
            # The queue pages read open items and today's closures through these partial indexes, which hold
            # only what is being worked on now (or closed): their cost does not grow with the area's history.
            *queue_indexes("case"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    @property
    def reference(self) -> str:
        return f"C{self.pk}"

    @property
    def anchor_date(self) -> dt.date:
        """Symptom onset, or the specimen date when there were no symptoms (or none given yet)."""
        return self.onset_date if self.symptomatic and self.onset_date else self.specimen_date


class Attempt(models.Model):
    """One try to reach someone, by any channel, with what happened."""

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone call"
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"
        DOORSTEP = "doorstep", "Doorstep visit"
        WEB = "web", "Online form"

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Answered"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Left a voicemail"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        REFUSED = "refused", "Refused to talk"
        CALL_BACK = "call_back", "Asked to be called back"
        SENT = "sent", "Sent"
        NOBODY_HOME = "nobody_home", "Nobody at home"
        SPOKE_AT_DOOR = "spoke_at_door", "Spoke at the door"

    REACHED = {Outcome.ANSWERED, Outcome.SPOKE_AT_DOOR}
    # What can happen on each channel: nobody is "at home" for an email, and a doorstep takes no voicemail.
    # A bounced text or email is recorded as a wrong number (messaging.delivery).
    OUTCOMES = {
        Channel.PHONE: (Outcome.ANSWERED, Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.WRONG_NUMBER, Outcome.REFUSED,
                        Outcome.CALL_BACK),
        Channel.SMS: (Outcome.SENT, Outcome.WRONG_NUMBER),
        Channel.EMAIL: (Outcome.SENT, Outcome.WRONG_NUMBER),
        Channel.DOORSTEP: (Outcome.SPOKE_AT_DOOR, Outcome.NOBODY_HOME, Outcome.REFUSED, Outcome.CALL_BACK),
        Channel.WEB: (Outcome.ANSWERED,),
    }  # fmt: skip
    CHANNEL_PHRASES = {
        Channel.PHONE: "a phone call", Channel.SMS: "a text message", Channel.EMAIL: "an email",
        Channel.DOORSTEP: "a doorstep visit", Channel.WEB: "the online form",
    }  # fmt: skip

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="attempts")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="attempts"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    note = models.CharField(max_length=500, blank=True)
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["made_at", "pk"]
        # Each tracer's attempts today, on the team page.
        indexes = [models.Index(fields=["made_by", "made_at"], name="attempt_by_tracer")]
        constraints = [
            models.CheckConstraint(
                name="attempt_for_case_or_contact",
                condition=models.Q(case__isnull=False, contact__isnull=True)
                | models.Q(case__isnull=True, contact__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"

    @classmethod
    def mismatch(cls, channel: str, outcome: str) -> str:
        """Why this outcome cannot follow this channel, or "" when it can."""
        if outcome in cls.OUTCOMES.get(channel, ()):  # type: ignore[call-overload]
            return ""
        said = dict(cls.Outcome.choices).get(outcome, outcome)
        return f"“{said}” does not happen on {cls.CHANNEL_PHRASES.get(channel, 'that channel')}. Choose what happened"  # type: ignore[call-overload]


class TraceEvent(models.Model):
    """One thing that happened to a case or contact. Timelines are read from these, never rebuilt."""

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=500)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        # Each tracer's last action and completions today, on the team page.
        indexes = [models.Index(fields=["actor", "occurred_at"], name="event_by_actor")]

    def __str__(self) -> str:
        return self.summary


class Transfer(models.Model):
    """A case or contact handed to the area where the person lives. Both areas can list it."""

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="transfers")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="transfers"
    )
    from_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="transfers_out")
    to_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="transfers_in")
    reason = models.CharField(max_length=500)
    transferred_at = models.DateTimeField(default=timezone.now)
    transferred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-transferred_at"]

    def __str__(self) -> str:
        return f"{self.from_area} → {self.to_area}"


# Stored transmission chains (issue 7): computed by the refresh_chains task, read by the chains pages.
from localtrace.cases.chain_models import ChainMember, ChainState, StoredChain  # noqa: E402, F401
