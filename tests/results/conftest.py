"""Intake tests count results, people and cases from nothing, so their world has none to start with."""

from __future__ import annotations

import pytest

from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.people.models import Person
from localtrace.results.models import TestResult
from tests.personas import World, build_world


def build_intake_world() -> World:
    world = build_world()
    Contact.objects.all().delete()
    Case.objects.all().delete()
    TestResult.objects.all().delete()
    Person.objects.all().delete()
    return world


@pytest.fixture
def world(db: None) -> World:
    return build_intake_world()
