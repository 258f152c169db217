"""Who gets what from every URL in the service.

Each URL name maps to how to call it and the status each persona receives.
A URL without an entry here fails the build (tests/test_permission_matrix.py).
Out-of-scope objects answer 404, never 403. "login" means a redirect to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.personas import PERSONAS, World

SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]


@dataclass(frozen=True)
class Entry:
    allowed: dict[str, int]
    kwargs: Callable[[World], dict[str, Any]] = lambda world: {}
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = lambda world: {}
    # What everyone not listed in `allowed` gets; anonymous defaults to "login".
    otherwise: int = 404
    anonymous: int | str = "login"
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def expected(self, persona: str) -> int | str:
        if persona in self.allowed:
            return self.allowed[persona]
        if persona == "anonymous":
            return self.anonymous
        return self.otherwise


def everyone(status: int) -> dict[str, int]:
    return {p: status for p in PERSONAS}


def signed_in(status: int) -> dict[str, int]:
    return {p: status for p in SIGNED_IN}


def only(*personas: str, status: int = 200) -> dict[str, int]:
    return {p: status for p in personas}


AREA_A_WORKERS = ("tracer_a", "lead_a", "area_lead_a", "support_a", "surge_active", "admin")
TEAM_A_MEMBERS = ("tracer_a", "lead_a", "area_lead_a", "support_a", "admin")


TRACERS = ("tracer_a", "lead_a", "area_lead_a", "tracer_b", "surge_active")
AREA_A_TRACING = ("tracer_a", "lead_a", "area_lead_a", "surge_active")


def _case_pk(world: World) -> dict[str, Any]:
    return {"pk": world.case_a.pk}


def _user_pk(world: World) -> dict[str, Any]:
    return {"pk": world.users["tracer_a"].pk}


MATRIX: dict[str, Entry] = {
    # Public pages.
    "core:accessibility": Entry(everyone(200)),
    "core:privacy": Entry(everyone(200)),
    "core:cookies": Entry(everyone(200)),
    "core:healthz": Entry(everyone(200)),
    "accounts:sign-in": Entry({**signed_in(302), "anonymous": 200}, notes="signed-in users go home"),
    "accounts:signed-out": Entry(everyone(200)),
    "accounts:password-reset": Entry(everyone(200)),
    "accounts:password-reset-sent": Entry(everyone(200)),
    "accounts:password-reset-complete": Entry(everyone(200)),
    "accounts:password-reset-confirm": Entry(
        everyone(200), kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"}, notes="shows the expired-link page"
    ),
    # Every signed-in user.
    "core:home": Entry(signed_in(200)),
    "core:keep-alive": Entry(signed_in(302), method="post"),
    "accounts:code": Entry(signed_in(302), notes="already verified: goes home"),
    "accounts:set-up-authenticator": Entry(signed_in(302), notes="already has a device: goes to the code page"),
    "accounts:sign-out": Entry(signed_in(302), method="post", anonymous="login"),
    "accounts:account": Entry(signed_in(200)),
    "accounts:change-password": Entry(signed_in(200)),
    "areas:area-list": Entry(signed_in(200), notes="lists only the areas in scope"),
    "areas:team-list": Entry(signed_in(200), notes="lists only the teams in scope"),
    # Areas, teams and delegations.
    "areas:area-detail": Entry(only(*AREA_A_WORKERS), kwargs=lambda w: {"code": w.area_a.code}),
    "areas:team-detail": Entry(only(*TEAM_A_MEMBERS), kwargs=lambda w: {"pk": w.team_a.pk}),
    "areas:team-create": Entry(only("admin")),
    "areas:delegation-create": Entry(only("area_lead_a"), kwargs=lambda w: {"code": w.area_a.code}),
    "areas:delegation-revoke": Entry(
        only("area_lead_a", status=302), kwargs=lambda w: {"pk": w.delegation.pk}, method="post"
    ),
    # Administration of staff accounts: administrators only.
    "accounts:user-list": Entry(only("admin")),
    "accounts:user-create": Entry(only("admin")),
    "accounts:user-detail": Entry(only("admin"), kwargs=_user_pk),
    "accounts:user-edit": Entry(only("admin"), kwargs=_user_pk),
    "accounts:membership-add": Entry(only("admin"), kwargs=_user_pk),
    "accounts:membership-remove": Entry(
        only("admin", status=302),
        kwargs=lambda w: {"pk": w.users["tracer_a"].pk, "membership_pk": w.users["tracer_a"].memberships.get().pk},
        method="post",
    ),
    "accounts:reset-second-factor": Entry(only("admin", status=302), kwargs=_user_pk, method="post"),
    "accounts:send-password-link": Entry(only("admin", status=302), kwargs=_user_pk, method="post"),
    "accounts:set-active": Entry(
        only("admin", status=302), kwargs=_user_pk, method="post", data=lambda w: {"active": "1"}
    ),
    "messaging:outbox": Entry(only("admin")),
    "messaging:message-detail": Entry(only("admin"), kwargs=lambda w: {"pk": w.message.pk}),
    # Intake: uploads and accounting for area leads and administrators; rows by where they route.
    "results:submission-list": Entry(only("area_lead_a", "admin")),
    "results:submission-detail": Entry(only("area_lead_a", "admin"), kwargs=lambda w: {"pk": w.submission.pk}),
    "results:upload": Entry(only("area_lead_a", "admin")),
    "results:quarantine-list": Entry(only("area_lead_a", "admin"), notes="each sees only the rows in scope"),
    "results:quarantine-export": Entry(only("area_lead_a", "admin")),
    "results:quarantine-detail": Entry(only("area_lead_a"), kwargs=lambda w: {"pk": w.quarantined_a.pk}),
    "results:quarantine-dismiss": Entry(
        only("area_lead_a", status=302),
        kwargs=lambda w: {"pk": w.quarantined_a.pk},
        method="post",
        data=lambda w: {"reason": "A test row"},
    ),
    "results:quality": Entry(only("area_lead_a", "admin")),
    "results:quality-export": Entry(only("area_lead_a", "admin")),
    "results:no-area": Entry(only("admin")),
    # Tracing: the queues for anyone with a tracing role somewhere (each sees their own areas' items);
    # a case or contact only for tracing roles in its area, surge tracers while delegated.
    "cases:queue": Entry(only(*TRACERS)),
    "cases:get-next": Entry(only(*TRACERS, status=302), method="post"),
    "contacts:queue": Entry(only(*TRACERS)),
    "contacts:get-next": Entry(only(*TRACERS, status=302), method="post"),
    "cases:case-detail": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:identity": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:symptoms": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:contact-add": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:outcome": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:visit-add": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:support-needs": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:transfer": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:visit-sheet": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "cases:attempt": Entry(
        only(*AREA_A_TRACING, status=302),
        kwargs=_case_pk,
        method="post",
        data=lambda w: {"channel": "phone", "outcome": "no_answer"},
    ),
    "contacts:contact-detail": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    "contacts:attempt": Entry(
        only(*AREA_A_TRACING, status=302),
        kwargs=lambda w: {"pk": w.contact_a.pk},
        method="post",
        data=lambda w: {"channel": "phone", "outcome": "answered"},
    ),
    "contacts:complete": Entry(
        only(*AREA_A_TRACING, status=302), kwargs=lambda w: {"pk": w.contact_a.pk}, method="post"
    ),
    # The team lead's page and assignment: team and area leads of the area.
    "cases:team": Entry(only("lead_a", "area_lead_a")),
    "cases:assign": Entry(
        only("lead_a", "area_lead_a", status=302),
        method="post",
        data=lambda w: {"case": w.case_a.pk, "tracer": w.users["tracer_a"].pk, "confirmed": "yes"},
    ),
    # The data protection officer's audit trail.
    "audit:event-list": Entry(only("dpo")),
    "audit:event-export": Entry(only("dpo")),
}


# Intake's API and submitter pages keep their own entries beside this file.
from tests.permission_matrix_api import API_MATRIX  # noqa: E402

MATRIX.update(API_MATRIX)

# Performance figures, dashboards, the transparency page and line-list exports (reports app).
MATRIX.update(
    {
        "reports:index": Entry(only("lead_a", "area_lead_a", "admin")),
        "reports:area": Entry(only("lead_a", "area_lead_a"), kwargs=lambda w: {"pk": w.area_a.pk}),
        "reports:team": Entry(only("lead_a", "area_lead_a"), kwargs=lambda w: {"pk": w.team_a.pk}),
        "reports:national": Entry(only("admin")),
        "reports:export": Entry(
            only("area_lead_a"), kwargs=lambda w: {"pk": w.area_a.pk, "what": "cases", "fmt": "csv"}
        ),
        "reports:transparency": Entry(everyone(200), anonymous=200),
        "reports:open-data-csv": Entry(everyone(200), anonymous=200),
        "reports:open-data-json": Entry(everyone(200), anonymous=200),
    }
)
