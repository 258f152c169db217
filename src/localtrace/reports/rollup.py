"""Keeping the weekly figures up to date, incrementally. Run by the `refresh_figures` task every minute.

Every change to a case or contact writes a timeline event (`cases.events.note`), and new cases and
contacts get new ids, so "what changed since last time" is: cases and contacts with an id above the
last one read, and items with a timeline event above the last one read. Their facts are rewritten,
and every week holding a changed fact — before or after the change — is recomputed whole: every
area, region, nation and team, from two grouped queries and one read of that week's hours.
Safe to run twice at once: the state row is locked for the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, QuerySet
from django.utils import timezone

from localtrace.areas.models import Area, Team
from localtrace.reports import metrics, weeks
from localtrace.reports.models import ReachFact, RebuiltWeeklyFigures, RollupState, WeeklyFigures

BATCH = 5_000
# Items per set-based statement on PostgreSQL: a first run over 2M people is 40 statements per kind.
SQL_BATCH = 50_000
# A first run over at least this many items builds the facts table's secondary indexes once, at the end.
BULK_LOAD_MIN = 100_000
# Ids read again on every run, for transactions that committed out of id order (intake's batches, say).
OVERLAP = 2_000
# Raise by one with any change that makes the stored facts or weekly figures come out differently from the same
# records (how a figure or a fact is computed): the next run finds them computed otherwise and rebuilds them all.
# A change to a figure's definition, unit or parts is found without it (`computed_as`).
FIGURES_REVISION = 1


@dataclass
class RollupResult:
    facts: int = 0
    buckets: int = 0
    # Why every week was recomputed, when the definitions changed under the stored figures ("" when not).
    rebuilt: str = ""
    dirty: set[tuple[int, dt.date]] = field(default_factory=set)
    # (team, day) of facts before they were rewritten: a team may no longer hold them.
    dirty_teams: set[tuple[int, dt.date]] = field(default_factory=set)

    # Seconds spent on the facts and on the weekly figures (and publishing), for `localtrace refresh-figures`.
    facts_s: float = 0.0
    figures_s: float = 0.0

    # A rebuild: the steps this run took, how far the last one got, and whether the run's time ran out first.
    steps: int = 0
    progress: str = ""
    unfinished: bool = False

    def line(self) -> str:
        timing = f" ({self.facts_s:.1f} s facts, {self.figures_s:.1f} s figures)"
        if self.unfinished:
            return (
                f"Rebuilding every figure{f' after {self.rebuilt}' if self.rebuilt else ''}: {self.steps} steps"
                f" this run, {self.progress}. The next run carries on; until the rebuild ends, the figures shown"
                " are those from before it." + timing
            )
        return (
            f"{self.facts} people's facts refreshed, {self.buckets} weeks of an area's or team's figures changed"
            + (f" (all weeks, after {self.rebuilt})" if self.rebuilt else "")
            + timing
        )


def _write(facts: list[ReachFact]) -> None:
    """Insert facts: COPY on PostgreSQL (a national first run writes millions), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        ReachFact.objects.bulk_create(facts, batch_size=2_000)
        return
    columns = [f.column for f in ReachFact._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in ReachFact._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        table = ReachFact._meta.db_table
        with cursor.cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for fact in facts:
                copy.write_row([getattr(fact, name) for name in names])


def _set_based() -> bool:
    """PostgreSQL builds facts in the database (`metrics.facts_sql`); elsewhere Python builds them (`facts_for`)."""
    return connection.vendor == "postgresql"


def _refresh(kind: str, ids: Iterable[int], result: RollupResult) -> None:
    """Rewrite the facts of these items; note the (area, day) of each before and after."""
    ids = sorted(set(ids))
    if _set_based():
        for start in range(0, len(ids), SQL_BATCH):
            _replace_in_db(kind, "{item} = ANY(%(ids)s)", {"ids": ids[start : start + SQL_BATCH]}, result)
        return
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        _replace(kind, ReachFact.objects.filter(kind=kind, item_id__in=chunk), metrics.facts_for(kind, chunk), result)


def _check_pending_constraints(cursor: Any) -> None:
    """Run the foreign-key checks waiting for the commit (Django's are deferred) now: PostgreSQL will not
    build an index on, or truncate, a table with checks pending. Later writes are deferred again."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _drop_fact_indexes(state: RollupState) -> None:
    """On PostgreSQL, for a rebuild of at least BULK_LOAD_MIN items into the emptied facts table, drop its
    secondary indexes and keep their definitions on the state row: each is built once when the facts are all
    written (`_restore_fact_indexes`), instead of six indexes updated per row. The primary key and the
    one-fact-per-item constraint stay. Kept on the row, not in memory: a rebuild that stops half-way (a
    restart) still builds them again when the next run ends it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [ReachFact._meta.db_table],
        )
        state.dropped_indexes = [list(row) for row in cursor.fetchall()]
        for name, _ in state.dropped_indexes:
            cursor.execute(f'DROP INDEX "{name}"')


