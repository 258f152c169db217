"""Transmission chains: who infected whom, joined up across an area's cases.

Two kinds of link between two cases of one area:

- **confirmed**: the later case's `source_contact` is a contact the earlier case named (intake sets it when
  a named contact tests positive; naming someone who already has a case sets it too; both only when the
  later case's illness followed the meeting: `cases.services.plausible_source`);
- **possible**: one case went to a setting while infectious (a forward visit) within
  `SHARED_VISIT_TOLERANCE_DAYS` of another case's visit there in the days they may have caught it
  (a backward visit). The first may have infected the second there; nobody named anyone.

A chain is a connected component over both kinds of link: a case with no link at all is a chain of one.
A case's **known source** is a confirmed one (the case that named them, in this area or another).
**Generations** follow confirmed links only: a case with no confirmed source in the area is generation 1,
and each confirmed link adds one. Possible links join chains (so they count in a chain's size) but
never add a generation, because the direction and the fact of infection are guesses. A loop of
confirmed links (linking never closes one; records linked before that rule may hold one) is broken at its
earliest case.

Everything is computed in one pass over ids and dates fetched with two queries per area (cases with
their source, and visits), with a union-find; no query per case.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from localtrace.cases.models import Case

# A forward visit and a backward visit to one setting this many days apart (or fewer) make a possible link.
SHARED_VISIT_TOLERANCE_DAYS = 1

CONFIRMED = "confirmed"
POSSIBLE = "possible"
FORWARD = "forward"
BACKWARD = "backward"


class CaseFacts(NamedTuple):
    """What chain building needs to know about one case of the area (a tuple: 100,000 of them are cheap)."""

    id: int
    result_date: dt.date
    # The case that named them as a contact (any area), and whether it is in this area.
    source_case_id: int | None = None
    source_in_area: bool = True


class VisitFacts(NamedTuple):
    case_id: int
    setting_id: int
    visited_on: dt.date
    direction: str


@dataclass(frozen=True)
class Link:
    """One edge of a chain, from the (possible) infector to the infected."""

    source: int
    target: int
    kind: str
    setting_id: int | None = None
    source_visited_on: dt.date | None = None
    target_visited_on: dt.date | None = None


@dataclass
class Chain:
    """One connected group of cases, with generations by confirmed links."""

    case_ids: tuple[int, ...]  # by generation, then result date, then id
    generation: dict[int, int]
    # Confirmed source within the area (including a source inside a loop).
    parent: dict[int, int]
    # Cases named by a case in another area.
    outside_source: frozenset[int]
    # Cases with a possible link into them (from a shared setting).
    possible_source: frozenset[int]
    # Cases where a loop of confirmed links was broken (shown as generation 1 although they have a source).
    loop_breaks: frozenset[int]
    first_case_id: int
    first_result_date: dt.date

    @property
    def size(self) -> int:
        return len(self.case_ids)

    @property
    def generations(self) -> int:
        return max(self.generation.values())

    def has_known_source(self, case_id: int) -> bool:
        return case_id in self.parent or case_id in self.outside_source

    @property
    def roots(self) -> list[int]:
        """Cases with no known source (the loop breaks have one, so they are not roots)."""
        return [c for c in self.case_ids if not self.has_known_source(c)]

    @property
    def tops(self) -> list[int]:
        """The first generation: where the list of who infected whom starts."""
        return [c for c in self.case_ids if self.generation[c] == 1]

    @property
    def known_source_count(self) -> int:
        return sum(1 for c in self.case_ids if self.has_known_source(c))

    @property
    def possible_only_count(self) -> int:
        return sum(1 for c in self.case_ids if c in self.possible_source and not self.has_known_source(c))


@dataclass
class Chains:
    """An area's chains, largest first."""

    chains: list[Chain]
    by_case: dict[int, int] = field(default_factory=dict)  # case id → index in `chains`

    def of(self, case_id: int) -> Chain | None:
        index = self.by_case.get(case_id)
        return None if index is None else self.chains[index]

    @property
    def cases(self) -> int:
        return sum(c.size for c in self.chains)


