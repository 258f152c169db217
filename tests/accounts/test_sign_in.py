"""Signing in with a password and a TOTP code, lockout, inactivity, sign-out and password reset."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts.middleware import IdleTimeoutMiddleware
from localtrace.accounts.models import User
from localtrace.audit.models import AuditEvent
from localtrace.messaging.models import Message

PASSWORD = "a long enough passphrase 42"


def totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def person(db: None) -> User:
    user = User.objects.create(username="ffion", full_name="Ffion Llywelyn", email="ffion@staff.example.org")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in_with_password(client: Client, username: str = "ffion", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(reverse("accounts:sign-in"), {"username": username, "password": password})


def test_a_new_user_sets_up_an_authenticator_then_reaches_home(client: Client, person: User) -> None:
    response = sign_in_with_password(client)
    assert response["Location"] == reverse("accounts:set-up-authenticator")
    page = client.get(response["Location"])
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    # Staff pages stay closed until the second factor is given.
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:set-up-authenticator")
    response = client.post(reverse("accounts:set-up-authenticator"), {"code": totp_code(device)})
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(actor=person, action="mfa_enrolled").count() == 1
    assert AuditEvent.objects.filter(actor=person, action="sign_in").count() == 1


def test_a_returning_user_enters_the_code_from_their_app(client: Client, person: User) -> None:
    device = TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    response = sign_in_with_password(client)
    assert response["Location"] == reverse("accounts:code")
    wrong = client.post(reverse("accounts:code"), {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert b"The security code is not right" in wrong.content
    assert client.get(reverse("core:home")).status_code == 302
    device.throttle_reset()
    response = client.post(reverse("accounts:code"), {"code": totp_code(device)})
    assert response["Location"] == reverse("core:home")


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client: Client, person: User) -> None:
    response = sign_in_with_password(client, password="not it")
    assert response.status_code == 200
    assert b"The username or password is not right" in response.content
    assert AuditEvent.objects.filter(action="sign_in_failed").count() == 1


def test_repeated_failures_lock_sign_in(client: Client, person: User) -> None:
    for _ in range(5):
        sign_in_with_password(client, password="wrong password")
    response = sign_in_with_password(client)  # even the right password is refused now
    assert response.status_code in (403, 429)
    assert b"Sign-in is locked" in response.content


def test_demo_accounts_cannot_skip_the_second_factor_outside_demo_mode(client: Client, person: User) -> None:
    person.is_demo_account = True
    person.save()
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    sign_in_with_password(client)
    page = client.get(reverse("accounts:code"))
    assert b"Skip (demo accounts only)" not in page.content
    client.post(reverse("accounts:code"), {"action": "skip-demo"})
    assert client.get(reverse("core:home")).status_code == 302


@override_settings(DEMO=True)
def test_in_demo_mode_only_demo_accounts_may_skip(client: Client, person: User) -> None:
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    sign_in_with_password(client)
    client.post(reverse("accounts:code"), {"action": "skip-demo"})
    assert client.get(reverse("core:home")).status_code == 302  # not a demo account

    person.is_demo_account = True
    person.save()
    response = client.post(reverse("accounts:code"), {"action": "skip-demo"})
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200


def test_inactivity_signs_the_user_out(client: Client, person: User) -> None:
    from tests.conftest import sign_in_fully

    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    sign_in_fully(client, person)
    assert client.get(reverse("core:home")).status_code == 200
    session = client.session
    session[IdleTimeoutMiddleware.SESSION_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("core:home"))
    assert response["Location"] == "/signed-out/?reason=inactive"
    assert b"had not done anything" in client.get(response["Location"]).content
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:sign-in"))
    assert AuditEvent.objects.filter(actor=person, action="sign_out").count() == 1


def test_signing_out_is_a_post_and_ends_the_session(client: Client, person: User) -> None:
    from tests.conftest import sign_in_fully

    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    sign_in_fully(client, person)
    assert (
        client.get(reverse("accounts:sign-out"), headers={"Accept": "text/html"})["Location"] == "/"
    )  # only a form signs out
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("accounts:sign-out"))
    assert client.get(reverse("core:home")).status_code == 302


@pytest.fixture
def outbox_backend(settings) -> None:  # type: ignore[no-untyped-def]
    # pytest-django swaps in Django's locmem backend; these tests are about our outbox.
    settings.EMAIL_BACKEND = "localtrace.messaging.backends.OutboxEmailBackend"


@pytest.mark.usefixtures("outbox_backend")
def test_password_reset_sends_one_email_to_one_person_through_the_outbox(client: Client, person: User) -> None:
    response = client.post(reverse("accounts:password-reset"), {"email": "ffion@staff.example.org"})
    assert response["Location"] == reverse("accounts:password-reset-sent")
    message = Message.objects.get()
    assert message.recipient == "ffion@staff.example.org"
    link = re.search(r"http://testserver(/password-reset/[^\s]+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Set a new password" in form_page.content
    new_password = "another long passphrase 99"
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response["Location"] == reverse("accounts:password-reset-complete")
    person.refresh_from_db()
    assert person.check_password(new_password)


@pytest.mark.usefixtures("outbox_backend")
def test_an_unknown_email_address_gets_the_same_answer_and_no_message(client: Client, person: User) -> None:
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("accounts:password-reset-sent")
    assert not Message.objects.exists()
