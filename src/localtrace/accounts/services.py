"""Actions on staff accounts. Each owns its write, its audit event and its side effects."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts.access import forget_scope
from localtrace.accounts.models import RoleGrant, User
from localtrace.accounts.tokens import set_password_tokens
from localtrace.areas.models import Membership, Team
from localtrace.audit.services import Action, record
from localtrace.cases.queue import hand_back
from localtrace.core.fingerprints import fingerprint


def set_password_link(user: User, request: HttpRequest | None = None) -> str:
    """The one-off link to set a password: on this site's address, or (from a command) LOCALTRACE_PUBLIC_URL's."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:password-reset-confirm", args=[uid, set_password_tokens.make_token(user)])
    return request.build_absolute_uri(path) if request is not None else settings.PORTAL_PUBLIC_URL.rstrip("/") + path


def _send_set_password_email(request: HttpRequest | None, user: User, purpose: str) -> None:
    link = set_password_link(user, request)
    context = {"user": user, "link": link, "purpose": purpose, "invitation_days": settings.LOCALTRACE_INVITATION_DAYS}
    body = render_to_string("accounts/email/set_password.txt", context)
    message = EmailMessage(
        subject="Set your localtrace password",
        body=body,
        to=[user.email],
        headers={"X-Localtrace-Purpose": purpose},
    )
    # Sent once the account is saved, so a failed save never leaves a stray link.
    transaction.on_commit(message.send)


DUPLICATE_EMAIL = "There is already an account with this email address. Each person has one account"
SERVICE_ROLE_NEEDS_NO_TEAM_ROLES = (
    "Remove their team roles first: someone with a role across the whole service holds no team role"
)
# Why a service-wide role rules out a team role (docs/access.md).
_WHY_NO_TEAM_ROLE: dict[str, str] = {
    User.DeploymentRole.ADMINISTRATOR: "administrators manage accounts and hold no case data",
    User.DeploymentRole.DATA_PROTECTION_OFFICER: "data protection officers do not browse case records",
}


class AccountRefused(ValueError):
    """A change the account rules forbid; nothing was changed. str() is the reason, in plain English."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


def email_in_use(email: str, *, exclude: int | None = None) -> bool:
    """Whether another account has this address. Case does not make a different address."""
    others = User.objects.filter(email__iexact=email.strip())
    return (others.exclude(pk=exclude) if exclude is not None else others).exists()


def username_in_use(username: str, *, exclude: int | None = None) -> bool:
    """Whether another account signs in with this name, in any mix of capitals."""
    others = User.objects.filter(username__iexact=username.strip())
    return (others.exclude(pk=exclude) if exclude is not None else others).exists()


def team_role_refusal(user: User) -> str:
    """Why this person may not be given a team role, or "" if they may.

    Someone with a service-wide role (administrator, data protection officer) holds no team role: a team role
    would give them an area's case records, which the design keeps from both.
    """
    if not user.deployment_role:
        return ""
    role = user.get_deployment_role_display().lower()
    article = "an" if role[0] in "aeiou" else "a"
    why = _WHY_NO_TEAM_ROLE.get(user.deployment_role, "their role covers the whole service")
    return (
        f"{user.full_name} is {article} {role} for the whole service, so cannot also have a team role: {why}."
        " Change their service role to None first if they are joining a team"
    )


@transaction.atomic
def create_user(request: HttpRequest, form_data: dict[str, Any]) -> User:
    """A new account, invited by email to set its password. A service-wide role chosen for it waits for another
    administrator's approval (RoleGrant): the account starts with none."""
    if email_in_use(form_data.get("email", "")):
        raise AccountRefused(DUPLICATE_EMAIL, field="email")
    user = User(**{**form_data, "deployment_role": ""})
    user.set_unusable_password()
    user.save()
    record(Action.CREATE, request=request, obj=user, detail={"deployment_role": ""})
    if role := form_data.get("deployment_role"):
        _give(request, user, team=None, role=role)
    _send_set_password_email(request, user, "account_invitation")
    return user


class SelfGrant(PermissionError):
    """An administrator changing their own roles: another administrator must, so no one widens their own access."""

    def __str__(self) -> str:
        return "You cannot change your own roles: ask another administrator."


def _refuse_self_grant(request: HttpRequest, user_id: int) -> None:
    actor = getattr(request, "user", None)
    if actor is not None and actor.is_authenticated and actor.pk == user_id:
        raise SelfGrant


NO_ADMINISTRATOR_LEFT = (
    "This would leave the service with no active administrator. Make someone else an administrator first"
)


