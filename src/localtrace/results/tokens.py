"""Submitters and their API tokens: a token may only submit results, and is kept as a hash.

The secret is shown once, when it is made; afterwards only its first characters (the
prefix) are known, to tell tokens apart. Creating and revoking a token are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.results.models import Submitter, SubmitterToken

TOKEN_START = "lt_"  # noqa: S105 (the visible start of every token, not a secret)
PREFIX_LENGTH = 8
# A real token is 46 characters; anything much longer is not worth hashing.
MAX_TOKEN_LENGTH = 200


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def create_submitter(*, code: str, name: str, request: HttpRequest | None = None, actor: Any = None) -> Submitter:
    submitter = Submitter.objects.create(code=code, name=name)
    record(Action.CREATE, request=request, actor=actor, obj=submitter, detail={"code": code})
    return submitter


@transaction.atomic
def create_token(
    submitter: Submitter, *, name: str, request: HttpRequest | None = None, actor: Any = None
) -> tuple[SubmitterToken, str]:
    """A new token for the submitter, and its secret (the only time the secret exists in full)."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    secret = TOKEN_START + secrets.token_urlsafe(32)
    token = SubmitterToken.objects.create(
        submitter=submitter,
        token_hash=hash_token(secret),
        prefix=secret[:PREFIX_LENGTH],
        name=name,
        created_by=actor,
    )
    record(
        Action.GRANT,
        request=request,
        actor=actor,
        obj=token,
        detail={"submitter": submitter.code, "prefix": token.prefix, "name": name},
    )
    return token, secret


def verify_token(secret: str | None) -> SubmitterToken | None:
    """The live token with this secret, or None. A revoked token or inactive submitter is refused."""
    if not secret or not secret.startswith(TOKEN_START) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(secret)
    # Looking up by the hash (not the secret) gives nothing away through timing; the
    # compare below is for form's sake, so a future change to the lookup stays safe.
    token = (
        SubmitterToken.objects.select_related("submitter")
        .filter(token_hash=digest, revoked_at__isnull=True, submitter__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    token.last_used_at = timezone.now()
    SubmitterToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    return token


@transaction.atomic
def revoke_token(token: SubmitterToken, *, request: HttpRequest | None = None, actor: Any = None) -> SubmitterToken:
    """Stop a token working at once. Revoking a revoked token changes nothing."""
    revoked = SubmitterToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if revoked:
        record(
            Action.REVOKE,
            request=request,
            actor=actor,
            obj=token,
            detail={"submitter": token.submitter.code, "prefix": token.prefix, "name": token.name},
        )
    return token
