"""Work allocation: "get next" claims the most urgent item atomically; claims lapse after inactivity."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.events import note
from localtrace.cases.models import OPEN_STATUSES, Status, WorkItem, claim_lapses_after

W = TypeVar("W", bound=WorkItem)


def _unclaimed(now: dt.datetime) -> Q:
    return Q(claimed_by__isnull=True) | Q(claimed_at__lt=now - claim_lapses_after())


def _waiting(now: dt.datetime) -> Q:
    """Open, not yet reached, on a call step that is due."""
    call_steps = [i for i, s in enumerate(ladder.ladder()) if s.kind == ladder.CALL]
    return Q(status__in=[Status.NEW, Status.IN_PROGRESS], reached_at__isnull=True, ladder_step__in=call_steps) & (
        Q(next_step_at__isnull=True) | Q(next_step_at__lte=now)
    )


def waiting_for_a_call(items: QuerySet[W], now: dt.datetime) -> QuerySet[W]:
    """Open, not yet reached, on a call step that is due, in queue order."""
    return items.filter(_waiting(now)).order_by("priority", "reach_deadline", "pk")


def current_claim(items: QuerySet[W], user: Any, now: dt.datetime | None = None) -> W | None:
    now = now or timezone.now()
    return (
        items.filter(
            claimed_by=user,
            claimed_at__gte=now - claim_lapses_after(),
            status__in=[Status.NEW, Status.IN_PROGRESS, Status.REACHED],
        )
        .order_by("claimed_at")
        .first()
    )


def claim_next(items: QuerySet[W], user: Any) -> W | None:
    """Give the user their current item, or claim the most urgent free one.

    Each claim is a conditional UPDATE that succeeds for exactly one caller, so two tracers
    pressing "get next" at the same moment never get the same person.
    """
    now = timezone.now()
    mine = current_claim(items, user, now)
    if mine is not None:
        return mine
    for _ in range(5):
        candidates = list(waiting_for_a_call(items, now).filter(_unclaimed(now)).values_list("pk", flat=True)[:20])
        if not candidates:
            return None
        for pk in candidates:
            # Still waiting as well as free: a tracer may have reached or closed it since the candidates were read.
            free = items.model._default_manager.filter(_unclaimed(now), _waiting(now), pk=pk)
            won = free.update(claimed_by=user, claimed_at=now)
            if won == 1:
                item = items.model._default_manager.get(pk=pk)
                note(item, "claimed", f"Taken by {user.full_name or user.username}", actor=user)
                return item
        now = timezone.now()
    return None


def touch(item: WorkItem, user: Any) -> None:
    """Activity on an item renews its claimant's hold on it."""
    if item.claimed_by_id == user.pk:
        type(item)._default_manager.filter(pk=item.pk, claimed_by=user).update(claimed_at=timezone.now())


def release(item: WorkItem) -> None:
    type(item)._default_manager.filter(pk=item.pk).update(claimed_by=None, claimed_at=None)


def assign(items: list[W], tracer: Any, *, by: Any) -> list[W]:
    """A lead gives items to a tracer: the tracer holds them as if they had taken them. Returns those assigned.

    The lead chose from a page of items nobody was working on, but a tracer may have taken one with "get next",
    or closed it, since: each is assigned with a conditional UPDATE, so another tracer's hold (or a closed item)
    is left as it is. An item the tracer holds already (a second submit of the confirmation) counts as assigned.
    """
    now = timezone.now()
    assigned = []
    for item in items:
        manager = type(item)._default_manager
        free = manager.filter(_unclaimed(now), pk=item.pk, status__in=OPEN_STATUSES)
        if free.update(claimed_by=tracer, claimed_at=now):
            note(item, "assigned", f"Assigned to {tracer.full_name or tracer.username}", actor=by)
            assigned.append(item)
        elif current_claim(manager.filter(pk=item.pk), tracer, now) is not None:
            assigned.append(item)
    return assigned
