"""The queue's counts and pages tell the truth after every action that changes an item, and pages walk every item once.

The truth is worked out here in Python from every row of the area; the pages' figures come from the
partial indexes' queries in `localtrace.cases.listing`. Both must agree after claiming, reaching,
failing to reach, completing, closing as unreachable, transferring, a claim lapsing and the
escalation ladder's own steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import Client, RequestFactory
from django.utils import timezone

from localtrace.accounts.access import scoped
from localtrace.cases import escalation, investigation, ladder, listing
from localtrace.cases.models import OPEN_STATUSES, Case, Priority, Status, WorkItem
from localtrace.cases.queue import claim_next
from localtrace.contacts.models import Contact
from tests.personas import World, make_case


def truth(items: list[WorkItem], now: dt.datetime) -> dict[str, Any]:
    """The queue's figures, counted one item at a time."""
    today = listing.start_of_day(now)
    open_items = [i for i in items if i.status in OPEN_STATUSES]
    unreached = [i for i in open_items if i.reached_at is None]
    closed_today = [i for i in items if i.status not in OPEN_STATUSES and i.closed_at and i.closed_at >= today]
    return {
        "open": len(open_items),
        "new": sum(i.status == Status.NEW for i in open_items),
        "in_progress": sum(i.status == Status.IN_PROGRESS for i in open_items),
        "reached": sum(i.status == Status.REACHED for i in open_items),
        "due_soon": sum(now <= i.reach_deadline < now + dt.timedelta(hours=4) for i in unreached),
        "overdue": sum(i.reach_deadline < now for i in unreached),
        "oldest": min((i.reach_deadline for i in unreached), default=None),
        "closed_today": len(closed_today),
        "completed_today": sum(i.status == Status.COMPLETED for i in closed_today),
    }


def assert_counts_true(world: World) -> None:
    now = timezone.now()
    for area, persona in ((world.area_a, "tracer_a"), (world.area_b, "tracer_b")):
        for model in (Case, Contact):
            rows: QuerySet[Any] = model.objects.filter(area=area)
            seen = listing.counts(
                scoped(world.users[persona], f"{model._meta.model_name}.view", model.objects.all()), now
            )
            assert seen == truth(list(rows), now), f"{model.__name__} counts of {area.name}"


@pytest.fixture
def busy(world: World) -> World:
    """Area A with cases in several states and deadlines, and their household contacts."""
    now = timezone.now()
    for n, hours in enumerate((-5, -1, 2, 3, 30)):
        case, contact = make_case(world.area_a, world.submission, specimen_id=f"BUSY-{n}")
        Case.objects.filter(pk=case.pk).update(reach_deadline=now + dt.timedelta(hours=hours), priority=1 + n % 5)
        Contact.objects.filter(pk=contact.pk).update(reach_deadline=now + dt.timedelta(hours=hours + 1))
    return world


def _request(user: Any) -> Any:
    request = RequestFactory().post("/")
    request.user = user
    return request


def _claim(world: World) -> None:
    tracer = world.users["tracer_a"]
    claim_next(scoped(tracer, "case.view", Case.objects.all()), tracer)


def _reach(world: World) -> None:
    case = Case.objects.filter(area=world.area_a, status=Status.NEW).first()
    assert case is not None
    investigation.record_attempt(case, channel="phone", outcome="answered", actor=world.users["tracer_a"])


def _fail(world: World) -> None:
    contact = Contact.objects.filter(area=world.area_a, status=Status.NEW).first()
    assert contact is not None
    investigation.record_attempt(contact, channel="phone", outcome="no_answer", actor=world.users["tracer_a"])


def _complete(world: World) -> None:
    for model in (Case, Contact):
        item = model.objects.filter(area=world.area_a, status__in=OPEN_STATUSES).first()
        investigation.complete(item, actor=world.users["tracer_a"])


