"""A visit's label (where they may have caught it, or while infectious) follows the case's dates when symptoms
are recorded after the visits: cluster detection reads it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from localtrace.cases.investigation import record_symptoms
from localtrace.places.detection import Rule, detect_on_database
from localtrace.places.models import Visit
from localtrace.places.services import direction_for, record_visit
from tests.personas import World
from tests.places.helpers import new_case, new_setting


def test_symptoms_recorded_later_relabel_the_visits_and_no_cluster_is_raised_from_two_forward_visits(
    world: World,
) -> None:
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    crown = new_setting(world)
    tracer = world.users["tracer_a"]
    first = new_case(world, address="1 High St", specimen_date=ago(3))
    visit = record_visit(first, name="The Crown", kind="hospitality", visited_on=ago(6), setting=crown, actor=tracer)
    assert visit.direction == Visit.Direction.BACKWARD  # on the test date alone

    record_symptoms(first, symptomatic=True, onset_date=ago(8), actor=tracer)
    visit.refresh_from_db()
    assert visit.direction == Visit.Direction.FORWARD == direction_for(first, ago(6))
    assert first.events.filter(kind="visit", summary__contains="now while infectious, from the new dates").exists()

    # Another case there while infectious the same day: two forward visits, nobody caught it there.
    second = new_case(world, address="2 High St", specimen_date=ago(5))
    record_visit(second, name="The Crown", kind="hospitality", visited_on=ago(6), setting=crown, actor=tracer)
    assert detect_on_database(Rule(), ago(28), today) == []


def test_recording_the_same_dates_again_relabels_nothing(world: World) -> None:
    today = timezone.localdate()
    crown = new_setting(world)
    tracer = world.users["tracer_a"]
    case = new_case(world, address="1 High St", specimen_date=today - dt.timedelta(days=3))
    record_visit(case, name="The Crown", kind="hospitality", visited_on=today - dt.timedelta(days=6), setting=crown,
                 actor=tracer)  # fmt: skip
    record_symptoms(case, symptomatic=False, onset_date=None, actor=tracer)
    assert not case.events.filter(kind="visit", summary__contains="from the new dates").exists()
