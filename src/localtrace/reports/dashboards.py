"""What the dashboards show: weekly series read from the stored figures, and their charts (Altair, with tables)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.core.charts import Chart, chart
from localtrace.reports import metrics, suppression, transparency, weeks
from localtrace.reports.models import WeeklyFigures

WEEKS_SHOWN = 12


@dataclass(frozen=True)
class Series:
    label: str
    by_week: dict[dt.date, dict[str, Any]]


def series(label: str, *, area_id: int | None = None, team_id: int | None = None, limit: int = WEEKS_SHOWN) -> Series:
    qs = WeeklyFigures.objects.all()
    qs = qs.filter(team_id=team_id) if team_id is not None else qs.filter(area_id=area_id or 0, team__isnull=True)
    rows = list(qs.order_by("-week_start").values_list("week_start", "values")[:limit])
    return Series(label, {week: values for week, values in reversed(rows)})


def formatted(key: str, value: Any) -> str:
    if value is None:
        return "—"
    unit = metrics.get(key).unit
    if unit == metrics.SHARE:
        return f"{value * 100:.0f}%"
    if unit in (metrics.HOURS, metrics.RATIO):
        return f"{value:.1f}"
    return f"{int(value):,}"


def parent_cells(
    week: transparency.PublicWeek, areas: Sequence[Area], stored: Mapping[str, Any]
) -> dict[str, transparency.PublicCell]:
    """A region's or nation's public figures for one week, to print beside the public page's rows for its
    `areas` (`week.rows`) without giving away anything those rows hide; `stored` is its own weekly figures.

    A count is the sum of its areas' cells, so it is shown only when they all are (a reader could add it up
    anyway): beside one hidden area it would give that area away, beside several it would tie them together.
    One exception says nothing new either: one area hidden as "fewer than 5" and a sum of 1 to 4 (the others
    are 0) is "fewer than 5". Any other count is withheld. Rates and medians then follow the public page:
    a share or ratio only when both its counts are shown and the denominator is at least 10, a median only
    over at least 10 people whose count is shown."""
    if not areas:
        return {}
    rows = [week.rows[a.code] for a in areas]
    cells: dict[str, transparency.PublicCell] = {}
    for key in rows[0]:
        if metrics.get(key).unit != metrics.COUNT:
            continue
        total = sum(int(row[key].value or 0) for row in rows)
        hidden = [row[key] for row in rows if row[key].state != suppression.SHOWN]
        if not hidden:
            state = suppression.SHOWN
        elif len(hidden) == 1 and hidden[0].state == suppression.SMALL and total <= suppression.SMALL_MAX:
            state = suppression.SMALL
        else:
            state = suppression.WITHHELD
        cells[key] = transparency.PublicCell(total, state)
    transparency.add_rates_and_medians(cells, stored)
    return cells


def parent_rows(
    week: transparency.PublicWeek, areas: Sequence[Area]
) -> list[tuple[Area, dict[str, transparency.PublicCell]]]:
    """The region or nation directly above each of these areas, by name, with its cells for the week."""
    below: dict[int, list[Area]] = {}
    for area in areas:
        if area.parent_id is not None:
            below.setdefault(area.parent_id, []).append(area)
    parents = list(Area.objects.filter(pk__in=below).order_by("name"))
    stored = dict(
        WeeklyFigures.objects.filter(area__in=parents, team__isnull=True, week_start=week.week_start).values_list(
            "area_id", "values"
        )
    )
    return [(parent, parent_cells(week, below[parent.pk], stored.get(parent.pk, {}))) for parent in parents]


def still_running(week: dt.date, *, today: dt.date | None = None) -> bool:
    return (today or timezone.localdate()) <= weeks.week_end(week)


def week_label(week: dt.date, *, today: dt.date | None = None) -> str:
    """ "16 Nov 2026", and "(so far)" while the week is still running: its figures will grow."""
    return f"{week:%-d %b %Y}" + (" (so far)" if still_running(week, today=today) else "")


def figure_table(data: Series, keys: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Figures as rows, weeks as columns (newest last)."""
    weeks_ = list(data.by_week)
    columns = ["Figure", *(f"Week starting {week_label(w)}" for w in weeks_)]
    rows = [[metrics.get(k).title, *(formatted(k, data.by_week[w].get(k)) for w in weeks_)] for k in keys]
    return columns, rows


