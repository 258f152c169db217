"""Hand-made cases, settings and visits for the places tests."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.cases.models import Case
from localtrace.people.models import Person
from localtrace.places.models import Setting, Visit
from localtrace.results.models import TestResult
from tests.personas import World

_numbers = itertools.count(1)


def new_case(world: World, *, address: str, postcode: str = "FX1 1AB", area: Area | None = None,
             specimen_date: dt.date | None = None) -> Case:  # fmt: skip
    """A case at this address (cases at one address and postcode are one household)."""
    n = next(_numbers)
    area = area or world.area_a
    specimen_date = specimen_date or timezone.localdate() - dt.timedelta(days=2)
    person = Person.objects.create(
        given_name=f"Person{n}", family_name="Test", date_of_birth=dt.date(1980, 1, 1), postcode=postcode,
        address_line_1=address,
    )  # fmt: skip
    result = TestResult.objects.create(
        source_id="LAB-A", specimen_id=f"PLACES-{n}", submission=world.submission, row_number=100 + n, person=person,
        area=area, postcode=postcode, test_type="PCR", result="positive", specimen_date=specimen_date,
        result_date=specimen_date + dt.timedelta(days=1),
    )  # fmt: skip
    return Case.objects.create(
        person=person, area=area, first_result=result, specimen_date=specimen_date,
        result_date=result.result_date, reach_deadline=timezone.now() + dt.timedelta(hours=20),
    )  # fmt: skip


def new_setting(world: World, name: str = "The Crown", *, kind: str = "hospitality", area: Area | None = None,
                postcode: str = "FX1 2AB") -> Setting:  # fmt: skip
    return Setting.objects.create(area=area or world.area_a, name=name, kind=kind, postcode=postcode)


def visit(case: Case, setting: Setting, day: dt.date, direction: str = Visit.Direction.BACKWARD) -> Visit:
    return Visit.objects.create(case=case, setting=setting, visited_on=day, direction=direction)
