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
    links: list[WorkItem] = []
    for model in (Case, Contact):
        for item in _due(model.objects.select_related("person", "area"), now).order_by("next_step_at")[:1000]:  # type: ignore[misc]
            if ladder.step(item.ladder_step).kind == ladder.LINK:
                if _move_past_link(item, now):
                    links.append(item)
            else:
                taken += _take_step(item, now)
    if links:
        # Together, so that people who share one mobile get one message (portal.services.send_links).
        from localtrace.portal.services import send_links

        send_links(links, at=now)
    return taken + len(links)


@transaction.atomic
def _move_past_link(item: WorkItem, now: dt.datetime) -> bool:
    """Claim the link step for this runner and move the item on to the step after it."""
    following, due = ladder.after_failure(item.ladder_step, now, ladder.Means.of(item.person))
    moved = type(item)._default_manager.filter(pk=item.pk, ladder_step=item.ladder_step, next_step_at=item.next_step_at)
    if not moved.update(ladder_step=following, next_step_at=due):
        return False
    note(
        item, "ladder",
        f"Sending the self-service link; next step: {ladder.DESCRIPTIONS[ladder.step(following).kind].lower()} "
        f"from {timezone.localtime(due):%H:%M %-d %b}",
        at=now, step=ladder.LINK,
    )  # fmt: skip
    return True


@transaction.atomic
def _take_step(item: WorkItem, now: dt.datetime) -> int:
    """The unreachable step: close the item (the link step goes through `_move_past_link`)."""
    # Only one runner moves an item on from a given step.
    moved = type(item)._default_manager.filter(pk=item.pk, ladder_step=item.ladder_step, next_step_at=item.next_step_at)
    if not moved.update(next_step_at=None):
        return 0
    close_unreachable(item, "no answer at any step of the escalation ladder", at=now)
    return 1
