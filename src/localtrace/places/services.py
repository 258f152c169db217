"""Recording where a case has been: matched to an existing setting where possible, dated, directed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.areas.services import route_postcode
from localtrace.cases.events import note
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.config import policy
from localtrace.people.names import name_key
from localtrace.places.models import Setting, Visit


def direction_for(case: Case, day: dt.date) -> str | None:
    """Backward in the backward window, forward in the infectious period, else None (not asked about)."""
    if day in policy.backward_window(case.anchor_date):
        return Visit.Direction.BACKWARD
    if day in policy.infectious_period(case.anchor_date):
        return Visit.Direction.FORWARD
    return None


def find_or_add_setting(*, area_id: int, name: str, kind: str, postcode: str = "", address_line_1: str = "") -> Setting:
    """The area's setting with this name (and postcode, if given), or a new one.

    Names are compared as the matching of people does (case, accents and punctuation ignored), so
    "The Crown" and "the crown" are one place; merging near-duplicates is a team lead's job.
    """
    key = name_key(name)
    candidates = Setting.objects.filter(area_id=area_id, kind=kind)
    if postcode:
        candidates = candidates.filter(postcode=postcode)
    for setting in candidates.only("pk", "name", "postcode"):
        if name_key(setting.name) == key:
            return setting
    return Setting.objects.create(
        area_id=area_id, name=" ".join(name.split()), kind=kind, postcode=postcode, address_line_1=address_line_1
    )


@transaction.atomic
def record_visit(
    case: Case, *, name: str, kind: str, visited_on: dt.date, postcode: str = "", address_line_1: str = "",
    request: HttpRequest | None = None, actor: Any = None, online: bool = False,
) -> Visit:  # fmt: skip
    """One action for tracers and the case online: a visit in the backward window or the infectious period."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    direction = direction_for(case, visited_on)
    if direction is None:
        backward, infectious = policy.backward_window(case.anchor_date), policy.infectious_period(case.anchor_date)
        raise InvestigationError(
            f"Ask about places between {backward.first:%-d %B} and {infectious.last:%-d %B}: "
            f"{visited_on:%-d %B} is outside the days that matter"
        )
    if postcode:
        try:
            postcode = normalise_postcode(postcode)
        except InvalidPostcode as error:
            raise InvestigationError(str(error)) from None
    area_id = getattr(route_postcode(postcode), "pk", None) if postcode else None
    setting = find_or_add_setting(
        area_id=area_id or case.area_id, name=name, kind=kind, postcode=postcode, address_line_1=address_line_1
    )
    visit = Visit.objects.create(
        case=case,
        setting=setting,
        visited_on=visited_on,
        direction=direction,
        recorded_by=actor,
        recorded_online=online,
    )
    label = "where they may have caught it" if direction == Visit.Direction.BACKWARD else "while infectious"
    note(case, "visit", f"Visited {setting.name} on {visited_on:%-d %B} ({label})", request=request, actor=actor,
         setting=setting.pk, direction=direction)  # fmt: skip
    return visit
