"""What the dashboards show: weekly series read from the stored figures, and their charts (Altair, with tables)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt

from localtrace.core.charts import Chart, chart
from localtrace.reports import metrics, weeks
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


def week_label(week: dt.date) -> str:
    return f"{week:%-d %b %Y}"


def figure_table(data: Series, keys: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Figures as rows, weeks as columns (newest last)."""
    weeks_ = list(data.by_week)
    columns = ["Figure", *(f"Week from {week_label(w)}" for w in weeks_)]
    rows = [[metrics.get(k).title, *(formatted(k, data.by_week[w].get(k)) for w in weeks_)] for k in keys]
    return columns, rows


def with_data(template: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A chart's spec with these figures in it: Altair builds and validates each shape of chart once."""
    spec: dict[str, Any] = json.loads(template)
    spec["data"] = {"values": records}
    return spec


@functools.cache
def _trend_spec(y_title: str) -> str:
    spec = (
        alt.Chart(alt.Data(values=[]))
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week starting", axis=alt.Axis(format="%-d %b")),
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
            x=alt.X("week:T", title="Week starting", axis=alt.Axis(format="%-d %b")),
            y=alt.Y("people:Q", title="People", stack="zero"),
            color=alt.Color(
                "outcome:N",
                title=None,
                sort=list(metrics.OUTCOMES.values()),
                legend=alt.Legend(orient="bottom", columns=2),
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
    for s in lines:
        for week in all_weeks:
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
    spec = with_data(_trend_spec(y_title), records)
    columns = ["Week starting", *(s.label for s in lines)]
    rows = [[week_label(w), *(formatted(key, s.by_week.get(w, {}).get(key)) for s in lines)] for w in all_weeks]
    return chart(chart_id, title, spec, columns=columns, rows=rows, summary=summary or title,
                 collapse_table=len(rows) > 6, numeric_columns=range(1, len(columns)))  # fmt: skip


def outcomes_chart(chart_id: str, title: str, data: Series, kind: str) -> Chart:
    """How the escalation ladder ended, by week, stacked."""
    records, rows = [], []
    for week, values in data.by_week.items():
        row = [week_label(week)]
        for key, label in metrics.OUTCOMES.items():
            n = int(values.get(f"{kind}_{key}") or 0)
            records.append({"week": week.isoformat(), "outcome": label, "people": n})
            row.append(f"{n:,}")
        rows.append(row)
    spec = with_data(_outcomes_spec(), records)
    return chart(chart_id, title, spec, columns=["Week starting", *metrics.OUTCOMES.values()], rows=rows,
                 summary=title, collapse_table=len(rows) > 6, numeric_columns=range(1, len(metrics.OUTCOMES) + 1))  # fmt: skip


def week_description() -> str:
    return weeks.describe()
