"""The one place that decides what a user may see and change.

Every view, API endpoint, export and command asks here, through `scoped`,
`may` or `get_or_404`. A rule is a function from the user's Scope and a
queryset to the part of that queryset the user may reach for one permission,
so "may I see this object?" and "which objects may I list?" cannot disagree.
Objects out of scope answer 404, never 403: for that user they do not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from localtrace.accounts.models import User
from localtrace.areas.models import Area, Delegation, Membership, Role, Team
from localtrace.audit.models import AuditEvent, SubjectAccessRequest
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.messaging.models import Message
from localtrace.people.models import DuplicateReview
from localtrace.results.models import QuarantinedRow, Submission, Submitter, TestResult

M = TypeVar("M", bound=Model)

# Roles that work an area's queues of cases and contacts.
TRACING_ROLES = frozenset({Role.TRACER, Role.TEAM_LEAD, Role.AREA_LEAD})
SURGE_ROLES = frozenset({Role.TRACER, Role.TEAM_LEAD})


@dataclass(frozen=True)
class Scope:
    """What one user may reach at one moment, worked out once per request."""

    user_id: int | None
    active: bool = False
    administrator: bool = False
    data_protection_officer: bool = False
    # Upper-tier area id → roles held there through local teams.
    local_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    # Upper-tier area id → roles held there through a surge team with an active delegation.
    delegated_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    team_ids: frozenset[int] = frozenset()

    def roles_in(self, area_id: int) -> frozenset[str]:
        return self.local_roles.get(area_id, frozenset()) | self.delegated_roles.get(area_id, frozenset())

    def areas_with(self, roles: frozenset[str] | set[str]) -> frozenset[int]:
        """Upper-tier areas where the user holds any of these roles, locally or by delegation."""
        found = {a for a, held in self.local_roles.items() if held & roles}
        found |= {a for a, held in self.delegated_roles.items() if held & roles}
        return frozenset(found)

    @property
    def all_roles(self) -> frozenset[str]:
        roles: set[str] = set()
        for held in (*self.local_roles.values(), *self.delegated_roles.values()):
            roles |= held
        return frozenset(roles)

    @property
    def working_area_ids(self) -> frozenset[int]:
        return frozenset(self.local_roles) | frozenset(self.delegated_roles)


_ANONYMOUS = Scope(user_id=None)


def scope_for(user: Any, at: dt.datetime | None = None) -> Scope:
    """The user's scope now (cached on the user object for the life of the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _ANONYMOUS
    cache = at is None
    cached = getattr(user, "_localtrace_scope", None)
    if cached is not None and cache:
        return cached
    at = at or timezone.now()
    local: dict[int, set[str]] = {}
    surge: dict[int, set[str]] = {}  # surge team id → roles
    team_ids: set[int] = set()
    for team_id, kind, area_id, role in Membership.objects.filter(user=user).values_list(
        "team_id", "team__kind", "team__area_id", "role"
    ):
        team_ids.add(team_id)
        if kind == Team.Kind.LOCAL:
            local.setdefault(area_id, set()).add(role)
        else:
            surge.setdefault(team_id, set()).add(role)
    delegated: dict[int, set[str]] = {}
    if surge:
        for area_id, team_id in (
            Delegation.objects.active(at).filter(team_id__in=surge).values_list("area_id", "team_id")
        ):
            # A surge team member works the area as a tracer or team lead would, no more: never as its area
            # lead (exports, delegations), whatever a membership written past the form's check says.
            delegated.setdefault(area_id, set()).update(surge[team_id] & SURGE_ROLES)
    scope = Scope(
        user_id=user.pk,
        active=True,
        administrator=user.is_administrator,
        data_protection_officer=user.is_data_protection_officer,
        local_roles={a: frozenset(r) for a, r in local.items()},
        delegated_roles={a: frozenset(r) for a, r in delegated.items() if r},
        team_ids=frozenset(team_ids),
    )
    if cache:
        user._localtrace_scope = scope
    return scope


def acting_user(request: HttpRequest) -> User:
    """The signed-in staff member making this request (login is required by default)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def forget_scope(user: Any) -> None:
    """Drop the cached scope after the user's memberships change within a request."""
    if hasattr(user, "_localtrace_scope"):
        del user._localtrace_scope


# --- rules -----------------------------------------------------------------------------

