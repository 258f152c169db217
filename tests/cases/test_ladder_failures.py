"""A link step that cannot be taken: the others go ahead, and it is tried again at the next run."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.escalation import advance_due
from localtrace.cases.investigation import record_attempt
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.messaging.models import Message
from localtrace.people.models import Person
from localtrace.portal import services
from tests.personas import World

pytestmark = pytest.mark.django_db

OTHER_MOBILE = "+447911123457"


def a_contact_due_a_link(world: World) -> Contact:
    person = Person.objects.create(
        given_name="Rhian", family_name="Price", date_of_birth=dt.date(1990, 5, 2), phone=OTHER_MOBILE,
        postcode="FX1 1AB",
    )  # fmt: skip
    return Contact.objects.create(
        case=world.case_a, person=person, area=world.area_a, kind=Contact.Kind.CLOSE,
        last_exposure=timezone.localdate(), isolation_ends_on=timezone.localdate() + dt.timedelta(days=10),
        reach_deadline=timezone.now() + dt.timedelta(hours=24), ladder_step=1,
        next_step_at=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip


def test_one_link_that_cannot_be_sent_does_not_hold_back_the_others_and_stays_due(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    case = world.case_a
    record_attempt(case, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])
    contact = a_contact_due_a_link(world)
    send_message = services.send_message

    def failing_for_the_case(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("case") is not None:
            raise RuntimeError(f"could not render for {kwargs['recipient']}")
        return send_message(**kwargs)

    monkeypatch.setattr(services, "send_message", failing_for_the_case)

    with caplog.at_level(logging.ERROR):
        assert advance_due() == 1

    assert list(Message.objects.filter(purpose="self_service_link").values_list("recipient", flat=True)) == [
        OTHER_MOBILE
    ]
    contact.refresh_from_db()
    assert ladder.step(contact.ladder_step).kind == ladder.CALL
    # The case's step was not taken: no line saying its link was sent, and it is still due.
    case = Case.objects.get(pk=case.pk)
    assert ladder.step(case.ladder_step).kind == ladder.LINK and case.next_step_at <= timezone.now()
    assert not case.events.filter(kind="ladder").exists()
    # The log names the record, never the number.
    assert f"case {case.pk}" in caplog.text and case.person.phone not in caplog.text

    monkeypatch.setattr(services, "send_message", send_message)
    assert advance_due() == 1
    assert Message.objects.filter(purpose="self_service_link", case=case).count() == 1


def test_when_one_message_cannot_be_sent_people_sharing_a_mobile_still_get_one_text(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback sends each message on its own before each record: two people at one mobile are not split
    into two texts because a third person's link failed."""
    case = world.case_a
    record_attempt(case, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])
    sharer = a_contact_due_a_link(world)
    Person.objects.filter(pk=sharer.person_id).update(phone=case.person.phone)
    failing = a_contact_due_a_link(world)
    send_message = services.send_message

    def failing_for_one(**kwargs):  # type: ignore[no-untyped-def]
        if kwargs.get("contact") is not None and kwargs["contact"].pk == failing.pk:
            raise RuntimeError("could not render")
        return send_message(**kwargs)

    monkeypatch.setattr(services, "send_message", failing_for_one)

    assert advance_due() == 2

    (shared,) = Message.objects.filter(purpose="self_service_link", recipient=case.person.phone)
    assert shared.template == "self_service_links_shared"
    assert {(about.case_id, about.contact_id) for about in shared.about.all()} == {(case.pk, None), (None, sharer.pk)}
    assert not Message.objects.filter(purpose="self_service_link", recipient=OTHER_MOBILE).exists()
    failing.refresh_from_db()
    assert ladder.step(failing.ladder_step).kind == ladder.LINK  # still due, tried at the next run