def with_data(template: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A chart's spec with these figures in it: Altair builds and validates each shape of chart once."""
    spec: dict[str, Any] = json.loads(template)
    spec["data"] = {"values": records}
    return spec


# One colour and one dash pattern for each line, in the order the lines are given (the area first, then its
# region and the nation, or the teams), so a series looks the same in every chart of a page; the dashes tell
# apart lines that lie on one another, and lines for readers who do not see the colours. GOV.UK's palette.
SERIES_COLOURS = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d53880", "#28a197", "#b58840", "#505a5f")
SERIES_DASHES = ([1, 0], [8, 4], [2, 3], [8, 3, 2, 3])


def with_series_styles(spec: dict[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    domain = list(dict.fromkeys(labels))
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(domain))]
    dashes = [SERIES_DASHES[i % len(SERIES_DASHES)] for i in range(len(domain))]
    legend = {"orient": "bottom", "symbolType": "stroke", "symbolStrokeWidth": 3, "symbolSize": 400}
    spec["encoding"]["color"].update(scale={"domain": domain, "range": colours}, sort=domain, legend=legend)
    # The same field, scale order and legend: Vega-Lite draws one legend whose symbols show colour and dash.
    spec["encoding"]["strokeDash"] = {
        "field": "series", "type": "nominal", "title": None, "sort": domain, "legend": legend,
        "scale": {"domain": domain, "range": dashes},
    }  # fmt: skip
    return spec


@functools.cache
def _trend_spec(y_title: str) -> str:
    spec = (
        alt.Chart(alt.Data(values=[]))
        .mark_line(point=True)
        .encode(
            x=alt.X("yearmonthdate(week):O", title="Week starting", axis=alt.Axis(format="%-d %b", labelAngle=0)),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("week:T", format="%-d %b %Y"), "series:N", alt.Tooltip("value:Q", format=",.1f")],
        )
        .properties(width="container", height=220)
    )
    return json.dumps(spec.to_dict())


@functools.cache
def _outcomes_spec() -> str:
    spec = (
        alt.Chart(alt.Data(values=[]))
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(week):O", title="Week starting", axis=alt.Axis(format="%-d %b", labelAngle=0)),
            y=alt.Y("people:Q", title="People", stack="zero"),
            color=alt.Color(
                "outcome:N",
                title=None,
                sort=list(metrics.OUTCOMES.values()),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=280),
            ),
            tooltip=[alt.Tooltip("week:T", format="%-d %b %Y"), "outcome:N", "people:Q"],
        )
        .properties(width="container", height=220)
    )
    return json.dumps(spec.to_dict())


def trend_chart(chart_id: str, title: str, key: str, lines: Sequence[Series], *, summary: str = "") -> Chart:
    """One figure by week, a line for each series (an area beside its region and the nation, or teams)."""
    unit = metrics.get(key).unit
    records = []
    all_weeks = sorted({w for s in lines for w in s.by_week})
    # The week still running is in the table ("so far"), not the drawing: a line falling to its first day's
    # figures would read as a fall in cases, or in the share reached.
    drawn = [week for week in all_weeks if not still_running(week)]
    for s in lines:
        for week in drawn:
            value = s.by_week.get(week, {}).get(key)
            if value is not None:
                records.append(
                    {
                        "week": week.isoformat(),
                        "series": s.label,
                        "value": value * 100 if unit == metrics.SHARE else value,
                    }
                )
    y_title = "Per cent" if unit == metrics.SHARE else "Hours" if unit == metrics.HOURS else "Number"
    spec = with_series_styles(with_data(_trend_spec(y_title), records), [s.label for s in lines])
    columns = ["Week starting", *(s.label for s in lines)]
    rows = [[week_label(w), *(formatted(key, s.by_week.get(w, {}).get(key)) for s in lines)] for w in all_weeks]
    if not summary and all_weeks:  # what the drawing shows, in words: the latest week of each line
        latest = (drawn or all_weeks)[-1]
        said = "; ".join(f"{s.label} {formatted(key, s.by_week.get(latest, {}).get(key))}" for s in lines)
        names = " and ".join(s.label for s in lines) if len(lines) < 3 else f"{len(lines)} series"
        summary = f"{title} by week, a line for {names}. Week starting {week_label(latest)}: {said}."
    return chart(chart_id, title, spec, columns=columns, rows=rows, summary=summary or title,
                 collapse_table=len(rows) > 6, numeric_columns=range(1, len(columns)))  # fmt: skip


def outcomes_chart(chart_id: str, title: str, data: Series, kind: str) -> Chart:
    """How the escalation ladder ended, by week, stacked."""
    records, rows = [], []
    for week, values in data.by_week.items():
        row = [week_label(week)]
        for key, label in metrics.OUTCOMES.items():
            n = int(values.get(f"{kind}_{key}") or 0)
            if not still_running(week):  # in the table only, as in trend_chart
                records.append({"week": week.isoformat(), "outcome": label, "people": n})
            row.append(f"{n:,}")
        rows.append(row)
    spec = with_data(_outcomes_spec(), records)
    return chart(chart_id, title, spec, columns=["Week starting", *metrics.OUTCOMES.values()], rows=rows,
                 summary=title, collapse_table=len(rows) > 6, numeric_columns=range(1, len(metrics.OUTCOMES) + 1))  # fmt: skip


def week_description() -> str:
    return weeks.describe()