class _UnionFind:
    def __init__(self, ids: Iterable[int]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _visits_by_setting(
    visits: Iterable[VisitFacts], known: set[int] | dict[int, CaseFacts]
) -> tuple[dict[int, list[tuple[int, int]]], dict[int, list[tuple[int, int]]]]:
    """Forward visits per setting sorted by day (as ordinals), and backward visits per setting."""
    forward: dict[int, list[tuple[int, int]]] = defaultdict(list)
    backward: dict[int, list[tuple[int, int]]] = defaultdict(list)
    buckets = {FORWARD: forward, BACKWARD: backward}
    for case_id, setting_id, visited_on, direction in visits:
        bucket = buckets.get(direction)
        if bucket is not None and case_id in known:
            bucket[setting_id].append((visited_on.toordinal(), case_id))
    for day_cases in forward.values():
        day_cases.sort()
    return forward, backward


def _generations(
    ids: Sequence[int], parent: dict[int, int], order: dict[int, tuple[dt.date, int]]
) -> tuple[dict[int, int], set[int]]:
    """Generation of each case by confirmed links; loops are broken at their earliest case."""
    generation: dict[int, int] = {}
    loop_breaks: set[int] = set()
    for start in ids:
        if start in generation:
            continue
        path: list[int] = []
        on_path: dict[int, int] = {}
        node: int | None = start
        while node is not None and node not in generation and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = parent.get(node)
        if node is not None and node in on_path:
            # path[k:] is a loop: each one's parent is the next, the last one's is path[k].
            k = on_path[node]
            loop = path[k:]
            head = min(range(len(loop)), key=lambda i: order[loop[i]])
            loop_breaks.add(loop[head])
            for step in range(len(loop)):
                generation[loop[(head - step) % len(loop)]] = 1 + step
            rest = path[:k]
            above = generation[path[k]]
        elif node is None:
            rest = path[:-1]
            generation[path[-1]] = 1
            above = 1
        else:
            rest = path
            above = generation[node]
        for case_id in reversed(rest):
            above += 1
            generation[case_id] = above
    return generation, loop_breaks


def build_chains(
    cases: Iterable[CaseFacts], visits: Iterable[VisitFacts] = (), *, tolerance: int = SHARED_VISIT_TOLERANCE_DAYS
) -> Chains:
    """Group an area's cases into chains (see the module). Pure: no database."""
    facts = {c.id: c for c in cases}
    if tolerance < 0:
        raise ValueError("The tolerance between visits must be zero days or more.")
    groups = _UnionFind(facts)
    parent: dict[int, int] = {}
    outside: set[int] = set()
    for case in facts.values():
        if case.source_case_id is None or case.source_case_id == case.id:
            continue
        if case.source_in_area and case.source_case_id in facts:
            parent[case.id] = case.source_case_id
            groups.union(case.id, case.source_case_id)
        else:
            outside.add(case.id)

    possible: set[int] = set()
    forward, backward = _visits_by_setting(visits, facts)
    for setting_id, caught in backward.items():
        spread = forward.get(setting_id)
        if not spread:
            continue
        days = [day for day, _ in spread]
        # cover[i] > 0 (as a running sum) joins spread[i] and spread[i+1]: both link to one backward visit.
        cover = [0] * len(spread)
        for day, case_id in caught:
            lo, hi = bisect_left(days, day - tolerance), bisect_right(days, day + tolerance)
            if lo >= hi:
                continue
            if any(spread[i][1] != case_id for i in range(lo, hi)):
                possible.add(case_id)
            groups.union(case_id, spread[lo][1])
            if hi - lo > 1:
                cover[lo] += 1
                cover[hi - 1] -= 1
        running = 0
        for i in range(len(spread) - 1):
            running += cover[i]
            if running > 0:
                groups.union(spread[i][1], spread[i + 1][1])

    members: dict[int, list[int]] = defaultdict(list)
    for case_id in facts:
        members[groups.find(case_id)].append(case_id)
    order = {c.id: (c.result_date, c.id) for c in facts.values()}
    generation, loop_breaks = _generations(sorted(facts, key=order.__getitem__), parent, order)
    chains: list[Chain] = []
    for ids in members.values():
        ids.sort(key=lambda c: (generation[c], order[c]))
        first = min(ids, key=order.__getitem__)
        in_chain = set(ids)
        chains.append(
            Chain(
                case_ids=tuple(ids),
                generation={c: generation[c] for c in ids},
                parent={c: parent[c] for c in ids if c in parent},
                outside_source=frozenset(outside & in_chain),
                possible_source=frozenset(possible & in_chain),
                loop_breaks=frozenset(loop_breaks & in_chain),
                first_case_id=first,
                first_result_date=facts[first].result_date,
            )
        )
    chains.sort(key=lambda c: (-c.size, c.first_result_date, c.first_case_id))
    return Chains(chains, {case_id: i for i, chain in enumerate(chains) for case_id in chain.case_ids})


def possible_links(
    visits: Iterable[VisitFacts], among: set[int], *, tolerance: int = SHARED_VISIT_TOLERANCE_DAYS
) -> list[Link]:
    """Every possible link between the given cases, once per pair and setting (the closest pair of days)."""
    found: dict[tuple[int, int, int], tuple[int, Link]] = {}
    forward, backward = _visits_by_setting(visits, among)
    for setting_id, caught in backward.items():
        spread = forward.get(setting_id)
        if not spread:
            continue
        days = [day for day, _ in spread]
        for day, target in caught:
            for i in range(bisect_left(days, day - tolerance), bisect_right(days, day + tolerance)):
                went, source = spread[i]
                key = (source, target, setting_id)
                apart = abs(went - day)
                if source != target and (key not in found or apart < found[key][0]):
                    link = Link(
                        source, target, POSSIBLE, setting_id, dt.date.fromordinal(went), dt.date.fromordinal(day)
                    )
                    found[key] = (apart, link)
    links = [link for _, link in found.values()]
    return sorted(links, key=lambda link: (link.target, link.source, link.setting_id or 0))


# --- figures per week -------------------------------------------------------------------


def week_of(day: dt.date) -> dt.date:
    """The Monday starting the ISO week (Monday to Sunday) of a day: the week a case is counted in."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekFigures:
    week_start: dt.date
    cases: int
    known_source: int  # named by another case (in this area or another)
    possible_source_only: int  # no named source, but a possible one at a shared setting
    chains_started: int  # chains whose first case's result came this week
    mean_size: float  # of the chains started this week, as they stand now
    largest: int

    @property
    def iso_week(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def known_share(self) -> float:
        return self.known_source / self.cases if self.cases else 0.0

    @property
    def possible_share(self) -> float:
        return self.possible_source_only / self.cases if self.cases else 0.0


def weekly_figures(chains: Chains, result_dates: dict[int, dt.date]) -> list[WeekFigures]:
    """Per ISO week of the result date: cases, share with a known source, chains started, their sizes."""
    cases: dict[dt.date, int] = defaultdict(int)
    known: dict[dt.date, int] = defaultdict(int)
    possible: dict[dt.date, int] = defaultdict(int)
    sizes: dict[dt.date, list[int]] = defaultdict(list)
    for chain in chains.chains:
        sizes[week_of(chain.first_result_date)].append(chain.size)
        for case_id in chain.case_ids:
            week = week_of(result_dates[case_id])
            cases[week] += 1
            if chain.has_known_source(case_id):
                known[week] += 1
            elif case_id in chain.possible_source:
                possible[week] += 1
    return [
        WeekFigures(
            week_start=week,
            cases=cases[week],
            known_source=known[week],
            possible_source_only=possible[week],
            chains_started=len(sizes[week]),
            mean_size=sum(sizes[week]) / len(sizes[week]) if sizes[week] else 0.0,
            largest=max(sizes[week], default=0),
        )
        for week in sorted(cases)
    ]


# --- reading an area from the database ------------------------------------------------


@dataclass
class AreaChains:
    area_id: int
    chains: Chains
    result_dates: dict[int, dt.date]
    visits: list[VisitFacts]

    def weeks(self) -> list[WeekFigures]:
        return weekly_figures(self.chains, self.result_dates)


def area_chains(area_id: int, *, tolerance: int = SHARED_VISIT_TOLERANCE_DAYS) -> AreaChains:
    """The area's chains, from two queries (its cases with their sources, and their visits)."""
    from localtrace.places.models import Visit

    facts = [
        CaseFacts(pk, result_date, source_case_id, source_area_id == area_id)
        for pk, result_date, source_case_id, source_area_id in Case.objects.filter(area_id=area_id).values_list(
            "pk", "result_date", "source_contact__case_id", "source_contact__case__area_id"
        )
    ]
    visits = list(
        map(
            VisitFacts._make,
            Visit.objects.filter(case__area_id=area_id).values_list("case_id", "setting_id", "visited_on", "direction"),
        )
    )
    return AreaChains(
        area_id=area_id,
        chains=build_chains(facts, visits, tolerance=tolerance),
        result_dates={f.id: f.result_date for f in facts},
        visits=visits,
    )


# --- stored chains: computed by the refresh_chains task, read by the pages -------------

# Recompute an area at least this often even when its fingerprint has not changed (a corrected result
# date, or a source case moved to another area, leaves the counts and sums alone).
RECOMPUTE_AFTER = dt.timedelta(hours=6)
WRITE_BATCH = 2_000


def fingerprint(area_id: int) -> str:
    """Counts and sums over what the chains are built from (the area's cases, their sources, their visits).

    Two aggregate queries reading the area's rows, far cheaper than building the chains: a new case or
    visit, a named source, a moved case and a merged setting all change it.
    """
    from django.db.models import Count, Max, Q, Sum

    from localtrace.places.models import Visit

    cases = Case.objects.filter(area_id=area_id).aggregate(
        n=Count("pk"), top=Max("pk"), named=Count("source_contact"), sources=Sum("source_contact_id"),
        source_areas=Sum("source_contact__case__area_id"), last_result=Max("result_date"),
    )  # fmt: skip
    visits = Visit.objects.filter(case__area_id=area_id).aggregate(
        n=Count("pk"), top=Max("pk"), settings=Sum("setting_id"), days=Sum("visited_day"),
        cases=Sum("case_id"), backward=Count("pk", filter=Q(direction=BACKWARD)),
    )  # fmt: skip
    return "|".join(f"{k}={v}" for part in (cases, visits) for k, v in sorted(part.items()))[:300]


@dataclass
class RefreshSummary:
    checked: int = 0
    recomputed: int = 0
    rows_written: int = 0

    def line(self) -> str:
        return (
            f"Transmission chains: {self.checked} areas checked, {self.recomputed} recomputed, "
            f"{self.rows_written} stored rows written."
        )


def _write_changes(
    model: Any, area_id: int, key: str, fields: tuple[str, ...], fresh_rows: dict[int, tuple[Any, ...]]
) -> int:
    """Make the area's stored rows of `model` equal `fresh_rows` (key → field values), writing only
    the differences: stale rows deleted, changed ones updated, new ones created. Returns rows written."""
    fresh_rows = dict(fresh_rows)
    stale, changed = [], []
    for pk, key_value, *stored in model.objects.filter(area_id=area_id).values_list("pk", key, *fields):
        fresh = fresh_rows.pop(key_value, None)
        if fresh is None:
            stale.append(pk)
        elif tuple(stored) != fresh:
            changed.append(model(pk=pk, area_id=area_id, **{key: key_value}, **dict(zip(fields, fresh, strict=True))))
    if stale:
        model.objects.filter(pk__any_of=stale).delete()  # any_of: an area's cases can pass SQLite's 250,000 parameters
    model.objects.bulk_update(changed, fields, batch_size=WRITE_BATCH)
    model.objects.bulk_create(
        (model(area_id=area_id, **{key: key_value}, **dict(zip(fields, fresh, strict=True)))
         for key_value, fresh in fresh_rows.items()),
        batch_size=WRITE_BATCH,
    )  # fmt: skip
    return len(stale) + len(changed) + len(fresh_rows)


def store_area(area_id: int, *, now: dt.datetime | None = None, fingerprint_now: str | None = None) -> int:
    """Compute an area's chains and store them; write only the rows that changed. Returns rows written."""
    from django.db import transaction
    from django.utils import timezone

    from localtrace.cases.chain_models import ChainMember, ChainState, StoredChain

    now = now or timezone.now()
    mark = fingerprint_now if fingerprint_now is not None else fingerprint(area_id)
    found = area_chains(area_id)
    chains = found.chains.chains
    members = {
        case_id: (chain.first_case_id, chain.generation[case_id], chain.parent.get(case_id),
                  case_id in chain.outside_source, case_id in chain.possible_source, case_id in chain.loop_breaks)
        for chain in chains
        for case_id in chain.case_ids
    }  # fmt: skip
    summaries = {
        chain.first_case_id: (chain.first_result_date, chain.size, chain.generations, chain.known_source_count,
                              chain.possible_only_count)
        for chain in chains
    }  # fmt: skip
    member_fields = ("chain_first_case_id", "generation", "parent_case_id", "outside_source", "possible_source",
                     "loop_break")  # fmt: skip
    chain_fields = ("first_result_date", "size", "generations", "known_source_count", "possible_only_count")
    with transaction.atomic():
        # A case that moved here from another area still has its old area's member row: replace it.
        ChainMember.objects.filter(case__pk__any_of=list(members)).exclude(area_id=area_id).delete()
        # Rows of cases no longer in this area's chains go (a moved case is re-added in its new area).
        written = _write_changes(ChainMember, area_id, "case_id", member_fields, members)
        written += _write_changes(StoredChain, area_id, "first_case_id", chain_fields, summaries)
        weeks = [
            {"week_start": w.week_start.isoformat(), "cases": w.cases, "known_source": w.known_source,
             "possible_source_only": w.possible_source_only, "chains_started": w.chains_started,
             "mean_size": w.mean_size, "largest": w.largest}
            for w in found.weeks()
        ]  # fmt: skip
        ChainState.objects.update_or_create(
            area_id=area_id,
            defaults={
                "computed_at": now,
                "fingerprint": mark,
                "cases": found.chains.cases,
                "chain_count": len(chains),
                "linked_count": sum(1 for c in chains if c.size > 1),
                "known_count": sum(c.known_source_count for c in chains),
                "weeks": weeks,
            },
        )
    return written


def refresh(*, now: dt.datetime | None = None, force: bool = False) -> RefreshSummary:
    """Recompute the chains of every area whose cases or visits changed since its last computation.

    Each area is computed outside any transaction (a large area takes seconds) and written in one short
    transaction; two runs at once compute the same rows, so a second run does no harm.
    """
    from django.db import IntegrityError
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from localtrace.areas.models import Area
    from localtrace.cases.chain_models import ChainState

    now = now or timezone.now()
    summary = RefreshSummary()
    states = {s.area_id: s for s in ChainState.objects.all()}
    # Areas with a case (one index probe per area, not a scan of every case), and areas stored before.
    with_cases = Area.objects.filter(Exists(Case.objects.filter(area_id=OuterRef("pk"))))
    area_ids = set(with_cases.values_list("pk", flat=True)) | set(states)
    for area_id in sorted(area_ids):
        summary.checked += 1
        mark = fingerprint(area_id)
        state = states.get(area_id)
        if not force and state is not None and state.fingerprint == mark and now - state.computed_at < RECOMPUTE_AFTER:
            continue
        try:
            summary.rows_written += store_area(area_id, now=now, fingerprint_now=mark)
        except IntegrityError:
            # Another run stored this area's new rows first (its transaction rolled ours back whole): theirs stand.
            continue
        summary.recomputed += 1
    return summary


def stored_weeks(state: object) -> list[WeekFigures]:
    """A ChainState's weekly figures as WeekFigures."""
    return [
        WeekFigures(
            week_start=dt.date.fromisoformat(w["week_start"]), cases=w["cases"], known_source=w["known_source"],
            possible_source_only=w["possible_source_only"], chains_started=w["chains_started"],
            mean_size=w["mean_size"], largest=w["largest"],
        )
        for w in getattr(state, "weeks", [])
    ]  # fmt: skip


def stored_chain(area_id: int, case_id: int) -> Chain | None:
    """The stored chain holding this case, read back as a Chain: only cases still in the area (two queries)."""
    from localtrace.cases.chain_models import ChainMember

    mine = ChainMember.objects.filter(area_id=area_id, case_id=case_id, case__area_id=area_id).first()
    if mine is None:
        return None
    rows = list(
        ChainMember.objects.filter(area_id=area_id, chain_first_case_id=mine.chain_first_case_id, case__area_id=area_id)
        .values_list("case_id", "case__result_date", "generation", "parent_case_id", "outside_source",
                     "possible_source", "loop_break")
    )  # fmt: skip
    in_chain = {row[0] for row in rows}
    order = {row[0]: (row[1], row[0]) for row in rows}
    generation = {row[0]: row[2] for row in rows}
    ids = sorted(in_chain, key=lambda c: (generation[c], order[c]))
    first = min(in_chain, key=order.__getitem__)
    return Chain(
        case_ids=tuple(ids),
        generation=generation,
        parent={row[0]: row[3] for row in rows if row[3] is not None and row[3] in in_chain},
        outside_source=frozenset(row[0] for row in rows if row[4]),
        possible_source=frozenset(row[0] for row in rows if row[5]),
        loop_breaks=frozenset(row[0] for row in rows if row[6]),
        first_case_id=first,
        first_result_date=order[first][0],
    )


# --- one chain, for its page ----------------------------------------------------------

# A chain page lists and draws at most this many cases (by generation, then result date) and says so.
MOST_SHOWN = 300


@dataclass
class PossibleSource:
    case_id: int
    reference: str
    setting_name: str
    source_visited_on: dt.date
    target_visited_on: dt.date


@dataclass
class Member:
    """One case on a chain's page: who named them, where they may have caught it, whom they passed it to."""

    case: Case
    generation: int
    named_by: Case | None = None  # the case in this area whose contact they were
    outside_source: Case | None = None  # the case in another area that named them (reference and area only)
    loop_break: bool = False
    possible: list[PossibleSource] = field(default_factory=list)
    children: list[Member] = field(default_factory=list)
    passed_outside: list[Case] = field(default_factory=list)  # cases in other areas they named

    @property
    def initials(self) -> str:
        person = self.case.person
        return "".join(part[:1].upper() for part in (person.given_name, person.family_name) if part)


@dataclass
class ChainPage:
    chain: Chain
    members: list[Member]
    tops: list[Member]
    possible_links: list[Link]
    # The case the page was opened from is shown although it is not among the first by generation and date.
    viewed_beyond_the_first: bool = False

    @property
    def complete(self) -> bool:
        return len(self.members) == self.chain.size

    def graph(self) -> dict[str, list[dict[str, object]]]:
        """Nodes and edges for the drawing: references and initials only, never names."""
        shown = {m.case.pk for m in self.members}
        nodes: list[dict[str, object]] = [
            {
                "id": m.case.reference,
                "label": f"{m.case.reference} {m.initials}".strip(),
                "generation": m.generation,
                "top": m.generation == 1,
                "url": f"/cases/{m.case.pk}/",
            }
            for m in self.members
        ]
        edges: list[dict[str, object]] = []
        for m in self.members:
            if m.named_by is not None:
                edges.append({"source": m.named_by.reference, "target": m.case.reference, "kind": CONFIRMED})
        seen: set[tuple[int, int]] = set()
        for link in self.possible_links:
            if (link.source, link.target) in seen or not {link.source, link.target} <= shown:
                continue
            seen.add((link.source, link.target))
            edges.append({"source": f"C{link.source}", "target": f"C{link.target}", "kind": POSSIBLE})
        for i, edge in enumerate(edges):
            edge["id"] = f"e{i}"
        return {"nodes": nodes, "edges": edges}


def shown_cases(chain: Chain, viewed: int | None, most: int) -> list[int]:
    """The first `most` cases by generation and result date, but always the viewed case and the cases that led to
    it (up to its top, or the nearest `most` of them): a chain page opened from a case deep in a large chain must
    show that case, joined to where it came from."""
    path: list[int] = []
    at = viewed
    while at is not None and at in chain.generation and at not in path and len(path) < most:
        path.append(at)
        if at in chain.loop_breaks:
            break  # drawn at the top: its parent is further down its own loop, not a case that led to it
        at = chain.parent.get(at)
    on_path = set(path)
    keep = on_path | set([c for c in chain.case_ids if c not in on_path][: max(0, most - len(path))])
    return [c for c in chain.case_ids if c in keep]


def chain_page(area_id: int, chain: Chain, *, viewed: int | None = None, most: int | None = None) -> ChainPage:
    """The chain's cases with the evidence for each link, in a fixed number of queries."""
    from localtrace.places.models import Setting, Visit

    most = MOST_SHOWN if most is None else most
    shown_ids = shown_cases(chain, viewed, most)
    shown = set(shown_ids)
    # Possible links between shown cases need only the shown cases' visits.
    visits = list(
        map(
            VisitFacts._make,
            Visit.objects.filter(case_id__in=shown_ids).values_list("case_id", "setting_id", "visited_on", "direction"),
        )
    )
    cases = {
        c.pk: c
        for c in Case.objects.filter(pk__in=shown_ids).select_related(
            "person", "source_contact", "source_contact__case__area"
        )
    }
    links = [
        link
        for link in possible_links(visits, shown)
        if chain.parent.get(link.target) != link.source  # already confirmed
    ]
    # The settings the shown cases went to (one query, whether or not any link was found).
    names = dict(Setting.objects.filter(visits__case_id__in=shown_ids).values_list("pk", "name").distinct())
    outside_named: dict[int, list[Case]] = defaultdict(list)
    for later in (
        Case.objects.filter(source_contact__case_id__in=shown_ids)
        .exclude(area_id=area_id)
        .select_related("area", "source_contact")
        .order_by("result_date", "pk")
    ):
        assert later.source_contact is not None
        outside_named[later.source_contact.case_id].append(later)

    members = {
        case_id: Member(
            case=cases[case_id],
            generation=chain.generation[case_id],
            loop_break=case_id in chain.loop_breaks,
            passed_outside=outside_named.get(case_id, []),
        )
        for case_id in shown_ids
    }
    for member in members.values():
        case = member.case
        source_case_id = chain.parent.get(case.pk)
        if source_case_id is not None:
            member.named_by = members[source_case_id].case if source_case_id in members else None
        elif case.pk in chain.outside_source and case.source_contact is not None:
            member.outside_source = case.source_contact.case
    for link in links:
        members[link.target].possible.append(
            PossibleSource(
                link.source,
                f"C{link.source}",
                names.get(link.setting_id or 0, "a setting"),
                link.source_visited_on or dt.date.min,
                link.target_visited_on or dt.date.min,
            )
        )
    tops: list[Member] = []
    for case_id in shown_ids:
        member = members[case_id]
        source_case_id = chain.parent.get(case_id)
        if source_case_id in members and not member.loop_break:
            members[source_case_id].children.append(member)
        else:
            tops.append(member)
    return ChainPage(
        chain=chain,
        members=[members[c] for c in shown_ids],
        tops=tops,
        possible_links=links,
        viewed_beyond_the_first=viewed is not None and viewed in shown and viewed not in chain.case_ids[:most],
    )