def _restore_fact_indexes(state: RollupState) -> None:
    if not state.dropped_indexes:
        return
    # None that a migration has built meanwhile (a release that changed the table's indexes half-way through).
    with connection.cursor() as cursor:
        _check_pending_constraints(cursor)
        for _, definition in state.dropped_indexes:
            cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        cursor.execute(f'ANALYZE "{ReachFact._meta.db_table}"')
    state.dropped_indexes = []


def _refresh_new(kind: str, after: int, last: int, result: RollupResult) -> None:
    """Write the facts of items with ids in (after, last], read by id range, a batch at a time."""
    if _set_based():
        for low in range(after, last, SQL_BATCH):
            scope = "{item} > %(low)s AND {item} <= %(high)s"
            _replace_in_db(kind, scope, {"low": low, "high": min(low + SQL_BATCH, last)}, result)
        return
    for low in range(after, last, BATCH):
        high = min(low + BATCH, last)
        old = ReachFact.objects.filter(kind=kind, item_id__gt=low, item_id__lte=high)
        _replace(kind, old, metrics.facts_for(kind, id_range=(low, high)), result)


# What a fact says; a rewrite that leaves these alone changes no figure.
_COMPARED = ("area_id", "day", "clock_start", "reached_at", "told_at", "status", "outcome", "household",
             "contacts_named", "link_sent", "answered_online", "reached_by_team_id")  # fmt: skip


def _replace_in_db(kind: str, scope: str, params: dict[str, Any], result: RollupResult) -> None:
    """`_replace` done in PostgreSQL: the fresh facts of the items in `scope` are built by one SELECT into a
    temporary table; stored facts that differ (or whose item is gone) are deleted, fresh ones not stored are
    inserted, and the (area, day) and (team, day) of both are read back grouped, not row by row."""
    select, select_params = metrics.facts_sql(kind, scope)
    table = ReachFact._meta.db_table
    columns = ", ".join(metrics.FACT_COLUMNS)
    same = " AND ".join(f"f.{c} IS NOT DISTINCT FROM o.{c}" for c in _COMPARED)
    in_scope = scope.format(item="o.item_id")
    args: dict[str, Any] = {**select_params, **params, "kind": kind, "now": timezone.now()}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE reports_fresh_facts ON COMMIT DROP AS {select}", args)
        cursor.execute("CREATE UNIQUE INDEX ON reports_fresh_facts (item_id)")
        cursor.execute("ANALYZE reports_fresh_facts")
        cursor.execute(
            f"""WITH stale AS (
                    DELETE FROM "{table}" o WHERE o.kind = %(kind)s AND {in_scope}
                    AND NOT EXISTS (SELECT 1 FROM reports_fresh_facts f WHERE f.item_id = o.item_id AND {same})
                    RETURNING o.item_id, o.area_id, o.day, o.reached_by_team_id
                )
                SELECT s.area_id, s.day, s.reached_by_team_id, count(*) FILTER (
                    WHERE NOT EXISTS (SELECT 1 FROM reports_fresh_facts f WHERE f.item_id = s.item_id))
                FROM stale s GROUP BY 1, 2, 3""",  # noqa: S608
            args,
        )
        for area_id, day, team_id, gone in cursor.fetchall():
            result.dirty.add((area_id, day))
            if team_id is not None:
                result.dirty_teams.add((team_id, day))
            result.facts += gone
        cursor.execute(
            f"""WITH written AS (
                    INSERT INTO "{table}" ({columns}, refreshed_at)
                    SELECT {columns}, %(now)s FROM reports_fresh_facts f
                    WHERE NOT EXISTS (SELECT 1 FROM "{table}" o WHERE o.kind = %(kind)s AND o.item_id = f.item_id)
                    RETURNING area_id, day
                )
                SELECT area_id, day, count(*) FROM written GROUP BY 1, 2""",  # noqa: S608
            args,
        )
        for area_id, day, n in cursor.fetchall():
            result.dirty.add((area_id, day))
            result.facts += n
        cursor.execute("DROP TABLE reports_fresh_facts")


