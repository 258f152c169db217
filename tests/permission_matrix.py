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


def _role_grant(world: World) -> dict[str, Any]:
    """A team role for tracer B, given by someone other than the administrator persona, who may then approve it."""
    from localtrace.accounts.models import RoleGrant

    grant = RoleGrant.objects.create(
        user=world.users["tracer_b"], team=world.team_a, role="tracer", granted_by=world.users["dpo"]
    )
    return {"pk": grant.user_id, "grant_pk": grant.pk}


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
    "areas:area-public-phone": Entry(only("area_lead_a", "admin"), kwargs=lambda w: {"code": w.area_a.code}),
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
    "accounts:role-approve": Entry(only("admin", status=302), kwargs=lambda w: _role_grant(w), method="post"),
    "accounts:role-withdraw": Entry(only("admin", status=302), kwargs=lambda w: _role_grant(w), method="post"),
    "accounts:reset-second-factor": Entry(only("admin", status=302), kwargs=_user_pk, method="post"),
    "accounts:send-password-link": Entry(only("admin", status=302), kwargs=_user_pk, method="post"),
    "accounts:set-active": Entry(
        only("admin", status=302), kwargs=_user_pk, method="post", data=lambda w: {"active": "1"}
    ),
    # Messaging (issue 6): the outbox lists what each may read (area staff: their areas' messages;
    # administrators: staff messages). world.message is a staff message; tests/messaging/test_access.py
    # covers a case's message persona by persona.
    "messaging:outbox": Entry(only(*TRACERS, "admin"), notes="lists only the messages in scope"),
    "messaging:message-detail": Entry(only("admin"), kwargs=lambda w: {"pk": w.message.pk}),
    "messaging:case-messages": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    "messaging:contact-messages": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    "messaging:notify-callback": Entry(
        everyone(401), method="post", anonymous=401, notes="Notify's receipts: its bearer token, not a session"
    ),
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
    "cases:details": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    # Finding a person: anyone who works a queue (surge tracers while delegated); results are scoped.
    "people:find": Entry(only(*TRACERS)),
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
    "cases:nothing-more": Entry(
        only(*AREA_A_TRACING, status=302), kwargs=_case_pk, method="post", data=lambda w: {"part": "household"}
    ),
    "contacts:contact-detail": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    "contacts:details": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    "contacts:attempt": Entry(
        only(*AREA_A_TRACING, status=302),
        kwargs=lambda w: {"pk": w.contact_a.pk},
        method="post",
        data=lambda w: {"channel": "phone", "outcome": "answered"},
    ),
    "contacts:complete": Entry(
        only(*AREA_A_TRACING, status=302), kwargs=lambda w: {"pk": w.contact_a.pk}, method="post"
    ),
    # A daily symptom check given on a call: the same people as the contact's page.
    "contacts:symptom-check": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    "contacts:transfer": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    "contacts:visit-sheet": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    # The team lead's page and assignment: team and area leads of the area.
    "cases:team": Entry(only("lead_a", "area_lead_a")),
    "cases:assign": Entry(
        only("lead_a", "area_lead_a", status=302),
        method="post",
        data=lambda w: {"case": w.case_a.pk, "tracer": w.users["tracer_a"].pk, "confirmed": "yes"},
    ),
    # Transmission chains (issue 7): tracing roles of the area, surge tracers while delegated; each tracer's
    # "chains" page goes straight to their one area.
    "cases:chains": Entry(only(*TRACERS, status=302)),
    "cases:area-chains": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"code": w.area_a.code}),
    "cases:case-chain": Entry(only(*AREA_A_TRACING), kwargs=_case_pk),
    # The data protection officer's audit trail.
    "audit:event-list": Entry(only("dpo")),
    "audit:event-export": Entry(only("dpo")),
}


def _subject_access(world: World, *, ready: bool = False) -> dict[str, Any]:
    """A request for case A's person, its records confirmed; with ready, every step before the copy done."""
    from django.utils import timezone

    from localtrace.audit.models import SubjectAccessRequest

    now = timezone.now()
    sar = SubjectAccessRequest.objects.create(
        received_on=timezone.localdate(), given_name="Gwen", family_name="Morgan-Davies",
        created_by=world.users["dpo"], records_confirmed_at=now,
        **({"identity_checked_at": now, "free_text_checked_at": now} if ready else {}),
    )  # fmt: skip
    sar.people.set([world.case_a.person])
    return {"pk": sar.pk}


