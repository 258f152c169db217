"""Writing to a case's or contact's timeline (and the audit trail) in one place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from localtrace.audit.services import Action, record
from localtrace.cases.models import Case, TraceEvent


def owner(item: Any) -> dict[str, Any]:
    """The case= or contact= keyword for a record that belongs to one of the two."""
    return {"case": item} if isinstance(item, Case) else {"contact": item}


def note(
    item: Any,
    kind: str,
    summary: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
    **detail: Any,
) -> TraceEvent:
    """Add one event to the item's timeline and the matching change to the audit trail.

    `at` is when it happened, for replays (the demo's working day); the audit event is always stamped now.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    event = TraceEvent.objects.create(
        **owner(item),
        actor=actor,
        kind=kind,
        **({"occurred_at": at} if at is not None else {}),
        summary=summary,
        detail=detail,
    )
    record(Action.CHANGE, request=request, actor=actor, obj=item, area=item.area, detail={"event": kind, **detail})
    return event