def _replace(kind: str, old: QuerySet[ReachFact], fresh: list[ReachFact], result: RollupResult) -> None:
    """Write the facts that changed (or are new, or whose item is gone); note their (area, day) before and after."""
    before = {row[0]: row[1:] for row in old.values_list("item_id", *_COMPARED)}
    changed = [f for f in fresh if before.get(f.item_id) != tuple(getattr(f, name) for name in _COMPARED)]
    gone = set(before) - {f.item_id for f in fresh}
    stale = {f.item_id for f in changed if f.item_id in before} | gone
    for item_id in stale:
        area_id, day, *_, team_id = before[item_id]
        result.dirty.add((area_id, day))
        if team_id is not None:
            result.dirty_teams.add((team_id, day))
    if stale:
        ReachFact.objects.filter(kind=kind, item_id__in=stale).delete()
    _write(changed)
    result.dirty.update((f.area_id, f.day) for f in changed)
    result.facts += len(changed) + len(gone)


def _parents() -> dict[int, list[int]]:
    """Upper-tier area id → the ids of the region and nation above it."""
    parent = dict(Area.objects.values_list("pk", "parent_id"))
    above: dict[int, list[int]] = {}
    for area_id, _level in Area.objects.filter(level=Area.Level.UPPER_TIER).values_list("pk", "level"):
        chain, current = [], parent.get(area_id)
        while current is not None:
            chain.append(current)
            current = parent.get(current)
        above[area_id] = chain
    return above


def support_tallies(week: dt.date) -> dict[int, dict[str, int]]:
    """The support app's counts for one week, by upper-tier area: requests and claims by the day they were
    made, approvals and refusals by the day they were decided (local dates)."""
    from django.db.models import Count

    from localtrace.support.models import PaymentClaim, SupportRequest

    first, last = weeks.local_bounds(week)
    counts: dict[int, dict[str, int]] = {}

    def add(area_id: int, key: str, n: int) -> None:
        counts.setdefault(area_id, dict.fromkeys(metrics.SUPPORT_COUNTS, 0))[key] += n

    for area_id, n, urgent in (
        SupportRequest.objects.filter(requested_at__gte=first, requested_at__lt=last)
        .values("area_id").annotate(n=Count("pk"), urgent=Count("pk", filter=Q(urgent=True)))
        .values_list("area_id", "n", "urgent").order_by()
    ):  # fmt: skip
        add(area_id, "support_requests", n)
        add(area_id, "support_requests_urgent", urgent)
    claims = PaymentClaim.objects.order_by()
    for area_id, n in (
        claims.filter(claimed_at__gte=first, claimed_at__lt=last)
        .values("area_id")
        .annotate(n=Count("pk"))
        .values_list("area_id", "n")
    ):
        add(area_id, "payment_claims", n)
    for area_id, status, n in (
        claims.filter(decided_at__gte=first, decided_at__lt=last)
        .values("area_id", "status")
        .annotate(n=Count("pk"))
        .values_list("area_id", "status", "n")
    ):
        if status in (PaymentClaim.Status.APPROVED, PaymentClaim.Status.DECLINED):
            add(area_id, f"payments_{status}", n)
    return counts


