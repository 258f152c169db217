"""Template helpers shared by every page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, key)


@register.filter
def percent(share: float, places: int = 1) -> str:
    """0.0123 → "1.2%"."""
    return f"{share * 100:.{places}f}%"
