"""Submitter tokens: shown once, stored as a hash, refused once revoked, and audited."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from localtrace.audit.models import AuditEvent
from localtrace.results.models import Submitter, SubmitterToken
from localtrace.results.tokens import create_token, revoke_token, verify_token


def _submitter() -> Submitter:
    return Submitter.objects.create(code="LAB-SOUTH", name="South laboratory")


def test_a_token_is_stored_only_as_a_hash_with_a_short_prefix(world) -> None:
    token, secret = create_token(_submitter(), name="LIMS", actor=world.users["admin"])
    assert secret.startswith("lt_") and len(secret) > 40
    stored = SubmitterToken.objects.filter(pk=token.pk).values().get()
    assert stored["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert stored["prefix"] == secret[:8]
    assert not any(secret in str(value) for value in stored.values())
    assert not any(secret in str(event.detail) for event in AuditEvent.objects.all())


def test_each_token_is_different(world) -> None:
    submitter = _submitter()
    secrets = {create_token(submitter, name=f"LIMS {n}")[1] for n in range(5)}
    assert len(secrets) == 5


def test_a_live_token_is_verified_and_its_use_recorded(world) -> None:
    token, secret = create_token(_submitter(), name="LIMS")
    found = verify_token(secret)
    assert found == token and found.submitter.code == "LAB-SOUTH"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_or_an_inactive_submitter_is_refused(world) -> None:
    submitter = _submitter()
    token, secret = create_token(submitter, name="LIMS")
    _, other_secret = create_token(submitter, name="Spare")
    revoke_token(token, actor=world.users["admin"])
    assert verify_token(secret) is None
    assert verify_token(other_secret) is not None
    submitter.is_active = False
    submitter.save()
    assert verify_token(other_secret) is None


def test_anything_else_is_refused(world) -> None:
    token, secret = create_token(_submitter(), name="LIMS")
    for attempt in (None, "", secret[:-1], secret + "x", secret.upper(), token.token_hash, "lt_" + "a" * 500, "\udcff"):
        assert verify_token(attempt) is None


def test_creating_and_revoking_a_token_are_audited(world) -> None:
    admin = world.users["admin"]
    token, _ = create_token(_submitter(), name="LIMS", actor=admin)
    granted = AuditEvent.objects.get(action=AuditEvent.Action.GRANT, object_id=str(token.pk))
    assert granted.actor == admin and granted.object_type == "results.submittertoken"
    assert granted.detail == {"submitter": "LAB-SOUTH", "prefix": token.prefix, "name": "LIMS"}
    revoke_token(token, actor=admin)
    revoke_token(token, actor=admin)  # a second revoke changes nothing
    revoked = AuditEvent.objects.filter(action=AuditEvent.Action.REVOKE, object_id=str(token.pk))
    assert revoked.count() == 1 and revoked.get().actor == admin
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_at <= timezone.now()
