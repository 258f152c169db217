"""Support needs: asked at every call (and online), so people can afford and manage to isolate.

The work is the support app's: each need becomes a SupportRequest for the area's support officers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from localtrace.cases.models import Case


def record_support_needs(
    case: Case,
    needs: list[str],
    *,
    urgent: bool,
    consent: bool,
    request: HttpRequest | None = None,
    actor: Any = None,
    at: dt.datetime | None = None,
    seen: str | None = None,
) -> Case:
    from localtrace.support.services import StaleNeeds, SupportError, record_needs

    # No staff member behind the call: the person answered online (the portal keeps this signature).
    staff = actor is not None or (request is not None and request.user.is_authenticated)
    try:
        record_needs(
            case,
            needs,
            urgent=urgent,
            consent=consent,
            request=request,
            actor=actor,
            online=not staff,
            at=at,
            seen=seen,
        )
    except StaleNeeds:
        raise  # the page shows the answers as they are now
    except SupportError as error:
        raise ValueError(str(error)) from None
    return case
