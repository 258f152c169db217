"""What each signed-in user sees first: one section per thing their roles let them do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone

from localtrace.accounts.access import Scope, scoped
from localtrace.accounts.models import User
from localtrace.accounts.services import roles_waiting_for
from localtrace.areas.models import Area, Delegation, Membership, Postcode, Role, Team
from localtrace.audit.models import AuditEvent, RetentionRun
from localtrace.audit.retention import retention_days
from localtrace.audit.subject_access import subject_access_summary


@dataclass
class Section:
    kind: str
    heading: str
    data: dict[str, Any] = field(default_factory=dict)


def home_sections(user: Any, scope: Scope) -> list[Section]:
    sections: list[Section] = []
    now = timezone.now()
    memberships = list(Membership.objects.filter(user=user).select_related("team__area"))

    local = [m for m in memberships if m.team.kind == Team.Kind.LOCAL]
    if local:
        local_areas = {m.team.area for m in local}
        sections.append(
            Section(
                "local_work",
                "Your work",
                {
                    "memberships": local,
                    "areas": sorted(local_areas, key=lambda a: a.name),
                    # Isolation support (issue 8): support officers do not work cases and contacts.
                    "traces": any(m.role != Role.SUPPORT_OFFICER for m in local),
                    "support_areas": sorted(
                        {m.team.area for m in local if m.role in (Role.SUPPORT_OFFICER, Role.AREA_LEAD)},
                        key=lambda a: a.name,
                    ),
                },
            )
        )

    surge = [m for m in memberships if m.team.kind == Team.Kind.SURGE]
    if surge:
        delegations = list(
            Delegation.objects.active(now)
            .filter(team__in=[m.team for m in surge])
            .select_related("area", "team")
            .order_by("ends_at")
        )
        sections.append(Section("surge_work", "Surge support", {"memberships": surge, "delegations": delegations}))

    lead_areas = scope.areas_with({Role.AREA_LEAD})
    if lead_areas:
        areas = Area.objects.filter(pk__in=lead_areas).annotate(postcode_count=Count("routed_postcodes"))
        delegations = list(
            scoped(
                user,
                "delegation.view",
                Delegation.objects.filter(area__in=lead_areas, ends_at__gt=now, revoked_at__isnull=True),
            )
            .select_related("area", "team")
            .order_by("starts_at")
        )
        sections.append(Section("area_lead", "Your area", {"areas": areas, "delegations": delegations, "now": now}))

    led_teams = [m.team for m in memberships if m.role == Role.TEAM_LEAD]
    if led_teams:
        teams = Team.objects.filter(pk__in=[t.pk for t in led_teams]).annotate(
            member_count=Count("memberships__user", distinct=True)
        )
        sections.append(Section("team_lead", "Teams you lead", {"teams": teams}))

    if scope.data_protection_officer:
        since = now - dt.timedelta(hours=24)
        recent = scoped(user, "audit.view", AuditEvent.objects.filter(occurred_at__gte=since))
        counts = dict(recent.values_list("action").annotate(n=Count("id")).order_by())
        sections.append(
            Section(
                "data_protection",
                "Audit trail",
                {
                    "total": sum(counts.values()),
                    "counts": sorted(counts.items()),
                    "labels": dict(AuditEvent.Action.choices),
                    "retention_days": retention_days(),
                    "last_retention_run": RetentionRun.objects.first(),
                    "subject_access": subject_access_summary(user),
                },
            )
        )

    # Cluster alerts for team leads and area leads (issue 7).
    if scope.areas_with({Role.TEAM_LEAD, Role.AREA_LEAD}):
        from localtrace.places.views.clusters import open_cluster_count

        sections.append(Section("cluster_alerts", "Cluster alerts", {"open": open_cluster_count(user)}))

    if scope.administrator:
        sections.append(
            Section(
                "administration",
                "Administration",
                {
                    "users": User.objects.filter(is_active=True).count(),
                    "teams": Team.objects.count(),
                    "areas": Area.objects.filter(level=Area.Level.UPPER_TIER).count(),
                    "postcodes": Postcode.objects.count(),
                    # Roles another administrator gave, for this one to approve (accounts.models.RoleGrant).
                    "for_approval": roles_waiting_for(user).count(),
                },
            )
        )

    if not sections:
        sections.append(Section("no_roles", "You have no role yet"))
    return sections
