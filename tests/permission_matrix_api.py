"""Permission-matrix entries for the results API and the submitter pages (merged into MATRIX).

The API answers for itself: it is outside the staff sign-in, so a session (of any persona)
is not a token and gets 401 from the submit endpoint; nobody can read anything through it.
Its documentation (a page and the OpenAPI description) carries no data and is public.
"""

from __future__ import annotations

from typing import Any

from localtrace.results.models import Submitter, SubmitterToken
from localtrace.results.tokens import create_token
from tests.permission_matrix import Entry, everyone, only
from tests.personas import World


def _submitter(world: World) -> Submitter:
    submitter, _ = Submitter.objects.get_or_create(code="LAB-MATRIX", defaults={"name": "Matrix Laboratory"})
    return submitter


def _token(world: World) -> SubmitterToken:
    submitter = _submitter(world)
    return submitter.tokens.filter(revoked_at__isnull=True).first() or create_token(submitter, name="Matrix")[0]


API_MATRIX: dict[str, Any] = {
    # The laboratories' API: a token, never a session.
    "api:fhir-bundle": Entry(
        everyone(401), method="post", anonymous=401, notes="a session is not a token: 401 for every persona"
    ),
    "api:openapi-json": Entry(everyone(200), anonymous=200, notes="the API's description; no data"),
    "api:openapi-view": Entry(everyone(200), anonymous=200, notes="the API's documentation page; no data"),
    "api:api-root": Entry(everyone(404), anonymous=404, notes="nothing at /api/ itself"),
    # Submitters and their tokens: administrators only.
    "submitters:submitter-list": Entry(only("admin")),
    "submitters:submitter-create": Entry(only("admin")),
    "submitters:submitter-detail": Entry(only("admin"), kwargs=lambda w: {"pk": _submitter(w).pk}),
    "submitters:token-create": Entry(only("admin"), kwargs=lambda w: {"pk": _submitter(w).pk}),
    "submitters:token-revoke": Entry(
        only("admin", status=302),
        kwargs=lambda w: {"pk": _submitter(w).pk, "token_pk": _token(w).pk},
        method="post",
    ),
}