def support_weeks(state: RollupState, now: dt.datetime) -> set[dt.date]:
    """Weeks whose support counts changed since the last run: new requests and claims, and decisions made."""
    from localtrace.support.models import PaymentClaim, SupportRequest

    zone = timezone.get_current_timezone()
    days: set[dt.date] = set()
    for moment in SupportRequest.objects.filter(pk__gt=max(0, state.last_support_request_id - OVERLAP)).values_list(
        "requested_at", flat=True
    ):
        days.add(moment.astimezone(zone).date())
    changed = Q(pk__gt=max(0, state.last_payment_claim_id - OVERLAP))
    if state.support_read_at is not None:  # decisions since the last run (with a margin for slow commits)
        changed |= Q(decided_at__gte=state.support_read_at - dt.timedelta(minutes=10))
    claims = PaymentClaim.objects.filter(changed)
    for claimed_at, decided_at in claims.values_list("claimed_at", "decided_at"):
        days.add(claimed_at.astimezone(zone).date())
        if decided_at is not None:
            days.add(decided_at.astimezone(zone).date())
    state.last_support_request_id = SupportRequest.objects.aggregate(m=Max("pk"))["m"] or 0
    state.last_payment_claim_id = PaymentClaim.objects.aggregate(m=Max("pk"))["m"] or 0
    state.support_read_at = now
    return {weeks.week_of(day) for day in days}


def week_figures(
    week: dt.date, above: dict[int, list[int]], team_area: dict[int, int]
) -> dict[tuple[int, int | None], Any]:
    """Every area's, region's, nation's and team's figures for one week, as stored, by (area, team): two grouped
    queries and one read of the week's hours, whatever the number of areas (counts add up; medians are taken
    from the hours)."""
    facts = ReachFact.objects.filter(day__gte=week, day__lte=week + dt.timedelta(days=6))
    by_area = metrics.tallies(facts, "area_id")
    for area_id, counts in support_tallies(week).items():
        by_area.setdefault(area_id, metrics.empty_tally()).update(counts)
    by_team = metrics.tallies(facts.exclude(reached_by_team__isnull=True), "reached_by_team_id")
    hours: dict[tuple[str, int], dict[str, list[float]]] = {}
    for area_id, team_id, kind, value in facts.filter(hours_to_reach__isnull=False).values_list(
        "area_id", "reached_by_team_id", "kind", "hours_to_reach"
    ):
        for key in [("area", area_id), *(("area", p) for p in above.get(area_id, [])), ("team", team_id)]:
            hours.setdefault(key, {}).setdefault(kind, []).append(value)  # type: ignore[arg-type]
    buckets: list[tuple[int, int | None, metrics.Bucket]] = []
    parents: dict[int, list[int]] = {}
    for area_id in by_area:
        for parent in above.get(area_id, []):
            parents.setdefault(parent, []).append(area_id)
    for area_id, uppers in [*((a, [a]) for a in by_area), *parents.items()]:
        tally = metrics.add_tallies(by_area[a] for a in uppers)
        extra = {"tally": tally, **{f"hours_{k}": v for k, v in hours.get(("area", area_id), {}).items()}}
        buckets.append((area_id, None, metrics.Bucket(week_start=week, area_ids=uppers, extra=extra)))
    for team_id, tally in by_team.items():
        if team_id in team_area:
            extra = {"tally": tally, **{f"hours_{k}": v for k, v in hours.get(("team", team_id), {}).items()}}
            buckets.append((team_area[team_id], team_id, metrics.Bucket(week_start=week, team_id=team_id, extra=extra)))
    for _, _, bucket in buckets:
        for kind in ReachFact.Kind.values:
            bucket.extra.setdefault(f"hours_{kind}", [])
    return {(area_id, team_id): _as_stored(metrics.compute_all(bucket)) for area_id, team_id, bucket in buckets}