# Subject access requests: the data protection officer's alone; anyone else finds no such page.
MATRIX.update(
    {
        "audit:sar-list": Entry(only("dpo")),
        "audit:sar-new": Entry(only("dpo")),
        "audit:sar-detail": Entry(only("dpo"), kwargs=_subject_access),
        "audit:sar-records": Entry(only("dpo"), kwargs=_subject_access),
        "audit:sar-identity": Entry(only("dpo"), kwargs=_subject_access),
        "audit:sar-free-text": Entry(only("dpo"), kwargs=_subject_access),
        "audit:sar-extend": Entry(only("dpo"), kwargs=_subject_access),
        "audit:sar-close": Entry(only("dpo"), kwargs=_subject_access),
        "audit:sar-copy-html": Entry(only("dpo"), kwargs=lambda w: _subject_access(w, ready=True)),
        "audit:sar-copy-json": Entry(only("dpo"), kwargs=lambda w: _subject_access(w, ready=True)),
    }
)


# Self-service portal (issue 6). Public pages: everyone, signed in or not, gets the same answer — without a
# link in the session that is the plain "link does not work" page (404) or a redirect to it.
MATRIX.update(
    {
        "portal:open": Entry(everyone(404), kwargs=lambda w: {"token": "forged-token"}, anonymous=404,
                             notes="public; a forged token gets the plain page"),
        "portal:start": Entry(everyone(404), anonymous=404, notes="public"),
        "portal:date-of-birth": Entry(everyone(404), anonymous=404, notes="public"),
        "portal:language": Entry(everyone(302), kwargs=lambda w: {"code": "cy"}, anonymous=302, notes="public"),
        "portal:home": Entry(everyone(404), anonymous=404, notes="public"),
        "portal:sign-out": Entry(everyone(302), anonymous=302, notes="public"),
        **{f"portal:{name}": Entry(everyone(200), notes="public footer page") for name in ("accessibility", "privacy", "cookies")},
        **{
            f"portal:{name}": Entry(everyone(404), anonymous=404, notes="public; needs a link and a date of birth")
            for name in ("case-symptoms", "case-onset", "case-household", "case-contacts", "case-places",
                         "case-support", "case-check", "case-done", "contact-symptom-check",
                         "contact-symptoms-advice", "note", "note-pdf", "help", "help-sent", "claim",
                         "claim-check", "claim-sent")
        },
        # Staff: send a link for a case or contact in scope; revoke one; check an isolation note's reference.
        "portal:send-case-link": Entry(only(*AREA_A_TRACING, status=302), kwargs=_case_pk, method="post"),
        "portal:send-contact-link": Entry(
            only(*AREA_A_TRACING, status=302), kwargs=lambda w: {"pk": w.contact_a.pk}, method="post"
        ),
        "portal:revoke-link": Entry(
            only(*AREA_A_TRACING, status=302), kwargs=lambda w: {"pk": w.portal_link().pk}, method="post"
        ),
        "portal:verify-note": Entry(only(*TRACERS)),
    }
)  # fmt: skip
# Isolation support (issue 8): support officers and area leads of the area; contacts' needs asked by tracers.
from tests.support_world import support_world  # noqa: E402

SUPPORT_A = ("support_a", "area_lead_a")


def _support_request(world: World) -> dict[str, Any]:
    return {"pk": support_world(world).request_a.pk}


def _claim(world: World) -> dict[str, Any]:
    return {"pk": support_world(world).claim_a.pk}


MATRIX.update(
    {
        "support:queue": Entry(only(*SUPPORT_A)),
        "support:get-next": Entry(
            only(*SUPPORT_A, status=302), method="post", kwargs=lambda w: support_world(w) and {}
        ),
        "support:request-detail": Entry(only(*SUPPORT_A), kwargs=_support_request),
        "support:request-take": Entry(only(*SUPPORT_A, status=302), kwargs=_support_request, method="post"),
        "support:request-release": Entry(only(*SUPPORT_A, status=302), kwargs=_support_request, method="post"),
        "support:assign": Entry(
            only("area_lead_a", status=302),
            kwargs=_support_request,
            method="post",
            data=lambda w: {"officer": w.users["support_a"].pk},
        ),
        "support:attempt": Entry(
            only(*SUPPORT_A, status=302),
            kwargs=_support_request,
            method="post",
            data=lambda w: {"channel": "phone", "outcome": "no_answer"},
        ),
        "support:refer": Entry(only(*SUPPORT_A), kwargs=_support_request),
        "support:outcome": Entry(only(*SUPPORT_A), kwargs=_support_request),
        "support:claim-create": Entry(only(*SUPPORT_A), kwargs=_support_request),
        "support:claim-list": Entry(only(*SUPPORT_A)),
        "support:claim-export": Entry(only(*SUPPORT_A), kwargs=lambda w: support_world(w) and {}),
        "support:claim-detail": Entry(only(*SUPPORT_A), kwargs=_claim),
        "support:claim-decide": Entry(only(*SUPPORT_A), kwargs=_claim),
        "support:figures": Entry(only("area_lead_a"), notes="each area lead sees the areas they lead"),
        "support:organisation-list": Entry(only(*SUPPORT_A)),
        "support:organisation-create": Entry(only("area_lead_a")),
        "support:organisation-edit": Entry(
            only("area_lead_a"), kwargs=lambda w: {"pk": support_world(w).organisation_a.pk}
        ),
        "support:contact-needs": Entry(only(*AREA_A_TRACING), kwargs=lambda w: {"pk": w.contact_a.pk}),
    }
)

