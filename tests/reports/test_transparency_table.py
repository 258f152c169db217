"""The public table: the "All areas" medians are the nation's whenever every published area is in it, and no
share gives away a hidden count through what the figures mean."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.reports import transparency
from localtrace.reports.models import WeeklyFigures
from localtrace.reports.suppression import SHOWN, SMALL
from tests.personas import World

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 10, 5)  # a Monday


def _week(area: Area, received: int, reached: int, median: float) -> None:
    values: dict[str, Any] = {"cases_received": received, "cases_reached": reached, "cases_reached_24h": reached,
                              "case_hours_median": median}  # fmt: skip
    WeeklyFigures.objects.create(area=area, week_start=WEEK, values=values, computed_at=timezone.now())


@pytest.fixture
def english_week(world: World) -> World:
    """Northshire and Southmoor (England) have figures for a week; England's own figures hold their median."""
    _week(world.area_a, 30, 25, 6.0)
    _week(world.area_b, 20, 15, 4.0)
    _week(world.region, 50, 40, 5.0)
    _week(world.region.parent, 50, 40, 5.0)
    return world


def _all_areas_median() -> transparency.PublicCell:
    _, weeks = transparency.build(now=timezone.now())
    return weeks[0].rows[transparency.TOTAL]["case_hours_median"]


def test_an_area_with_no_figures_yet_does_not_hide_the_all_areas_median(english_week: World) -> None:
    # Loading a postcode directory makes every council an area; one with no cases has no figures to add.
    Area.objects.create(code="E10000903", name="Westdale", level=Area.Level.UPPER_TIER, parent=english_week.region)
    cell = _all_areas_median()
    assert cell.state == SHOWN and cell.value == 5.0


def test_a_nation_with_no_published_area_does_not_stop_the_all_areas_median(english_week: World) -> None:
    # A full postcode directory brings Wales (and its councils) with it, though no case there was traced here.
    wales = Area.objects.create(code="W92000004", name="Wales", level=Area.Level.NATION)
    Area.objects.create(code="W06000901", name="Llanfeddyg", level=Area.Level.UPPER_TIER, parent=wales)
    cell = _all_areas_median()
    assert cell.state == SHOWN and cell.value == 5.0


def test_areas_of_two_nations_have_no_all_areas_median(english_week: World) -> None:
    wales = Area.objects.create(code="W92000004", name="Wales", level=Area.Level.NATION)
    welsh = Area.objects.create(code="W06000901", name="Llanfeddyg", level=Area.Level.UPPER_TIER, parent=wales)
    _week(welsh, 12, 11, 9.0)
    _week(wales, 12, 11, 9.0)
    assert _all_areas_median().state == transparency.NOT_COMBINED


def test_one_published_area_outside_any_nation_gives_the_all_areas_row_its_own_median(world: World) -> None:
    lone = Area.objects.create(code="E10000904", name="Lonely", level=Area.Level.UPPER_TIER)
    _week(lone, 14, 12, 7.5)
    cell = _all_areas_median()
    assert cell.state == SHOWN and cell.value == 7.5


def _counts(
    received: int, reached: int, household: tuple[int, int], other: tuple[int, int], told: int
) -> dict[str, Any]:
    named, named_reached = household[0] + other[0], household[1] + other[1]
    return {"cases_received": received, "cases_reached": reached, "cases_reached_24h": min(reached, 3),
            "household_contacts": household[0], "household_contacts_reached": household[1],
            "other_contacts": other[0], "other_contacts_reached": other[1], "contacts_named": named,
            "contacts_reached": named_reached, "people": received + named, "told_24h": told}  # fmt: skip


def test_the_share_told_within_24_hours_does_not_give_away_a_small_number_of_cases_reached(world: World) -> None:
    # Northshire: 12 cases received, 4 reached ("fewer than 5"), 20 contacts named and 18 reached, and 22 of its
    # 32 people told to isolate within 24 hours (69%). Everyone told was reached (the methods say completing a
    # record reaches the person), so a reader finds at least 22 − 18 = 4 cases reached: exactly 4.
    for area, values in ((world.area_a, _counts(12, 4, (8, 7), (12, 11), 22)),
                         (world.area_b, _counts(30, 25, (30, 25), (30, 26), 70))):  # fmt: skip
        WeeklyFigures.objects.create(area=area, week_start=WEEK, values=values, computed_at=timezone.now())
    _, weeks = transparency.build(now=timezone.now())
    row = weeks[0].rows[world.area_a.code]
    shown = {key: cell.value for key, cell in row.items() if cell.shown}
    hidden = row["cases_reached"]
    assert hidden.state != SHOWN
    low, high = (1, 4) if hidden.state == SMALL else (5, shown.get("cases_received", 10**6))
    if {"cases_received", "contacts_named", "told_24h_share", "contacts_reached"} <= set(shown):
        told = round(shown["told_24h_share"] * (shown["cases_received"] + shown["contacts_named"]))
        low = max(low, told - shown["contacts_reached"])
    assert high > low, "the page gives away Northshire's cases reached"
