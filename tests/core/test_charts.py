"""A chart renders its spec for the browser and the same figures as a table."""

from __future__ import annotations

import json

import altair as alt
from django.template.loader import render_to_string

from localtrace.core.charts import chart


def test_a_chart_carries_its_spec_and_a_table_of_the_same_figures():
    rows = [["Mon 2 Nov", 3], ["Tue 3 Nov", 5]]
    spec = (
        alt.Chart(alt.Data(values=[{"day": d, "cases": n} for d, n in rows])).mark_bar().encode(x="day:O", y="cases:Q")
    )
    html = render_to_string(
        "core/includes/chart.html",
        {"chart": chart("curve", "Cases by day", spec, columns=["Day", "Cases"], rows=rows, numeric_columns=[1])},
    )
    start = html.index('id="curve-spec"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(payload)["mark"]["type"] == "bar"
    assert '<th scope="row" class="govuk-table__header">Tue 3 Nov</th>' in html
    assert 'govuk-table__cell--numeric">5</td>' in html
    assert 'data-chart-spec="curve-spec"' in html
