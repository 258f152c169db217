"""Stopping messages at a person's request, and who may read which message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from localtrace.audit.models import AuditEvent
from localtrace.cases.models import TraceEvent
from localtrace.messaging.models import DeliveryEvent, Message, OptOut
from localtrace.messaging.services import send_message

pytestmark = pytest.mark.django_db

CONTEXT = {
    "service_name": "Northshire",
    "link": "http://testserver/p/gwen",
    "given_name": "Gwen",
    "expires_on": "1 May",
}


def send_to_case(world, capture, **kwargs):
    with capture(execute=True):
        return send_message(
            channel="sms",
            recipient=world.case_a.person.phone,
            template="self_service_link",
            context=CONTEXT,
            person=world.case_a.person,
            area=world.area_a,
            case=world.case_a,
            **kwargs,
        )


def test_a_tracer_stops_messages_and_nothing_more_is_sent(world, client_for, django_capture_on_commit_callbacks):
    waiting = Message.objects.create(
        channel="sms", recipient="+447911123456", body="Waiting", person=world.case_a.person, case=world.case_a
    )
    url = reverse("messaging:case-messages", args=[world.case_a.pk])
    response = client_for("tracer_a").post(url, {"action": "stop", "note": "Asked on the phone for no more texts"})
    assert response.status_code == 302
    opt_out = OptOut.objects.get(person=world.case_a.person)
    assert opt_out.recorded_by == world.users["tracer_a"] and "no more texts" in opt_out.note
    assert AuditEvent.objects.filter(
        object_type="people.person", object_id=str(world.case_a.person.pk), detail__messages="stopped"
    ).exists()
    assert TraceEvent.objects.filter(case=world.case_a, kind="messages_stopped").exists()
    waiting.refresh_from_db()
    assert waiting.status == Message.Status.WITHHELD

    # Every later send, from any feature, is refused and says why.
    assert send_to_case(world, django_capture_on_commit_callbacks) is None
    withheld = Message.objects.filter(case=world.case_a).exclude(pk=waiting.pk).get()
    assert withheld.status == Message.Status.WITHHELD and "asked for no more messages" in withheld.last_error
    assert withheld.events.get().kind == DeliveryEvent.Kind.WITHHELD

    page = client_for("tracer_a").get(url)
    assert b"They asked for no messages" in page.content

    # And allowed again when they ask.
    client_for("lead_a").post(url, {"action": "resume"})
    assert not OptOut.objects.exists()
    assert send_to_case(world, django_capture_on_commit_callbacks) is not None


def test_a_note_that_is_too_long_is_refused_and_changes_nothing(world, client_for):
    url = reverse("messaging:contact-messages", args=[world.contact_a.pk])
    response = client_for("tracer_a").post(url, {"action": "stop", "note": "x" * 501})
    assert response.status_code == 200
    assert b"500 characters or fewer" in response.content and b"There is a problem" in response.content
    assert not OptOut.objects.exists()


def test_the_case_page_links_to_its_messages(world, client_for):
    page = client_for("tracer_a").get(reverse("cases:case-detail", args=[world.case_a.pk]))
    assert reverse("messaging:case-messages", args=[world.case_a.pk]).encode() in page.content


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("tracer_a", 200),
        ("lead_a", 200),
        ("area_lead_a", 200),
        ("surge_active", 200),
        ("surge_idle", 404),
        ("tracer_b", 404),
        ("support_a", 404),
        ("dpo", 404),
        ("admin", 404),
    ],
)
def test_a_message_to_a_case_is_read_by_its_areas_tracing_staff_only(
    persona, status, world, client_for, django_capture_on_commit_callbacks
):
    message = send_to_case(world, django_capture_on_commit_callbacks)
    response = client_for(persona).get(reverse("messaging:message-detail", args=[message.pk]))
    assert response.status_code == status
    if status == 200:
        # The demo can follow the link the case was sent.
        assert b'href="http://testserver/p/gwen"' in response.content
        assert AuditEvent.objects.filter(object_type="messaging.message", object_id=str(message.pk)).exists()
    outbox = client_for(persona).get(reverse("messaging:outbox"))
    listed = f"message {message.pk}<".encode() in outbox.content
    assert listed == (status == 200)
    if listed:  # each row says whose record the message belongs to, by reference, not by name
        assert f"Case {world.case_a.reference}".encode() in outbox.content


def test_a_message_follows_its_case_when_the_case_is_transferred(world, client_for, django_capture_on_commit_callbacks):
    message = send_to_case(world, django_capture_on_commit_callbacks)
    type(world.case_a).objects.filter(pk=world.case_a.pk).update(area=world.area_b)
    url = reverse("messaging:message-detail", args=[message.pk])
    assert client_for("tracer_b").get(url).status_code == 200
    assert client_for("tracer_a").get(url).status_code == 404


def test_staff_messages_stay_with_administrators(world, client_for):
    url = reverse("messaging:message-detail", args=[world.message.pk])
    assert client_for("admin").get(url).status_code == 200
    assert client_for("area_lead_a").get(url).status_code == 404


def test_helpers_for_messages_that_list_several_people(world, client_for):
    from localtrace.messaging.services import address_works, messages_stopped

    gwen, rhys = world.case_a.person, world.contact_a.person
    client_for("tracer_a").post(reverse("messaging:contact-messages", args=[world.contact_a.pk]), {"action": "stop"})
    assert messages_stopped(rhys) and not messages_stopped(gwen)
    assert address_works("sms", "07911 123456")


def test_an_empty_outbox_says_it_shows_only_the_users_areas(world, client_for, django_capture_on_commit_callbacks):
    send_to_case(world, django_capture_on_commit_callbacks)  # area A's: neither sees it
    theirs = client_for("tracer_b").get(reverse("messaging:outbox")).content.decode()
    assert "No messages in your areas yet." in theirs and "No messages yet." not in theirs
    Message.objects.filter(case=None, contact=None).delete()  # the world's welcome emails to staff
    admin = client_for("admin").get(reverse("messaging:outbox")).content.decode()
    assert "No messages to staff or in your areas yet." in admin and "No messages yet." not in admin
