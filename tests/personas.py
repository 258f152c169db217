"""The people every permission test is written about, in two areas of one region.

tracer_a, lead_a, area_lead_a, support_a work in area A; tracer_b in area B;
surge_active is in a surge team with an active delegation to area A; surge_idle
in one without; dpo and admin hold deployment-wide roles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from localtrace.accounts.models import User
from localtrace.areas.models import Area, Delegation, Membership, Postcode, Role, Team
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.messaging.models import Message
from localtrace.people.models import Person
from localtrace.results.models import QuarantinedRow, Submission, TestResult

PERSONAS = (
    "tracer_a",
    "lead_a",
    "area_lead_a",
    "support_a",
    "tracer_b",
    "surge_active",
    "surge_idle",
    "dpo",
    "admin",
    "anonymous",
)


@dataclass
class World:
    nation: Area
    region: Area
    area_a: Area
    area_b: Area
    district_a: Area
    district_b: Area
    team_a: Team
    team_b: Team
    surge_team: Team
    idle_surge_team: Team
    delegation: Delegation
    users: dict[str, User]
    message: Message
    submission: Submission
    quarantined_a: QuarantinedRow
    quarantined_unrouted: QuarantinedRow
    case_a: Case
    contact_a: Contact

    def user(self, persona: str) -> User | None:
        return self.users.get(persona)

    # Self-service portal (issue 6): a new link for case A's person, made when a test asks for one.
    def portal_link(self) -> Any:
        from localtrace.portal.services import issue_link

        return issue_link(self.case_a).link


def make_user(username: str, *, deployment_role: str = "", with_device: bool = True) -> User:
    user = User.objects.create(
        username=username,
        full_name=username.replace("_", " ").title(),
        email=f"{username}@staff.example.org",
        deployment_role=deployment_role,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if with_device:
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def build_world() -> World:
    nation = Area.objects.create(code="E92000001", name="England", level=Area.Level.NATION)
    region = Area.objects.create(code="E12000901", name="Mercia Vale", level=Area.Level.REGION, parent=nation)
    area_a = Area.objects.create(code="E10000901", name="Northshire", level=Area.Level.UPPER_TIER, parent=region)
    area_b = Area.objects.create(code="E10000902", name="Southmoor", level=Area.Level.UPPER_TIER, parent=region)
    district_a = Area.objects.create(code="E07000901", name="Ashby Fenwick", level=Area.Level.DISTRICT, parent=area_a)
    district_b = Area.objects.create(code="E07000903", name="Castlemere", level=Area.Level.DISTRICT, parent=area_b)
    Postcode.objects.create(postcode="FX1 1AB", district=district_a, upper_tier=area_a)
    Postcode.objects.create(postcode="GX10 4DG", district=district_b, upper_tier=area_b)
    team_a = Team.objects.create(name="Northshire Tracing", kind=Team.Kind.LOCAL, area=area_a)
    team_b = Team.objects.create(name="Southmoor Tracing", kind=Team.Kind.LOCAL, area=area_b)
    surge_team = Team.objects.create(name="Mercia Surge", kind=Team.Kind.SURGE, area=region)
    idle_surge_team = Team.objects.create(name="Mercia Reserve", kind=Team.Kind.SURGE, area=region)

    users: dict[str, Any] = {}
    for persona, team, role in (
        ("tracer_a", team_a, Role.TRACER),
        ("lead_a", team_a, Role.TEAM_LEAD),
        ("area_lead_a", team_a, Role.AREA_LEAD),
        ("support_a", team_a, Role.SUPPORT_OFFICER),
        ("tracer_b", team_b, Role.TRACER),
        ("surge_active", surge_team, Role.TRACER),
        ("surge_idle", idle_surge_team, Role.TRACER),
    ):
        users[persona] = make_user(persona)
        Membership.objects.create(user=users[persona], team=team, role=role)
    users["dpo"] = make_user("dpo", deployment_role=User.DeploymentRole.DATA_PROTECTION_OFFICER)
    users["admin"] = make_user("admin", deployment_role=User.DeploymentRole.ADMINISTRATOR)

    now = timezone.now()
    delegation = Delegation.objects.create(
        area=area_a,
        team=surge_team,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=7),
        reason="Rising cases",
        granted_by=users["area_lead_a"],
    )
    message = Message.objects.create(
        channel=Message.Channel.EMAIL, recipient="tracer_a@staff.example.org", subject="Welcome", body="Hello"
    )
    submission = Submission.objects.create(
        channel=Submission.Channel.UPLOAD,
        filename="results.csv",
        status=Submission.Status.DONE,
        received=2,
        quarantined=2,
        created_by=users["area_lead_a"],
    )
    quarantined_a = QuarantinedRow.objects.create(
        submission=submission,
        row_number=1,
        source_id="LAB-A",
        fields={"postcode": "FX1 1AB", "nhs_number": "123"},
        raw_text="LAB-A,S1,123",
        reasons=["NHS number “123” has 3 digits, not 10."],
        reason_fields=["nhs_number"],
        area=area_a,
    )
    quarantined_unrouted = QuarantinedRow.objects.create(
        submission=submission,
        row_number=2,
        source_id="LAB-A",
        fields={"postcode": "nowhere"},
        raw_text="LAB-A,S2,,nowhere",
        reasons=["The postcode is missing."],
        reason_fields=["postcode"],
    )
    case_a, contact_a = make_case(area_a, submission)
    return World(
        nation, region, area_a, area_b, district_a, district_b, team_a, team_b, surge_team, idle_surge_team,
        delegation, users, message, submission, quarantined_a, quarantined_unrouted, case_a, contact_a,
    )  # fmt: skip


def make_case(area: Area, submission: Submission, *, specimen_id: str = "WORLD-1") -> tuple[Case, Contact]:
    """A case in the area, opened from a positive result, with one household contact."""
    today = timezone.localdate()
    person = Person.objects.create(
        given_name="Gwen", family_name="Morgan-Davies", date_of_birth=dt.date(1979, 3, 14), postcode="FX1 1AB",
        address_line_1="4 Chapel Row", phone="+447911123456", preferred_language="cy",
    )  # fmt: skip
    result = TestResult.objects.create(
        source_id="LAB-A", specimen_id=specimen_id, submission=submission, row_number=1, person=person, area=area,
        postcode="FX1 1AB", test_type="PCR", result="positive", specimen_date=today - dt.timedelta(days=2),
        result_date=today - dt.timedelta(days=1),
    )  # fmt: skip
    case = Case.objects.create(
        person=person, area=area, first_result=result, specimen_date=result.specimen_date,
        result_date=result.result_date, reach_deadline=timezone.now() + dt.timedelta(hours=20),
    )  # fmt: skip
    partner = Person.objects.create(given_name="Rhys", family_name="Morgan-Davies", postcode="FX1 1AB")
    contact = Contact.objects.create(
        case=case, person=partner, area=area, kind=Contact.Kind.HOUSEHOLD, relationship="partner",
        last_exposure=today, isolation_ends_on=today + dt.timedelta(days=10),
        reach_deadline=timezone.now() + dt.timedelta(hours=24),
    )  # fmt: skip
    return case, contact
