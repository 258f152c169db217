"""A double click on an interview button is one answer: one timeline line, and a button that holds still."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from localtrace.cases.investigation import confirm_identity, nothing_more_to_add
from localtrace.cases.models import Case
from localtrace.contacts.services import NamedContact, name_contact
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_confirming_an_identity_twice_from_pages_opened_together_writes_one_line(world: World) -> None:
    tracer = world.users["tracer_a"]
    first, second = Case.objects.get(pk=world.case_a.pk), Case.objects.get(pk=world.case_a.pk)
    confirm_identity(None, first, actor=tracer)
    confirm_identity(None, second, actor=tracer)
    assert world.case_a.events.filter(kind="identity_confirmed").count() == 1
    assert second.identity_confirmed_at == first.identity_confirmed_at


def test_a_double_click_on_no_more_close_contacts_writes_one_line(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    tracer = client_for("tracer_a")
    for _ in range(2):
        response = tracer.post(reverse("cases:nothing-more", args=[world.case_a.pk]), {"part": "close"})
        assert response.status_code == 302
    assert world.case_a.events.filter(kind="nothing_more").count() == 1


def test_no_more_said_again_after_adding_someone_or_later_is_a_new_answer(world: World) -> None:
    tracer, now = world.users["tracer_a"], timezone.now()
    nothing_more_to_add(world.case_a, "close", actor=tracer, at=now - dt.timedelta(minutes=5))
    nothing_more_to_add(world.case_a, "close", actor=tracer, at=now - dt.timedelta(seconds=30))
    name_contact(
        world.case_a,
        NamedContact("Ann", "Other", "close", timezone.localdate() - dt.timedelta(days=1)),
        actor=tracer,
    )
    nothing_more_to_add(world.case_a, "close", actor=tracer)
    nothing_more_to_add(world.case_a, "places", actor=tracer)
    assert list(world.case_a.events.filter(kind="nothing_more").values_list("detail__part", flat=True)) == [
        "close",
        "close",
        "close",
        "places",
    ]


@pytest.mark.parametrize(
    "page, button",
    [
        ("cases:identity", "Continue"),
        ("cases:contact-add", "No more household members"),
        ("cases:visit-add", "No more places"),
    ],
)
def test_the_interview_buttons_are_kept_from_sending_twice(world: World, client_for, page: str, button: str) -> None:  # type: ignore[no-untyped-def]
    url = reverse(page, args=[world.case_a.pk]) + ("?kind=household" if page == "cases:contact-add" else "")
    html = client_for("tracer_a").get(url).content.decode()
    tag = re.search(rf"<button[^>]*>{button}</button>", html)
    assert tag is not None and 'data-prevent-double-click="true"' in tag.group(0)
