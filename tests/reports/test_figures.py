"""The stored figures agree with an independent computation over the raw tables (pandas)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pandas as pd
import pytest
from django.db import connection
from django.utils import timezone

from localtrace.areas.models import Membership, Role, Team
from localtrace.cases.investigation import complete, record_attempt, transfer
from localtrace.cases.models import Attempt, Case, TraceEvent
from localtrace.contacts.models import Contact
from localtrace.reports import metrics, rollup, weeks
from localtrace.reports.models import ReachFact, RollupState, WeeklyFigures
from tests.personas import World
from tests.reports.conftest import generate

pytestmark = pytest.mark.django_db
REACHED = {"answered", "spoke_at_door"}


def _week(moment: dt.datetime, starts: str = "monday") -> dt.date:
    day = timezone.localdate(moment)
    start = weeks.WEEKDAYS.index(starts)
    return day - dt.timedelta(days=(day.weekday() - start) % 7)


def raw_people(starts: str = "monday") -> pd.DataFrame:
    """One row per case and contact, worked out from Case, Contact, Attempt, TraceEvent and Membership."""
    cases = pd.DataFrame(
        Case.objects.values("pk", "area_id", "status", "closed_at", "first_result__received_at")
    ).rename(columns={"first_result__received_at": "start"})
    cases["kind"] = "case"
    cases["household"] = False
    named = pd.DataFrame(Contact.objects.values("pk", "case_id"))
    cases["named"] = cases["pk"].map(named.groupby("case_id").size()).fillna(0) if len(named) else 0
    contacts = pd.DataFrame(Contact.objects.values("pk", "area_id", "status", "closed_at", "named_at", "kind")).rename(
        columns={"named_at": "start"}
    )
    contacts["household"] = contacts["kind"] == "household"
    contacts["kind"] = "contact"
    contacts["named"] = 0
    people = pd.concat([cases, contacts], ignore_index=True)
    people["week"] = people["start"].map(lambda s: _week(s, starts))
    completed = people["status"] == "completed"
    people["told_hours"] = ((people["closed_at"] - people["start"]).dt.total_seconds() / 3600).where(completed)
    attempts = pd.DataFrame(Attempt.objects.order_by("made_at", "pk").values("case_id", "contact_id", "channel",
                                                                            "outcome", "made_by_id", "made_at"))  # fmt: skip
    memberships = pd.DataFrame(Membership.objects.values("user_id", "team_id", "team__kind", "team__area_id"))
    events = pd.DataFrame(TraceEvent.objects.filter(kind="completed").order_by("occurred_at", "pk")
                          .values("case_id", "contact_id", "actor_id"))  # fmt: skip

    def outcome_and_team(row: pd.Series) -> tuple[str, object, object]:
        """How the ladder ended, the reaching team and when they were reached: a tracer's answered call or
        doorstep talk, else the completion. Answers sent online (the web channel) reach nobody by themselves."""
        owner = "case_id" if row["kind"] == "case" else "contact_id"
        tries = attempts[attempts[owner] == row["pk"]].reset_index(drop=True)
        hits = tries[tries["outcome"].isin(REACHED) & (tries["channel"] != "web")]
        if hits.empty and row["status"] != "completed":
            closed_as = {"unreachable": "unreachable", "became_case": "became_case"}
            return closed_as.get(row["status"], "not_reached"), None, pd.NaT
        if hits.empty:
            done = events[events[owner] == row["pk"]]
            return "other", _team(done["actor_id"].iloc[0] if len(done) else None, row["area_id"]), row["closed_at"]
        first = hits.index[0]
        channel = hits.iloc[0]["channel"]
        outcome = {"doorstep": "doorstep", "phone": "first_call" if first == 0 else "later_call"}.get(channel, "other")
        return outcome, _team(hits.iloc[0]["made_by_id"], row["area_id"]), hits.iloc[0]["made_at"]

    def _team(user: object, area: int) -> object:
        if user is None or pd.isna(user):
            return None
        mine = memberships[memberships["user_id"] == user]
        local = mine[(mine["team__kind"] == "local") & (mine["team__area_id"] == area)]
        if len(local):
            return int(local["team_id"].iloc[0])
        surge = sorted(mine[mine["team__kind"] == "surge"]["team_id"])
        return int(surge[0]) if surge else None

    found = people.apply(outcome_and_team, axis=1, result_type="expand")
    people["outcome"], people["team"] = found[0], found[1]
    people["reached_at"] = pd.to_datetime(found[2], utc=True)
    people["hours"] = (people["reached_at"] - people["start"]).dt.total_seconds() / 3600
    return people


def expected(group: pd.DataFrame) -> dict[str, object]:
    cases = group[group["kind"] == "case"]
    contacts = group[group["kind"] == "contact"]
    reached_cases = cases[cases["reached_at"].notna()]
    reached_contacts = contacts[contacts["reached_at"].notna()]
    household = contacts[contacts["household"]]
    other = contacts[~contacts["household"]]

    def share(n: float, d: float) -> float | None:
        return n / d if d else None

    def q(values: pd.Series, p: float) -> float | None:
        return float(values.quantile(p)) if len(values) else None

    within = int((cases["hours"] <= 24).sum())
    result: dict[str, object] = {
        "cases_received": len(cases),
        "cases_reached": len(reached_cases),
        "cases_reached_share": share(len(reached_cases), len(cases)),
        "cases_reached_24h": within,
        "cases_reached_24h_share": share(within, len(cases)),
        "case_hours_median": q(reached_cases["hours"], 0.5),
        "case_hours_p90": q(reached_cases["hours"], 0.9),
        "contacts_named_by_cases": int(cases["named"].sum()),
        "contacts_per_case": share(cases["named"].sum(), len(reached_cases)),
        "contacts_named": len(contacts),
        "contacts_reached": len(reached_contacts),
        "contacts_reached_share": share(len(reached_contacts), len(contacts)),
        "household_contacts_reached_share": share(household["reached_at"].notna().sum(), len(household)),
        "other_contacts_reached_share": share(other["reached_at"].notna().sum(), len(other)),
        "contact_hours_median": q(reached_contacts["hours"], 0.5),
        "people": len(group),
        "told_24h": int((group["told_hours"] <= 24).sum()),
        "told_24h_share": share(int((group["told_hours"] <= 24).sum()), len(group)),
    }
    for key in metrics.OUTCOMES:
        result[f"cases_{key}"] = int((cases["outcome"] == key).sum())
        result[f"contacts_{key}"] = int((contacts["outcome"] == key).sum())
    return result


def assert_same(stored: dict[str, object], wanted: dict[str, object], where: str) -> None:
    for key, value in wanted.items():
        if value is None:
            assert stored[key] is None, (where, key)
        else:
            assert stored[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (where, key, stored[key], value)


def check_everything(world: World, starts: str = "monday") -> None:
    people = raw_people(starts)
    stored = {(row.area_id, row.team_id, row.week_start): row.values for row in WeeklyFigures.objects.all()}
    checked = 0
    for (area, week), group in people.groupby(["area_id", "week"]):
        assert_same(stored[(area, None, week)], expected(group), f"area {area} week {week}")
        checked += 1
    for (week,), group in people.groupby(["week"]):
        for parent in (world.region, world.nation):
            assert_same(stored[(parent.pk, None, week)], expected(group), f"{parent} week {week}")
    for (team, week), group in people[people["team"].notna()].groupby(["team", "week"]):
        row = next(v for (a, t, w), v in stored.items() if t == team and w == week)
        for key in ("cases_reached", "cases_reached_24h", "case_hours_median", "contact_hours_median", "told_24h"):
            assert_same({key: row[key]}, {key: expected(group)[key]}, f"team {team} week {week}")
    assert checked >= 4  # two areas over a month: the test saw real weeks
    assert len(stored) == len({k for k in stored})


def answer_online(world: World, cases: list[Case], seed: int) -> None:
    """The open cases nobody has reached yet send their answers online (the portal's web attempt) a few hours
    after their result; a tracer of their area completes some of those records later."""
    rng = random.Random(seed)
    now = timezone.now()
    staff = {world.area_a.pk: world.users["lead_a"], world.area_b.pk: world.users["tracer_b"]}
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("first_result"):
        answered = case.first_result.received_at + dt.timedelta(hours=rng.uniform(0.5, 5))
        if not case.is_open or case.reached_at is not None or answered > now:
            continue
        record_attempt(case, channel=Attempt.Channel.WEB, outcome=Attempt.Outcome.ANSWERED, at=answered)
        if rng.random() < 0.6:
            complete(case, actor=staff[case.area_id], at=min(answered + dt.timedelta(hours=rng.uniform(1, 40)), now))


def test_the_stored_figures_match_a_computation_over_the_raw_tables(world: World) -> None:
    generate(world)
    rollup.refresh()
    check_everything(world)


def test_cases_who_answered_online_are_reached_when_a_tracer_completes_them_and_by_that_team(world: World) -> None:
    cases = generate(world, cases=60, seed=21)
    answer_online(world, cases, seed=21)
    rollup.refresh()
    online = ReachFact.objects.filter(kind=ReachFact.Kind.CASE, answered_online=True)
    assert online.filter(reached_at__isnull=True, outcome="not_reached").exists()  # still waiting for a tracer
    assert online.filter(outcome="other", reached_by_team__isnull=False).exists()  # completed by a tracer
    assert not online.filter(reached_at__isnull=False, reached_by_team__isnull=True).exists()
    check_everything(world)


def test_incremental_runs_end_where_a_full_rebuild_does(world: World, settings: object) -> None:
    generate(world, cases=40, seed=1)
    rollup.refresh()
    generate(world, cases=30, seed=2)  # more cases, contacts and attempts after the first run
    case = Case.objects.filter(area=world.area_a, status__in=["new", "in_progress"]).first()
    assert case is not None
    record_attempt(case, channel="phone", outcome=Attempt.Outcome.ANSWERED, actor=world.users["tracer_a"])
    result = rollup.refresh()
    assert result.facts > 0 and result.buckets > 0
    check_everything(world)
    incremental = {(r.area_id, r.team_id, r.week_start): r.values for r in WeeklyFigures.objects.all()}
    rollup.refresh(rebuild=True)
    assert incremental == {(r.area_id, r.team_id, r.week_start): r.values for r in WeeklyFigures.objects.all()}


def test_a_transfer_moves_the_person_between_areas_figures(world: World, rf: object) -> None:
    generate(world, cases=20, seed=3)
    rollup.refresh()
    case = Case.objects.filter(area=world.area_a).first()
    assert case is not None
    request = rf.post("/")  # type: ignore[attr-defined]
    request.user = world.users["lead_a"]
    transfer(case, world.area_b, "moved house", request=request)
    assert rollup.refresh().facts >= 1
    check_everything(world)


def test_a_second_run_with_nothing_new_changes_nothing(world: World) -> None:
    generate(world, cases=10, seed=4)
    rollup.refresh()
    result = rollup.refresh()
    assert (result.facts, result.buckets) == (0, 0)


def test_weeks_follow_the_configured_first_day(world: World, settings: object) -> None:
    generate(world, cases=30, seed=5)
    settings.LOCALTRACE_REPORT_WEEK_STARTS = "thursday"  # type: ignore[attr-defined]
    rollup.refresh()
    assert {w.weekday() for w in WeeklyFigures.objects.values_list("week_start", flat=True)} == {3}
    check_everything(world, "thursday")
    settings.LOCALTRACE_REPORT_WEEK_STARTS = "monday"  # type: ignore[attr-defined]
    assert rollup.refresh().rebuilt
    assert {w.weekday() for w in WeeklyFigures.objects.values_list("week_start", flat=True)} == {0}
    check_everything(world, "monday")


@pytest.mark.parametrize("stored_under", ["an earlier revision", "a release before the signature"])
def test_figures_stored_under_other_definitions_are_rebuilt_by_the_next_run(
    world: World, monkeypatch: pytest.MonkeyPatch, stored_under: str
) -> None:
    generate(world, cases=30, seed=6)
    assert not rollup.refresh().rebuilt  # a first run builds everything anyway
    assert RollupState.objects.get().computed_as == rollup.computed_as()
    WeeklyFigures.objects.update(values={})  # as an older computation might have left them
    if stored_under == "an earlier revision":
        monkeypatch.setattr(rollup, "FIGURES_REVISION", rollup.FIGURES_REVISION + 1)
    else:
        RollupState.objects.update(computed_as="")
    result = rollup.refresh()
    assert result.rebuilt == "a change in how the figures are computed"
    assert "(all weeks, after a change in how the figures are computed)" in result.line()
    check_everything(world)
    assert not rollup.refresh().rebuilt  # once


def test_a_changed_figure_definition_changes_what_they_are_computed_as(monkeypatch: pytest.MonkeyPatch) -> None:
    before = rollup.computed_as()
    first = metrics.figures()[0]
    monkeypatch.setitem(metrics._FIGURES, first.key, dataclasses.replace(first, definition=first.definition + "."))
    assert rollup.computed_as() != before


def test_a_wrong_week_setting_is_refused(settings: object) -> None:
    settings.LOCALTRACE_REPORT_WEEK_STARTS = "someday"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="weekday"):
        weeks.week_starts()


def test_a_case_committed_after_a_run_that_passed_its_id_is_still_counted(world: World) -> None:
    generate(world, cases=6, seed=6)
    rollup.refresh()
    late = Case.objects.order_by("-pk").first()
    assert late is not None
    # As if intake's transaction committed this case after a run had already read a higher id.
    ReachFact.objects.filter(kind="case", item_id=late.pk).delete()
    assert rollup.refresh().facts == 1
    assert ReachFact.objects.filter(kind="case", item_id=late.pk).exists()
    check_everything(world)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL builds facts in SQL; elsewhere facts_for")
def test_facts_built_in_the_database_equal_those_built_in_python(world: World) -> None:
    generate(world, cases=50, seed=8)
    # A tracer in a surge team as well as their local team, and a second surge team: the team rules are exercised.
    other = Team.objects.create(name="Another surge team", kind=Team.Kind.SURGE, area=world.area_b)
    Membership.objects.create(user=world.users["surge_active"], team=other, role=Role.TRACER)
    rollup.refresh()
    assert rollup._set_based()
    for outcomes in assert_facts_built_in_the_database_equal_those_built_in_python().values():
        assert outcomes >= {"first_call", "later_call", "doorstep", "not_reached"}


def assert_facts_built_in_the_database_equal_those_built_in_python() -> dict[str, set[str]]:
    """The facts the rollup stored (built by `facts_sql`) are exactly `facts_for`'s; the outcomes seen, by kind."""
    outcomes: dict[str, set[str]] = {}
    for kind, model in ((ReachFact.Kind.CASE, Case), (ReachFact.Kind.CONTACT, Contact)):
        ids = list(model.objects.values_list("pk", flat=True))
        stored = {
            f.item_id: tuple(getattr(f, c) for c in metrics.FACT_COLUMNS) for f in ReachFact.objects.filter(kind=kind)
        }
        built = {f.item_id: tuple(getattr(f, c) for c in metrics.FACT_COLUMNS) for f in metrics.facts_for(kind, ids)}
        assert stored == built  # exactly: same days, same float hours, same outcomes and teams
        outcomes[kind] = {row[10] for row in built.values()}
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL builds facts in SQL; elsewhere facts_for")
def test_facts_built_in_the_database_equal_those_built_in_python_when_cases_answer_online(world: World) -> None:
    cases = generate(world, cases=60, seed=22)
    answer_online(world, cases, seed=22)
    rollup.refresh()
    assert rollup._set_based()
    assert_facts_built_in_the_database_equal_those_built_in_python()
    online = ReachFact.objects.filter(kind=ReachFact.Kind.CASE, answered_online=True)
    assert online.filter(reached_at__isnull=True).exists() and online.filter(outcome="other").exists()


def fact_indexes() -> set[str]:
    """PostgreSQL's definitions of the facts table's indexes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [ReachFact._meta.db_table])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load drops PostgreSQL indexes")
def test_a_first_run_that_loads_in_bulk_builds_the_indexes_again_and_the_same_figures(
    world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    generate(world, cases=40, seed=10)
    before = fact_indexes()
    monkeypatch.setattr(rollup, "BULK_LOAD_MIN", 1)
    rollup.refresh(rebuild=True)
    assert fact_indexes() == before and len(before) >= 5
    check_everything(world)
