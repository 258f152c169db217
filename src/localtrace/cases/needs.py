"""Support needs: asked at every call (and online), so people can afford and manage to isolate."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from localtrace.cases.events import note
from localtrace.cases.models import SUPPORT_NEEDS, Case


@transaction.atomic
def record_support_needs(
    case: Case, needs: list[str], *, urgent: bool, consent: bool, request: HttpRequest | None = None, actor: Any = None
) -> Case:
    unknown = [n for n in needs if n not in SUPPORT_NEEDS]
    if unknown:
        raise ValueError(f"Unknown support needs: {unknown}")
    case.support_needs, case.support_urgent, case.support_consent = list(needs), urgent and bool(needs), consent
    case.save(update_fields=["support_needs", "support_urgent", "support_consent"])
    if needs:
        summary = "Needs help with: " + ", ".join(SUPPORT_NEEDS[n].lower() for n in needs)
        summary += " (today)" if case.support_urgent else ""
        summary += "" if consent else "; did not agree to share their details"
    else:
        summary = "Needs no help to isolate"
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    note(case, "support_needs", summary, request=request, actor=actor, needs=list(needs))
    return case
