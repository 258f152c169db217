"""Writing audit events: every action and every read of personal data calls `record`."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest

from localtrace.audit.models import AuditEvent
from localtrace.core.middleware import current_request_id

Action = AuditEvent.Action


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from: the audit trail's "from where", and what rate limits count.

    Behind `LOCALTRACE_PROXY_COUNT` reverse proxies, REMOTE_ADDR is the nearest proxy's, the same for every
    visitor; the client is then the address that many entries from the right of X-Forwarded-For, the one the
    outermost trusted proxy saw (entries further left are whatever the client chose to send).
    """
    if request is None:
        return None
    proxies = getattr(settings, "LOCALTRACE_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops and (address := _address(hops[-min(proxies, len(hops))])):
            return address
    return _address(request.META.get("REMOTE_ADDR") or "")


def _address(text: str) -> str | None:
    """An IP address as PostgreSQL's inet column takes it, or None: a proxy may add a port ("1.2.3.4:5678",
    "[::1]:443") or write "unknown", and a bad value must not fail the request it is recorded for."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


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