def recompute_week(week: dt.date, above: dict[int, list[int]], team_area: dict[int, int]) -> int:
    """Recompute and store one week's figures (`week_figures`); returns how many of its rows changed.

    A week whose figures come out as stored is left as it is: a run reads the last OVERLAP support requests
    again each minute, and rewriting their weeks each time would move the figures' version on, and so republish
    the public files and change the open data's ETag, every minute with nothing changed."""
    fresh = week_figures(week, above, team_area)
    stored: dict[tuple[int, int | None], Any] = {
        (area_id, team_id): values
        for area_id, team_id, values in WeeklyFigures.objects.filter(week_start=week).values_list(
            "area_id", "team_id", "values"
        )
    }
    changed = len([key for key in fresh.keys() | stored.keys() if fresh.get(key) != stored.get(key)])
    if changed:
        now = timezone.now()
        WeeklyFigures.objects.filter(week_start=week).delete()
        WeeklyFigures.objects.bulk_create(
            WeeklyFigures(area_id=area_id, team_id=team_id, week_start=week, values=values, computed_at=now)
            for (area_id, team_id), values in fresh.items()
        )
    return changed


def _as_stored(values: dict[str, Any]) -> Any:
    """The figures as the JSON column gives them back, to compare with what is stored."""
    return json.loads(json.dumps(values))


def figures_changed() -> None:
    """Note that the stored weekly figures changed, in the transaction that changed them: the figures' version
    goes up and ran_at moves on, so whatever pages cached under the old ones is no longer read."""
    RollupState.objects.get_or_create(pk=1)
    RollupState.objects.filter(pk=1).update(figures_version=F("figures_version") + 1, ran_at=timezone.now())


def publish_if_stale() -> None:
    """Publish the public page's body and open data unless what is stored is for the figures as they are now."""
    from localtrace.reports import public

    if not public.published_is_current():
        public.publish()


def recompute(weeks_: Iterable[dt.date], *, publish: bool = True) -> int:
    """Recompute every figure of these weeks (and publish the public files, unless the caller will); returns how
    many (area or team, week) rows changed."""
    above = _parents()
    team_area = dict(Team.objects.values_list("pk", "area_id"))
    weeks_ = sorted(set(weeks_))
    with transaction.atomic():
        done = sum(recompute_week(week, above, team_area) for week in weeks_)
        if done:  # rewritten, or deleted when nothing is left in a week
            figures_changed()
            if publish:
                publish_if_stale()
    return done


