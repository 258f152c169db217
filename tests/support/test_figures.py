"""Support figures for reporting: by area and period, from the requests and claims themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from localtrace.reports import metrics
from localtrace.support import figures as support_figures_module
from localtrace.support.figures import support_figures
from localtrace.support.services import close_request, decide_claim, make_claim, record_attempt, record_needs
from tests.personas import World, make_case


def test_medians_and_percentiles_are_the_performance_figures_own() -> None:
    # One percentile function for the project (linear interpolation, as PostgreSQL percentile_cont and pandas).
    assert support_figures_module.quantile is metrics.quantile
    assert not hasattr(support_figures_module, "percentile")


def test_figures_by_area_and_period(world: World) -> None:
    officer = world.users["support_a"]
    now = timezone.now()
    asked = now - dt.timedelta(hours=30)
    (food,) = record_needs(world.case_a, ["food"], urgent=True, consent=True, at=asked)
    # Another person: speaking to someone about one need is the first contact for all their needs.
    someone_else, _ = make_case(world.area_a, world.submission, specimen_id="A-2")
    (money,) = record_needs(someone_else, ["money"], urgent=True, consent=True, at=asked)
    (pets,) = record_needs(world.contact_a, ["pets"], urgent=False, consent=True, at=asked)
    record_attempt(food, channel="phone", outcome="spoke", actor=officer, at=asked + dt.timedelta(hours=2))
    record_attempt(money, channel="phone", outcome="spoke", actor=officer, at=asked + dt.timedelta(hours=6))
    record_attempt(pets, channel="phone", outcome="no_answer", actor=officer, at=asked + dt.timedelta(hours=1))
    close_request(food, outcome="resolved", actor=officer)
    close_request(pets, outcome="unable", actor=officer)
    approved = make_claim(world.contact_a, told_to_isolate=True, low_income=True, cannot_work_from_home=True)
    decide_claim(approved, approve=True, reason="Eligible", payment_reference="R1", actor=officer)
    declined = make_claim(world.case_a, told_to_isolate=True, low_income=False, cannot_work_from_home=True)
    decide_claim(declined, approve=False, reason="Not on a low income", actor=officer)
    case_b, _ = make_case(world.area_b, world.submission, specimen_id="B-1")
    record_needs(case_b, ["food"], urgent=False, consent=True, at=asked)

    first = timezone.localdate(asked) - dt.timedelta(days=1)
    figures = support_figures([world.area_a, world.area_b], first, timezone.localdate(now))
    a, b = figures[world.area_a.pk], figures[world.area_b.pk]
    assert a.requests == 3 and a.urgent_requests == 2
    assert a.requests_by_need["food"] == 1 and a.requests_by_need["pets"] == 1 and a.requests_by_need["rules"] == 0
    assert a.first_contacted == 2 and a.first_contact_within_deadline == 1  # money was spoken to after 6 h, due in 4
    assert a.first_contact_hours_median == pytest.approx(4.0)
    assert a.first_contact_hours_p90 == pytest.approx(5.6)  # 2 h and 6 h: linear interpolation, not nearest rank
    assert a.outcomes["resolved"] == 1 and a.outcomes["unable"] == 1 and a.still_open == 1
    assert (a.payments_approved, a.payments_declined, a.claims_waiting, a.claims_made) == (1, 1, 0, 2)
    assert str(a.amount_approved) == "500.00"
    assert b.requests == 1 and b.first_contact_hours_median is None and b.payments_approved == 0

    earlier = support_figures([world.area_a], first - dt.timedelta(days=10), first - dt.timedelta(days=5))
    assert earlier[world.area_a.pk].requests == 0 and earlier[world.area_a.pk].payments_approved == 0


def test_a_period_that_ends_before_it_starts_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        support_figures([world.area_a], dt.date(2026, 2, 1), dt.date(2026, 1, 1))
