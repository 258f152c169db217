"""Work allocation: "get next" claims the most urgent item atomically; claims lapse after inactivity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from localtrace.accounts.access import scoped
from localtrace.cases import ladder
from localtrace.cases.events import note
from localtrace.cases.models import OPEN_STATUSES, Case, Status, WorkItem, claim_lapses_after

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


def held_by(items: QuerySet[W], user: Any, now: dt.datetime | None = None) -> QuerySet[W]:
    """The open items the user holds now, taken or assigned by a lead, the one they hold longest first."""
    now = now or timezone.now()
    return items.filter(
        claimed_by=user,
        claimed_at__gte=now - claim_lapses_after(),
        status__in=[Status.NEW, Status.IN_PROGRESS, Status.REACHED],
    ).order_by("claimed_at", "pk")


def current_claim(items: QuerySet[W], user: Any, now: dt.datetime | None = None) -> W | None:
    """The item "get next" returns to: of those they hold, the one longest without activity (nearest to lapsing)."""
    return held_by(items, user, now).first()


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


def hand_back(
    reason: str,
    *,
    request: HttpRequest | None = None,
    area_id: int | None = None,
    holders: QuerySet[Any] | list[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Release the live holds of staff who may no longer open what they hold; how many were released.

    A hold outlives the access it was taken with: surge access that runs out or is ended, a membership removed,
    an account deactivated. Until the hold lapsed, the item would be skipped by everyone's "get next" and a lead
    could not reassign it. Whether the holder may still open it is asked of the access module, as their own
    pages ask it. Cases and contacts get a timeline line ("Handed back: <name>'s <reason>"); a support request,
    which has no timeline, an audit event. `area_id` and `holders` narrow the search to one change's reach.
    """
    from localtrace.accounts.models import User
    from localtrace.audit.services import Action, record
    from localtrace.contacts.models import Contact
    from localtrace.support.models import OPEN_REQUEST_STATUSES, SupportRequest

    now = now or timezone.now()
    released = 0
    kinds: list[tuple[type[Any], str, Any]] = [
        (Case, "case.view", OPEN_STATUSES),
        (Contact, "contact.view", OPEN_STATUSES),
        (SupportRequest, "support.view", OPEN_REQUEST_STATUSES),
    ]
    for model, permission, open_statuses in kinds:
        live = model._default_manager.filter(
            status__in=open_statuses, claimed_by__isnull=False, claimed_at__gte=now - claim_lapses_after()
        )
        if area_id is not None:
            live = live.filter(area_id=area_id)
        if holders is not None:
            live = live.filter(claimed_by__in=holders)
        for holder in User.objects.filter(pk__in=live.values("claimed_by_id")):
            held = live.filter(claimed_by=holder)
            stranded = held.exclude(pk__in=scoped(holder, permission, held).values("pk")).select_related("area")
            for item in stranded:
                # Conditional, so a hold released or taken over since it was read is left as it now is.
                if not model._default_manager.filter(pk=item.pk, claimed_by=holder).update(
                    claimed_by=None, claimed_at=None
                ):
                    continue
                released += 1
                line = f"Handed back: {holder.full_name or holder.username}'s {reason}"
                if model is SupportRequest:
                    record(Action.CHANGE, request=request, obj=item, area=item.area,
                           detail={"released": True, "handed_back": line})  # fmt: skip
                else:
                    note(item, "released", line, request=request)
    return released


def out_of_reach(items: list[W], tracer: Any) -> list[W]:
    """The items the tracer may not open (their pages answer 404 for them).

    A lead of several areas, or of an area a surge team is delegated to among others, chooses from tracers who
    may work only some of them. The item's own page asks "case.view" or "contact.view": so does this.
    """
    may_open: set[tuple[type[Any], int]] = set()
    for model in {type(item) for item in items}:
        pks = [item.pk for item in items if type(item) is model]
        reachable = scoped(tracer, f"{model._meta.model_name}.view", model._default_manager.filter(pk__in=pks))
        may_open |= {(model, pk) for pk in reachable.values_list("pk", flat=True)}
    return [item for item in items if (type(item), item.pk) not in may_open]


@dataclass
class Assignment(Generic[W]):
    """What `assign` did: the items the tracer now holds, and those refused as the tracer may not open them.
    Items in neither are held by someone else or closed."""

    assigned: list[W] = field(default_factory=list)
    refused: list[W] = field(default_factory=list)


def assign(items: list[W], tracer: Any, *, by: Any) -> Assignment[W]:
    """A lead gives items to a tracer: the tracer holds them as if they had taken them.

    An item the tracer may not open is refused: they would hold a page they cannot see, and nobody else would
    get it from "get next" until the hold lapsed. The lead chose from a page of items nobody was working on,
    but a tracer may have taken one with "get next", or closed it, since: each is assigned with a conditional
    UPDATE, so another tracer's hold (or a closed item) is left as it is. An item the tracer holds already
    (a second submit of the confirmation) counts as assigned.
    """
    now = timezone.now()
    result: Assignment[W] = Assignment(refused=out_of_reach(items, tracer))
    for item in items:
        if any(item is refused for refused in result.refused):
            continue
        manager = type(item)._default_manager
        free = manager.filter(_unclaimed(now), pk=item.pk, status__in=OPEN_STATUSES)
        if free.update(claimed_by=tracer, claimed_at=now):
            note(item, "assigned", f"Assigned to {tracer.full_name or tracer.username}", actor=by)
            result.assigned.append(item)
        elif current_claim(manager.filter(pk=item.pk), tracer, now) is not None:
            result.assigned.append(item)
    return result
