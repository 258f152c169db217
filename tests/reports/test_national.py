"""The national comparison (/performance/national/): its region and nation rows are suppressed like the
area rows beside them, and together with them give away nothing the public page hides."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.reports import dashboards, transparency, weeks
from localtrace.reports.models import WeeklyFigures
from tests.personas import World

pytestmark = pytest.mark.django_db


def figures_week() -> dt.date:
    """Read when a test runs, not when the module is imported: a run may cross midnight."""
    return weeks.week_of(timezone.localdate() - dt.timedelta(days=28))


@pytest.fixture(autouse=True)
def _fresh_tables() -> None:
    cache.clear()  # the public table is cached by the figures' key, which these tests do not move on


def _figures(area: Area, cases: int, reached: int, within: int, median: float | None = None) -> None:
    """One week's stored figures for an area, region or nation: cases received, reached, reached within 24 h."""
    values = {"cases_received": cases, "cases_reached": reached, "cases_reached_24h": within, "people": cases,
              "cases_reached_share": reached / cases if cases else None,
              "cases_reached_24h_share": within / cases if cases else None, "case_hours_median": median}  # fmt: skip
    WeeklyFigures.objects.create(area=area, week_start=figures_week(), values=values)


def _wales() -> tuple[Area, Area]:
    wales = Area.objects.create(code="W92000004", name="Wales", level=Area.Level.NATION)
    area = Area.objects.create(code="W06000901", name="Llanfeddyg", level=Area.Level.UPPER_TIER, parent=wales)
    return wales, area


