"""The escalation ladder: failed calls move it on, the service takes automatic steps itself."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from localtrace.cases import ladder
from localtrace.cases.escalation import advance_due
from localtrace.cases.investigation import record_attempt
from localtrace.cases.models import Case, Status
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.people.models import Person
from localtrace.portal.models import PortalLink
from localtrace.results.models import Submission
from localtrace.results.reading import read_results
from localtrace.results.services import claim, process_rows
from tests.personas import World
from tests.results.factories import csv_bytes, row

NOON = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


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


# --- steps their details do not allow are passed over -------------------------------------------------------

means = st.builds(ladder.Means, phone=st.booleans(), email=st.booleans(), address=st.booleans(), mobile=st.booleans())


@given(means, st.integers(min_value=0, max_value=len(ladder.ladder()) - 1))
def test_the_ladder_never_waits_on_a_step_their_details_do_not_allow(reach: ladder.Means, index: int) -> None:
    steps = ladder.ladder()
    following, due = ladder.after_failure(index, NOON, reach)
    assert following > index or following == len(steps) - 1
    # Everything passed over was impossible, and where it lands is possible or the end of the ladder.
    assert all(not reach.allow(s.kind) for s in steps[index + 1 : following])
    assert reach.allow(steps[following].kind) or following == len(steps) - 1
    assert due == NOON + steps[following].after
    start = ladder.first_step(reach)
    assert reach.allow(steps[start].kind) or (start == 0 and not any(reach.allow(s.kind) for s in steps[:-1]))


def intake(**overrides: str) -> Case:
    submission = Submission.objects.create(channel=Submission.Channel.COMMAND)
    claim(submission.pk)
    process_rows(submission, read_results(io.BytesIO(csv_bytes([row(nhs_number="", **overrides)]))))
    return Case.objects.get(first_result__submission=submission)


def test_a_case_with_only_an_e_mail_address_gets_the_link_at_once_then_a_visit(world: World) -> None:
    case = intake(phone="", specimen_id="EMAIL-ONLY")
    assert ladder.step(case.ladder_step).kind == ladder.LINK and case.next_step_at <= timezone.now()
    assert advance_due() == 1
    case.refresh_from_db()
    assert case.events.filter(kind="ladder", summary__contains="next step: doorstep visit").exists()
    assert ladder.step(case.ladder_step).kind == ladder.DOORSTEP
    assert dt.timedelta(hours=23) < case.next_step_at - timezone.now() <= dt.timedelta(hours=24)
    assert PortalLink.objects.filter(case=case).exists()


def test_a_case_with_a_phone_number_starts_with_a_call_as_before(world: World) -> None:
    case = intake(specimen_id="WITH-PHONE")
    assert case.ladder_step == 0 and ladder.step(0).kind == ladder.CALL and case.next_step_at is None


def test_a_case_with_only_a_postcode_waits_for_a_visit_and_someone_with_nothing_for_a_call(world: World) -> None:
    case = intake(phone="", email="", address_line_1="", specimen_id="NOTHING")
    # The postcode routes the case, so a visit is possible; without it there would be no case here at all.
    assert ladder.step(case.ladder_step).kind == ladder.DOORSTEP
    Person.objects.filter(pk=case.person_id).update(postcode="")
    assert ladder.first_step(ladder.Means.of(Person.objects.get(pk=case.person_id))) == 0


def named_with_only_an_address(world: World) -> Contact:
    """A household member named without a phone or email: they share the case's address, nothing more."""
    return name_contact(
        world.case_a,
        NamedContact(given_name="Elin", family_name="Rowlands", kind=Contact.Kind.HOUSEHOLD,
                     last_exposure=timezone.localdate()),
        actor=world.users["tracer_a"],
    )  # fmt: skip


def test_a_contact_named_with_only_an_address_waits_for_a_doorstep_visit(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    contact = named_with_only_an_address(world)
    assert ladder.step(contact.ladder_step).kind == ladder.DOORSTEP and contact.next_step_at is not None
    page = client_for("tracer_a").get("/contacts/?show=doorstep").content.decode()
    assert f'/contacts/{contact.pk}/"' in page and f'/contacts/{world.contact_a.pk}/"' not in page
    # A failed visit leaves only closing as unreachable: there is no call to make.
    record_attempt(contact, channel="doorstep", outcome="nobody_home", actor=world.users["tracer_a"])
    contact.refresh_from_db()
    assert ladder.step(contact.ladder_step).kind == ladder.UNREACHABLE


# --- details that change while the ladder waits ----------------------------------------------------------------


@given(means, means, st.integers(min_value=0, max_value=len(ladder.ladder()) - 1))
def test_new_details_lead_to_a_step_never_tried_or_one_they_allow(
    old: ladder.Means, new: ladder.Means, index: int
) -> None:
    steps = ladder.ladder()
    moved = ladder.after_new_details(index, old, new)
    if moved is None:
        # Staying: the step is still possible, nothing new became possible before it, or nothing can be done.
        assert (
            index == len(steps) - 1
            or new.allow(steps[index].kind)
            or not any(new.allow(s.kind) for s in steps[index + 1 : -1])
        )
        assert index == len(steps) - 1 or not any(new.allow(s.kind) and not old.allow(s.kind) for s in steps[:index])
    elif moved < index:
        # Back to a step that was passed over for want of the new detail: it was never tried.
        assert not old.allow(steps[moved].kind) and new.allow(steps[moved].kind)
    else:
        assert not new.allow(steps[index].kind) and new.allow(steps[moved].kind) and moved < len(steps) - 1


def test_a_number_given_for_someone_waiting_on_a_visit_brings_the_call_forward(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.people.details import change_details, fingerprint

    contact = named_with_only_an_address(world)
    assert ladder.step(contact.ladder_step).kind == ladder.DOORSTEP
    person = contact.person
    change_details(person, {"phone": "+447700900456"}, seen=fingerprint(person), item=contact)
    contact.refresh_from_db()
    assert contact.ladder_step == 0 and ladder.step(0).kind == ladder.CALL
    assert contact.next_step_at is not None and contact.next_step_at <= timezone.now()
    assert contact.events.filter(kind="ladder", summary="New contact details: next step call, due now").exists()
    # Now a call, so it is in the call queue.
    page = client_for("tracer_a").get("/contacts/?show=doorstep").content.decode()
    assert f'/contacts/{contact.pk}/"' not in page


def test_a_number_removed_moves_a_waiting_call_on_and_a_reached_case_is_left_alone(world: World) -> None:
    from localtrace.people.details import change_details, fingerprint

    case = intake(specimen_id="NUMBER-GOES", email="")
    assert ladder.step(case.ladder_step).kind == ladder.CALL
    person = case.person
    change_details(person, {"phone": ""}, seen=fingerprint(person), item=case)
    case.refresh_from_db()
    # No phone and no email: the next thing that can be done is a doorstep visit.
    assert ladder.step(case.ladder_step).kind == ladder.DOORSTEP

    reached = world.case_a
    Case.objects.filter(pk=reached.pk).update(reached_at=timezone.now(), status=Status.REACHED)
    before = Case.objects.get(pk=reached.pk).ladder_step
    person = reached.person
    change_details(person, {"phone": ""}, seen=fingerprint(person), item=reached)
    assert Case.objects.get(pk=reached.pk).ladder_step == before