def computed_as() -> str:
    """What the stored facts and figures are computed under: the revision, and every figure's definition."""
    parts = [str(FIGURES_REVISION)] + [
        "|".join(map(str, (f.key, f.unit, f.definition, f.numerator, f.denominator, f.over, f.public, f.for_teams)))
        for f in sorted(metrics.figures(), key=lambda f: f.key)
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


# A rebuild — the first run, `refresh-figures --rebuild`, a release that computes the figures otherwise, a new
# week definition — recomputes every fact and week from the records. It works in steps, each its own short
# transaction: on SQLite a write transaction holds the database's one writer lock, and a county's history
# rebuilt in one would make every tracer's save wait, then fail, for minutes; the task worker, which also sends
# the escalation ladder's messages, would be held as long. Where it got to is kept on the state row, so the
# next run (or one after a restart) carries on. Facts are read by the rollup alone; the new weekly figures are
# written beside the old (RebuiltWeeklyFigures) and swapped in by the last step, in one transaction: until
# then visitors see the figures from before the rebuild, and the public files are not published again.
FACTS, WEEKS = "facts", "weeks"
# Cases or contacts whose facts one step rewrites, read by id range: a second or two of work.
STEP_ITEMS = 20_000
# How long a scheduled run may spend on a rebuild before leaving the rest to the next minute's run.
STEP_BUDGET_S = 20.0


def _locked_state() -> tuple[RollupState, bool]:
    """The state row, locked for this transaction; and whether it was created now (the very first run)."""
    _, first_run = RollupState.objects.get_or_create(pk=1)
    return RollupState.objects.select_for_update().get(pk=1), first_run


def _rebuild_as() -> str:
    return f"{computed_as()}:{weeks.week_starts()}"


def _start_rebuild_if_due(asked: bool) -> None:
    """Start a rebuild if one is asked for or due (in its own transaction), unless one under the same
    definitions is under way."""
    from localtrace.cases.models import TraceEvent

    with transaction.atomic():
        state, first_run = _locked_state()
        target = _rebuild_as()
        if state.rebuilding and state.rebuild_as == target:
            return
        if first_run or asked:
            reason, stage = "", FACTS
        elif state.rebuilding or state.computed_as != computed_as():
            reason, stage = "a change in how the figures are computed", FACTS
        elif state.week_starts != weeks.week_starts():
            reason, stage = ("a change of week definition" if state.week_starts else ""), WEEKS
        else:
            return
        state.rebuilding, state.rebuild_reason, state.rebuild_as = stage, reason, target
        if stage == FACTS:
            state.last_case_id = state.last_contact_id = 0
            # Changes from here on are read by the first run after the rebuild, by their timeline events.
            state.last_event_id = TraceEvent.objects.aggregate(m=Max("pk"))["m"] or 0
            if _set_based():  # all of them: quicker than deleting 2M rows one by one
                with connection.cursor() as cursor:
                    _check_pending_constraints(cursor)
                    cursor.execute(f'TRUNCATE "{ReachFact._meta.db_table}"')
                if not state.dropped_indexes and sum(_last_ids()) >= BULK_LOAD_MIN:
                    _drop_fact_indexes(state)
            else:
                ReachFact.objects.all().delete()
        else:
            _start_weeks(state)
        state.save()


def _last_ids() -> tuple[int, int]:
    from localtrace.cases.models import Case
    from localtrace.contacts.models import Contact

    return (Case.objects.aggregate(m=Max("pk"))["m"] or 0, Contact.objects.aggregate(m=Max("pk"))["m"] or 0)


def _start_weeks(state: RollupState) -> None:
    """Every fact is written: list every week that has facts or support activity, to compute one at a time."""
    _restore_fact_indexes(state)
    RebuiltWeeklyFigures.objects.all().delete()
    now = timezone.now()
    days = set(ReachFact.objects.order_by().values_list("day", flat=True).distinct())
    # Support is read from its start; the marks move on to now, for the runs after the rebuild.
    all_weeks = {weeks.week_of(day) for day in days} | support_weeks(RollupState(), now)
    support_weeks(state, now)
    state.rebuilding, state.rebuild_weeks = WEEKS, [w.isoformat() for w in sorted(all_weeks)]


def _rebuild_step(state: RollupState, result: RollupResult) -> None:
    """One step of the rebuild under way, in the caller's transaction (which saves the state)."""
    if state.rebuilding == FACTS:
        from localtrace.cases.models import Case
        from localtrace.contacts.models import Contact

        last_case, last_contact = _last_ids()
        for kind, model, mark, last in (
            (ReachFact.Kind.CASE, Case, "last_case_id", last_case),
            (ReachFact.Kind.CONTACT, Contact, "last_contact_id", last_contact),
        ):
            done = getattr(state, mark)
            if done < last:
                # From the next id there is: ids erased by retention would be steps that read nothing.
                low = (model.objects.filter(pk__gt=done).aggregate(m=Min("pk"))["m"] or last) - 1
                high = min(low + (SQL_BATCH if _set_based() else STEP_ITEMS), last)
                _refresh_new(kind, low, high, result)
                setattr(state, mark, high)
                result.progress = f"{kind}s read up to number {high:,} of {last:,}"
                return
        _start_weeks(state)
        result.progress = f"{len(state.rebuild_weeks)} weeks to compute"
        return
    if state.rebuild_weeks:
        week = dt.date.fromisoformat(state.rebuild_weeks.pop(0))
        team_area = dict(Team.objects.values_list("pk", "area_id"))
        rows = week_figures(week, _parents(), team_area)
        RebuiltWeeklyFigures.objects.bulk_create(
            RebuiltWeeklyFigures(area_id=area_id, team_id=team_id, week_start=week, values=values)
            for (area_id, team_id), values in rows.items()
        )
        result.buckets += len(rows)
        result.progress = f"{len(state.rebuild_weeks)} weeks left to compute"
        return
    # The last step: swap the new figures in, all at once, and publish them.
    now = timezone.now()
    WeeklyFigures.objects.all().delete()
    rebuilt = RebuiltWeeklyFigures.objects.order_by("pk").values_list("area_id", "team_id", "week_start", "values")
    WeeklyFigures.objects.bulk_create(
        (
            WeeklyFigures(area_id=area_id, team_id=team_id, week_start=week, values=values, computed_at=now)
            for area_id, team_id, week, values in rebuilt.iterator(chunk_size=1_000)
        ),
        batch_size=1_000,
    )
    RebuiltWeeklyFigures.objects.all().delete()
    figures_changed()
    state.computed_as, _, state.week_starts = state.rebuild_as.partition(":")
    state.rebuilding = state.rebuild_reason = state.rebuild_as = ""
    publish_if_stale()
    result.progress = ""


_STATE_FIELDS = ["last_case_id", "last_contact_id", "last_event_id", "last_support_request_id",
                 "last_payment_claim_id", "support_read_at", "week_starts", "computed_as", "rebuilding",
                 "rebuild_reason", "rebuild_as", "rebuild_weeks", "dropped_indexes"]  # fmt: skip


def refresh(
    *, rebuild: bool = False, budget: float | None = None, on_step: Callable[[RollupResult], None] | None = None
) -> RollupResult:
    """Bring facts and weekly figures up to date with everything that changed since the last run.

    Figures stored under other definitions (a new release that computes them differently) are rebuilt first,
    from every record, as `rebuild` does: nobody has to remember to run `refresh-figures --rebuild`. A rebuild
    takes as many steps as it needs unless `budget` (seconds) runs out first: then the result says how far it
    got (`unfinished`), and the next run carries on. `on_step` is told after each step."""
    result = RollupResult()
    deadline = None if budget is None else time.monotonic() + budget
    _start_rebuild_if_due(rebuild)
    while True:
        _suppress_ahead_of_the_swap()
        with transaction.atomic():
            state, _ = _locked_state()
            if not state.rebuilding:
                break
            result.rebuilt = state.rebuild_reason
            if result.steps and deadline is not None and time.monotonic() >= deadline:
                result.unfinished = True
                return result
            started, stage = time.perf_counter(), state.rebuilding
            _rebuild_step(state, result)
            state.save(update_fields=_STATE_FIELDS)
            result.steps += 1
            if stage == FACTS:
                result.facts_s += time.perf_counter() - started
            else:
                result.figures_s += time.perf_counter() - started
        if on_step is not None:
            on_step(result)
    # The rebuild recomputed every week its facts touched; what changed since is found by this run's own reading.
    result.dirty.clear()
    result.dirty_teams.clear()
    _refresh_changes(result)
    return result


def _suppress_ahead_of_the_swap() -> None:
    """Before a rebuild's last step, outside any transaction: work out the public tables of the rebuilt weeks,
    the slow part of publishing (`transparency.suppress_ahead`), so that the swap, which publishes while it holds
    the database, finds each answer remembered. Over the areas the public page will have (`public_areas` once the
    swap is done): upper-tier areas with facts or support records."""
    from localtrace.reports import transparency
    from localtrace.support.models import PaymentClaim, SupportRequest

    state = RollupState.objects.filter(pk=1).values_list("rebuilding", "rebuild_weeks").first()
    if state is None or state != (WEEKS, []):
        return
    areas = set(ReachFact.objects.order_by().values_list("area_id", flat=True).distinct())
    areas |= set(SupportRequest.objects.order_by().values_list("area_id", flat=True).distinct())
    areas |= set(PaymentClaim.objects.order_by().values_list("area_id", flat=True).distinct())
    by_week: dict[dt.date, dict[int, dict[str, Any]]] = {}
    for area_id, week, values in RebuiltWeeklyFigures.objects.filter(team__isnull=True).values_list(
        "area_id", "week_start", "values"
    ):
        by_week.setdefault(week, {})[area_id] = values
    for week_rows in by_week.values():
        transparency.suppress_ahead(week_rows, areas)


def _refresh_changes(result: RollupResult) -> None:
    """A run with no rebuild under way: the facts of what changed since the last run, and their weeks."""
    from localtrace.cases.models import TraceEvent

    started = time.perf_counter()
    with transaction.atomic():
        state, _ = _locked_state()
        if state.rebuilding:  # another run started one since
            return
        # Read the high-water marks first: anything written while this run works is read next time.
        last_event = TraceEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        last_case, last_contact = _last_ids()
        # New items are read by id range; changed ones (a timeline event since last time) by id. The last
        # OVERLAP ids are read again: a transaction that took lower ids may have committed after the last run.
        case_from = max(0, state.last_case_id - OVERLAP)
        contact_from = max(0, state.last_contact_id - OVERLAP)
        # Items with a timeline event since the last run, but for the new ones read by range anyway: distinct
        # ids, found by the database.
        events = TraceEvent.objects.filter(pk__gt=max(0, state.last_event_id - OVERLAP), pk__lte=last_event).order_by()
        changed_cases = set(
            events.filter(Q(case_id__lte=case_from) | Q(case_id__gt=last_case))
            .values_list("case_id", flat=True)
            .distinct()
        )
        changed_contacts = set(
            events.filter(Q(contact_id__lte=contact_from) | Q(contact_id__gt=last_contact))
            .values_list("contact_id", flat=True)
            .distinct()
        )
        _refresh_new(ReachFact.Kind.CASE, case_from, last_case, result)
        _refresh_new(ReachFact.Kind.CONTACT, contact_from, last_contact, result)
        _refresh(ReachFact.Kind.CASE, changed_cases, result)
        _refresh(ReachFact.Kind.CONTACT, changed_contacts, result)

        result.facts_s += time.perf_counter() - started
        started = time.perf_counter()
        dirty_days = {day for _, day in result.dirty} | {day for _, day in result.dirty_teams}
        dirty_weeks = {weeks.week_of(day) for day in dirty_days} | support_weeks(state, timezone.now())
        changed = recompute(dirty_weeks, publish=False)
        result.buckets += changed
        state.last_case_id, state.last_contact_id, state.last_event_id = last_case, last_contact, last_event
        if state.ran_at is None and not changed:
            figures_changed()  # the first run: "no figures yet" is a state of the figures too
        # In this transaction: visitors see the new figures and their files together. Also after midnight.
        publish_if_stale()
        result.figures_s += time.perf_counter() - started
        # figures_version and ran_at are moved on by figures_changed(), in the database: not written from here.
        state.save(update_fields=_STATE_FIELDS)
