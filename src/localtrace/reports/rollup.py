"""Keeping the weekly figures up to date, incrementally. Run by the `refresh_figures` task every minute.

Every change to a case or contact writes a timeline event (`cases.events.note`), and new cases and
contacts get new ids, so "what changed since last time" is: cases and contacts with an id above the
last one read, and items with a timeline event above the last one read. Their facts are rewritten,
and every (area, week) whose facts changed — before or after, since a transfer moves an item between
areas — is recomputed, with the region and nation above it and each team whose reached people it holds.
Safe to run twice at once: the state row is locked for the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from localtrace.areas.models import Area, Team
from localtrace.reports import metrics, weeks
from localtrace.reports.models import ReachFact, RollupState, WeeklyFigures

BATCH = 5_000


@dataclass
class RollupResult:
    facts: int = 0
    buckets: int = 0
    rebuilt: bool = False
    dirty: set[tuple[int, dt.date]] = field(default_factory=set)
    # (team, day) of facts before they were rewritten: a team may no longer hold them.
    dirty_teams: set[tuple[int, dt.date]] = field(default_factory=set)

    def line(self) -> str:
        return f"{self.facts} people's facts refreshed, {self.buckets} weekly figures recomputed" + (
            " (all weeks, after a change of week definition)" if self.rebuilt else ""
        )


def _refresh(kind: str, ids: Iterable[int], result: RollupResult) -> None:
    """Rewrite the facts of these items; note the (area, day) of each before and after."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        old = ReachFact.objects.filter(kind=kind, item_id__in=chunk)
        result.dirty.update(old.values_list("area_id", "day"))
        result.dirty_teams.update(old.exclude(reached_by_team__isnull=True).values_list("reached_by_team_id", "day"))
        fresh = metrics.facts_for(kind, chunk)
        old.delete()
        ReachFact.objects.bulk_create(fresh, batch_size=2_000)
        result.dirty.update((f.area_id, f.day) for f in fresh)
        result.facts += len(fresh)


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


def _upper_tiers_under(area_id: int, above: dict[int, list[int]]) -> list[int]:
    return [upper for upper, chain in above.items() if area_id in chain]


def recompute(pairs: set[tuple[int, dt.date]], team_pairs: Iterable[tuple[int, dt.date]] = ()) -> int:
    """Recompute the weekly figures of these (upper-tier area, week start) pairs, their parents' and teams'."""
    above = _parents()
    area_weeks: set[tuple[int, dt.date]] = set()
    for area_id, week in pairs:
        area_weeks.add((area_id, week))
        area_weeks.update((parent, week) for parent in above.get(area_id, []))
    count = 0
    for area_id, week in sorted(area_weeks, key=lambda p: (p[1], p[0])):
        uppers = [area_id] if area_id in above else _upper_tiers_under(area_id, above)
        bucket = metrics.Bucket(week_start=week, area_ids=uppers)
        _store(area_id, None, week, bucket)
        count += 1
    team_weeks: set[tuple[int, dt.date]] = set(team_pairs)
    for area_id, week in pairs:
        end = week + dt.timedelta(days=6)
        team_weeks.update(
            (team, week)
            for team in ReachFact.objects.filter(area_id=area_id, day__gte=week, day__lte=end)
            .exclude(reached_by_team__isnull=True)
            .values_list("reached_by_team_id", flat=True)
            .distinct()
        )
    team_area = dict(Team.objects.filter(pk__in={t for t, _ in team_weeks}).values_list("pk", "area_id"))
    for team_id, week in sorted(team_weeks, key=lambda p: (p[1], p[0])):
        if team_id in team_area:
            _store(team_area[team_id], team_id, week, metrics.Bucket(week_start=week, team_id=team_id))
            count += 1
    return count


def _store(area_id: int, team_id: int | None, week: dt.date, bucket: metrics.Bucket) -> None:
    """Write one bucket's figures (or remove its row when nobody is left in it)."""
    rows = (
        WeeklyFigures.objects.filter(area_id=area_id, team__isnull=True, week_start=week)
        if team_id is None
        else WeeklyFigures.objects.filter(team_id=team_id, week_start=week)
    )
    if not bucket.facts().exists():
        rows.delete()
        return
    values = metrics.compute_all(bucket)
    if not rows.update(area_id=area_id, values=values, computed_at=timezone.now()):
        WeeklyFigures.objects.create(area_id=area_id, team_id=team_id, week_start=week, values=values)


def refresh(*, rebuild: bool = False) -> RollupResult:
    """Bring facts and weekly figures up to date with everything that changed since the last run."""
    from localtrace.cases.models import Case, TraceEvent
    from localtrace.contacts.models import Contact

    result = RollupResult()
    with transaction.atomic():
        state, _ = RollupState.objects.get_or_create(pk=1)
        state = RollupState.objects.select_for_update().get(pk=1)
        if rebuild:
            state.last_case_id = state.last_contact_id = state.last_event_id = 0
            ReachFact.objects.all().delete()
        # Read the high-water marks first: anything written while this run works is read next time.
        last_event = TraceEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        last_case = Case.objects.aggregate(m=Max("pk"))["m"] or 0
        last_contact = Contact.objects.aggregate(m=Max("pk"))["m"] or 0
        changed_cases: set[int] = set()
        changed_contacts: set[int] = set()
        events = TraceEvent.objects.filter(pk__gt=state.last_event_id, pk__lte=last_event)
        for case_id, contact_id in events.values_list("case_id", "contact_id").iterator(chunk_size=10_000):
            if case_id is not None:
                changed_cases.add(case_id)
            if contact_id is not None:
                changed_contacts.add(contact_id)
        new_cases = Case.objects.filter(pk__gt=state.last_case_id, pk__lte=last_case)
        changed_cases.update(new_cases.values_list("pk", flat=True).iterator(chunk_size=10_000))
        new_contacts = Contact.objects.filter(pk__gt=state.last_contact_id, pk__lte=last_contact)
        changed_contacts.update(new_contacts.values_list("pk", flat=True).iterator(chunk_size=10_000))
        _refresh(ReachFact.Kind.CASE, changed_cases, result)
        _refresh(ReachFact.Kind.CONTACT, changed_contacts, result)

        pairs = {(area, weeks.week_of(day)) for area, day in result.dirty}
        definition = weeks.week_starts()
        if rebuild or state.week_starts != definition:
            result.rebuilt = bool(state.week_starts) and state.week_starts != definition
            WeeklyFigures.objects.all().delete()
            pairs = {
                (area, weeks.week_of(day)) for area, day in ReachFact.objects.values_list("area_id", "day").distinct()
            }
        result.buckets = recompute(pairs, {(team, weeks.week_of(day)) for team, day in result.dirty_teams})
        state.last_case_id, state.last_contact_id, state.last_event_id = last_case, last_contact, last_event
        state.week_starts, state.ran_at = definition, timezone.now()
        state.save()
    return result
