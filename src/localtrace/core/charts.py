"""Charts: a Vega-Lite spec (usually built with Altair) drawn in the browser, with its data as a table.

Every chart is shown beside a table of the same figures, so the page is complete without
JavaScript and for screen-reader users; the drawing is an enhancement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Chart:
    # An id unique on the page: the chart's element and its spec's script use it.
    id: str
    title: str
    spec: dict[str, Any]
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    # A sentence saying what the chart shows, read out in place of the drawing.
    summary: str = ""
    # Long tables can sit in a "Show the data" details element under the chart.
    collapse_table: bool = False
    numeric_columns: frozenset[int] = field(default_factory=frozenset)


def chart(
    chart_id: str,
    title: str,
    spec: Any,
    *,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    summary: str = "",
    collapse_table: bool = False,
    numeric_columns: Sequence[int] = (),
) -> Chart:
    """A Chart from an Altair chart or a plain Vega-Lite dict."""
    as_dict = spec.to_dict() if hasattr(spec, "to_dict") else dict(spec)
    return Chart(
        id=chart_id,
        title=title,
        spec=as_dict,
        columns=list(columns),
        rows=[list(r) for r in rows],
        summary=summary,
        collapse_table=collapse_table,
        numeric_columns=frozenset(numeric_columns),
    )