def _national_page(client_for) -> tuple[str, dict[str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """The page, and each region or nation row's cells by column heading (every table of the section)."""
    response = client_for("admin").get(f"/performance/national/?week={figures_week().isoformat()}")
    assert response.status_code == 200
    rows: dict[str, dict[str, str]] = {}
    for _, headers, section_rows in response.context["region_sections"]:
        for parent, cells in section_rows:
            rows.setdefault(parent.name, {}).update(zip(headers, cells, strict=True))
    return response.content.decode(), rows


def _area_row(name: str) -> dict[str, str]:
    _, public_weeks = transparency.build(now=timezone.now())
    week = next(w for w in public_weeks if w.week_start == figures_week())
    area = Area.objects.get(name=name)
    return {f.title: week.rows[area.code][f.key].text(f.unit) for f in transparency.public_figures()}


SHARE, WITHIN, MEDIAN = (
    "Share of cases reached",
    "Share of cases reached within 24 hours of the result",
    "Median hours from result to reached",
)


def test_a_region_of_six_cases_shows_no_share_or_median_as_its_area_does_not(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    _figures(world.area_a, cases=6, reached=6, within=2, median=39.7)
    _figures(world.area_b, cases=0, reached=0, within=0)
    _figures(world.region, cases=6, reached=6, within=2, median=39.7)
    page, rows = _national_page(client_for)
    region, area = rows[world.region.name], _area_row(world.area_a.name)
    # Six cases: no share or median; two reached within 24 hours is "fewer than 5", so that share is withheld.
    assert [region[k] for k in (SHARE, WITHIN, MEDIAN)] == ["not shown", "withheld", "not shown"]
    assert [region[k] for k in (SHARE, WITHIN, MEDIAN)] == [area[k] for k in (SHARE, WITHIN, MEDIAN)]
    assert "100%" not in page and "33%" not in page and "39.7" not in page and "—" not in page


def test_a_nation_of_one_area_shows_what_its_area_shows_and_is_called_a_nation(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    wales, llanfeddyg = _wales()
    _figures(llanfeddyg, cases=7, reached=0, within=0)
    _figures(wales, cases=7, reached=0, within=0)
    page, rows = _national_page(client_for)
    assert _area_row("Llanfeddyg")[SHARE] == rows["Wales"][SHARE] == "not shown"
    assert "Region or nation</th>" in page and ">Region</th>" not in page


def test_a_nation_whose_only_area_is_hidden_does_not_reveal_it(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    wales, llanfeddyg = _wales()
    _figures(llanfeddyg, cases=3, reached=3, within=1, median=5.0)
    _figures(wales, cases=3, reached=3, within=1, median=5.0)
    _, rows = _national_page(client_for)
    area = _area_row("Llanfeddyg")
    assert [rows["Wales"][k] for k in (SHARE, WITHIN, MEDIAN)] == [area[k] for k in (SHARE, WITHIN, MEDIAN)]
    assert rows["Wales"][SHARE] == "withheld" and rows["Wales"][MEDIAN] == "not shown"
    _, public_weeks = transparency.build(now=timezone.now())
    week = next(w for w in public_weeks if w.week_start == figures_week())
    [(nation, cells)] = dashboards.parent_rows(week, [llanfeddyg])
    assert nation == wales and cells["cases_received"].text("count") == "fewer than 5"  # as its area's: no more


def test_a_region_beside_one_hidden_area_does_not_give_it_away(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    wales, llanfeddyg = _wales()
    _figures(world.area_a, cases=40, reached=30, within=20, median=10.0)
    _figures(world.area_b, cases=3, reached=3, within=3, median=2.0)
    _figures(llanfeddyg, cases=20, reached=15, within=10, median=8.0)
    _figures(world.region, cases=43, reached=33, within=23, median=9.0)
    _figures(wales, cases=20, reached=15, within=10, median=8.0)
    _, rows = _national_page(client_for)
    assert _area_row(world.area_b.name)[SHARE] == "withheld"  # its cases are "fewer than 5"
    # Mercia Vale's share would be (30 + 3) / (40 + 3): with area A's counts, area B's exactly.
    assert rows[world.region.name][SHARE] == rows[world.region.name][WITHIN] == "withheld"
    assert rows[world.region.name][MEDIAN] == "not shown"


def test_a_region_whose_areas_are_all_shown_shows_its_own_rates_and_median(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    _figures(world.area_a, cases=30, reached=25, within=20, median=10.0)
    _figures(world.area_b, cases=20, reached=10, within=5, median=30.0)
    _figures(world.region, cases=50, reached=35, within=25, median=12.5)
    _, rows = _national_page(client_for)
    assert [rows[world.region.name][k] for k in (SHARE, WITHIN, MEDIAN)] == ["70%", "50%", "12.5"]


def test_a_week_still_running_is_labelled_so_far() -> None:
    # Its figures will grow: a fall in this week's line is not yet a fall (the reports review).
    monday = dt.date(2026, 11, 16)
    assert dashboards.week_label(monday, today=dt.date(2026, 11, 22)) == "16 Nov 2026 (so far)"
    assert dashboards.week_label(monday, today=dt.date(2026, 11, 23)) == "16 Nov 2026"


def test_the_week_still_running_is_in_the_tables_not_the_drawings() -> None:
    """Its first day's figures drawn beside last week's full ones read as a fall (the UX walk: a cliff to 0)."""
    from django.utils import timezone

    from localtrace.reports import weeks

    running = weeks.week_of(timezone.localdate())
    before = running - dt.timedelta(days=7)
    by_week = {before: {"cases_received": 80, "case_completed": 70}, running: {"cases_received": 0}}
    trend = dashboards.trend_chart("t", "Cases received", "cases_received", [dashboards.Series("Area", by_week)])
    assert [r["week"] for r in trend.spec["data"]["values"]] == [before.isoformat()]
    assert [row[0] for row in trend.rows] == [dashboards.week_label(before), dashboards.week_label(running)]
    assert trend.rows[-1][0].endswith("(so far)")
    assert f"Week starting {dashboards.week_label(before)}: Area 80." in trend.summary  # what is drawn, in words
    outcomes = dashboards.outcomes_chart("o", "How it ended", dashboards.Series("Area", by_week), "case")
    assert {r["week"] for r in outcomes.spec["data"]["values"]} == {before.isoformat()}
    assert len(outcomes.rows) == 2


def test_a_trend_chart_says_in_words_what_its_latest_week_shows_and_hides_its_drawing_until_drawn() -> None:
    from django.template.loader import render_to_string

    week = dt.date(2026, 11, 9)
    lines = [dashboards.Series("Longsedgeshire", {week: {"cases_received": 64}}),
             dashboards.Series("England", {week: {"cases_received": 900}})]  # fmt: skip
    chart = dashboards.trend_chart("t", "Cases received", "cases_received", lines)
    assert chart.summary == (
        "Cases received by week, a line for Longsedgeshire and England. Week starting 9 Nov 2026: "
        "Longsedgeshire 64; England 900."
    )
    html = render_to_string("core/includes/chart.html", {"chart": chart})
    assert 'role="img" aria-label="Cases received by week, a line for Longsedgeshire and England.' in html
    assert "hidden></div>" in html  # without JavaScript no empty image is announced; charts.mjs shows it


def test_a_series_has_one_colour_and_dash_in_every_chart_whatever_the_alphabet() -> None:
    import altair as alt

    week = dt.date(2026, 11, 9)
    own = dashboards.Series("Longsedgeshire", {week: {"cases_received": 64, "told_24h_share": 0.5}})
    nation = dashboards.Series("England", {week: {"cases_received": 900, "told_24h_share": 0.6}})
    alone = dashboards.trend_chart("a", "Cases received", "cases_received", [own]).spec
    compared = dashboards.trend_chart("b", "Told", "told_24h_share", [own, nation]).spec
    # Vega-Lite would sort the names: England first, and Longsedgeshire blue alone but orange beside it.
    for spec in (alone, compared):
        colour, dash = spec["encoding"]["color"]["scale"], spec["encoding"]["strokeDash"]["scale"]
        assert (colour["domain"][0], colour["range"][0], dash["range"][0]) == ("Longsedgeshire", "#1d70b8", [1, 0])
        alt.Chart.from_dict(spec)  # still a valid Vega-Lite spec
    assert compared["encoding"]["color"]["scale"]["domain"] == ["Longsedgeshire", "England"]
    assert compared["encoding"]["strokeDash"]["scale"]["range"][1] != [1, 0]  # a line on top of another shows
