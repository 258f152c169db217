"""The case and contact queues: most urgent first, with "get next"."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from localtrace.accounts.access import TRACING_ROLES, require_capability, scope_for, scoped
from localtrace.cases import ladder, listing
from localtrace.cases.models import OPEN_STATUSES, Case, Transfer, claim_lapses_after
from localtrace.cases.queue import claim_next, held_by
from localtrace.contacts.models import Contact
from localtrace.core.addresses import addresses_of

# Columns a queue row shows, read as plain values: the rest of each item (its investigation) is not read for the list.
_ROW_FIELDS = (
    "id", "area__name", "status", "priority", "reach_deadline", "ladder_step", "next_step_at", "reached_at",
    "claimed_by__full_name", "claimed_at",
)  # fmt: skip


_OVERDUE = mark_safe(' <strong class="govuk-tag govuk-tag--red">Overdue</strong>')
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """ "14:05, 3 Nov", as the date filter's "H:i, j M" writes it, without its cost on every row."""
    local = moment.astimezone(zone)
    return f"{local:%H:%M}, {local.day} {_MONTHS[local.month]}"


# What an empty filter says, so "nothing here" is not mistaken for a page that failed to load.
_EMPTY = {
    "open": "No open {kind}s.",
    "due_soon": "No {kind}s are due within 4 hours.",
    "overdue": "No {kind}s are overdue.",
    "symptoms": "No open {kind}s have reported symptoms.",
    "doorstep": "No {kind}s are waiting for a doorstep visit.",
    "welsh": "No open {kind}s speak Welsh.",
    "other_language": "No open {kind}s speak a language other than English or Welsh.",
    "closed": "No {kind}s have been closed.",
}