def _unreachable(world: World) -> None:
    case = Case.objects.filter(area=world.area_a, status__in=OPEN_STATUSES).last()
    assert case is not None
    investigation.close_unreachable(case, "moved away", actor=world.users["tracer_a"])


def _transfer(world: World) -> None:
    request = _request(world.users["tracer_a"])
    case = Case.objects.filter(area=world.area_a, status__in=OPEN_STATUSES).first()
    investigation.transfer(case, world.area_b, "Lives there", request=request)  # type: ignore[arg-type]
    contact = Contact.objects.filter(area=world.area_a, status__in=OPEN_STATUSES).last()
    investigation.transfer(contact, world.area_b, "Lives there", request=request)  # type: ignore[arg-type]


def _lapse(world: World) -> None:
    _claim(world)
    Case.objects.filter(claimed_by__isnull=False).update(claimed_at=timezone.now() - dt.timedelta(hours=2))
    other = world.users["lead_a"]
    claim_next(scoped(other, "case.view", Case.objects.all()), other)


def _escalate(world: World) -> None:
    steps = ladder.ladder()
    link = next(i for i, s in enumerate(steps) if s.kind == ladder.LINK)
    past = timezone.now() - dt.timedelta(minutes=5)
    cases = list(Case.objects.filter(area=world.area_a, status__in=OPEN_STATUSES, reached_at__isnull=True)[:2])
    Case.objects.filter(pk=cases[0].pk).update(status=Status.IN_PROGRESS, ladder_step=link, next_step_at=past)
    Case.objects.filter(pk=cases[1].pk).update(ladder_step=len(steps) - 1, next_step_at=past)
    Contact.objects.filter(area=world.area_a, status=Status.NEW).update(ladder_step=len(steps) - 1, next_step_at=past)
    assert escalation.advance_due() >= 3
    assert Case.objects.get(pk=cases[1].pk).status == Status.UNREACHABLE


ACTIONS: dict[str, Callable[[World], None]] = {
    "claim": _claim,
    "reach": _reach,
    "failed attempt": _fail,
    "complete": _complete,
    "close as unreachable": _unreachable,
    "transfer": _transfer,
    "claim lapses": _lapse,
    "escalation ladder": _escalate,
}


@pytest.mark.parametrize("action", ACTIONS)
def test_the_counts_match_the_items_after_each_action(busy: World, action: str) -> None:
    assert_counts_true(busy)
    ACTIONS[action](busy)
    assert_counts_true(busy)


def test_the_counts_match_after_every_action_in_turn(busy: World) -> None:
    for action in ACTIONS.values():
        action(busy)
        assert_counts_true(busy)


def test_the_queue_page_and_the_team_page_show_the_counts(busy: World, client_for: Callable[[str], Client]) -> None:
    _complete(busy)
    _fail(busy)
    now = timezone.now()
    expected = truth(list(Case.objects.filter(area=busy.area_a)), now)
    queue = client_for("tracer_a").get("/cases/")
    assert {k: queue.context["counts"][k] for k in ("open", "due_soon", "overdue", "closed_today")} == {
        k: expected[k] for k in ("open", "due_soon", "overdue", "closed_today")
    }
    assert expected["closed_today"] == 1
    page = queue.content.decode()
    assert f"Open: {expected['open']}, most urgent first" in page
    # The team page's "Completed today" is a part of the queue's "closed today", and the queue says which part.
    assert f"{expected['completed_today']} completed; the rest could not be reached" in page
    # Every open case is on this one page: a link to each, and an Overdue tag on each overdue one.
    for case in Case.objects.filter(area=busy.area_a, status__in=OPEN_STATUSES):
        assert f'<a class="govuk-link" href="/cases/{case.pk}/">C{case.pk}</a>' in page
    assert page.count("govuk-tag--red") == expected["overdue"] > 0
    team = client_for("lead_a").get("/team/")
    assert team.context["cases"] == expected
    assert team.context["contacts"] == truth(list(Contact.objects.filter(area=busy.area_a)), now)


