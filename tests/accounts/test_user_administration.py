"""Administrators add staff, give them team roles and reset their sign-in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts.access import scope_for
from localtrace.accounts.models import User
from localtrace.areas.models import Membership
from localtrace.audit.models import AuditEvent
from localtrace.messaging.models import Message
from tests.personas import World


@pytest.fixture(autouse=True)
def outbox_backend(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "localtrace.messaging.backends.OutboxEmailBackend"


def test_a_new_user_is_invited_by_one_email_with_a_set_password_link(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("admin").post(
            reverse("accounts:user-create"),
            {
                "full_name": "Eilidh Campbell",
                "username": "eilidh",
                "email": "eilidh@staff.example.org",
                "deployment_role": "",
            },
        )
    user = User.objects.get(username="eilidh")
    assert response["Location"] == reverse("accounts:user-detail", args=[user.pk])
    assert not user.has_usable_password()
    message = Message.objects.get(recipient="eilidh@staff.example.org")
    assert "/password-reset/" in message.body
    assert AuditEvent.objects.filter(action="create", object_type="accounts.user", object_id=str(user.pk)).exists()


def test_a_duplicate_email_is_refused_with_a_message(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(
        reverse("accounts:user-create"),
        {"full_name": "Someone", "username": "someone", "email": "tracer_a@staff.example.org"},
    )
    assert response.status_code == 200
    assert "User with this Email already exists" in response.content.decode()
    assert not User.objects.filter(username="someone").exists()


def test_giving_a_team_role_changes_what_the_person_may_see(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer_b = world.users["tracer_b"]
    assert world.area_a.pk not in scope_for(tracer_b).working_area_ids
    client_for("admin").post(
        reverse("accounts:membership-add", args=[tracer_b.pk]), {"team": world.team_a.pk, "role": "tracer"}
    )
    assert Membership.objects.filter(user=tracer_b, team=world.team_a).exists()
    fresh = User.objects.get(pk=tracer_b.pk)
    assert world.area_a.pk in scope_for(fresh).working_area_ids


def test_the_same_role_twice_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(
        reverse("accounts:membership-add", args=[world.users["tracer_a"].pk]),
        {"team": world.team_a.pk, "role": "tracer"},
    )
    assert response.status_code == 200
    assert "They already have this role in this team" in response.content.decode()


def test_resetting_the_second_factor_removes_the_authenticator(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    target = world.users["tracer_a"]
    client_for("admin").post(reverse("accounts:reset-second-factor", args=[target.pk]))
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert AuditEvent.objects.filter(action="mfa_reset", object_id=str(target.pk)).exists()


def test_an_administrator_cannot_deactivate_themselves(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    admin = world.users["admin"]
    client_for("admin").post(reverse("accounts:set-active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active


def test_a_deactivated_user_is_signed_out_of_everything(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer = client_for("tracer_a")
    client_for("admin").post(reverse("accounts:set-active", args=[world.users["tracer_a"].pk]), {"active": "0"})
    assert tracer.get(reverse("core:home")).status_code == 302


def test_an_administrator_cannot_give_themselves_roles(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from localtrace.areas.models import Membership

    admin = world.users["admin"]
    client = client_for("admin")
    detail = client.get(reverse("accounts:user-detail", args=[admin.pk])).content.decode()
    assert "Another administrator changes your own roles." in detail
    refused = client.post(reverse("accounts:membership-add", args=[admin.pk]),
                          {"team": world.team_a.pk, "role": "area_lead"}, follow=True)  # fmt: skip
    assert "You cannot change your own roles: ask another administrator." in refused.content.decode()
    assert not Membership.objects.filter(user=admin).exists()
    client.post(reverse("accounts:user-edit", args=[admin.pk]),
                {"full_name": "Ada Admin", "username": admin.username, "email": admin.email,
                 "deployment_role": "data_protection_officer"})  # fmt: skip
    admin.refresh_from_db()
    assert admin.deployment_role == "administrator" and admin.full_name == "Ada Admin"  # the name may change
