"""Writing audit events: every action and every read of personal data calls `record`."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from localtrace.audit.models import AuditEvent
from localtrace.core.middleware import current_request_id

Action = AuditEvent.Action


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is the proxy's address behind a proxy; deployments that trust
    # their proxy set it from X-Forwarded-For in the proxy itself.
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    area: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Pass the request when there is one; commands pass the actor."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_username=getattr(actor, "username", "") if actor is not None else "",
        object_type=object_type,
        object_id=str(object_id),
        area=area,
        ip_address=client_ip(request),
        request_id=getattr(request, "request_id", "") or current_request_id().strip("-"),
        detail=detail or {},
    )