# --- pages ---------------------------------------------------------------------------------


def _fill(world: World, n: int) -> None:
    """n more cases in area A with few distinct priorities and deadlines, so that sort keys tie."""
    now = timezone.now().replace(microsecond=0)
    start = Case.objects.count()
    for i in range(n):
        case, _ = make_case(world.area_a, world.submission, specimen_id=f"PAGE-{start + i}")
        Case.objects.filter(pk=case.pk).update(
            priority=Priority.CARE_HOME + i % 3, reach_deadline=now + dt.timedelta(hours=i % 4)
        )


def _walk(client: Client, show: str) -> tuple[list[list[int]], list[list[int]]]:
    """Every page of a filter by its Next links, then back by its Previous links: the ids on each page."""
    forwards, query = [], f"?show={show}"
    while True:
        response = client.get(f"/cases/{query}")
        page = response.context["page"]
        forwards.append([item["id"] for item in page.items])
        if not page.next_cursor:
            break
        assert f"after={page.next_cursor}" in response.content.decode()
        query = f"?show={show}&after={page.next_cursor}"
    backwards = [forwards[-1]]
    while page.previous_cursor:
        response = client.get(f"/cases/?show={show}&before={page.previous_cursor}")
        page = response.context["page"]
        backwards.append([item["id"] for item in page.items])
    return forwards, backwards[::-1]


def test_next_links_walk_every_open_case_once_most_urgent_first_and_previous_links_walk_back(
    world: World, client_for: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZE", 7)
    _fill(world, 30)
    Case.objects.filter(pk=world.case_a.pk).update(status=Status.COMPLETED, closed_at=timezone.now())
    forwards, backwards = _walk(client_for("tracer_a"), "open")
    expected = list(
        Case.objects.filter(area=world.area_a, status__in=OPEN_STATUSES)
        .order_by("priority", "reach_deadline", "pk")
        .values_list("pk", flat=True)
    )
    assert [pk for page in forwards for pk in page] == expected
    assert [len(p) for p in forwards] == [7, 7, 7, 7, 2]
    assert backwards == forwards


def test_the_closed_filter_pages_newest_first(
    world: World, client_for: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZE", 4)
    _fill(world, 10)
    Case.objects.filter(area=world.area_a).exclude(pk=world.case_a.pk).update(
        status=Status.COMPLETED, closed_at=timezone.now()
    )
    forwards, backwards = _walk(client_for("tracer_a"), "closed")
    expected = list(
        Case.objects.filter(area=world.area_a, status=Status.COMPLETED).order_by("-pk").values_list("pk", flat=True)
    )
    assert [pk for page in forwards for pk in page] == expected
    assert backwards == forwards


def test_a_filter_without_a_count_of_its_own_is_counted_up_to_a_bound(
    world: World, client_for: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "COUNT_UP_TO", 5)
    client = client_for("tracer_a")
    _fill(world, 4)  # make_case's people prefer Welsh: 5 open Welsh speakers with the world's own case
    assert "Welsh speakers: 5, most urgent first" in client.get("/cases/?show=welsh").content.decode()
    _fill(world, 1)
    assert "Welsh speakers: more than 5, most urgent first" in client.get("/cases/?show=welsh").content.decode()


@pytest.mark.parametrize(
    "cursor", ["after=nonsense", "after=1_2", "before=9_9_9_9", "after=-1_5_5", "after=" + "9" * 40]
)
def test_a_cursor_the_queue_did_not_make_shows_the_first_page(
    world: World, client_for: Callable[[str], Client], cursor: str
) -> None:
    _fill(world, 3)
    client = client_for("tracer_a")
    first = [item["id"] for item in client.get("/cases/").context["page"].items]
    response = client.get(f"/cases/?show=open&{cursor}")
    assert response.status_code == 200
    assert [item["id"] for item in response.context["page"].items] == first
