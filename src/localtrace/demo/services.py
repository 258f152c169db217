"""Demo staff: one account per role across two areas and two surge teams.

Everything here goes through the same actions the service uses, so the demo
exercises the real rules. Only for demo mode and tests: the accounts share a
published password.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from localtrace.accounts.models import User
from localtrace.areas.models import Area, Delegation, Membership, Role, Team
from localtrace.audit.services import Action, record
from localtrace.results.models import Submitter

# The laboratories and testing channels the synthetic generator writes results for.
DEMO_SUBMITTERS = [
    ("LAB-NORTH", "Northern Pathology Laboratory"),
    ("LAB-SOUTH", "Southern Pathology Laboratory"),
    ("LAB-CYMRU", "Labordy Cymru"),
    ("LFD-PORTAL", "Lateral flow results reported online"),
    ("LFD-SITES", "Asymptomatic testing sites"),
]
DEMO_PASSWORD = "localtrace-demo"  # noqa: S105 (published on purpose: demo accounts only)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: str
    where: str


class DemoSetupError(RuntimeError):
    pass


def _user(username: str, full_name: str, *, deployment_role: str = "") -> User:
    # Usernames are unique in any capitals; a real account of the same name keeps its own password.
    user = User.objects.filter(username__iexact=username).first()
    if user is not None and not user.is_demo_account:
        raise DemoSetupError(
            f"There is already an account named {user.username} that is not a demo account: "
            "the demo will not give it the published password. Load the demo into its own database."
        )
    if user is None:
        user = User(
            username=username,
            full_name=full_name,
            email=f"{username}@staff.example.org",
            deployment_role=deployment_role,
            is_demo_account=True,
        )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _member(user: User, team: Team, role: str) -> None:
    Membership.objects.get_or_create(user=user, team=team, role=role)


@transaction.atomic
def create_demo_staff() -> list[DemoLogin]:
    """Teams and one user per role. Needs two upper-tier areas in one region (load postcodes first)."""
    # The two busiest councils, so the demo's queues have the most to show.
    areas = list(
        Area.objects.filter(level=Area.Level.UPPER_TIER)
        .select_related("parent")
        .annotate(postcode_count=Count("routed_postcodes"))
        .order_by("-postcode_count", "code")[:2]
    )
    if len(areas) < 2:
        raise DemoSetupError("The demo needs two upper-tier areas: load a postcode directory with two councils first.")
    area_a, area_b = areas
    region = area_a.parent if area_a.parent and area_a.parent.level == Area.Level.REGION else None
    if region is None:
        raise DemoSetupError(f"{area_a.name} has no region: the demo's surge teams belong to one.")

    # Each local team's number for the public, from Ofcom's range kept for drama (0306 999 0000 to 0999).
    for area, number in ((area_a, "+443069990101"), (area_b, "+443069990102")):
        Area.objects.filter(pk=area.pk, public_phone="").update(public_phone=number)
    team_a, _ = Team.objects.get_or_create(
        name=f"{area_a.name} Contact Tracing", defaults={"kind": Team.Kind.LOCAL, "area": area_a}
    )
    team_b, _ = Team.objects.get_or_create(
        name=f"{area_b.name} Contact Tracing", defaults={"kind": Team.Kind.LOCAL, "area": area_b}
    )
    surge, _ = Team.objects.get_or_create(
        name=f"{region.name} Surge Team", defaults={"kind": Team.Kind.SURGE, "area": region}
    )
    reserve, _ = Team.objects.get_or_create(
        name=f"{region.name} Reserve Surge Team", defaults={"kind": Team.Kind.SURGE, "area": region}
    )

    people = [
        ("tracer.a", "Aled Prys-Jones", Role.TRACER, team_a),
        ("lead.a", "Siobhán O'Connell", Role.TEAM_LEAD, team_a),
        ("director.a", "Dr Priya Raghunathan", Role.AREA_LEAD, team_a),
        ("support.a", "Kwame Mensah-Boateng", Role.SUPPORT_OFFICER, team_a),
        ("tracer.b", "Zofia Kowalczyk", Role.TRACER, team_b),
        ("surge.tracer", "Hamish MacLeod", Role.TRACER, surge),
        ("surge.reserve", "Chiamaka Okafor", Role.TRACER, reserve),
    ]
    logins: list[DemoLogin] = []
    for username, full_name, role, team in people:
        _member(_user(username, full_name), team, role)
        logins.append(DemoLogin(username, full_name, Role(role).label, team.name))

    director = User.objects.get(username="director.a")
    now = timezone.now()
    if not Delegation.objects.active(now).filter(area=area_a, team=surge).exists():
        delegation = Delegation.objects.create(
            area=area_a,
            team=surge,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(days=14),
            reason="Demo: cases are rising faster than the local team can call them.",
            granted_by=director,
        )
        record(Action.GRANT, actor=director, obj=delegation, area=area_a, detail={"team": surge.pk, "demo": True})

    for code, name in DEMO_SUBMITTERS:
        Submitter.objects.get_or_create(code=code, defaults={"name": name})

    _user("dpo", "Ruth Abernethy", deployment_role=User.DeploymentRole.DATA_PROTECTION_OFFICER)
    logins.append(DemoLogin("dpo", "Ruth Abernethy", "Data protection officer", "Whole service"))
    _user("admin", "Tomasz Nowak", deployment_role=User.DeploymentRole.ADMINISTRATOR)
    logins.append(DemoLogin("admin", "Tomasz Nowak", "Administrator", "Whole service"))
    logins[5] = DemoLogin(logins[5].username, logins[5].full_name, "Surge tracer (active delegation)", surge.name)
    logins[6] = DemoLogin(logins[6].username, logins[6].full_name, "Surge tracer (no delegation)", reserve.name)
    return logins
