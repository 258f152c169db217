"""Isolation support objects for the personas' world, made on first use (the permission matrix and support tests)."""

from __future__ import annotations

from dataclasses import dataclass

from localtrace.support.models import Organisation, PaymentClaim, SupportRequest
from localtrace.support.services import make_claim, record_needs, save_organisation
from tests.personas import World


@dataclass
class SupportWorld:
    request_a: SupportRequest
    organisation_a: Organisation
    claim_a: PaymentClaim


def support_world(world: World) -> SupportWorld:
    """A food request on case A (shared with consent), a food bank in area A, a claim for contact A's isolation."""
    made = getattr(world, "_support", None)
    if made is None:
        tracer = world.users["tracer_a"]
        (request_a,) = record_needs(world.case_a, ["food"], urgent=True, consent=True, actor=tracer)
        organisation_a = save_organisation(
            world.area_a, name="Ashby Fenwick Food Bank", services=["food", "pets"], phone="01632 960001",
            actor=world.users["area_lead_a"],
        )  # fmt: skip
        # Made online, so every support role of the area may decide it (nobody decides a claim they recorded).
        claim_a = make_claim(
            world.contact_a, told_to_isolate=True, low_income=True, cannot_work_from_home=True,
            evidence_notes="Universal Credit award letter seen", online=True,
        )  # fmt: skip
        made = SupportWorld(request_a, organisation_a, claim_a)
        world._support = made  # type: ignore[attr-defined]
    return made
