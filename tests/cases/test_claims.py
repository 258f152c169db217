"""Get next: the most urgent first, never the same person to two tracers, claims lapse."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from localtrace.accounts.access import scoped
from localtrace.cases.models import Case, Priority
from localtrace.cases.queue import claim_next
from tests.personas import World, build_world, make_case


def cases_for(user):  # type: ignore[no-untyped-def]
    return scoped(user, "case.view", Case.objects.all())


def test_get_next_takes_the_highest_priority_then_the_earliest_deadline(world: World) -> None:
    urgent, _ = make_case(world.area_a, world.submission, specimen_id="URGENT")
    Case.objects.filter(pk=urgent.pk).update(priority=Priority.CARE_HOME)
    tracer = world.users["tracer_a"]
    assert claim_next(cases_for(tracer), tracer).pk == urgent.pk
    # Asking again gives the same case back: one item at a time.
    assert claim_next(cases_for(tracer), tracer).pk == urgent.pk
    other = world.users["lead_a"]
    assert claim_next(cases_for(other), other).pk == world.case_a.pk
    assert claim_next(cases_for(world.users["surge_active"]), world.users["surge_active"]) is None


def test_a_claim_lapses_after_inactivity(world: World) -> None:
    tracer, other = world.users["tracer_a"], world.users["lead_a"]
    claim_next(cases_for(tracer), tracer)
    Case.objects.filter(pk=world.case_a.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=21))
    assert claim_next(cases_for(other), other).pk == world.case_a.pk


def test_a_tracer_in_another_area_never_gets_this_areas_cases(world: World) -> None:
    assert claim_next(cases_for(world.users["tracer_b"]), world.users["tracer_b"]) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_tracers_pressing_get_next_at_the_same_moment_never_get_the_same_case() -> None:
    world = build_world()
    for i in range(11):
        make_case(world.area_a, world.submission, specimen_id=f"C{i}")
    tracers = [world.users[p] for p in ("tracer_a", "lead_a", "area_lead_a", "surge_active")]
    from localtrace.areas.models import Membership, Role
    from tests.personas import make_user

    for i in range(8):
        extra = make_user(f"extra{i}")
        Membership.objects.create(user=extra, team=world.team_a, role=Role.TRACER)
        tracers.append(extra)
    barrier = threading.Barrier(len(tracers))
    got: list[int | None] = []
    lock = threading.Lock()

    def press(user) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            item = claim_next(cases_for(user), user)
            with lock:
                got.append(item.pk if item else None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(t,)) for t in tracers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [pk for pk in got if pk is not None]
    assert len(claimed) == 12  # every case went to someone
    assert len(set(claimed)) == len(claimed)  # and to one person only


def test_a_case_reached_while_get_next_chooses_is_not_claimed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from localtrace.cases import queue
    from localtrace.cases.investigation import record_attempt

    real = queue.waiting_for_a_call
    reached: list[bool] = []

    class ReadThenReached:
        """The candidates as get next read them; then, before it claims one, another tracer reaches that case."""

        def __init__(self, items):  # type: ignore[no-untyped-def]
            self.items = items

        def filter(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return ReadThenReached(self.items.filter(*args, **kwargs))

        def values_list(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return ReadThenReached(self.items.values_list(*args, **kwargs))

        def __getitem__(self, index):  # type: ignore[no-untyped-def]
            read = list(self.items[index])
            if not reached:
                # Opened from the queue's list (not claimed) and answered: the lead is interviewing them now.
                record_attempt(Case.objects.get(pk=world.case_a.pk), channel="phone", outcome="answered",
                               actor=world.users["lead_a"])  # fmt: skip
                reached.append(True)
            return read

    monkeypatch.setattr(queue, "waiting_for_a_call", lambda items, now: ReadThenReached(real(items, now)))
    tracer = world.users["tracer_a"]
    assert claim_next(cases_for(tracer), tracer) is None
    case = Case.objects.get(pk=world.case_a.pk)
    assert case.reached_at is not None and case.claimed_by is None
