"""Stored transmission chains: the scheduled refresh matches a fresh computation, skips unchanged areas,
writes only what changed, and never shows a case in an area it has left."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from localtrace.cases import chains
from localtrace.cases.chain_models import ChainMember, ChainState, StoredChain
from localtrace.cases.management.commands.schedule import PERIODIC
from localtrace.cases.models import Case
from localtrace.cases.tasks import refresh_chains
from localtrace.contacts.models import Contact
from localtrace.places.models import Setting, Visit
from tests.cases.test_chains_pages import build_chain
from tests.personas import World, make_case


def assert_stored_matches_fresh(area_id: int) -> None:
    fresh = chains.area_chains(area_id).chains
    for chain in fresh.chains:
        for case_id in chain.case_ids:
            assert chains.stored_chain(area_id, case_id) == chain
    stored = {
        row[0]: row[1:]
        for row in StoredChain.objects.filter(area_id=area_id).values_list(
            "first_case_id", "first_result_date", "size", "generations", "known_source_count", "possible_only_count"
        )
    }
    assert stored == {
        c.first_case_id: (c.first_result_date, c.size, c.generations, c.known_source_count, c.possible_only_count)
        for c in fresh.chains
    }
    state = ChainState.objects.get(area_id=area_id)
    assert chains.stored_weeks(state) == chains.weekly_figures(fresh, chains.area_chains(area_id).result_dates)
    assert (state.cases, state.chain_count) == (fresh.cases, len(fresh.chains))


def test_the_stored_chains_match_a_fresh_computation_in_every_area(world: World) -> None:
    build_chain(world)
    for area in (world.area_a, world.area_b):
        assert_stored_matches_fresh(area.pk)
    # A loop in the records, stored and read back alike.
    first, second = world.case_a, Case.objects.get(first_result__specimen_id="CHAIN-2")
    back = Contact.objects.create(
        case=second, person=first.person, area=world.area_a, kind=Contact.Kind.HOUSEHOLD,
        last_exposure=first.specimen_date, isolation_ends_on=first.specimen_date, reach_deadline=timezone.now(),
    )  # fmt: skip
    Case.objects.filter(pk=first.pk).update(source_contact=back)
    chains.refresh()
    assert_stored_matches_fresh(world.area_a.pk)
    assert ChainMember.objects.filter(area=world.area_a, loop_break=True).count() == 1


def test_an_unchanged_area_is_not_recomputed_and_a_change_is_picked_up(world: World) -> None:
    found = build_chain(world)
    again = chains.refresh()
    assert (again.checked, again.recomputed, again.rows_written) == (2, 0, 0)
    # A new visit makes a possible link: the alone case joins a chain.
    crown = Setting.objects.get(name="The Crown")
    day = timezone.localdate() - dt.timedelta(days=3)
    Visit.objects.create(case=found["alone"], setting=crown, visited_on=day, direction=Visit.Direction.BACKWARD)
    changed = chains.refresh()
    assert changed.recomputed == 1
    # Only the rows that changed are written: the alone case's member row and two chain rows (not all four cases).
    assert 0 < changed.rows_written < ChainMember.objects.filter(area=world.area_a).count() + 2
    assert chains.stored_chain(world.area_a.pk, found["alone"].pk).size == 4  # type: ignore[union-attr]
    assert_stored_matches_fresh(world.area_a.pk)


def test_an_area_is_recomputed_after_a_while_even_when_nothing_counted_changed(world: World) -> None:
    build_chain(world)
    later = timezone.now() + chains.RECOMPUTE_AFTER + dt.timedelta(minutes=1)
    assert chains.refresh(now=later).recomputed == 2
    assert ChainState.objects.get(area=world.area_a).computed_at == later


def test_a_case_that_moved_area_never_shows_in_its_old_areas_chains(
    world: World, client_for: Callable[[str], Client]
) -> None:
    found = build_chain(world)
    moved = found["third"]
    Case.objects.filter(pk=moved.pk).update(area=world.area_b)
    # Before the next refresh: the stored rows still say area A, but no read of area A returns the case.
    assert chains.stored_chain(world.area_a.pk, moved.pk) is None
    assert moved.pk not in chains.stored_chain(world.area_a.pk, found["first"].pk).case_ids  # type: ignore[union-attr]
    html = client_for("tracer_a").get(reverse("cases:case-chain", args=[found["first"].pk])).content.decode()
    # As a whole word: C1 is inside C12, and which numbers the cases get depends on what ran before.
    assert not re.search(rf"\b{moved.reference}\b", html)
    chains.refresh()
    assert ChainMember.objects.get(case=moved).area_id == world.area_b.pk
    assert_stored_matches_fresh(world.area_a.pk)
    assert_stored_matches_fresh(world.area_b.pk)


def test_the_pages_say_when_the_figures_were_worked_out_or_that_they_are_not_yet(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("lead_a")
    html = client.get(reverse("cases:area-chains", args=[world.area_a.code])).content.decode()
    assert "have not been worked out yet" in html
    html = client.get(reverse("cases:case-chain", args=[world.case_a.pk])).content.decode()
    assert "have not been worked out yet" in html
    when = timezone.make_aware(dt.datetime(2020, 11, 20, 9, 30))
    chains.refresh(now=when)
    html = client.get(reverse("cases:area-chains", args=[world.area_a.code])).content.decode()
    assert "Figures as worked out at 09:30 on 20 November 2020" in html
    newcomer, _ = make_case(world.area_a, world.submission, specimen_id="CHAIN-NEW")
    html = client.get(reverse("cases:case-chain", args=[newcomer.pk])).content.decode()
    assert "is not in the chains yet" in html


def test_the_refresh_is_a_scheduled_task(world: World) -> None:
    assert refresh_chains in PERIODIC
    build_chain(world)
    assert refresh_chains.call().startswith("Transmission chains: 2 areas checked, 0 recomputed")


def test_a_run_that_loses_a_race_to_another_leaves_the_other_runs_rows(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    build_chain(world)
    before = sorted(ChainMember.objects.values_list("case_id", "chain_first_case_id"))

    def beaten(area_id: int, **kwargs: object) -> int:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(chains, "store_area", beaten)
    summary = chains.refresh(force=True)
    assert (summary.checked, summary.recomputed) == (2, 0)
    assert sorted(ChainMember.objects.values_list("case_id", "chain_first_case_id")) == before


def test_an_area_with_more_cases_than_sqlite_takes_parameters_is_stored(world: World) -> None:
    import sqlite3

    import pytest
    from django.db import connection

    from localtrace.people.models import Person
    from localtrace.results.models import TestResult

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's limit on parameters in one query")
    today = timezone.localdate()
    people = Person.objects.bulk_create(Person(given_name="Ann", family_name=f"Lee{n}") for n in range(1000))
    results = TestResult.objects.bulk_create(
        TestResult(
            source_id="LAB-A", specimen_id=f"MANY-{n}", submission=world.submission, row_number=n, person=person,
            area=world.area_a, postcode="FX1 1AB", test_type="PCR", result="positive",
            specimen_date=today - dt.timedelta(days=2), result_date=today - dt.timedelta(days=1),
        )
        for n, person in enumerate(people)
    )  # fmt: skip
    Case.objects.bulk_create(
        Case(person=r.person, area=world.area_a, first_result=r, specimen_date=r.specimen_date,
             result_date=r.result_date, reach_deadline=timezone.now())
        for r in results
    )  # fmt: skip
    # Lowered to the number Django itself batches by, so that 1,000 cases stand for a county's 250,000+.
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        chains.refresh(force=True)
    finally:
        connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    assert ChainMember.objects.filter(area=world.area_a).count() == Case.objects.filter(area=world.area_a).count()