def _rows(items: list[dict[str, Any]], kind: str, now: dt.datetime, shown: str) -> SafeString:
    """The table's rows, as HTML built here rather than in the template's row loop.

    The loop was half of a queue page's time: the template engine spends some 200 calls on each row.
    Here every value passes through `escape` (the standard library's, which Django's own wraps) on its
    way into the row, and labels and the time zone are looked up once for the page, not once per row.
    The rest of the page stays in `cases/queue.html`.
    """
    model = Case if kind == "case" else Contact
    url_of = addresses_of("cases:case-detail" if kind == "case" else "contacts:contact-detail")
    steps = {i: escape(str(ladder.DESCRIPTIONS[s.kind])) for i, s in enumerate(ladder.ladder())}
    priorities = {value: escape(str(label)) for value, label in model._meta.get_field("priority").flatchoices}
    statuses = {value: escape(str(label)) for value, label in model._meta.get_field("status").flatchoices}
    open_statuses = set(OPEN_STATUSES)
    zone = timezone.get_current_timezone()
    prefix = "C" if kind == "case" else "K"
    held_since = now - claim_lapses_after()
    rows = []
    for item in items:
        pk = int(item["id"])
        waiting = item["status"] in open_statuses and not item["reached_at"]
        deadline, next_step_at = item["reach_deadline"], item["next_step_at"]
        next_step = "—"
        if waiting:
            next_step = steps.get(item["ladder_step"], "")
            if next_step_at and next_step_at > now:
                next_step += _hint(f"from {_when(next_step_at, zone)}")
        # A hold lapses: the last holder is no longer named once it has.
        held = item["status"] in open_statuses and item["claimed_at"] is not None and item["claimed_at"] >= held_since
        holder = (item["claimed_by__full_name"] or "") if held else ""
        # A contact who reported symptoms: the team needs to call them about a test (contacts.services).
        symptoms = item.get("symptoms_reported_on")
        reported = (
            f'<br><strong class="govuk-tag govuk-tag--orange">Reported symptoms {symptoms.day} {_MONTHS[symptoms.month]}</strong>'
            if symptoms and item["status"] in open_statuses
            else ""
        )
        # The deadline comes second, so a phone shows it beside the reference before the table scrolls.
        rows.append(
            '<tr class="govuk-table__row">'
            f'<td class="govuk-table__cell"><a class="govuk-link" href="{url_of(pk)}">{prefix}{pk}</a></td>'
            f'<td class="govuk-table__cell">{_when(deadline, zone)}{_OVERDUE if waiting and deadline < now else ""}</td>'
            f'<td class="govuk-table__cell">{priorities.get(item["priority"], "")}{_hint("; ".join(item.get("priority_reasons") or []))}</td>'
            f'<td class="govuk-table__cell">{next_step}</td>'
            f'<td class="govuk-table__cell">{statuses.get(item["status"], "")}{reported}{_hint(holder)}</td>'
            f'<td class="govuk-table__cell">{escape(item["area__name"])}</td>'
            "</tr>"
        )  # fmt: skip
    if not rows:
        rows.append(
            f'<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="6">{_EMPTY[shown].format(kind=kind)}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above was escaped on its way in)


def _hint(text: str) -> str:
    """A second line in a cell, in the hint style, or nothing; the text is escaped."""
    return f'<br><span class="govuk-hint govuk-!-margin-bottom-0">{escape(text)}</span>' if text else ""


def _queue(request: HttpRequest, kind: str) -> HttpResponse:
    require_capability(request.user, "case.queue")
    now = timezone.now()
    model = Case if kind == "case" else Contact
    items = scoped(request.user, f"{kind}.view", model.objects.all())
    filters = listing.SHOW if kind == "case" else listing.CONTACT_SHOW
    shown = request.GET.get("show", "open")
    if shown not in filters:
        shown = "open"
    counts = listing.counts(items, now, by_status=False)
    fields = (*_ROW_FIELDS, "priority_reasons") if kind == "case" else (*_ROW_FIELDS, "symptoms_reported_on")
    listed = listing.filtered(items, shown, now).values(*fields)
    page = listing.page_of(
        listed,
        shown,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        # The open, due-soon and overdue filters are already counted; the others are counted up to a bound.
        count=counts[shown] if shown in ("open", "due_soon", "overdue") else None,
    )
    # Everything they hold, taken or assigned by a lead (a tracer is told, not left to notice), the one "get next"
    # returns to first: held longest without activity, so nearest to going back to the queue.
    held = list(held_by(items.only("id", "claimed_at"), request.user, now)[:12])
    return render(
        request,
        "cases/queue.html",
        {
            "kind": kind,
            "page": page,
            "rows": _rows(page.items, kind, now, shown),
            "counts": counts,
            "shown": shown,
            "filters": filters,
            "mine": held[0] if held else None,
            "held": held[:11],
            "more_held": len(held) > 11,
            "sent_away": _transferred_out(request, kind, now),
        },
    )


def _transferred_out(request: HttpRequest, kind: str, now: dt.datetime) -> QuerySet[Transfer]:
    """What this team sent to other areas lately: the reference and where it went, nothing personal."""
    areas = scope_for(request.user).areas_with(TRACING_ROLES)
    sent = Transfer.objects.filter(from_area_id__in=areas, transferred_at__gte=now - dt.timedelta(days=14))
    sent = sent.filter(case__isnull=False) if kind == "case" else sent.filter(contact__isnull=False)
    return sent.select_related("to_area", "from_area").order_by("-transferred_at")[:20]


def queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, "case")


def contact_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, "contact")


def _get_next(request: HttpRequest, kind: str) -> HttpResponse:
    require_capability(request.user, "case.queue")
    model = Case if kind == "case" else Contact
    item = claim_next(scoped(request.user, f"{kind}.view", model.objects.all()), request.user)
    if item is None:
        messages.info(request, f"There are no {kind}s waiting for a call right now.")
        return redirect("cases:queue" if kind == "case" else "contacts:queue")
    return redirect("cases:case-detail" if kind == "case" else "contacts:contact-detail", item.pk)


@require_POST
def get_next(request: HttpRequest) -> HttpResponse:
    return _get_next(request, "case")


@require_POST
def get_next_contact(request: HttpRequest) -> HttpResponse:
    return _get_next(request, "contact")