Rule = Callable[[Scope, QuerySet[Any]], QuerySet[Any]]
_RULES: dict[str, tuple[type[Model], Rule]] = {}


def rule(permission: str, model: type[Model]) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        if permission in _RULES:
            raise ValueError(f"Permission {permission!r} is defined twice.")
        _RULES[permission] = (model, function)
        return function

    return register


def permissions() -> dict[str, type[Model]]:
    return {name: model for name, (model, _) in _RULES.items()}


def _area_and_districts(area_ids: frozenset[int]) -> Q:
    return Q(pk__in=area_ids) | Q(parent_id__in=area_ids, level=Area.Level.DISTRICT)


@rule("area.view", Area)
def _area_view(scope: Scope, qs: QuerySet[Area]) -> QuerySet[Area]:
    if scope.administrator:
        return qs
    return qs.filter(_area_and_districts(scope.working_area_ids))


@rule("area.manage_delegations", Area)
def _area_manage_delegations(scope: Scope, qs: QuerySet[Area]) -> QuerySet[Area]:
    return qs.filter(pk__in=scope.areas_with({Role.AREA_LEAD}), level=Area.Level.UPPER_TIER)


@rule("area.manage_contact", Area)
def _area_manage_contact(scope: Scope, qs: QuerySet[Area]) -> QuerySet[Area]:
    """The area's number for the public: its area leads, and administrators, who set a new service up."""
    if scope.administrator:
        return qs.filter(level=Area.Level.UPPER_TIER)
    return qs.filter(pk__in=scope.areas_with({Role.AREA_LEAD}), level=Area.Level.UPPER_TIER)


@rule("team.view", Team)
def _team_view(scope: Scope, qs: QuerySet[Team]) -> QuerySet[Team]:
    if scope.administrator:
        return qs
    lead_areas = scope.areas_with({Role.AREA_LEAD})
    visible = Q(pk__in=scope.team_ids) | Q(area_id__in=lead_areas)
    if lead_areas:
        # Area leads choose surge teams when they grant a delegation.
        visible |= Q(kind=Team.Kind.SURGE)
    return qs.filter(visible)


@rule("team.manage", Team)
def _team_manage(scope: Scope, qs: QuerySet[Team]) -> QuerySet[Team]:
    return qs if scope.administrator else qs.none()


@rule("user.view", User)
def _user_view(scope: Scope, qs: QuerySet[Any]) -> QuerySet[Any]:
    # Staff contact details are for administrators only.
    return qs if scope.administrator else qs.none()


