"""Sessions and sign-in events that an attacker could use: demo passwords, endless sessions, a reset second
factor, unrecorded wrong codes, and what the failed sign-ins keep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts.models import User
from localtrace.audit.models import AuditEvent
from tests.accounts.test_sign_in import PASSWORD, sign_in_with_password, totp_code
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> User:
    user = User.objects.create(username="ffion", full_name="Ffion Llywelyn", email="ffion@staff.example.org")
    user.set_password(PASSWORD)
    user.save()
    return user


def signed_in(client: Client, person: User) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    sign_in_with_password(client)
    assert client.post(reverse("accounts:code"), {"code": totp_code(device)})["Location"] == reverse("core:home")
    return device


@override_settings(DEMO=False)
def test_a_demo_account_is_refused_outside_demo_mode_even_with_the_right_password(client: Client, person: User) -> None:
    User.objects.filter(pk=person.pk).update(is_demo_account=True)
    response = sign_in_with_password(client)
    assert response.status_code == 200 and b"The username or password is not right" in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="sign_in_failed", detail__demo_account=True).exists()
    with override_settings(DEMO=True):
        assert sign_in_with_password(Client())["Location"] == reverse("accounts:set-up-authenticator")


def test_a_session_ends_a_working_day_after_sign_in_however_busy(client: Client, person: User) -> None:
    signed_in(client, person)
    ends = client.session.get_expiry_date()
    assert dt.timedelta(hours=11, minutes=59) < ends - timezone.now() <= dt.timedelta(hours=12)
    # Saving the session again (as every minute's activity does) keeps the end where it was.
    session = client.session
    session["touched"] = 1
    session.save()
    assert client.session.get_expiry_date() == ends


def test_resetting_someones_second_factor_ends_their_open_session(client: Client, person: User) -> None:
    signed_in(client, person)
    assert client.get(reverse("core:home")).status_code == 200
    TOTPDevice.objects.filter(user=person).delete()  # accounts.services.reset_second_factor, by an administrator
    # Not on to setting up a new authenticator: back to the password.
    assert client.get(reverse("accounts:set-up-authenticator"))["Location"] == reverse("accounts:sign-in")
    assert "_auth_user_id" not in client.session
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_a_wrong_code_after_the_right_password_is_in_the_audit_trail(client: Client, person: User) -> None:
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    sign_in_with_password(client)
    response = client.post(reverse("accounts:code"), {"code": "000000"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="sign_in_failed")
    assert event.actor == person and event.detail == {"second_factor": "wrong code"}


def test_a_failed_sign_in_keeps_the_username_only_when_it_is_an_account(client: Client, person: User) -> None:
    sign_in_with_password(client, "FFION", "wrong password")
    sign_in_with_password(client, "a long enough passphrase 42", "oops, password in the wrong box")
    details = list(AuditEvent.objects.filter(action="sign_in_failed").order_by("pk").values_list("detail", flat=True))
    assert details == [{"username": "FFION"}, {"username": "(no such account)"}]


def test_a_deactivated_account_cannot_finish_a_password_reset_sent_before(client: Client, person: User) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid, token = urlsafe_base64_encode(force_bytes(person.pk)), default_token_generator.make_token(person)
    link = reverse("accounts:password-reset-confirm", args=[uid, token])
    # An administrator closes the account after the link was sent (accounts.services.set_active).
    User.objects.filter(pk=person.pk).update(is_active=False)
    page = client.get(link, follow=True)
    assert b"The link has expired or has been used" in page.content
    new_password = "a password set after the account was closed"
    client.post(page.redirect_chain[-1][0] if page.redirect_chain else link,
                {"new_password1": new_password, "new_password2": new_password})  # fmt: skip
    person.refresh_from_db()
    assert person.check_password(PASSWORD) and not person.check_password(new_password)


@pytest.mark.parametrize(
    "age, invited, works",
    [
        ("1 hour", True, True),
        ("1 day", True, True),  # an invitation outlasts a reset: people start on a Monday
        ("4 days", True, False),
        ("1 hour", False, True),
        ("1 day", False, False),  # a reset lasts 2 hours
    ],
)
def test_an_invitation_link_lasts_days_and_a_reset_link_two_hours(
    world: World, age: str, invited: bool, works: bool
) -> None:
    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    from localtrace.accounts.tokens import set_password_tokens

    ago = {"1 hour": dt.timedelta(hours=1), "1 day": dt.timedelta(days=1), "4 days": dt.timedelta(days=4)}[age]

    class Then(PasswordResetTokenGenerator):
        def _now(self) -> dt.datetime:
            return super()._now() - ago

    user = world.users["tracer_b"]
    if invited:
        user.last_login = None
        user.set_unusable_password()
    else:
        user.set_password("a long enough password 1")
    user.save()
    assert set_password_tokens.check_token(user, Then().make_token(user)) is works
