"""The contact page's daily symptom checks: a warning that follows the latest check, and the checks themselves."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from localtrace.contacts.services import symptom_checks as checks_of

register = template.Library()


@register.inclusion_tag("contacts/includes/symptom_checks.html")
def symptom_checks(contact: Any, became_case: Any = None) -> dict[str, Any]:
    """The page's view checked scope; this reads the contact's last 14 checks in one query.

    `became_case`: the case they became, if any; its advice replaces theirs, so no contact check is offered.
    """
    return {
        "contact": contact,
        "checks": checks_of(contact),
        "checks_open": became_case is None and timezone.localdate() <= contact.isolation_ends_on,
    }
