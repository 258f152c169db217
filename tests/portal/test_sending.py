"""Sending self-service links: the ladder's link step, the tracer's button, shared phones, one recipient each."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.escalation import advance_due
from localtrace.cases.investigation import record_attempt
from localtrace.cases.models import Attempt
from localtrace.contacts.models import Contact
from localtrace.messaging.models import Message
from localtrace.people.models import Person
from localtrace.portal import services
from localtrace.portal.models import PortalLink
from tests.personas import World

pytestmark = pytest.mark.django_db


def sent() -> QuerySet[Message]:
    """Messages carrying self-service links (the personas' world holds a staff message too)."""
    return Message.objects.filter(purpose="self_service_link")


LINK = re.compile(r"https?://\S+/p/([A-Za-z0-9_-]+)/")


def household_sharing_a_phone(world: World, *, phone: str = "+447911123456") -> list[Contact]:
    """Two more people in the case's home, both on the case's mobile, both due a link now."""
    contacts = []
    for given, born in (("Rhian", dt.date(2008, 5, 2)), ("Emyr", dt.date(2011, 9, 30))):
        person = Person.objects.create(
            given_name=given, family_name="Morgan-Davies", date_of_birth=born, phone=phone, postcode="FX1 1AB",
            preferred_language="cy",
        )  # fmt: skip
        contacts.append(
            Contact.objects.create(
                case=world.case_a, person=person, area=world.area_a, kind=Contact.Kind.HOUSEHOLD,
                last_exposure=timezone.localdate(), isolation_ends_on=timezone.localdate() + dt.timedelta(days=10),
                reach_deadline=timezone.now() + dt.timedelta(hours=24), ladder_step=1,
                next_step_at=timezone.now() - dt.timedelta(minutes=1),
            )
        )  # fmt: skip
    return contacts


def test_the_ladders_link_step_sends_a_link_in_the_persons_language_and_records_an_attempt(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case = world.case_a
    record_attempt(case, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        assert advance_due() == 1
    case.refresh_from_db()
    assert ladder.step(case.ladder_step).kind == ladder.CALL
    message = Message.objects.get(case=case)
    assert (message.channel, message.recipient, message.language) == ("sms", "+447911123456", "cy")
    assert message.template == "self_service_link" and "Gwen" in message.body and "dyddiad geni" in message.body
    token = LINK.search(message.body).group(1)  # type: ignore[union-attr]
    assert PortalLink.objects.get(token_hash=services.hash_token(token)).case == case
    assert case.attempts.filter(channel=Attempt.Channel.SMS, outcome=Attempt.Outcome.SENT).count() == 1
    assert case.events.filter(kind="attempt", summary="Self-service link sent by text message").exists()


def test_people_who_share_a_phone_get_one_message_listing_each_link(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    contacts = household_sharing_a_phone(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert advance_due() == 2
    messages = list(Message.objects.filter(recipient="+447911123456"))
    assert len(messages) == 1
    body = messages[0].body
    assert messages[0].template == "self_service_links_shared" and messages[0].language == "cy"
    assert "llythyren gyntaf ei enw: R" in body and "llythyren gyntaf ei enw: E" in body
    assert "Rhian" not in body and "Emyr" not in body
    tokens = LINK.findall(body)
    assert len(tokens) == 2
    links = [PortalLink.objects.get(token_hash=services.hash_token(t)) for t in tokens]
    assert {link.contact for link in links} == set(contacts)
    for contact in contacts:
        assert contact.events.filter(summary__contains="in one message for the 2 people").exists()
        assert contact.attempts.filter(outcome=Attempt.Outcome.SENT).count() == 1


def test_people_of_two_areas_on_one_phone_get_a_message_from_each_area(world: World) -> None:
    household = household_sharing_a_phone(world)
    Contact.objects.filter(pk=household[1].pk).update(area=world.area_b)
    household[1].refresh_from_db()
    services.send_links([world.case_a, *household])
    by_area = {m.area_id: m for m in sent()}
    assert set(by_area) == {world.area_a.pk, world.area_b.pk}
    # Area A's message, which area A's staff can read, holds only area A's people's links.
    assert len(LINK.findall(by_area[world.area_a.pk].body)) == 2
    assert len(LINK.findall(by_area[world.area_b.pk].body)) == 1


def test_someone_who_stopped_messages_is_left_out_of_a_message_to_the_phone_they_share(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from localtrace.messaging.models import OptOut

    rhian, emyr = household_sharing_a_phone(world)
    OptOut.objects.create(person=rhian.person)
    with django_capture_on_commit_callbacks(execute=True):
        advance_due()
    (message,) = Message.objects.filter(recipient="+447911123456")
    # Only Emyr's link is left, so it is his own message, which checks his opt-out too.
    assert message.template == "self_service_link" and message.person == emyr.person
    assert not PortalLink.objects.filter(contact=rhian).exists()
    assert rhian.events.filter(summary="No self-service link sent: they asked for no more messages").exists()


def test_every_message_has_exactly_one_recipient(world: World) -> None:
    household_sharing_a_phone(world, phone="+447911000111")
    record_attempt(world.case_a, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])
    advance_due()
    assert sent().count() == 2
    for message in sent():
        assert message.recipient and "," not in message.recipient and ";" not in message.recipient


def test_no_mobile_or_email_means_no_link_and_the_timeline_says_so(world: World) -> None:
    person = world.case_a.person
    person.phone = ""
    person.save()
    services.send_links([world.case_a])
    assert not PortalLink.objects.exists() and not sent().exists()
    assert world.case_a.events.filter(summary__contains="no mobile number or email address").exists()


def test_email_is_used_when_there_is_no_mobile(world: World) -> None:
    person = world.case_a.person
    person.phone, person.email = "", "gwen@example.org"
    person.save()
    (outcome,) = services.send_links([world.case_a])
    assert outcome.sent
    message = sent().get()
    assert message.channel == "email" and message.recipient == "gwen@example.org" and message.subject


def test_a_landline_gets_no_text_the_link_goes_by_email_or_not_at_all(world: World) -> None:
    person = world.case_a.person
    person.phone, person.email = "+442920123456", "gwen@example.org"  # a Cardiff landline
    person.save()
    services.send_links([world.case_a])
    assert sent().get().channel == "email"
    # Without an email address there is no link to send, and the ladder's link step is passed over (a call).
    sent().delete()
    PortalLink.objects.all().delete()
    person.email = ""
    person.save()
    services.send_links([world.case_a])
    assert not sent().exists()
    assert not ladder.Means.of(person).allow(ladder.LINK) and ladder.Means.of(person).allow(ladder.CALL)


def test_a_mobile_marked_as_not_working_gives_way_to_email(world: World) -> None:
    from localtrace.messaging.models import BadAddress

    person = world.case_a.person
    person.email = "gwen@example.org"
    person.save()
    BadAddress.objects.create(channel="sms", address=person.phone, reason="Not delivered")
    (outcome,) = services.send_links([world.case_a])
    assert outcome.sent and sent().get().channel == "email"


def test_when_messaging_refuses_no_link_stays_usable_and_the_timeline_says_why(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "send_message", lambda **kwargs: None)
    (outcome,) = services.send_links([world.case_a])
    assert not outcome.sent
    link = PortalLink.objects.get()
    assert link.revoked_at is not None and not link.is_usable
    assert world.case_a.events.filter(summary__contains="No self-service link could be sent by text message").exists()
    assert not world.case_a.attempts.exists()


def test_a_tracer_sends_a_link_from_the_case_page(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("tracer_a").post(f"/cases/{world.case_a.pk}/self-service-link/")
    assert response.status_code == 302
    link = PortalLink.objects.get()
    assert link.created_by == world.users["tracer_a"]
    assert sent().get().case == world.case_a
    event = world.case_a.events.get(summary__startswith="Self-service link sent")
    assert event.actor == world.users["tracer_a"]


def test_the_case_page_and_the_text_give_the_same_last_day(world: World, client_for, settings) -> None:  # type: ignore[no-untyped-def]
    """The link stops at midnight after its last day: the page once gave that next day, the text the last."""
    Person.objects.filter(pk=world.case_a.person_id).update(preferred_language="en")
    client = client_for("tracer_a")
    client.post(f"/cases/{world.case_a.pk}/self-service-link/")
    link = PortalLink.objects.get()
    last_day = services.isolation_ends_on(world.case_a) + dt.timedelta(days=settings.PORTAL_LINK_MARGIN_DAYS)
    assert link.last_day == last_day
    assert f"It works until {last_day:%A} {last_day.day} {last_day:%B %Y}." in sent().get().body
    page = client.get(f"/cases/{world.case_a.pk}/").content.decode()
    assert f"works until {last_day.day} {last_day:%b}" in page
    next_day = last_day + dt.timedelta(days=1)
    assert f"works until {next_day.day} {next_day:%b}" not in page


def test_a_tracer_of_another_area_cannot_send_one(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    assert client_for("tracer_b").post(f"/cases/{world.case_a.pk}/self-service-link/").status_code == 404
    assert not PortalLink.objects.exists() and not sent().exists()


def test_the_link_expires_after_isolation_plus_the_margin(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_LINK_MARGIN_DAYS = 2
    link = services.issue_link(world.case_a).link
    ends = services.isolation_ends_on(world.case_a)
    assert timezone.localtime(link.expires_at).date() == ends + dt.timedelta(days=3)
    assert timezone.localtime(link.expires_at).time() == dt.time.min


def test_a_shared_message_that_bounces_moves_on_each_of_its_peoples_ladders_and_shows_on_their_pages(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from localtrace.messaging.delivery import refused

    contacts = household_sharing_a_phone(world)
    assert advance_due() == 2
    [message] = Message.objects.filter(template="self_service_links_shared")
    assert message.case_id is None and message.contact_id is None  # it belongs to neither of them alone
    for contact in contacts:
        page = client_for("tracer_a").get(reverse("messaging:contact-messages", args=[contact.pk])).content.decode()
        assert reverse("messaging:message-detail", args=[message.pk]) in page

    refused(message, "The provider says the number or address does not exist", bad_address=True)
    for contact in contacts:
        contact.refresh_from_db()
        assert contact.attempts.filter(outcome=Attempt.Outcome.WRONG_NUMBER, channel=Attempt.Channel.SMS).count() == 1
        assert ladder.step(contact.ladder_step).kind == ladder.CALL  # moved on past the link


def test_people_sharing_a_phone_but_not_a_language_get_it_in_welsh_then_english(world: World) -> None:
    contacts = household_sharing_a_phone(world)
    Person.objects.filter(pk=contacts[1].person_id).update(preferred_language="en")
    assert advance_due() == 2
    [message] = Message.objects.filter(template="self_service_links_shared")
    assert message.language == "cy+en"
    welsh, english = (
        message.body.index("llythyren gyntaf ei enw: R"),
        message.body.index("first letter of their name: R"),
    )
    assert welsh < english
    # Each link once in each language, with a date both can read.
    assert len(LINK.findall(message.body)) == 4 and len(set(LINK.findall(message.body))) == 2
    assert re.search(r"yn gweithio tan \d\d/\d\d/\d{4}", message.body)
    assert re.search(r"works until \d\d/\d\d/\d{4}", message.body)


def test_stopping_one_persons_messages_holds_back_the_text_they_share_and_the_others_get_new_links(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    rhian, emyr = household_sharing_a_phone(world)
    assert advance_due() == 2  # the shared text is queued, not yet sent
    [shared] = Message.objects.filter(template="self_service_links_shared")
    held_links = [PortalLink.objects.get(token_hash=services.hash_token(t)) for t in LINK.findall(shared.body)]

    page = client_for("tracer_a").post(
        reverse("messaging:contact-messages", args=[rhian.pk]), {"note": "Asked on the phone"}, follow=True
    )

    shared.refresh_from_db()
    assert shared.status == Message.Status.WITHHELD
    assert shared.last_error == "One of the people it was for asked for no more messages."
    assert all(PortalLink.objects.get(pk=link.pk).revoked_at is not None for link in held_links)
    # Emyr, alone now, gets his own text with a new link; Rhian gets nothing.
    (new,) = Message.objects.filter(recipient="+447911123456", status=Message.Status.QUEUED)
    assert new.template == "self_service_link" and new.person == emyr.person
    (token,) = LINK.findall(new.body)
    assert PortalLink.objects.get(token_hash=services.hash_token(token)).contact == emyr
    assert emyr.events.filter(summary__startswith="The text with their self-service link was not sent").exists()
    assert "so it will not be sent. They were sent a new link in a text without theirs." in page.content.decode()


def test_a_shared_text_is_not_delivered_once_one_of_its_people_has_asked_for_no_messages(world: World) -> None:
    from localtrace.messaging.delivery import deliver
    from localtrace.messaging.models import OptOut

    rhian, _ = household_sharing_a_phone(world)
    advance_due()
    [shared] = Message.objects.filter(template="self_service_links_shared")
    OptOut.objects.create(person=rhian.person)  # recorded some other way than the stop button

    assert deliver(shared.pk) == Message.Status.WITHHELD
    assert not Message.objects.filter(status=Message.Status.SENT).exists()