# Intake's API and submitter pages keep their own entries beside this file.
from tests.permission_matrix_api import API_MATRIX  # noqa: E402

MATRIX.update(API_MATRIX)

# Settings, clusters and outbreaks (issue 7) keep their own entries beside this file.
from tests.permission_matrix_places import PLACES_MATRIX  # noqa: E402

MATRIX.update(PLACES_MATRIX)


# Person linkage (issue 10): the possible-duplicate review queue, for team and area leads of the
# pair's area (local teams only; surge leads never merge another area's people).
def _duplicate_review_a(world: World) -> dict[str, Any]:
    from localtrace.people.models import DuplicateReview

    first, second = sorted((world.case_a.person_id, world.contact_a.person_id))
    review, _ = DuplicateReview.objects.get_or_create(
        first_id=first, second_id=second, defaults={"area": world.area_a, "match_probability": 0.9, "match_weight": 3}
    )
    return {"pk": review.pk}


def _linked_review_a(world: World) -> dict[str, Any]:
    from localtrace.people.merging import merge_people
    from localtrace.people.models import DuplicateReview, Person

    kwargs = _duplicate_review_a(world)
    review = DuplicateReview.objects.get(pk=kwargs["pk"])
    if review.status == DuplicateReview.Status.OPEN:
        second = Person.objects.create(given_name="Gwen", family_name="Morgan-Davies", postcode="FX1 1AB")
        review = DuplicateReview.objects.create(
            first=review.first, second=second, area=world.area_a, match_probability=0.9, match_weight=3
        )
        merge_people(review.first, second, review=review)
    return {"pk": review.pk}


MATRIX.update(
    {
        "people:duplicate-list": Entry(only("lead_a", "area_lead_a", "admin"), notes="each sees only pairs in scope"),
        "people:duplicate-detail": Entry(only("lead_a", "area_lead_a"), kwargs=_duplicate_review_a),
        "people:duplicate-undo": Entry(
            only("lead_a", "area_lead_a", status=302), kwargs=_linked_review_a, method="post"
        ),
    }
)


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


# Areas with nobody to lead them (docs/access.md): administrators work an area's quarantined rows only while it
# has no active area lead, and its possible-duplicate pairs only while it has no active team lead or area lead.
# Each variant changes the world first, then says who gets what (tests/test_permission_matrix.py).
@dataclass(frozen=True)
class Variant:
    change: Callable[[World], None]
    matrix: dict[str, Entry]


def _without_roles(*roles: str) -> Callable[[World], None]:
    def change(world: World) -> None:
        from localtrace.areas.models import Membership

        Membership.objects.filter(team=world.team_a, role__in=roles).delete()

    return change


def _quarantined_a(world: World) -> dict[str, Any]:
    return {"pk": world.quarantined_a.pk}


def _leaderless_entries(quarantine: tuple[str, ...], pairs: tuple[str, ...]) -> dict[str, Entry]:
    return {
        "results:quarantine-detail": Entry(only(*quarantine), kwargs=_quarantined_a),
        "results:quarantine-dismiss": Entry(
            only(*quarantine, status=302), kwargs=_quarantined_a, method="post", data=lambda w: {"reason": "A test"}
        ),
        "people:duplicate-detail": Entry(only(*pairs), kwargs=_duplicate_review_a),
        "people:duplicate-undo": Entry(only(*pairs, status=302), kwargs=_linked_review_a, method="post"),
    }


# A deactivated area lead counts as none too (tests/accounts/test_access.py).
LEADERLESS_MATRIX: dict[str, Variant] = {
    "no area lead": Variant(_without_roles("area_lead"), _leaderless_entries(("admin",), ("lead_a",))),
    "no area lead or team lead": Variant(
        _without_roles("area_lead", "team_lead"), _leaderless_entries(("admin",), ("admin",))
    ),
}
