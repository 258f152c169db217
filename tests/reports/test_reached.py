"""Who counts as reached, and by whom: answers sent online reach nobody by themselves; a case is reached
when a tracer speaks to them or completes the record, and counts for that tracer's team (docs/metrics.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from localtrace.cases.investigation import complete, record_attempt
from localtrace.cases.models import Attempt, Case, Status
from localtrace.contacts.models import Contact
from localtrace.portal.answers import submit_case_answers
from localtrace.portal.services import issue_link
from localtrace.reports import metrics, rollup, weeks
from localtrace.reports.models import ReachFact, WeeklyFigures
from localtrace.results.models import TestResult
from tests.personas import World

pytestmark = pytest.mark.django_db

NOTHING_TO_ADD = {"symptomatic": "no", "household": [], "contacts": [], "places": [],
                  "support": {"needs": [], "urgent": "no", "consent": ""}}  # fmt: skip


def _case_whose_result_came(world: World, hours_ago: float) -> tuple[Case, dt.datetime]:
    clock = timezone.now() - dt.timedelta(hours=hours_ago)
    TestResult.objects.filter(pk=world.case_a.first_result_id).update(received_at=clock)
    return Case.objects.get(pk=world.case_a.pk), clock


def _answer_online(case: Case, at: dt.datetime) -> None:
    link = issue_link(case, at=at).link
    submit_case_answers(link, case, {"link": link.pk, **NOTHING_TO_ADD}, at=at)


def _fact(case: Case) -> ReachFact:
    return ReachFact.objects.get(kind=ReachFact.Kind.CASE, item_id=case.pk)


def _week(area_id: int = 0, team_id: int = 0, *, clock: dt.datetime) -> dict[str, object]:
    """The stored figures of an area (or a team) for the week of `clock`."""
    rows = WeeklyFigures.objects.filter(week_start=weeks.week_of(timezone.localdate(clock)))
    rows = rows.filter(team_id=team_id) if team_id else rows.filter(area_id=area_id, team__isnull=True)
    return rows.get().values


def test_answers_sent_online_reach_nobody_until_a_tracer_completes_the_record(world: World) -> None:
    case, clock = _case_whose_result_came(world, hours_ago=40)
    _answer_online(case, clock + dt.timedelta(hours=1))
    case.refresh_from_db()
    # The record itself is marked reached: the ladder stops chasing someone who answered.
    assert case.reached_at == clock + dt.timedelta(hours=1) and case.next_step_at is None
    rollup.refresh()
    fact = _fact(case)
    assert (fact.reached_at, fact.outcome, fact.reached_by_team_id, fact.answered_online) == (
        None, "not_reached", None, True
    )  # fmt: skip
    assert _week(world.area_a.pk, clock=clock)["cases_reached"] == 0

    completed_at = clock + dt.timedelta(hours=28)
    complete(case, actor=world.users["tracer_a"], at=completed_at, summary="Answers checked by phone")
    rollup.refresh()
    fact = _fact(case)
    assert (fact.reached_at, fact.outcome, fact.reached_by_team_id) == (completed_at, "other", world.team_a.pk)
    assert fact.hours_to_reach == pytest.approx(28)
    area, team = _week(world.area_a.pk, clock=clock), _week(team_id=world.team_a.pk, clock=clock)
    assert (area["cases_reached"], area["cases_reached_24h"], area["case_hours_median"]) == (1, 0, pytest.approx(28))
    assert (team["cases_reached"], team["case_hours_median"]) == (1, pytest.approx(28))  # the area's, team by team


def test_a_call_after_answers_sent_online_reaches_the_case_for_the_callers_team(world: World) -> None:
    case, clock = _case_whose_result_came(world, hours_ago=30)
    _answer_online(case, clock + dt.timedelta(hours=1))
    called = clock + dt.timedelta(hours=3)
    record_attempt(case, channel=Attempt.Channel.PHONE, outcome=Attempt.Outcome.ANSWERED,
                   actor=world.users["surge_active"], at=called)  # fmt: skip
    rollup.refresh()
    fact = _fact(case)
    assert (fact.reached_at, fact.outcome, fact.reached_by_team_id) == (called, "later_call", world.surge_team.pk)
    assert fact.hours_to_reach == pytest.approx(3)
    assert _week(team_id=world.surge_team.pk, clock=clock)["cases_reached"] == 1


def test_a_contact_who_tested_positive_before_anyone_reached_them_is_counted_so(world: World) -> None:
    # Not "not reached yet": nobody is still trying, their case follows them up. On both databases (the rollup
    # builds facts in SQL on PostgreSQL, in Python elsewhere).
    contact = world.contact_a
    Contact.objects.filter(pk=contact.pk).update(status=Status.BECAME_CASE, closed_at=timezone.now())
    rollup.refresh()
    fact = ReachFact.objects.get(kind=ReachFact.Kind.CONTACT, item_id=contact.pk)
    assert (fact.outcome, fact.reached_at) == ("became_case", None)
    assert (fact.outcome,) == tuple(f.outcome for f in metrics.facts_for(ReachFact.Kind.CONTACT, [contact.pk]))


def test_a_contact_reopened_by_symptoms_stays_told_at_their_first_completion(world: World) -> None:
    # Told to isolate is the first completion on the timeline: reopening the record for a call about symptoms
    # reported online, and completing it again, move neither the moment nor the team. On both databases.
    from localtrace.contacts.services import record_symptom_report

    contact = world.contact_a
    Contact.objects.filter(pk=contact.pk).update(named_at=timezone.now() - dt.timedelta(hours=30))
    told = timezone.now() - dt.timedelta(hours=20)
    complete(Contact.objects.get(pk=contact.pk), actor=world.users["tracer_a"], at=told, summary="Told to isolate")
    record_symptom_report(Contact.objects.get(pk=contact.pk), has_symptoms=True)
    assert Contact.objects.get(pk=contact.pk).status != Status.COMPLETED  # reopened for a call
    rollup.refresh()
    fact = ReachFact.objects.get(kind=ReachFact.Kind.CONTACT, item_id=contact.pk)
    assert (fact.told_at, fact.reached_at, fact.outcome, fact.reached_by_team_id) == (
        told, told, "other", world.team_a.pk
    )  # fmt: skip
    assert fact.hours_to_told == pytest.approx(10)

    complete(Contact.objects.get(pk=contact.pk), actor=world.users["surge_active"], summary="Called about symptoms")
    rollup.refresh()
    (again,) = metrics.facts_for(ReachFact.Kind.CONTACT, [contact.pk])
    stored = ReachFact.objects.get(kind=ReachFact.Kind.CONTACT, item_id=contact.pk)
    assert (stored.told_at, stored.reached_by_team_id) == (again.told_at, again.reached_by_team_id) == (
        told, world.team_a.pk
    )  # fmt: skip
