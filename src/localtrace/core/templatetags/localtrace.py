"""Template helpers shared by every page."""

from __future__ import annotations

from typing import Any

from django import template

from localtrace.core.addresses import address as _address
from localtrace.core.phones import dialled as _dialled

register = template.Library()


@register.simple_tag
def address(name: str, pk: Any = None) -> str:
    """`{% url %}` for a page with at most one key, worked out once per process (see core/addresses.py)."""
    return _address(name, pk)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, key)


@register.filter
def percent(share: float, places: int = 1) -> str:
    """0.0123 → "1.2%"."""
    return f"{share * 100:.{places}f}%"


@register.filter
def day(value: Any) -> str:
    """A date in words, as the service says it to people: "Tuesday 24 November" (with the year if not this one)."""
    import datetime as dt

    from django.utils import timezone

    if not isinstance(value, dt.date):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    text = f"{value:%A} {value.day} {value:%B}"
    return text if value.year == timezone.localdate().year else f"{text} {value.year}"


@register.filter
def language(code: str) -> str:
    """A preferred-language code as a tracer reads it before a call: "pl" → "Polish (pl)".

    Names come from Django's own table of languages; a code it does not know is shown as it is.
    """
    from django.utils.translation import get_language_info

    if not code:
        return ""
    try:
        return f"{get_language_info(code)['name']} ({code})"
    except KeyError:
        return code


@register.filter
def dialled(number: str) -> str:
    """A stored phone number as a person dials it (core/phones.py)."""
    return _dialled(number)
