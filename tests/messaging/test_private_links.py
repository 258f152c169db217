"""Links that let their recipient in: hidden from staff, and removed from stored text once not needed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from localtrace.messaging import delivery, receipts
from localtrace.messaging.models import Message
from localtrace.messaging.private_links import HIDDEN, forget_private_links, hide_private_links, is_private
from localtrace.messaging.services import send_message, stop_messages
from localtrace.messaging.tasks import send_due_messages
from localtrace.portal.services import issue_link

pytestmark = pytest.mark.django_db

TOKEN = "Xq3-Zr9_fakeTokenForTests0123456789abcdefghi"
PORTAL = f"http://testserver/p/{TOKEN}/"


def test_self_service_and_password_reset_links_are_private():
    assert is_private(PORTAL)
    assert is_private(f"https://council.example/p/{TOKEN}")  # no last slash: the site adds it
    assert is_private(f"https://council.example/trace/p/{TOKEN}/")  # served under a path prefix
    assert is_private("https://council.example/password-reset/MTI/cdlq1e-0123456789abcdef/")
    assert not is_private("https://council.example/transparency/")
    assert not is_private("https://council.example/password-reset/")
    assert not is_private("https://www.gov.uk/isolation-payment")


def test_hiding_keeps_the_words_around_a_link_and_other_links():
    text = f"Use this link: {PORTAL}. Or read https://www.gov.uk/isolation-payment (advice)."
    assert hide_private_links(text) == (
        f"Use this link: {HIDDEN}. Or read https://www.gov.uk/isolation-payment (advice)."
    )


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_hiding_never_leaves_a_token_behind(words: str) -> None:
    shown = hide_private_links(f"{words} {PORTAL} {words}")
    assert TOKEN not in shown


def message_with_a_link(world, capture):
    link = issue_link(world.case_a, actor=world.user("tracer_a"))
    with capture(execute=True):
        message = send_message(
            channel="sms",
            recipient="+447911123456",
            template="self_service_link",
            context={"service_name": "Northshire", "link": link.url, "given_name": "Gwen", "expires_on": "1 May"},
            person=world.case_a.person,
            area=world.area_a,
            case=world.case_a,
        )
    message.refresh_from_db()
    token = link.url.rstrip("/").rsplit("/", 1)[1]
    return message, token


def test_notify_gets_the_link_and_staff_never_see_it(world, client_for, notify, django_capture_on_commit_callbacks):
    message, token = message_with_a_link(world, django_capture_on_commit_callbacks)
    assert message.status == Message.Status.SENT and message.holds_private_links
    # The one copy goes to the person, through Notify.
    assert token in notify.requests[-1].body["personalisation"]["body"]
    page = client_for("tracer_a").get(reverse("messaging:message-detail", args=[message.pk]))
    assert page.status_code == 200
    assert token not in page.content.decode() and HIDDEN in page.content.decode()


def test_the_outbox_backend_shows_the_link_because_the_outbox_is_its_delivery(
    world, client_for, django_capture_on_commit_callbacks
):
    message, token = message_with_a_link(world, django_capture_on_commit_callbacks)
    assert message.backend == "outbox" and message.status == Message.Status.SENT
    page = client_for("tracer_a").get(reverse("messaging:message-detail", args=[message.pk]))
    assert token in page.content.decode()
    forget_private_links(at=timezone.now() + dt.timedelta(days=30))
    message.refresh_from_db()
    assert token in message.body


def test_a_delivered_message_keeps_no_link(world, notify, django_capture_on_commit_callbacks):
    message, token = message_with_a_link(world, django_capture_on_commit_callbacks)
    receipts.apply(
        receipts.Receipt(notification_id=message.provider_id, reference=message.reference, status="delivered")
    )
    assert send_due_messages.call() == 0  # the scheduled sweep
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert token not in message.body and HIDDEN in message.body and not message.holds_private_links
    assert message.body.startswith("Northshire")


def test_a_sent_message_keeps_its_link_while_notify_may_ask_for_it_again(
    world, notify, settings, django_capture_on_commit_callbacks
):
    settings.LOCALTRACE_MESSAGE_KEEP_LINKS_HOURS = 72
    message, token = message_with_a_link(world, django_capture_on_commit_callbacks)
    assert forget_private_links(at=message.sent_at + dt.timedelta(hours=71)) == 0
    message.refresh_from_db()
    assert token in message.body
    assert forget_private_links(at=message.sent_at + dt.timedelta(hours=73)) == 1
    message.refresh_from_db()
    assert token not in message.body


def test_a_message_that_will_never_be_sent_keeps_no_link(world, rf):
    """The person asked for no more messages: the message is stored as not sent, without its link."""
    request = rf.post("/")
    request.user = world.user("tracer_a")
    stop_messages(world.case_a.person, request=request)
    link = issue_link(world.case_a, actor=world.user("tracer_a"))
    context = {"service_name": "Northshire", "link": link.url, "given_name": "Gwen", "expires_on": "1 May"}
    sent = send_message(
        channel="sms",
        recipient="+447911123456",
        template="self_service_link",
        context=context,
        person=world.case_a.person,
        area=world.area_a,
        case=world.case_a,
    )
    assert sent is None
    withheld = Message.objects.get(status=Message.Status.WITHHELD, case=world.case_a)
    assert HIDDEN in withheld.body and link.url not in withheld.body and not withheld.holds_private_links


def test_a_message_failed_for_good_loses_its_link_at_the_next_sweep(world, notify, django_capture_on_commit_callbacks):
    message, token = message_with_a_link(world, django_capture_on_commit_callbacks)
    delivery.refused(message, "Notify: permanent-failure", bad_address=True)
    send_due_messages.call()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and token not in message.body


def test_a_message_whose_link_is_gone_is_not_sent_again_without_it(world, notify, django_capture_on_commit_callbacks):
    message, token = message_with_a_link(world, django_capture_on_commit_callbacks)
    forget_private_links(at=message.sent_at + dt.timedelta(days=4))
    message.refresh_from_db()
    assert token not in message.body
    delivery.try_again_after_receipt(message, "Notify: technical-failure")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "send a new one" in message.events.order_by("-occurred_at").first().summary


def test_a_password_reset_link_is_hidden_from_administrators(world, client_for, notify, settings):
    # pytest-django swaps in Django's locmem email backend; staff email goes through Messages in the service.
    settings.EMAIL_BACKEND = "localtrace.messaging.backends.OutboxEmailBackend"
    user = world.user("tracer_a")
    user.email = "aled@staff.example.org"
    user.set_password("a long passphrase 42")
    user.save()
    client_for("anonymous").post(reverse("accounts:password-reset"), {"email": user.email})
    message = Message.objects.get(recipient=user.email)
    link = re.search(r"https?://\S+/password-reset/\S+/", message.body).group(0)
    assert message.holds_private_links and message.backend == "notify"
    page = client_for("admin").get(reverse("messaging:message-detail", args=[message.pk]))
    assert page.status_code == 200 and link not in page.content.decode()