def _refuse_leaving_no_administrator(user_id: int) -> None:
    """Refuse a change that takes this person out of the administrators if nobody else active is one.

    Every active administrator's row is locked first, in one order, so two administrators removing each other
    at the same moment take turns: the second sees the first's change and is refused, and nobody is left
    unable to manage accounts.
    """
    administrators = set(
        User.objects.select_for_update()
        .filter(is_active=True, deployment_role=User.DeploymentRole.ADMINISTRATOR)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if user_id in administrators and not administrators - {user_id}:
        raise AccountRefused(NO_ADMINISTRATOR_LEFT, field="deployment_role")


# What the user edit page shows and saves; its fingerprint tells whether someone changed them since it was opened.
EDITABLE = ("full_name", "username", "email", "phone", "deployment_role")
STALE_ACCOUNT = (
    "Another administrator changed this account after you opened this page. It is shown as it is now: "
    "make your change again."
)


class StaleAccount(AccountRefused):
    """The account changed since the form was opened: saving it would quietly undo that change."""


def account_fingerprint(user: User) -> str:
    return fingerprint(user, EDITABLE)


@transaction.atomic
def create_administrator_on_server(form_data: dict[str, Any]) -> User:
    """The first administrator (or one more, for a service with a single one), made by an operator on the server
    (`localtrace create-administrator`): whoever runs commands there holds the database already, so no second
    administrator approves it. Audited as made on the server, and invited by email like any account."""
    if email_in_use(form_data.get("email", "")):
        raise AccountRefused(DUPLICATE_EMAIL, field="email")
    user = User(**{**form_data, "deployment_role": User.DeploymentRole.ADMINISTRATOR})
    user.set_unusable_password()
    user.save()
    record(Action.CREATE, obj=user, detail={"deployment_role": user.deployment_role, "made_on_the_server": True})
    _send_set_password_email(None, user, "account_invitation")
    return user


@transaction.atomic
def update_user(request: HttpRequest, user: User, changed: list[str], *, seen: str) -> User:
    """Save the fields the form changed, only those, and only if nobody changed the account since the form
    was opened (`seen`, its `account_fingerprint`): a stale page must not put back a role someone removed."""
    if "deployment_role" in changed and user.deployment_role != User.DeploymentRole.ADMINISTRATOR:
        _refuse_leaving_no_administrator(user.pk)
    current = User.objects.select_for_update().get(pk=user.pk)
    if account_fingerprint(current) != seen:
        raise StaleAccount(STALE_ACCOUNT)
    given: str = ""
    if "deployment_role" in changed:
        _refuse_self_grant(request, user.pk)
        if user.deployment_role and Membership.objects.filter(user=user).exists():
            raise AccountRefused(SERVICE_ROLE_NEEDS_NO_TEAM_ROLES, field="deployment_role")
        # Taking a service-wide role away is at once; giving one waits for another administrator (RoleGrant).
        if user.deployment_role:
            given, user.deployment_role = user.deployment_role, current.deployment_role
            changed = [name for name in changed if name != "deployment_role"]
    if "email" in changed and email_in_use(user.email, exclude=user.pk):
        raise AccountRefused(DUPLICATE_EMAIL, field="email")
    if given:
        _give(request, current, team=None, role=given)
    if changed:
        user.save(update_fields=[name for name in changed if name in EDITABLE])
    record(Action.CHANGE, request=request, obj=user, detail={"fields": changed})
    return user


ALREADY_WAITING = "This role is already waiting for another administrator to approve it"
SERVICE_ROLE_WAITING = (
    "Another service-wide role is already waiting for approval for them: approve or withdraw that one first"
)
ALREADY_DECIDED = "Another administrator has approved or withdrawn this role since you opened the page"
APPROVED_BY_ANOTHER = "You gave this role, so another administrator must approve it"


def roles_waiting_for(administrator: Any) -> QuerySet[RoleGrant]:
    """The roles this administrator may approve: given by someone else, to someone else (approve_role's rule)."""
    return RoleGrant.objects.exclude(granted_by=administrator).exclude(user=administrator)


def _give(request: HttpRequest, person: User, *, team: Team | None, role: str) -> RoleGrant:
    """Record a role given, to wait for a second administrator. The caller holds `person` locked."""
    waiting = RoleGrant.objects.filter(user=person)
    if team is not None and waiting.filter(team=team, role=role).exists():
        raise AccountRefused(ALREADY_WAITING, field="role")
    if team is None and waiting.filter(team__isnull=True).exists():
        raise AccountRefused(SERVICE_ROLE_WAITING, field="deployment_role")
    grant = RoleGrant.objects.create(user=person, team=team, role=role, granted_by=cast(User, request.user))
    record(
        Action.CREATE,
        request=request,
        obj=grant,
        area=team.area if team is not None else None,
        detail={"user": person.pk, "team": team.pk if team else None, "role": role, "waiting_for_approval": True},
    )
    return grant


@transaction.atomic
def give_team_role(request: HttpRequest, person: User, team: Team, role: str) -> RoleGrant:
    """A team role for someone, waiting for another administrator's approval (see RoleGrant)."""
    _refuse_self_grant(request, person.pk)
    # The account as it is now, locked: update_user and approve_role lock it too, so a service-wide role given
    # at the same moment is either seen here or sees this role, and nobody ends up holding both.
    locked = User.objects.select_for_update().get(pk=person.pk)
    if refusal := team_role_refusal(locked):
        raise AccountRefused(refusal, field="team")
    if Membership.objects.filter(user=locked, team=team, role=role).exists():
        raise AccountRefused("They already have this role in this team.", field="role")
    return _give(request, locked, team=team, role=role)


def _decided(grant: RoleGrant) -> RoleGrant:
    """The grant, locked, or a refusal if someone approved or withdrew it since the page was opened."""
    locked = RoleGrant.objects.select_for_update(of=("self",)).select_related("team__area").filter(pk=grant.pk).first()
    if locked is None:
        raise AccountRefused(ALREADY_DECIDED)
    return locked


@transaction.atomic
def approve_role(request: HttpRequest | None, grant: RoleGrant) -> None:
    """A second administrator approves a role given: it takes effect now. Without a request, an operator approves
    on the server (`localtrace approve-role`), for a service with a single administrator."""
    grant = _decided(grant)
    approver = request.user if request is not None else None
    if approver is not None:
        if approver.pk == grant.granted_by_id:
            raise AccountRefused(APPROVED_BY_ANOTHER)
        _refuse_self_grant(request, grant.user_id)  # type: ignore[arg-type]
    person = User.objects.select_for_update().get(pk=grant.user_id)
    if not person.is_active:
        raise AccountRefused(f"{person.full_name}'s account is deactivated: reactivate it first, or withdraw the role")
    detail = {
        "user": person.pk,
        "role": grant.role,
        "granted_by": grant.granted_by_id,
        "approved_by": approver.pk if approver is not None else "on the server",
    }
    if grant.team is not None:
        if refusal := team_role_refusal(person):
            raise AccountRefused(refusal)
        membership, _ = Membership.objects.get_or_create(user=person, team=grant.team, role=grant.role)
        forget_scope(person)
        record(
            Action.GRANT,
            request=request,
            obj=membership,
            area=grant.team.area,
            detail={**detail, "team": grant.team_id},
        )
    else:
        if Membership.objects.filter(user=person).exists():
            raise AccountRefused(SERVICE_ROLE_NEEDS_NO_TEAM_ROLES)
        if person.is_administrator and grant.role != User.DeploymentRole.ADMINISTRATOR:
            _refuse_leaving_no_administrator(person.pk)
        person.deployment_role = grant.role
        person.save(update_fields=["deployment_role"])
        forget_scope(person)
        record(Action.GRANT, request=request, obj=person, detail={**detail, "deployment_role": grant.role})
    grant.delete()


@transaction.atomic
def withdraw_role(request: HttpRequest, grant: RoleGrant) -> None:
    """A role given is withdrawn (by whoever gave it) or refused (by another administrator): it never takes effect."""
    grant = _decided(grant)
    pk, area = grant.pk, grant.team.area if grant.team is not None else None
    detail = {"user": grant.user_id, "team": grant.team_id, "role": grant.role, "granted_by": grant.granted_by_id}
    grant.delete()
    record(Action.REVOKE, request=request, object_type="accounts.rolegrant", object_id=pk, area=area, detail=detail)


@transaction.atomic
def remove_membership(request: HttpRequest, membership: Membership) -> None:
    detail = {"user": membership.user_id, "team": membership.team_id, "role": membership.role}
    area = membership.team.area
    pk, user_id = membership.pk, membership.user_id
    membership.delete()
    record(Action.REVOKE, request=request, object_type="areas.membership", object_id=pk, area=area, detail=detail)
    forget_scope(membership.user)
    # What they held and may no longer open goes back to the queue now, not when the hold lapses.
    hand_back(f"membership of {membership.team.name} ended", request=request, holders=[user_id])


@transaction.atomic
def reset_second_factor(request: HttpRequest, user: User) -> int:
    """Remove every authenticator so the person sets one up again at their next sign-in."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record(Action.MFA_RESET, request=request, obj=user, detail={"devices_removed": removed})
    return removed


@transaction.atomic
def set_active(request: HttpRequest, user: User, active: bool) -> None:
    if not active:
        _refuse_leaving_no_administrator(user.pk)
    user.is_active = active
    user.save(update_fields=["is_active"])
    ended = 0 if active else end_sessions(user)
    record(Action.CHANGE, request=request, obj=user, detail={"is_active": active, "sessions_ended": ended})
    if not active:
        forget_scope(user)
        hand_back("account was deactivated", request=request, holders=[user.pk])


def end_sessions(user: User) -> int:
    """Delete every session signed in as this person. A deactivated account's sessions stop working at once
    (Django finds no active user), but they would work again if the account were reactivated: a leaver's
    laptop left signed in must not come back to life. Sessions last a working day at most, so this reads few."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    theirs = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]
    Session.objects.filter(pk__in=theirs).delete()
    return len(theirs)


@transaction.atomic
def send_password_link(request: HttpRequest, user: User) -> None:
    record(Action.CHANGE, request=request, obj=user, detail={"password_link_sent": True})
    _send_set_password_email(request, user, "password_reset")
