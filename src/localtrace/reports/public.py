"""The public transparency page and its open data (CSV and JSON): no sign-in, suppressed figures only."""

from __future__ import annotations

import functools
import hashlib
import json

import altair as alt
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import condition, require_GET

from localtrace.core.charts import chart
from localtrace.core.csvsafe import csv_lines
from localtrace.reports import dashboards, metrics, suppression, transparency, weeks
from localtrace.reports.models import PublishedFile, RollupState

OPEN_DATA_FIELDS = [
    "week_start",
    "week_end",
    "provisional",
    "area_code",
    "area_name",
    "figure",
    "unit",
    "value",
    "status",
]
WEEKS_ON_PAGE = 8


def _national_chart(public_weeks: list[transparency.PublicWeek]) -> object:
    rows, records = [], []
    for week in reversed(public_weeks):
        cell = week.rows[transparency.TOTAL]["cases_reached_24h_share"]
        contacts = week.rows[transparency.TOTAL]["contacts_reached_share"]
        label = f"{week.week_start:%-d %b %Y}"  # the week's own table says whether it is provisional
        rows.append([label, cell.text(metrics.SHARE), contacts.text(metrics.SHARE)])
        for name, c in (("Cases reached within 24 hours", cell), ("Contacts reached", contacts)):
            if c.shown and c.value is not None:
                records.append(
                    {"week": week.week_start.isoformat(), "figure": name, "percent": round(c.value * 100, 1)}
                )
    spec = dashboards.with_data(_public_spec(), records)
    return chart("national-trend", "All areas: share of cases reached within 24 hours and of contacts reached",
                 spec, columns=["Week starting", "Cases reached in 24 hours", "Contacts reached"], rows=rows,
                 summary="The share of cases reached within 24 hours of their result and of contacts reached, "
                 "each week, for all areas together.", numeric_columns=[1, 2])  # fmt: skip


@functools.cache
def _public_spec() -> str:
    spec = (
        alt.Chart(alt.Data(values=[]))
        .mark_line(point=True)
        .encode(
            # One label per week, at its point: a time axis put a tick every few days between weekly points.
            x=alt.X("yearmonthdate(week):O", title="Week starting", axis=alt.Axis(format="%-d %b", labelAngle=0)),
            y=alt.Y("percent:Q", title="Per cent", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("figure:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("week:T", format="%-d %b %Y"), "figure:N", "percent:Q"],
        )
        .properties(width="container", height=240)
    )
    return json.dumps(spec.to_dict())


def _page_body() -> str:
    """The page's figures, chart and methods as HTML (no nonce, no user, no request in it: it can be cached)."""
    areas, public_weeks = transparency.build(limit_weeks=WEEKS_ON_PAGE)
    figures = transparency.public_figures()
    # Figures down the side and areas across, so a week fits a phone's width when the areas are few.
    columns = [a.name for a in areas] + ["All areas"]
    tables = []
    for week in public_weeks:
        row_cells = [week.rows[a.code] for a in areas] + [week.rows[transparency.TOTAL]]
        tables.append((week, [(f.title, [cells[f.key].text(f.unit) for cells in row_cells]) for f in figures]))
    return render_to_string(
        "reports/includes/transparency_body.html",
        {
            "figures": figures,
            "columns": columns,
            "tables": tables,
            "chart": _national_chart(public_weeks) if public_weeks else None,
            "small_max": suppression.SMALL_MAX,
            "rate_min": suppression.RATE_MIN_DENOMINATOR,
        },
    )


@login_not_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/transparency.html",
        {
            # Built once per change of the figures: the tables, chart and methods are the same for everyone.
            "body": mark_safe(_published("page").decode()),  # noqa: S308 (rendered by our template)
            "week_description": weeks.describe(),
            "ran_at": RollupState.objects.filter(pk=1).values_list("ran_at", flat=True).first(),
            "final_after_days": transparency.FINAL_AFTER.days,
        },
    )


# What the rollup publishes (PublishedFile rows) and how each is built.
PUBLISHED = {"page": lambda: _page_body().encode(), "csv": lambda: _csv_body(), "json": lambda: _json_body()}


def publish() -> None:
    """Build the page's body and the open data for the figures as they are now and store them (PublishedFile),
    so that no visitor waits for them. The rollup calls it in the transaction that changed the figures, and
    when the local day has turned since (weeks become final)."""
    key = transparency.figures_key()
    now = timezone.now()
    for name, make in PUBLISHED.items():
        PublishedFile.objects.update_or_create(name=name, defaults={"key": key, "content": make(), "built_at": now})


def published_is_current() -> bool:
    key = transparency.figures_key()
    return set(PublishedFile.objects.filter(key=key).values_list("name", flat=True)) == set(PUBLISHED)


def _published(name: str) -> bytes:
    """The stored body for the figures as they are now; built here only if the rollup has not published it yet
    (a new deployment, or just after midnight): never an older one."""

    def make() -> bytes:
        key = transparency.figures_key()
        stored = PublishedFile.objects.filter(name=name, key=key).values_list("content", flat=True).first()
        return bytes(stored) if stored is not None else PUBLISHED[name]()

    return transparency.cached(name, make)


def _etag(request: HttpRequest) -> str:
    return hashlib.sha256(transparency.figures_key().encode()).hexdigest()[:32]


def _csv_body() -> bytes:
    areas, public_weeks = transparency.build()
    rows = ([r[f] for f in OPEN_DATA_FIELDS] for r in transparency.open_data_records(areas, public_weeks))
    return "".join(csv_lines(OPEN_DATA_FIELDS, rows)).encode()


def _json_body() -> bytes:
    areas, public_weeks = transparency.build()
    body = {
        "week": weeks.describe(),
        "suppression": {
            "small_counts": f"1 to {suppression.SMALL_MAX} shown as null with status 'small'",
            "secondary": "further cells withheld (status 'withheld') so that neither the totals nor the relations "
            "between figures (reached at most received; people to tell are cases plus contacts; everyone told to "
            "isolate was reached) can reveal a hidden count",
            "rates": f"null unless numerator and denominator are shown and the denominator is at least "
            f"{suppression.RATE_MIN_DENOMINATOR}",
            "too_few": f"medians are null with status 'too_few' unless taken over at least "
            f"{suppression.RATE_MIN_DENOMINATOR} people whose count is shown; shares too when their counts are shown "
            "but the denominator is under that",
            "not_combined": "the all-areas median of areas in more than one nation is null with status "
            "'not_combined': medians do not add up",
        },
        "figures": [
            {"key": f.key, "title": f.title, "unit": f.unit, "definition": f.definition}
            for f in transparency.public_figures()
        ],
    }
    # One record per line, each encoded by the C encoder (indent= would force the slow pure-Python one).
    head = json.dumps(body, indent=1)[: -len("\n}")]
    records = ",\n  ".join(json.dumps(r) for r in transparency.open_data_records(areas, public_weeks))
    return f'{head},\n "records": [\n  {records}\n ]\n}}\n'.encode()


# The open data is encoded once per change of the figures and served from the cache; the ETag names that
# state, so a client that has it already gets 304 Not Modified.
@login_not_required
@require_GET
@condition(etag_func=_etag)
def open_data_csv(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        _published("csv"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="localtrace-weekly-figures.csv"'},
    )


@login_not_required
@require_GET
@condition(etag_func=_etag)
def open_data_json(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_published("json"), content_type="application/json")