@rule("user.manage", User)
def _user_manage(scope: Scope, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if scope.administrator else qs.none()


@rule("delegation.view", Delegation)
def _delegation_view(scope: Scope, qs: QuerySet[Delegation]) -> QuerySet[Delegation]:
    if scope.administrator:
        return qs
    return qs.filter(Q(area_id__in=scope.areas_with({Role.AREA_LEAD})) | Q(team_id__in=scope.team_ids))


@rule("delegation.manage", Delegation)
def _delegation_manage(scope: Scope, qs: QuerySet[Delegation]) -> QuerySet[Delegation]:
    return qs.filter(area_id__in=scope.areas_with({Role.AREA_LEAD}))


@rule("audit.view", AuditEvent)
def _audit_view(scope: Scope, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    return qs if scope.data_protection_officer else qs.none()


@rule("subject_access.view", SubjectAccessRequest)
def _subject_access_view(scope: Scope, qs: QuerySet[SubjectAccessRequest]) -> QuerySet[SubjectAccessRequest]:
    # A requester's details and their copy are for the data protection officer alone.
    return qs if scope.data_protection_officer else qs.none()


@rule("message.view", Message)
def _message_view(scope: Scope, qs: QuerySet[Message]) -> QuerySet[Message]:
    # Outbound messages carry contact details and, for staff, password links.
    # Messaging (issue 6): tracing roles of the area that now owns the message's case or contact (surge
    # tracers only while delegated) read it; administrators keep staff messages, which belong to no area.
    areas = scope.areas_with(TRACING_ROLES)
    unowned = Q(case__isnull=True, contact__isnull=True)
    visible = Q(case__area_id__in=areas) | Q(contact__area_id__in=areas) | (unowned & Q(area_id__in=areas))
    if scope.administrator:
        visible |= unowned & Q(area__isnull=True)
    return qs.filter(visible)


@rule("submission.view", Submission)
def _submission_view(scope: Scope, qs: QuerySet[Submission]) -> QuerySet[Submission]:
    # The row accounting carries no personal data; the rows themselves are scoped below.
    return qs if scope.administrator or scope.areas_with({Role.AREA_LEAD}) else qs.none()


@rule("submitter.view", Submitter)
def _submitter_view(scope: Scope, qs: QuerySet[Submitter]) -> QuerySet[Submitter]:
    # Laboratories and their API tokens are deployment configuration.
    return qs if scope.administrator else qs.none()


def _areas_led_by(roles: frozenset[str] | set[str]) -> QuerySet[Any]:
    """Upper-tier areas where an active account holds one of these roles in a local team (a subquery)."""
    return Membership.objects.filter(role__in=roles, team__kind=Team.Kind.LOCAL, user__is_active=True).values(
        "team__area_id"
    )


@rule("quarantine.fix", QuarantinedRow)
def _quarantine_fix(scope: Scope, qs: QuerySet[QuarantinedRow]) -> QuerySet[QuarantinedRow]:
    visible = Q(area_id__in=scope.areas_with({Role.AREA_LEAD}))
    if scope.administrator:
        # Rows whose postcode routes nowhere, and rows of an area with no active area lead, have nobody else
        # to fix them: administrators work them, and only until the area has an active area lead again.
        visible |= Q(area__isnull=True) | ~Q(area_id__in=_areas_led_by({Role.AREA_LEAD}))
    return qs.filter(visible)


@rule("result.unrouted", TestResult)
def _result_unrouted(scope: Scope, qs: QuerySet[TestResult]) -> QuerySet[TestResult]:
    return qs.filter(area__isnull=True) if scope.administrator else qs.none()


@rule("case.view", Case)
def _case_view(scope: Scope, qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.filter(area_id__in=scope.areas_with(TRACING_ROLES))


@rule("contact.view", Contact)
def _contact_view(scope: Scope, qs: QuerySet[Contact]) -> QuerySet[Contact]:
    return qs.filter(area_id__in=scope.areas_with(TRACING_ROLES))


@rule("case.lead", Case)
def _case_lead(scope: Scope, qs: QuerySet[Case]) -> QuerySet[Case]:
    # Team leads and area leads assign and reassign; surge team leads only while delegated.
    return qs.filter(area_id__in=scope.areas_with({Role.TEAM_LEAD, Role.AREA_LEAD}))


# --- isolation support (issue 8): support officers and area leads of the area; no clinical records ---------

from localtrace.support.models import Organisation, PaymentClaim, SupportRequest  # noqa: E402

SUPPORT_ROLES = frozenset({Role.SUPPORT_OFFICER, Role.AREA_LEAD})


@rule("support.view", SupportRequest)
def _support_view(scope: Scope, qs: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    return qs.filter(area_id__in=scope.areas_with(SUPPORT_ROLES))


@rule("support.assign", SupportRequest)
def _support_assign(scope: Scope, qs: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    return qs.filter(area_id__in=scope.areas_with({Role.AREA_LEAD}))


@rule("organisation.view", Organisation)
def _organisation_view(scope: Scope, qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return qs.filter(area_id__in=scope.areas_with(SUPPORT_ROLES))


@rule("organisation.manage", Organisation)
def _organisation_manage(scope: Scope, qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return qs.filter(area_id__in=scope.areas_with({Role.AREA_LEAD}))


@rule("claim.view", PaymentClaim)
def _claim_view(scope: Scope, qs: QuerySet[PaymentClaim]) -> QuerySet[PaymentClaim]:
    return qs.filter(area_id__in=scope.areas_with(SUPPORT_ROLES))


@rule("claim.decide", PaymentClaim)
def _claim_decide(scope: Scope, qs: QuerySet[PaymentClaim]) -> QuerySet[PaymentClaim]:
    # Support officers and area leads decide payments (and so may export them for finance).
    return qs.filter(area_id__in=scope.areas_with(SUPPORT_ROLES))


# --- Transmission chains (issue 7): an area's chains, for those who trace its cases. ---
@rule("chains.view", Area)
def _chains_view(scope: Scope, qs: QuerySet[Area]) -> QuerySet[Area]:
    return qs.filter(pk__in=scope.areas_with(TRACING_ROLES), level=Area.Level.UPPER_TIER)


# --- settings, clusters and outbreaks (issue 7) -----------------------------------------
# The register of settings is for everyone who traces in the area; merging and editing, clusters
# (alerts) and managing outbreaks are for its team leads and area leads; tracers read outbreaks.

from localtrace.places.models import Cluster, Outbreak, Setting  # noqa: E402

_LEADS = frozenset({Role.TEAM_LEAD, Role.AREA_LEAD})


@rule("setting.view", Setting)
def _setting_view(scope: Scope, qs: QuerySet[Setting]) -> QuerySet[Setting]:
    return qs.filter(area_id__in=scope.areas_with(TRACING_ROLES))


@rule("setting.manage", Setting)
def _setting_manage(scope: Scope, qs: QuerySet[Setting]) -> QuerySet[Setting]:
    return qs.filter(area_id__in=scope.areas_with(_LEADS))


@rule("cluster.view", Cluster)
def _cluster_view(scope: Scope, qs: QuerySet[Cluster]) -> QuerySet[Cluster]:
    return qs.filter(area_id__in=scope.areas_with(_LEADS))


@rule("outbreak.view", Outbreak)
def _outbreak_view(scope: Scope, qs: QuerySet[Outbreak]) -> QuerySet[Outbreak]:
    return qs.filter(area_id__in=scope.areas_with(TRACING_ROLES))


@rule("outbreak.manage", Outbreak)
def _outbreak_manage(scope: Scope, qs: QuerySet[Outbreak]) -> QuerySet[Outbreak]:
    return qs.filter(area_id__in=scope.areas_with(_LEADS))


_PLACES_CAPABILITIES: dict[str, Callable[[Scope], bool]] = {
    "setting.register": lambda scope: bool(scope.areas_with(TRACING_ROLES)),
    "cluster.alerts": lambda scope: bool(scope.areas_with(_LEADS)),
}
# --- end of settings, clusters and outbreaks ---------------------------------------------
# --- person linkage (issue 10): the possible-duplicate review queue ---------------------
# Data officers are the team leads and area leads of a local team in the area the pair was
# routed to (surge teams never merge another area's people); unrouted pairs, and pairs of an area
# with no active data officer, go to administrators.
DATA_OFFICER_ROLES = frozenset({Role.TEAM_LEAD, Role.AREA_LEAD})


def _data_officer_areas(scope: Scope) -> frozenset[int]:
    return frozenset(a for a, held in scope.local_roles.items() if held & DATA_OFFICER_ROLES)


@rule("duplicate.review", DuplicateReview)
def _duplicate_review(scope: Scope, qs: QuerySet[DuplicateReview]) -> QuerySet[DuplicateReview]:
    visible = Q(area_id__in=_data_officer_areas(scope))
    if scope.administrator:
        # Unrouted pairs, and pairs of an area with no active team lead or area lead in a local team, have
        # nobody else to review them: administrators do, and only until the area has such a lead again.
        visible |= Q(area__isnull=True) | ~Q(area_id__in=_areas_led_by(DATA_OFFICER_ROLES))
    return qs.filter(visible)


_CAPABILITIES_PERSON_LINKAGE: dict[str, Callable[[Scope], bool]] = {
    "duplicate.queue": lambda scope: scope.administrator or bool(_data_officer_areas(scope)),
}
# --- end person linkage ----------------------------------------------------------------
# --- performance figures and line-list exports (reports app) ----------------------------------


@rule("report.area", Area)
def _report_area(scope: Scope, qs: QuerySet[Area]) -> QuerySet[Area]:
    # An area's dashboard: its area leads and team leads (surge team leads only while delegated).
    return qs.filter(pk__in=scope.areas_with({Role.TEAM_LEAD, Role.AREA_LEAD}), level=Area.Level.UPPER_TIER)


@rule("report.team", Team)
def _report_team(scope: Scope, qs: QuerySet[Team]) -> QuerySet[Team]:
    # A team's figures: its own team leads, and the area leads of the area a local team serves.
    led = Membership.objects.filter(user_id=scope.user_id or 0, role=Role.TEAM_LEAD).values("team_id")
    return qs.filter(Q(pk__in=led) | Q(area_id__in=scope.areas_with({Role.AREA_LEAD}), kind=Team.Kind.LOCAL))


@rule("export.area", Area)
def _export_area(scope: Scope, qs: QuerySet[Area]) -> QuerySet[Area]:
    # Line lists of every case, contact and setting in the area: its area leads (the Director of Public Health).
    return qs.filter(pk__in=scope.areas_with({Role.AREA_LEAD}), level=Area.Level.UPPER_TIER)


def _model_for(permission: str) -> type[Model]:
    try:
        model, _ = _RULES[permission]
    except KeyError:
        raise ValueError(f"Unknown permission {permission!r}.") from None
    return model


# --- the three doors ------------------------------------------------------------------


def scoped(user: Any, permission: str, queryset: QuerySet[M] | None = None) -> QuerySet[M]:
    """The objects of this permission's model that the user may reach."""
    model = _model_for(permission)
    qs = cast("QuerySet[M]", queryset if queryset is not None else model._default_manager.all())
    if qs.model is not model:
        raise ValueError(f"{permission!r} applies to {model.__name__}, not {qs.model.__name__}.")
    scope = scope_for(user)
    if not scope.active:
        return qs.none()
    _, function = _RULES[permission]
    return cast("QuerySet[M]", function(scope, qs))


def may(user: Any, permission: str, obj: Model) -> bool:
    if obj.pk is None:
        return False
    return scoped(user, permission, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def get_or_404(user: Any, permission: str, queryset: QuerySet[M] | type[M], **lookup: Any) -> M:
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return scoped(user, permission, qs).get(**lookup)
    except (ObjectDoesNotExist, ValueError):
        raise Http404 from None


# --- capabilities: actions that are not about one existing object -----------------------

_CAPABILITIES: dict[str, Callable[[Scope], bool]] = {
    "user.list": lambda scope: scope.administrator,
    "user.create": lambda scope: scope.administrator,
    # Messaging (issue 6): area staff read their area's messages too.
    "message.list": lambda scope: scope.administrator or bool(scope.areas_with(TRACING_ROLES)),
    "results.upload": lambda scope: scope.administrator or bool(scope.areas_with({Role.AREA_LEAD})),
    "results.quality": lambda scope: scope.administrator or bool(scope.areas_with({Role.AREA_LEAD})),
    "results.quarantine": lambda scope: scope.administrator or bool(scope.areas_with({Role.AREA_LEAD})),
    "results.no_area": lambda scope: scope.administrator,
    "submitter.manage": lambda scope: scope.administrator,
    "case.queue": lambda scope: bool(scope.areas_with(TRACING_ROLES)),
    "team.lead": lambda scope: bool(scope.areas_with({Role.TEAM_LEAD, Role.AREA_LEAD})),
    "team.create": lambda scope: scope.administrator,
    "audit.search": lambda scope: scope.data_protection_officer,
    "audit.subject_access": lambda scope: scope.data_protection_officer,
    # Isolation support (issue 8).
    "support.queue": lambda scope: bool(scope.areas_with(SUPPORT_ROLES)),
    "support.payments": lambda scope: bool(scope.areas_with(SUPPORT_ROLES)),
    "support.directory": lambda scope: bool(scope.areas_with({Role.AREA_LEAD})),
    **_CAPABILITIES_PERSON_LINKAGE,
}

# Performance figures (reports app): any dashboard, and the national comparison.
_CAPABILITIES["reports.national"] = lambda scope: scope.administrator
_CAPABILITIES["reports.view"] = lambda scope: (
    scope.administrator or bool(scope.areas_with({Role.TEAM_LEAD, Role.AREA_LEAD}))
)


_CAPABILITIES.update(_PLACES_CAPABILITIES)  # settings, clusters and outbreaks (issue 7)


def capabilities() -> frozenset[str]:
    return frozenset(_CAPABILITIES)


def can(user: Any, capability: str) -> bool:
    try:
        check = _CAPABILITIES[capability]
    except KeyError:
        raise ValueError(f"Unknown capability {capability!r}.") from None
    scope = scope_for(user)
    return scope.active and check(scope)


def require_capability(user: Any, capability: str) -> None:
    if not can(user, capability):
        raise Http404


def require(user: Any, permission: str, obj: Model) -> None:
    """Raise 404 unless the user may act on this object."""
    if not may(user, permission, obj):
        raise Http404
