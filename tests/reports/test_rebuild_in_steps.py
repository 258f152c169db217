"""A rebuild of the figures works in short steps, each its own transaction, and visitors see the figures from
before it until its last step swaps the new ones in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from localtrace.cases.investigation import record_attempt
from localtrace.cases.models import Attempt, Case
from localtrace.reports import rollup, tasks
from localtrace.reports.models import RebuiltWeeklyFigures, RollupState, WeeklyFigures
from tests.personas import World
from tests.reports.conftest import generate
from tests.reports.test_figures import check_everything, fact_indexes

pytestmark = pytest.mark.django_db


def stored() -> dict[tuple[int, int | None, object], object]:
    return {(r.area_id, r.team_id, r.week_start): r.values for r in WeeklyFigures.objects.all()}


def figures_version() -> int:
    return RollupState.objects.get().figures_version


def small_steps(monkeypatch: pytest.MonkeyPatch, items: int) -> None:
    """Steps of this many cases or contacts, built in Python (SQLite) or in the database (PostgreSQL)."""
    monkeypatch.setattr(rollup, "STEP_ITEMS", items)
    monkeypatch.setattr(rollup, "SQL_BATCH", items)


def test_a_rebuild_run_out_of_time_leaves_the_figures_from_before_and_the_next_run_carries_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(world, cases=40, seed=31)
    rollup.refresh()
    WeeklyFigures.objects.update(values={"as": "before"})  # what an older release computed, say
    before, version = stored(), figures_version()
    monkeypatch.setattr(rollup, "FIGURES_REVISION", rollup.FIGURES_REVISION + 1)
    small_steps(monkeypatch, 7)  # several steps of facts for 40 cases and their contacts

    runs = []
    while True:
        result = rollup.refresh(budget=0)  # one step a run
        runs.append(result)
        if not result.unfinished:
            break
        assert result.steps == 1 and result.rebuilt == "a change in how the figures are computed"
        assert "The next run carries on" in result.line() and result.progress in result.line()
        assert stored() == before and figures_version() == version  # nobody sees a half-built state
        assert RollupState.objects.get().rebuilding in (rollup.FACTS, rollup.WEEKS)

    stages = [r.progress.split()[0] for r in runs[:-1]]
    assert stages.count("cases") >= 5 and stages.count("contacts") >= 5  # read a few ids at a time
    assert any("weeks left to compute" in r.progress for r in runs)
    state = RollupState.objects.get()
    assert (state.rebuilding, state.rebuild_weeks, state.computed_as) == ("", [], rollup.computed_as())
    assert figures_version() > version and not RebuiltWeeklyFigures.objects.exists()
    check_everything(world)
    assert (rollup.refresh().facts, rollup.refresh().buckets) == (0, 0)  # nothing left to do


def test_changes_made_while_a_rebuild_runs_are_counted_once_it_ends(world: World) -> None:
    generate(world, cases=30, seed=32)
    rollup.refresh()
    assert rollup.refresh(rebuild=True, budget=0).unfinished
    for _ in range(2):
        rollup.refresh(budget=0)  # some way into the facts
    case = Case.objects.filter(area=world.area_a, status__in=["new", "in_progress"]).order_by("pk").first()
    assert case is not None
    record_attempt(case, channel="phone", outcome=Attempt.Outcome.ANSWERED, actor=world.users["tracer_a"])
    generate(world, cases=5, seed=33)  # new cases and contacts too
    result = rollup.refresh()
    assert not result.unfinished and result.steps > 0
    check_everything(world)


def test_a_new_release_during_a_rebuild_starts_it_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(world, cases=20, seed=34)
    rollup.refresh()
    small_steps(monkeypatch, 5)
    rollup.refresh(rebuild=True, budget=0)
    rollup.refresh(budget=0)
    assert RollupState.objects.get().last_case_id > 0
    monkeypatch.setattr(rollup, "FIGURES_REVISION", rollup.FIGURES_REVISION + 1)
    result = rollup.refresh(budget=0)
    state = RollupState.objects.get()
    assert result.rebuilt == "a change in how the figures are computed"
    first = Case.objects.order_by("pk").values_list("pk", flat=True)[0]
    assert (state.rebuilding, state.last_case_id) == (rollup.FACTS, first - 1 + 5)  # from the start, one step in
    assert not rollup.refresh().unfinished
    assert RollupState.objects.get().computed_as == rollup.computed_as()
    check_everything(world)


def test_the_scheduled_task_gives_up_the_worker_when_its_time_runs_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(world, cases=20, seed=35)
    monkeypatch.setattr(tasks, "STEP_BUDGET_S", 0)
    line = tasks.refresh_figures.call()
    assert line.startswith("Rebuilding every figure: 1 steps this run, cases read up to number")
    assert not WeeklyFigures.objects.exists() and RollupState.objects.get().ran_at is None
    monkeypatch.setattr(tasks, "STEP_BUDGET_S", 60)
    assert "weeks of an area's or team's figures changed" in tasks.refresh_figures.call()
    check_everything(world)


def test_the_command_says_how_far_a_long_rebuild_has_got(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from io import StringIO

    from localtrace.reports.management.commands import refresh_figures

    generate(world, cases=20, seed=36)
    monkeypatch.setattr(refresh_figures, "PROGRESS_EVERY_S", 0)
    out = StringIO()
    call_command("refresh_figures", "--rebuild", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Rebuilding: cases read up to number")
    assert any(line.startswith("Rebuilding: ") and "weeks" in line for line in lines)
    assert "weeks of an area's or team's figures changed" in lines[-1]
    check_everything(world)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load drops PostgreSQL indexes")
def test_indexes_dropped_for_a_rebuild_stopped_half_way_are_built_again_when_it_ends(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(world, cases=30, seed=37)
    before = fact_indexes()
    monkeypatch.setattr(rollup, "BULK_LOAD_MIN", 1)
    small_steps(monkeypatch, 10)
    assert rollup.refresh(budget=0).unfinished
    assert fact_indexes() < before and len(RollupState.objects.get().dropped_indexes) == len(before - fact_indexes())
    assert not rollup.refresh().unfinished  # a later run (after a restart, say) ends it
    assert fact_indexes() == before and RollupState.objects.get().dropped_indexes == []
    check_everything(world)


def test_the_run_that_ends_a_rebuild_does_not_recompute_every_week_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(world, cases=30, seed=38)
    recomputed: list[set[object]] = []
    real = rollup.recompute

    def counted(weeks_: object, **kwargs: object) -> int:
        recomputed.append(set(weeks_))  # type: ignore[call-overload]
        return real(weeks_, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rollup, "recompute", counted)
    rollup.refresh(rebuild=True)
    assert recomputed == [set()]  # the run after the swap: nothing changed since, so no week in one transaction
    check_everything(world)


def test_the_swap_publishes_without_working_out_suppression_while_it_holds_the_database(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from localtrace.reports import suppression

    generate(world, cases=30, seed=39)
    while (
        (state := RollupState.objects.filter(pk=1).first()) is None
        or state.rebuilding != rollup.WEEKS
        or state.rebuild_weeks
    ):
        rollup.refresh(budget=0)
    # The swap is left, in a process that remembers nothing (a restarted worker, say).
    monkeypatch.setattr(suppression, "_memo", suppression.OrderedDict())
    depth = len(connection.atomic_blocks)  # the test's own transaction
    inside: list[bool] = []
    real = suppression._suppress_table

    def watched(*args: object) -> object:
        inside.append(len(connection.atomic_blocks) > depth)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(suppression, "_suppress_table", watched)
    assert not rollup.refresh().unfinished
    assert inside and not any(inside)  # worked out before the swap's transaction, none inside it
    assert RollupState.objects.get().rebuilding == ""
