"""A generated month of tracing in the personas' two areas, built through the real actions."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from localtrace.cases.investigation import InvestigationError, close_unreachable, complete, record_attempt
from localtrace.cases.models import Attempt, Case
from localtrace.cases.services import open_cases_for
from localtrace.contacts.models import Contact
from localtrace.contacts.services import NamedContact, name_contact
from localtrace.people.models import Person
from localtrace.results.models import Submission, TestResult
from tests.personas import World

CASES = 80
GIVEN = ["Alys", "Bryn", "Carys", "Dafydd", "Elin", "Ffion", "Gareth", "Hywel", "Iolo", "Jac", "Lowri", "Macsen"]
FAMILY = ["Hughes", "Jenkins", "Lloyd", "Morgan", "Owen", "Parry", "Rees", "Thomas", "Vaughan", "Williams", "Bevan"]


def generate(world: World, *, cases: int = CASES, seed: int = 9) -> list[Case]:
    rng = random.Random(seed)
    submission = Submission.objects.create(channel=Submission.Channel.COMMAND)
    now = timezone.now()
    made = []
    staff = {world.area_a.pk: [world.users["tracer_a"], world.users["lead_a"], world.users["surge_active"]],
             world.area_b.pk: [world.users["tracer_b"]]}  # fmt: skip
    for i in range(cases):
        area = world.area_a if rng.random() < 0.7 else world.area_b
        received = now - dt.timedelta(hours=rng.uniform(30, 28 * 24))
        person = Person.objects.create(given_name=f"Case{i}", family_name="Example", postcode="FX1 1AB",
                                       date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=i))  # fmt: skip
        day = timezone.localdate(received)
        result = TestResult.objects.create(
            source_id="LAB-GEN", specimen_id=f"GEN-{seed}-{i}", submission=submission, row_number=i + 1, person=person,
            area=area, postcode="FX1 1AB", test_type="PCR", result="positive",
            specimen_date=day - dt.timedelta(days=1), result_date=day, received_at=received,
        )  # fmt: skip
        open_cases_for([result], births={person.pk: person.date_of_birth}, received_at=received)
        case = Case.objects.get(first_result=result)
        made.append(case)
        tracer = rng.choice(staff[area.pk])
        _play(case, received, tracer, rng, now)
        case.refresh_from_db()
        if case.reached_at is not None and rng.random() < 0.8:
            for j in range(rng.randint(0, 4)):
                at = min(case.reached_at + dt.timedelta(minutes=5 + j), now)
                given, family = GIVEN[(i + j) % len(GIVEN)], FAMILY[(i * 5 + j) % len(FAMILY)]
                try:
                    contact = name_contact(
                        case,
                        NamedContact(
                            given_name=given,
                            family_name=f"{family}-{seed}-{i}-{j}",
                            date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=97 * i + 13 * j),
                            kind=rng.choice([Contact.Kind.HOUSEHOLD, Contact.Kind.CLOSE, Contact.Kind.SETTING]),
                            last_exposure=case.specimen_date,
                        ),
                        actor=tracer,
                        at=at,
                    )
                except InvestigationError:
                    continue  # matched to a person already named (the matcher is fuzzy)
                _play(contact, at, rng.choice(staff[contact.area_id]), rng, now)
            case.refresh_from_db()
            if case.is_open and rng.random() < 0.7:
                complete(case, actor=tracer, at=min(case.reached_at + dt.timedelta(minutes=40), now))
    return made


def _play(item: Case | Contact, start: dt.datetime, tracer: object, rng: random.Random, now: dt.datetime) -> None:
    """One of the ladder's endings, with the tries timed from the clock start."""
    t = start + dt.timedelta(hours=rng.uniform(0.2, 6))
    story = rng.choice(["first", "later", "door", "unreachable", "complete_only", "open", "later"])
    if t > now:
        return
    if story == "first":
        record_attempt(item, channel="phone", outcome=Attempt.Outcome.ANSWERED, actor=tracer, at=t)
    elif story == "later":
        record_attempt(item, channel="phone", outcome=Attempt.Outcome.NO_ANSWER, actor=tracer, at=t)
        later = t + dt.timedelta(hours=rng.uniform(1, 40))
        if later <= now:
            record_attempt(item, channel="phone", outcome=Attempt.Outcome.ANSWERED, actor=tracer, at=later)
    elif story == "door":
        record_attempt(item, channel="phone", outcome=Attempt.Outcome.VOICEMAIL, actor=tracer, at=t)
        later = t + dt.timedelta(hours=rng.uniform(20, 50))
        if later <= now:
            record_attempt(item, channel="doorstep", outcome=Attempt.Outcome.SPOKE_AT_DOOR, actor=tracer, at=later)
    elif story == "unreachable":
        record_attempt(item, channel="phone", outcome=Attempt.Outcome.NO_ANSWER, actor=tracer, at=t)
        close_unreachable(item, "no answer", actor=tracer, at=min(t + dt.timedelta(hours=30), now))
    elif story == "complete_only":
        complete(item, actor=tracer, at=t, summary="Told to isolate")
    if isinstance(item, Contact):
        item.refresh_from_db()
        if item.is_open and item.reached_at is not None and rng.random() < 0.8:
            complete(item, actor=tracer, at=min(item.reached_at + dt.timedelta(minutes=10), now))


@pytest.fixture
def generated(world: World) -> list[Case]:
    return generate(world)
