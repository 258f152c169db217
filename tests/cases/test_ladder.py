"""The escalation ladder: failed calls move it on, the service takes automatic steps itself."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.escalation import advance_due
from localtrace.cases.investigation import record_attempt
from localtrace.cases.models import Case, Status
from tests.personas import World


def due_now(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(next_step_at=timezone.now() - dt.timedelta(seconds=1))
    case.refresh_from_db()


def test_the_ladder_runs_from_a_failed_call_to_unreachable(world: World) -> None:
    case, tracer = world.case_a, world.users["tracer_a"]
    record_attempt(case, channel="phone", outcome="no_answer", actor=tracer)
    case.refresh_from_db()
    assert (case.status, ladder.step(case.ladder_step).kind) == (Status.IN_PROGRESS, ladder.LINK)
    assert case.next_step_at <= timezone.now()

    assert advance_due() == 1
    case.refresh_from_db()
    assert ladder.step(case.ladder_step).kind == ladder.CALL
    assert case.next_step_at - timezone.now() > dt.timedelta(hours=3, minutes=59)
    assert case.events.filter(kind="ladder").count() == 1

    due_now(case)
    record_attempt(case, channel="phone", outcome="voicemail", actor=tracer)
    due_now(case)
    record_attempt(case, channel="phone", outcome="no_answer", actor=tracer)
    case.refresh_from_db()
    assert ladder.step(case.ladder_step).kind == ladder.DOORSTEP

    due_now(case)
    record_attempt(case, channel="doorstep", outcome="nobody_home", actor=tracer)
    case.refresh_from_db()
    assert ladder.step(case.ladder_step).kind == ladder.UNREACHABLE
    assert advance_due() == 0  # not due for 48 hours
    due_now(case)
    assert advance_due() == 1
    case.refresh_from_db()
    assert case.status == Status.UNREACHABLE
    assert "escalation ladder" in case.outcome_note


def test_reaching_them_stops_the_ladder(world: World) -> None:
    case = world.case_a
    record_attempt(case, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])
    record_attempt(case, channel="phone", outcome="answered", actor=world.users["tracer_a"])
    case.refresh_from_db()
    assert case.status == Status.REACHED
    assert case.next_step_at is None
    assert advance_due() == 0


def test_two_runs_at_once_take_a_step_once(world: World) -> None:
    case = world.case_a
    record_attempt(case, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])
    assert advance_due() + advance_due() == 1
    assert case.events.filter(kind="ladder").count() == 1


def test_the_ladder_is_configuration(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOCALTRACE_LADDER = (
        ladder.Step(ladder.CALL, dt.timedelta(0)),
        ladder.Step(ladder.UNREACHABLE, dt.timedelta(hours=1)),
    )
    record_attempt(world.case_a, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])
    world.case_a.refresh_from_db()
    assert ladder.step(world.case_a.ladder_step).kind == ladder.UNREACHABLE


def test_a_bounced_link_makes_the_next_call_due_now_without_skipping_it(world: World) -> None:
    case, tracer = world.case_a, world.users["tracer_a"]
    record_attempt(case, channel="phone", outcome="no_answer", actor=tracer)
    advance_due()  # the link went out; the ladder now waits four hours for the next call
    case.refresh_from_db()
    waiting_on = case.ladder_step
    assert ladder.step(waiting_on).kind == ladder.CALL and case.next_step_at > timezone.now()
    record_attempt(case, channel="sms", outcome="wrong_number")  # the messaging backend's bounce
    case.refresh_from_db()
    assert case.ladder_step == waiting_on and case.next_step_at <= timezone.now()


def test_a_failed_text_on_the_link_step_moves_the_ladder_on(world: World) -> None:
    case, tracer = world.case_a, world.users["tracer_a"]
    record_attempt(case, channel="phone", outcome="no_answer", actor=tracer)
    case.refresh_from_db()
    assert ladder.step(case.ladder_step).kind == ladder.LINK
    record_attempt(case, channel="email", outcome="wrong_number", actor=tracer)
    case.refresh_from_db()
    assert ladder.step(case.ladder_step).kind == ladder.CALL
