"""Taking the automatic steps of the escalation ladder when they fall due. Safe to run twice at once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.events import note
from localtrace.cases.investigation import close_unreachable
from localtrace.cases.models import OPEN_STATUSES, Case, WorkItem


def _due(items: QuerySet[WorkItem], now: dt.datetime) -> QuerySet[WorkItem]:
    automatic = [i for i, s in enumerate(ladder.ladder()) if s.automatic]
    return items.filter(
        status__in=OPEN_STATUSES, reached_at__isnull=True, ladder_step__in=automatic, next_step_at__lte=now
    )


def advance_due(at: dt.datetime | None = None) -> int:
    """Take every due automatic step; returns how many were taken.

    `at` runs the ladder as of that moment, for replays (the demo's working day); normally now.
    """
    from localtrace.contacts.models import Contact

    now = at or timezone.now()
    taken = 0
    for model in (Case, Contact):
        for item in _due(model.objects.select_related("person", "area"), now).order_by("next_step_at")[:1000]:  # type: ignore[misc]
            taken += _take_step(item, now)
    return taken


@transaction.atomic
def _take_step(item: WorkItem, now: dt.datetime) -> int:
    step = ladder.step(item.ladder_step)
    following, due = ladder.after_failure(item.ladder_step, now)
    # Only one runner moves an item on from a given step.
    moved = type(item)._default_manager.filter(pk=item.pk, ladder_step=item.ladder_step, next_step_at=item.next_step_at)
    if step.kind == ladder.UNREACHABLE:
        if not moved.update(next_step_at=None):
            return 0
        close_unreachable(item, "no answer at any step of the escalation ladder", at=now)
        return 1
    if not moved.update(ladder_step=following, next_step_at=due):
        return 0
    person = item.person  # type: ignore[attr-defined]
    channel = "text message" if person.phone else "email" if person.email else None
    if channel:
        summary = (
            f"Self-service link due by {channel}. Messages are not connected yet, so a tracer should send it; "
            f"next step: {ladder.DESCRIPTIONS[ladder.step(following).kind].lower()} from {timezone.localtime(due):%H:%M %-d %b}"
        )
    else:
        summary = "Self-service link step skipped: no mobile number or email address"
    note(item, "ladder", summary, at=now, step=step.kind)
    return 1
