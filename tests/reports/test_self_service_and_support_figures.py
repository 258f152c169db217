"""Self-service and support figures: stored weekly values match a count over the raw tables, and
decisions made after a run reach the figures on the next one."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import Counter

import pytest
from django.utils import timezone

from localtrace.cases.investigation import InvestigationError, record_attempt
from localtrace.cases.models import Attempt, Case
from localtrace.reports import rollup, weeks
from localtrace.reports.models import WeeklyFigures
from localtrace.support.models import PaymentClaim, SupportRequest
from localtrace.support.services import SupportError, decide_claim, make_claim, record_needs
from tests.personas import World
from tests.reports.conftest import generate

pytestmark = pytest.mark.django_db


def _week(moment: dt.datetime) -> dt.date:
    return weeks.week_of(timezone.localtime(moment).date())


def _play_online_and_support(world: World, cases: list[Case]) -> None:
    rng = random.Random(4)
    for case in cases:
        when = case.first_result.received_at + dt.timedelta(hours=1)
        try:
            if rng.random() < 0.6:
                record_attempt(case, channel=Attempt.Channel.SMS, outcome=Attempt.Outcome.SENT, at=when)
                if rng.random() < 0.5:
                    record_attempt(case, channel=Attempt.Channel.WEB, outcome=Attempt.Outcome.ANSWERED, at=when)
        except InvestigationError:
            pass  # closed before the link would have gone out
        if rng.random() < 0.4:
            record_needs(case, rng.sample(["food", "money", "pets"], 2), urgent=rng.random() < 0.5, consent=True)
            with contextlib.suppress(SupportError):  # isolation not current: the rules refuse it, as they should
                make_claim(case, told_to_isolate=True, low_income=True, cannot_work_from_home=True)


def _expected() -> dict[tuple[int, dt.date], Counter[str]]:
    wanted: dict[tuple[int, dt.date], Counter[str]] = {}
    for case in Case.objects.select_related("first_result"):
        tries = list(case.attempts.values_list("channel", "outcome"))
        sent = any(c in ("sms", "email") and o == "sent" for c, o in tries)
        online = any(c == "web" for c, _ in tries)
        counts = wanted.setdefault((case.area_id, _week(case.first_result.received_at)), Counter())
        counts["cases_link_sent"] += sent
        counts["cases_online_of_sent"] += sent and online
    for request in SupportRequest.objects.all():
        counts = wanted.setdefault((request.area_id, _week(request.requested_at)), Counter())
        counts["support_requests"] += 1
        counts["support_requests_urgent"] += request.urgent
    for claim in PaymentClaim.objects.all():
        wanted.setdefault((claim.area_id, _week(claim.claimed_at)), Counter())["payment_claims"] += 1
        if claim.decided_at is not None:
            wanted.setdefault((claim.area_id, _week(claim.decided_at)), Counter())[f"payments_{claim.status}"] += 1
    return wanted


def _check() -> int:
    stored = {(r.area_id, r.week_start): r.values for r in WeeklyFigures.objects.filter(team__isnull=True)}
    checked = 0
    for key, counts in _expected().items():
        for figure, value in counts.items():
            assert stored[key][figure] == value, (key, figure)
            checked += value
        if counts["cases_link_sent"]:
            share = stored[key]["self_service_share"]
            assert share == pytest.approx(counts["cases_online_of_sent"] / counts["cases_link_sent"])
    return checked


def test_self_service_and_support_figures_match_the_raw_tables_and_follow_later_decisions(world: World) -> None:
    cases = generate(world, cases=40, seed=5)
    _play_online_and_support(world, cases)
    rollup.refresh()
    assert _check() > 10
    assert SupportRequest.objects.exists() and PaymentClaim.objects.exists()
    # Decisions made after the run are counted in the week they were made, on the next run.
    for number, claim in enumerate(PaymentClaim.objects.filter(decided_at__isnull=True)):
        decide_claim(claim, approve=number % 2 == 0, reason="Checked against the record",
                     payment_reference=f"PAY-{claim.pk}" if number % 2 == 0 else "")  # fmt: skip
    rollup.refresh()
    _check()
    this_week = WeeklyFigures.objects.get(
        area=world.area_a, team__isnull=True, week_start=weeks.week_of(timezone.localdate())
    )
    decided = PaymentClaim.objects.filter(area=world.area_a, decided_at__isnull=False).count()
    assert this_week.values["payments_approved"] + this_week.values["payments_declined"] == decided > 0


def test_a_run_with_nothing_new_changes_no_figure_and_keeps_the_published_key(world: World) -> None:
    from localtrace.reports import transparency
    from localtrace.reports.models import RollupState

    _play_online_and_support(world, generate(world, cases=30, seed=8))
    assert rollup.refresh().buckets > 0
    assert SupportRequest.objects.exists()  # read again by every run (the last OVERLAP of them)
    key, version = transparency.figures_key(), RollupState.objects.get().figures_version
    again = rollup.refresh()
    assert again.buckets == 0 and "0 weeks of an area's or team's figures changed" in again.line()
    assert (transparency.figures_key(), RollupState.objects.get().figures_version) == (key, version)
    # A new request does change its week, and only then the key.
    case = Case.objects.filter(support_requests__isnull=True).first()
    assert case is not None
    record_needs(case, ["food"], urgent=True, consent=True)
    assert rollup.refresh().buckets > 0 and transparency.figures_key() != key
