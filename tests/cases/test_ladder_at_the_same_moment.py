"""The ladder's link step while a tracer changes the same record or person (PostgreSQL only: real concurrent
transactions). The tracer's change is held open while the ladder runs in another thread; no timing is asserted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory

from localtrace.audit.models import AuditEvent
from localtrace.cases.escalation import advance_due
from localtrace.cases.investigation import record_attempt, transfer
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.messaging.models import Message
from localtrace.people.details import change_details, fingerprint
from localtrace.people.models import Person
from tests.personas import build_world
from tests.support.test_at_the_same_moment import while_the_first_is_open

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

NEW_MOBILE = "+447911123457"


def links_sent() -> list[Message]:
    return list(Message.objects.filter(purpose="self_service_link"))


def test_a_number_changed_while_the_ladder_runs_gets_the_link_at_the_new_number_only() -> None:
    world = build_world()
    case, tracer = world.case_a, world.users["tracer_a"]
    old_mobile = case.person.phone
    record_attempt(case, channel="phone", outcome="no_answer", actor=tracer)  # the link step is due now
    person = Case.objects.get(pk=case.pk).person

    outcome = while_the_first_is_open(
        lambda: change_details(person, {"phone": NEW_MOBILE}, seen=fingerprint(person), item=case, actor=tracer),
        advance_due,
    )

    assert "error" not in outcome
    assert [m.recipient for m in links_sent() if m.status != Message.Status.WITHHELD] == [NEW_MOBILE]
    assert not [m for m in links_sent() if m.recipient == old_mobile and m.status != Message.Status.WITHHELD]


def test_a_case_transferred_while_the_ladder_runs_gets_its_link_from_the_area_that_owns_it_now() -> None:
    world = build_world()
    case, tracer = world.case_a, world.users["tracer_a"]
    record_attempt(case, channel="phone", outcome="no_answer", actor=tracer)
    request = RequestFactory().post("/")
    request.user = world.users["lead_a"]

    outcome = while_the_first_is_open(
        lambda: transfer(Case.objects.get(pk=case.pk), world.area_b, "Lives in Southmoor", request=request),
        advance_due,
    )

    # The ladder does not wait for a case being transferred: it stays due, and the next run sends its link.
    assert outcome.get("result") == 0 and not links_sent()
    assert advance_due() == 1
    (message,) = links_sent()
    assert message.area_id == world.area_b.pk
    # The ladder's line goes to the audit trail of the area that owns the case now.
    (audit,) = AuditEvent.objects.filter(detail__event="ladder", object_id=str(case.pk))
    assert audit.area_id == world.area_b.pk


def test_two_runs_at_once_send_one_link_and_write_one_line() -> None:
    world = build_world()
    case = world.case_a
    record_attempt(case, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])

    outcome = while_the_first_is_open(advance_due, advance_due)

    assert outcome.get("result") == 0
    assert len(links_sent()) == 1
    assert Case.objects.get(pk=case.pk).events.filter(kind="ladder").count() == 1


def test_the_ladder_passes_over_a_case_a_tracer_holds_and_takes_the_others() -> None:
    """A tracer naming a contact holds their case, then waits for the person named. The ladder holds the people
    of its batch first; were it then to wait for the case, each would wait for the other."""
    world = build_world()
    # A mobile and a date of birth to prove who they are: the contact's link step sends a link too.
    Person.objects.filter(pk=world.contact_a.person_id).update(phone="+447911123499", date_of_birth="1990-01-01")
    held, other = world.case_a, Contact.objects.get(pk=world.contact_a.pk)
    for item in (held, other):
        record_attempt(item, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])  # links due now

    outcome = while_the_first_is_open(lambda: Case.objects.select_for_update().get(pk=held.pk), advance_due)

    assert "error" not in outcome and outcome.get("result") == 1
    assert [m.recipient for m in links_sent()] == ["+447911123499"]
    assert not Case.objects.get(pk=held.pk).events.filter(kind="ladder").exists()
    assert advance_due() == 1  # the held case's link, at the next run
    assert Case.objects.get(pk=held.pk).events.filter(kind="ladder").count() == 1


def test_people_sharing_a_mobile_wait_for_one_of_them_a_tracer_holds_and_get_one_text() -> None:
    """Had the ladder sent the others' shared text now and the held one's at the next run, one phone would get
    two texts."""
    world = build_world()
    held = world.case_a
    Person.objects.filter(pk=world.contact_a.person_id).update(phone=held.person.phone, date_of_birth="1990-01-01")
    sharer = Contact.objects.get(pk=world.contact_a.pk)
    for item in (held, sharer):
        record_attempt(item, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])  # links due now

    outcome = while_the_first_is_open(lambda: Case.objects.select_for_update().get(pk=held.pk), advance_due)

    assert "error" not in outcome and outcome.get("result") == 0
    assert not links_sent()
    assert not Contact.objects.get(pk=sharer.pk).events.filter(kind="ladder").exists()
    assert advance_due() == 2  # both, at the next run, in one text
    (message,) = links_sent()
    assert message.template == "self_service_links_shared" and message.recipient == held.person.phone
