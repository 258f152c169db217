"""Template helpers for the public pages (language switch) and the staff pages (a case's or contact's links)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template

from localtrace.portal.models import PortalLink

register = template.Library()


@register.simple_tag(takes_context=True)
def language_next(context: dict[str, Any]) -> str:
    """Where the language switch returns to: this page, unless its path is the one that carries a token."""
    request = context.get("request")
    path = getattr(request, "path", "")
    return quote(path if path.startswith("/self-service/") else "/self-service/", safe="/")


@register.inclusion_tag("portal/includes/links.html", takes_context=True)
def self_service_links(context: dict[str, Any], item: Any) -> dict[str, Any]:
    """The links issued for a case or contact, with send and revoke buttons (the page's view checked scope)."""
    field = "case" if item.__class__.__name__ == "Case" else "contact"
    links = list(PortalLink.objects.filter(**{field: item}).order_by("-created_at")[:10])
    return {
        "item": item,
        "kind": field,
        "links": links,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.filter
def isodate(value: str) -> Any:
    """An ISO date kept in the session (answers in progress), as a date for the `date` filter."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
