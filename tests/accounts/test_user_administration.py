"""Administrators add staff, give them team roles and reset their sign-in."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts.access import scope_for
from localtrace.accounts.models import RoleGrant, User
from localtrace.accounts.services import account_fingerprint
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
    assert "/password-reset/" in message.body and "the link works for 3 days, once" in message.body
    assert AuditEvent.objects.filter(action="create", object_type="accounts.user", object_id=str(user.pk)).exists()


def test_a_duplicate_email_is_refused_with_a_message(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(
        reverse("accounts:user-create"),
        {"full_name": "Someone", "username": "someone", "email": "tracer_a@staff.example.org"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is already an account with this email address. Each person has one account" in page
    assert "User with this Email already exists" not in page
    assert not User.objects.filter(username="someone").exists()


def _second_administrator(world: World) -> User:
    """A second administrator, signed in by client_for("admin_2")."""
    from tests.personas import make_user

    world.users["admin_2"] = make_user("admin_2", deployment_role=User.DeploymentRole.ADMINISTRATOR)
    return world.users["admin_2"]


def test_a_team_role_changes_what_the_person_may_see_once_a_second_administrator_approves_it(
    world: World, client_for
) -> None:  # type: ignore[no-untyped-def]
    tracer_b = world.users["tracer_b"]
    _second_administrator(world)
    assert world.area_a.pk not in scope_for(tracer_b).working_area_ids
    admin = client_for("admin")
    given = admin.post(
        reverse("accounts:membership-add", args=[tracer_b.pk]), {"team": world.team_a.pk, "role": "tracer"},
        follow=True,
    ).content.decode()  # fmt: skip
    assert "Tracer in Northshire Tracing for Tracer B waits for another administrator to approve it." in given
    assert "You gave this role: another administrator approves it." in given and ">Approve<" not in given
    # Given, it gives nothing yet.
    (grant,) = RoleGrant.objects.filter(user=tracer_b)
    assert not Membership.objects.filter(user=tracer_b, team=world.team_a).exists()
    assert world.area_a.pk not in scope_for(User.objects.get(pk=tracer_b.pk)).working_area_ids
    # Whoever gave it cannot approve it, even by posting the form by hand.
    refused = admin.post(reverse("accounts:role-approve", args=[tracer_b.pk, grant.pk]), follow=True).content.decode()
    assert "You gave this role, so another administrator must approve it" in refused
    assert RoleGrant.objects.filter(pk=grant.pk).exists()

    second = client_for("admin_2")
    assert "Tracer B: Tracer in Northshire Tracing" in second.get(reverse("accounts:user-list")).content.decode()
    assert "1 role waiting for your approval" in second.get(reverse("core:home")).content.decode()
    approved = second.post(reverse("accounts:role-approve", args=[tracer_b.pk, grant.pk]), follow=True)
    assert "Approved: Tracer B is now a tracer in Northshire Tracing." in approved.content.decode()
    assert Membership.objects.filter(user=tracer_b, team=world.team_a, role="tracer").exists()
    assert not RoleGrant.objects.exists()
    assert world.area_a.pk in scope_for(User.objects.get(pk=tracer_b.pk)).working_area_ids
    event = AuditEvent.objects.get(action="grant", object_type="areas.membership")
    assert (event.actor, event.detail["granted_by"], event.detail["approved_by"]) == (
        world.users["admin_2"], world.users["admin"].pk, world.users["admin_2"].pk
    )  # fmt: skip
    # Approved twice (a second tab, a double click): the second is told, and nothing changes.
    again = second.post(reverse("accounts:role-approve", args=[tracer_b.pk, grant.pk]), follow=True)
    assert "Another administrator has approved or withdrawn this role" in again.content.decode()
    assert Membership.objects.filter(user=tracer_b, team=world.team_a).count() == 1


def test_an_administrator_cannot_make_a_second_account_of_their_own_an_administrator_to_approve_their_grants(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("admin")
    with django_capture_on_commit_callbacks(execute=True):
        made = admin.post(reverse("accounts:user-create"), _new_user(deployment_role="administrator"), follow=True)
    assert "Their role across the whole service waits for another administrator to approve it." in made.content.decode()
    alias = User.objects.get(username="director.b")
    assert alias.deployment_role == ""  # nothing yet: it cannot approve anything
    (grant,) = RoleGrant.objects.filter(user=alias)
    assert (grant.team, grant.role, grant.granted_by) == (None, "administrator", world.users["admin"])
    # Nor can a role given to an existing account by editing it.
    target = world.users["tracer_b"]
    Membership.objects.filter(user=target).delete()
    edited = admin.post(
        reverse("accounts:user-edit", args=[target.pk]),
        _new_user(full_name=target.full_name, username=target.username, email=target.email,
                  deployment_role="data_protection_officer", seen=account_fingerprint(target)),
        follow=True,
    ).content.decode()  # fmt: skip
    assert "Data protection officer for the whole service waits for another administrator to approve it." in edited
    target.refresh_from_db()
    assert target.deployment_role == ""
    # Withdrawn by whoever gave it: it never takes effect.
    admin.post(reverse("accounts:role-withdraw", args=[alias.pk, grant.pk]))
    assert not RoleGrant.objects.filter(user=alias).exists()
    assert AuditEvent.objects.filter(
        action="revoke", object_type="accounts.rolegrant", object_id=str(grant.pk)
    ).exists()


def test_a_service_wide_role_approved_by_a_second_administrator_takes_effect(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    _second_administrator(world)
    target = world.users["tracer_b"]
    Membership.objects.filter(user=target).delete()
    client_for("admin").post(
        reverse("accounts:user-edit", args=[target.pk]),
        _new_user(full_name=target.full_name, username=target.username, email=target.email,
                  deployment_role="data_protection_officer", seen=account_fingerprint(target)),
    )  # fmt: skip
    (grant,) = RoleGrant.objects.filter(user=target)
    client_for("admin_2").post(reverse("accounts:role-approve", args=[target.pk, grant.pk]))
    target.refresh_from_db()
    assert target.deployment_role == "data_protection_officer"
    event = AuditEvent.objects.get(action="grant", object_type="accounts.user", object_id=str(target.pk))
    assert event.detail["deployment_role"] == "data_protection_officer"
    # Nobody approves a role given to themselves.
    admin_2 = world.users["admin_2"]
    own = RoleGrant.objects.create(user=admin_2, role="data_protection_officer", granted_by=world.users["admin"])
    page = client_for("admin_2").post(reverse("accounts:role-approve", args=[admin_2.pk, own.pk]), follow=True)
    assert "You cannot change your own roles" in page.content.decode()
    assert RoleGrant.objects.filter(pk=own.pk).exists()


def test_taking_a_role_away_needs_no_approval(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    target = world.users["dpo"]
    client_for("admin").post(
        reverse("accounts:user-edit", args=[target.pk]),
        _new_user(full_name=target.full_name, username=target.username, email=target.email, deployment_role="",
                  seen=account_fingerprint(target)),
    )  # fmt: skip
    target.refresh_from_db()
    assert target.deployment_role == "" and not RoleGrant.objects.exists()


def test_on_the_server_an_operator_makes_an_administrator_and_approves_a_waiting_role(world: World) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("create_administrator", "bea.admin", email="bea@staff.example.org", full_name="Bea Admin", stdout=out)
    bea = User.objects.get(username="bea.admin")
    assert bea.is_administrator and not bea.has_usable_password()
    assert "/password-reset/" in out.getvalue()  # the outbox sends nothing: the operator hands the link over
    assert AuditEvent.objects.get(action="create", object_id=str(bea.pk)).detail["made_on_the_server"] is True
    with pytest.raises(CommandError, match="There is already an account with this email address"):
        call_command(
            "create_administrator", "bea2", email="BEA@staff.example.org", full_name="Bea", stdout=io.StringIO()
        )

    grant = RoleGrant.objects.create(
        user=world.users["tracer_b"], team=world.team_a, role="tracer", granted_by=world.users["admin"]
    )
    listing = io.StringIO()
    call_command("approve_role", stdout=listing)
    assert f"{grant.pk}: Tracer in Northshire Tracing for Tracer B" in listing.getvalue()
    call_command("approve_role", str(grant.pk), stdout=io.StringIO())
    assert Membership.objects.filter(user=world.users["tracer_b"], team=world.team_a).exists()
    event = AuditEvent.objects.get(action="grant", object_type="areas.membership")
    assert event.actor is None and event.detail["approved_by"] == "on the server"
    with pytest.raises(CommandError, match="No role numbered"):
        call_command("approve_role", str(grant.pk), stdout=io.StringIO())


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


def test_an_administrators_own_page_does_not_offer_to_deactivate_them(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("admin")
    own = client.get(reverse("accounts:user-detail", args=[world.users["admin"].pk])).content.decode()
    assert "Deactivate account" not in own and reverse("accounts:set-active", args=[world.users["admin"].pk]) not in own
    other = client.get(reverse("accounts:user-detail", args=[world.users["tracer_a"].pk])).content.decode()
    assert "Deactivate account" in other


def test_a_deactivated_user_is_signed_out_of_everything_and_stays_so_when_reactivated(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer, other = client_for("tracer_a"), client_for("tracer_b")
    admin = client_for("admin")
    admin.post(reverse("accounts:set-active", args=[world.users["tracer_a"].pk]), {"active": "0"})
    assert tracer.get(reverse("core:home")).status_code == 302
    # Reactivated, the account signs in again; the sessions it had before do not come back.
    admin.post(reverse("accounts:set-active", args=[world.users["tracer_a"].pk]), {"active": "1"})
    assert tracer.get(reverse("core:home")).status_code == 302
    assert other.get(reverse("core:home")).status_code == 200  # nobody else's session was touched
    event = AuditEvent.objects.filter(action="change", object_id=str(world.users["tracer_a"].pk)).first()
    assert event is not None and event.detail == {"is_active": True, "sessions_ended": 0}
    assert AuditEvent.objects.filter(detail__sessions_ended=1).exists()


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
                 "deployment_role": "data_protection_officer", "seen": account_fingerprint(admin)})  # fmt: skip
    admin.refresh_from_db()
    assert admin.deployment_role == "administrator" and admin.full_name == "Ada Admin"  # the name may change


def _new_user(**changes: str) -> dict[str, str]:
    return {"full_name": "Priya Raghunathan", "username": "director.b", "email": "director.b@staff.example.org",
            "phone": "", "deployment_role": "", **changes}  # fmt: skip


def test_an_email_differing_only_in_capitals_is_refused_and_creates_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(reverse("accounts:user-create"), _new_user(email="Tracer_A@Staff.example.org"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "There is already an account with this email address" in page
    assert not User.objects.filter(username="director.b").exists()
    assert not AuditEvent.objects.filter(action="create", object_type="accounts.user").exists()


def test_changing_an_email_to_another_accounts_address_in_other_capitals_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    target = world.users["tracer_b"]
    response = client_for("admin").post(
        reverse("accounts:user-edit", args=[target.pk]),
        _new_user(
            full_name=target.full_name,
            username=target.username,
            email="TRACER_A@staff.example.org",
            seen=account_fingerprint(target),
        ),
    )
    assert "There is already an account with this email address" in response.content.decode()
    target.refresh_from_db()
    assert target.email == "tracer_b@staff.example.org"


def test_a_person_may_keep_their_own_email_when_their_details_change(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    target = world.users["tracer_b"]
    response = client_for("admin").post(
        reverse("accounts:user-edit", args=[target.pk]),
        _new_user(
            full_name="Zofia Kowalczyk",
            username=target.username,
            email="Tracer_B@staff.example.org",
            seen=account_fingerprint(target),
        ),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.full_name == "Zofia Kowalczyk"


def test_a_phone_number_that_is_not_one_is_refused_and_creates_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(reverse("accounts:user-create"), _new_user(phone="not a phone"))
    assert response.status_code == 200
    assert "Enter a phone number, like 07123 456789 or +44 7123 456789" in response.content.decode()
    assert not User.objects.filter(username="director.b").exists()


def test_a_phone_number_is_kept_in_its_international_form(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    client_for("admin").post(reverse("accounts:user-create"), _new_user(phone="07911 123 456"))
    assert User.objects.get(username="director.b").phone == "+447911123456"


@pytest.mark.parametrize("username", ["director@b", "director+b", "director b", "directør"])
def test_a_username_with_anything_but_letters_numbers_and_dot_underscore_hyphen_is_refused(
    world: World, client_for, username: str
) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(reverse("accounts:user-create"), _new_user(username=username))
    page = response.content.decode()
    assert "Letters a to z, numbers and . _ - only." in page  # the hint and the rule agree
    assert (
        "Enter a username using only letters a to z, numbers, full stops (.), underscores (_) and hyphens (-)" in page
    )
    assert not User.objects.filter(email="director.b@staff.example.org").exists()


def test_a_username_differing_only_in_capitals_is_refused(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("admin").post(reverse("accounts:user-create"), _new_user(username="Tracer_A"))
    assert "There is already an account with this username" in response.content.decode()
    assert not User.objects.filter(email="director.b@staff.example.org").exists()


@pytest.mark.parametrize("persona, why", [
    ("dpo", "data protection officers do not browse case records"),
    ("second_admin", "administrators manage accounts and hold no case data"),
])  # fmt: skip
def test_someone_with_a_service_wide_role_cannot_be_given_a_team_role(
    world: World, client_for, persona: str, why: str
) -> None:  # type: ignore[no-untyped-def]
    from tests.personas import make_user

    person = world.users.get(persona) or make_user(persona, deployment_role=User.DeploymentRole.ADMINISTRATOR)
    client = client_for("admin")
    url = reverse("accounts:membership-add", args=[person.pk])
    page = client.post(url, {"team": world.team_a.pk, "role": "area_lead"}, follow=True).content.decode()
    assert why in page
    assert not Membership.objects.filter(user=person).exists()
    assert not AuditEvent.objects.filter(action="grant", object_type="areas.membership").exists()
    detail = client.get(reverse("accounts:user-detail", args=[person.pk])).content.decode()
    assert url not in detail  # no "Add a team role" button to press


def test_the_membership_service_refuses_a_team_role_for_a_service_wide_role(world: World, rf) -> None:  # type: ignore[no-untyped-def]
    from localtrace.accounts import services

    request = rf.post("/")
    request.user = world.users["admin"]
    with pytest.raises(services.AccountRefused, match="cannot also have a team role"):
        services.give_team_role(request, world.users["dpo"], world.team_a, "tracer")
    assert not Membership.objects.filter(user=world.users["dpo"]).exists()
    assert not RoleGrant.objects.exists()


def test_someone_with_team_roles_cannot_be_given_a_service_wide_role(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    target = world.users["area_lead_a"]
    response = client_for("admin").post(
        reverse("accounts:user-edit", args=[target.pk]),
        _new_user(full_name=target.full_name, username=target.username, email=target.email,
                  deployment_role="data_protection_officer", seen=account_fingerprint(target)),
    )  # fmt: skip
    assert "Remove their team roles first" in response.content.decode()
    target.refresh_from_db()
    assert target.deployment_role == ""


def test_the_confirmation_of_a_team_role_reads_as_english(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    person = world.users["tracer_b"]
    _second_administrator(world)
    client_for("admin").post(
        reverse("accounts:membership-add", args=[person.pk]), {"team": world.team_b.pk, "role": "area_lead"}
    )
    grant = RoleGrant.objects.get(user=person)
    response = client_for("admin_2").post(reverse("accounts:role-approve", args=[person.pk, grant.pk]), follow=True)
    assert "Approved: Tracer B is now an area lead in Southmoor Tracing." in response.content.decode()


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_in_other_capitals() -> None:
    # The pages check first (above); this is what stops two requests at once, or a script.
    User.objects.create(username="ann.jones", email="Ann.Jones@example.org", full_name="Ann Jones")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ann.jones2", email="ann.jones@EXAMPLE.org", full_name="Ann Jones")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="Ann.Jones", email="other@example.org", full_name="Ann Jones")


def test_a_stale_edit_page_cannot_put_back_a_role_another_administrator_removed(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    import re

    from localtrace.accounts.services import STALE_ACCOUNT

    target = world.users["dpo"]
    first, second = client_for("admin"), client_for("admin")
    page = first.get(reverse("accounts:user-edit", args=[target.pk])).content.decode()
    seen = re.search(r'name="seen" value="([0-9a-f]+)"', page)
    assert seen, "the edit page carries the fingerprint of what it shows"
    # Meanwhile another administrator takes the role away.
    User.objects.filter(pk=target.pk).update(deployment_role="")
    response = first.post(
        reverse("accounts:user-edit", args=[target.pk]),
        {"full_name": target.full_name, "username": target.username, "email": target.email,
         "phone": "+447911123499", "deployment_role": target.deployment_role, "seen": seen.group(1)},
    )  # fmt: skip
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert STALE_ACCOUNT in response.content.decode()
    target.refresh_from_db()
    assert (target.deployment_role, target.phone) == ("", "")
    # Opened again, the page shows the account as it is now, and a change saves only what changed.
    page = second.get(reverse("accounts:user-edit", args=[target.pk])).content.decode()
    fresh = re.search(r'name="seen" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
    second.post(
        reverse("accounts:user-edit", args=[target.pk]),
        {"full_name": target.full_name, "username": target.username, "email": target.email,
         "phone": "+447911123499", "deployment_role": "", "seen": fresh},
    )  # fmt: skip
    target.refresh_from_db()
    assert (target.deployment_role, target.phone) == ("", "+447911123499")


def test_an_edit_sent_without_its_fingerprint_is_refused_and_changes_nothing(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    target = world.users["dpo"]
    before = (target.full_name, target.deployment_role)
    response = client_for("admin").post(
        reverse("accounts:user-edit", args=[target.pk]),
        _new_user(full_name="Someone Else", username=target.username, email=target.email, deployment_role=""),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "This page was not sent whole. Open the account again from its page." in page
    target.refresh_from_db()
    assert (target.full_name, target.deployment_role) == before


@pytest.mark.parametrize("change", ["deactivate", "remove the role"])
def test_two_administrators_removing_each_other_at_once_leave_one_administrator(world: World, rf, change) -> None:  # type: ignore[no-untyped-def]
    from localtrace.accounts import services

    first = world.users["admin"]
    second = User.objects.create(username="admin.two", full_name="Bea Admin", email="bea@staff.example.org",
                                 deployment_role=User.DeploymentRole.ADMINISTRATOR)  # fmt: skip
    # The second administrator's request has just taken the first out; the first's request, begun a moment
    # before, now does the same to the second.
    if change == "deactivate":
        User.objects.filter(pk=first.pk).update(is_active=False)
    else:
        User.objects.filter(pk=first.pk).update(deployment_role="")
    request = rf.post("/")
    request.user = first
    with pytest.raises(services.AccountRefused, match="no active administrator"):
        if change == "deactivate":
            services.set_active(request, second, False)
        else:
            seen = services.account_fingerprint(second)
            second.deployment_role = ""
            services.update_user(request, second, ["deployment_role"], seen=seen)
    assert User.objects.filter(pk=second.pk, is_active=True, deployment_role="administrator").exists()


def test_an_administrator_may_still_deactivate_or_demote_another_administrator(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    second = User.objects.create(username="admin.two", full_name="Bea Admin", email="bea@staff.example.org",
                                 deployment_role=User.DeploymentRole.ADMINISTRATOR)  # fmt: skip
    client = client_for("admin")
    client.post(reverse("accounts:set-active", args=[second.pk]), {"active": "0"})
    second.refresh_from_db()
    assert not second.is_active
    client.post(reverse("accounts:set-active", args=[second.pk]), {"active": "1"})
    client.post(reverse("accounts:user-edit", args=[second.pk]),
                _new_user(full_name=second.full_name, username=second.username, email=second.email,
                          seen=account_fingerprint(User.objects.get(pk=second.pk))))  # fmt: skip
    second.refresh_from_db()
    assert second.is_active and second.deployment_role == ""


def test_a_team_role_is_refused_when_a_service_wide_role_was_given_since_the_page_was_opened(world: World, rf) -> None:  # type: ignore[no-untyped-def]
    from localtrace.accounts import services

    person = world.users["tracer_b"]  # as the membership page loaded them: no service-wide role
    User.objects.filter(pk=person.pk).update(deployment_role=User.DeploymentRole.ADMINISTRATOR)  # meanwhile
    request = rf.post("/")
    request.user = world.users["admin"]
    with pytest.raises(services.AccountRefused, match="cannot also have a team role"):
        services.give_team_role(request, person, world.team_a, "tracer")
    assert not RoleGrant.objects.filter(user=person).exists()
