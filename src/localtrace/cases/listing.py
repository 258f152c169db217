"""What a queue page shows: its filters, its counts and one page of items, at a cost that does not grow with history.

Open items are read through the partial `*_open_queue` indexes, which hold only what is being worked on now,
and closed ones through `*_closed_newest` and `*_closed_at`. Pages are keyset pages: each "Next" and "Previous"
link carries the sort key of the row at its edge, so page 40 costs what page 1 costs and nothing counts the
whole history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, Min, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.models import OPEN_STATUSES, Status

PAGE_SIZE = 50
# Filters whose size is not one of the queue's counts are counted up to this many, then "more than".
COUNT_UP_TO = 1000
DUE_SOON = dt.timedelta(hours=4)

SHOW = {
    "open": "Open",
    "due_soon": "Due within 4 hours",
    "overdue": "Overdue",
    "doorstep": "Doorstep visits",
    "welsh": "Welsh speakers",
    "other_language": "Other languages",
    "closed": "Closed",
}
# The contact queue has one more: open contacts who reported symptoms, so the team can take them first.
CONTACT_SHOW = {**dict(list(SHOW.items())[:3]), "symptoms": "Reported symptoms", **dict(list(SHOW.items())[3:])}
# Open items are listed most urgent first; closed ones newest first.
OPEN_ORDER = ("priority", "reach_deadline", "id")
CLOSED_ORDER = ("id",)


def start_of_day(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def filtered(items: QuerySet[Any], shown: str, now: dt.datetime) -> QuerySet[Any]:
    """The items one filter of the queue shows (unordered)."""
    open_items = items.filter(status__in=OPEN_STATUSES)
    if shown == "open":
        return open_items
    if shown == "due_soon":
        return open_items.filter(reached_at__isnull=True, reach_deadline__gte=now, reach_deadline__lt=now + DUE_SOON)
    if shown == "overdue":
        return open_items.filter(reached_at__isnull=True, reach_deadline__lt=now)
    if shown == "doorstep":
        doorstep = [i for i, s in enumerate(ladder.ladder()) if s.kind == ladder.DOORSTEP]
        return open_items.filter(reached_at__isnull=True, ladder_step__in=doorstep)
    if shown == "welsh":
        return open_items.filter(person__preferred_language="cy")
    if shown == "other_language":
        return open_items.exclude(person__preferred_language__in=["en", "cy"])
    if shown == "symptoms":  # contacts only (the contact_symptoms_open index)
        return open_items.filter(symptoms_reported_on__isnull=False)
    if shown == "closed":
        return items.exclude(status__in=OPEN_STATUSES)
    raise ValueError(f"Unknown queue filter {shown!r}")


def counts(items: QuerySet[Any], now: dt.datetime, *, by_status: bool = True) -> dict[str, Any]:
    """The queue's figures now: open items by deadline (and by status, with the oldest deadline, for the
    team page), and what was closed today.

    Two index-only reads, one over the open items and one over today's closures: neither touches
    the area's history, however long it grows.
    """
    unreached = Q(reached_at__isnull=True)
    figures_of: dict[str, Any] = {
        "open": Count("id"),
        "due_soon": Count("id", filter=unreached & Q(reach_deadline__gte=now, reach_deadline__lt=now + DUE_SOON)),
        "overdue": Count("id", filter=unreached & Q(reach_deadline__lt=now)),
    }
    if by_status:
        figures_of |= {
            "new": Count("id", filter=Q(status=Status.NEW)),
            "in_progress": Count("id", filter=Q(status=Status.IN_PROGRESS)),
            "reached": Count("id", filter=Q(status=Status.REACHED)),
            "oldest": Min("reach_deadline", filter=unreached),
        }
    figures: dict[str, Any] = items.filter(status__in=OPEN_STATUSES).aggregate(**figures_of)
    figures.update(
        items.exclude(status__in=OPEN_STATUSES)
        .filter(closed_at__gte=start_of_day(now))
        .aggregate(closed_today=Count("id"), completed_today=Count("id", filter=Q(status=Status.COMPLETED)))
    )
    return figures


@dataclass(frozen=True)
class Page:
    items: list[Any]
    count: int  # how many the filter shows in all, or COUNT_UP_TO when there are more than that
    more_than: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)


def _key(item: Any, order: tuple[str, ...]) -> str:
    parts = []
    for name in order:
        value = item[name] if isinstance(item, dict) else getattr(item, name)
        if isinstance(value, dt.datetime):
            value = round(value.timestamp() * 1_000_000)
        parts.append(str(int(value)))
    return "_".join(parts)


def _parse_key(cursor: str, order: tuple[str, ...]) -> list[Any] | None:
    """The sort key a cursor carries, or None if it is not one this listing made (then the first page is shown)."""
    parts = cursor.split("_")
    if len(parts) != len(order) or not all(p.isdigit() and len(p) < 19 for p in parts):
        return None
    values: list[Any] = []
    for name, part in zip(order, parts, strict=True):
        if name == "reach_deadline":
            moment = dt.datetime.fromtimestamp(int(part) / 1_000_000, tz=dt.UTC)
            values.append(connection.ops.adapt_datetimefield_value(moment))
        else:
            values.append(int(part))
    return values


def _beyond(qs: QuerySet[Any], order: tuple[str, ...], key: list[Any], operator: str) -> QuerySet[Any]:
    """Rows whose sort key is past `key`, as one row comparison, which a b-tree index answers as a range."""
    table = connection.ops.quote_name(qs.model._meta.db_table)
    columns = ", ".join(f"{table}.{connection.ops.quote_name(qs.model._meta.get_field(n).column)}" for n in order)
    marks = ", ".join(["%s"] * len(key))
    return qs.filter(RawSQL(f"({columns}) {operator} ({marks})", key, output_field=BooleanField()))  # noqa: S611


def page_of(listed: QuerySet[Any], shown: str, *, after: str = "", before: str = "", count: int | None = None) -> Page:
    """One page of the filter's items, after or before a cursor from an earlier page.

    `count` is the filter's size when the caller already knows it (the queue's own counts); otherwise
    it is counted up to COUNT_UP_TO.
    """
    order = CLOSED_ORDER if shown == "closed" else OPEN_ORDER
    descending = shown == "closed"
    forwards = [f"-{n}" if descending else n for n in order]
    backwards = [n if descending else f"-{n}" for n in order]
    more_than = False
    if count is None:
        count = listed.order_by()[: COUNT_UP_TO + 1].count()
        more_than, count = count > COUNT_UP_TO, min(count, COUNT_UP_TO)
    before_key = _parse_key(before, order) if before else None
    if before_key is not None:
        earlier = list(
            _beyond(listed, order, before_key, ">" if descending else "<").order_by(*backwards)[: PAGE_SIZE + 1]
        )
        if len(earlier) > PAGE_SIZE:
            rows = earlier[:PAGE_SIZE][::-1]
            return Page(rows, count, more_than, next_cursor=_key(rows[-1], order), previous_cursor=_key(rows[0], order))
        # Fewer than a page before it: that is the first page.
    after_key = _parse_key(after, order) if after and before_key is None else None
    if after_key is not None:
        listed = _beyond(listed, order, after_key, "<" if descending else ">")
    rows = list(listed.order_by(*forwards)[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(
        rows,
        count,
        more_than,
        next_cursor=_key(rows[-1], order) if more else "",
        previous_cursor=_key(rows[0], order) if after_key is not None and rows else "",
    )
