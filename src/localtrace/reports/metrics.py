"""The performance figures: what each one means and how it is computed, in one place.

Two halves:

* **Facts.** `facts_for(kind, ids)` reads cases or contacts with their attempts and timeline and returns
  one `ReachFact` per item: when its clock started (a case: when its first positive result reached the
  service; a contact: when they were named), when it was first reached (`reached_at`: the first attempt
  by which a tracer reached them — answered the phone, spoke at the door — or else completion; answers sent
  online reach nobody by themselves), when it was told to isolate (completed), how the escalation ladder
  ended for it, and which team reached it.
* **Figures.** A registry of `Figure`s, one definition each (`@figure` or `register`). A figure is a
  function of a `Bucket` (some upper-tier areas or one team, and one reporting week) returning a number
  or None. The rollup (`reports.rollup`) computes every registered figure for each bucket that changed
  and stores them; dashboards, the transparency page and open data only read what it stored.

docs/metrics.md states each definition in words; the tests recompute every figure from the raw
tables with pandas and compare.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from localtrace.reports.models import ReachFact

# Both reach targets and "told to isolate" are counted against this window, whatever the deadlines.
WITHIN = dt.timedelta(hours=24)
WITHIN_HOURS = WITHIN.total_seconds() / 3600

# How the escalation ladder ended for one person (ReachFact.outcome), in the order shown.
OUTCOMES = {
    "first_call": "Reached at the first call",
    "later_call": "Reached at a later call",
    "doorstep": "Reached at a doorstep visit",
    "other": "Reached another way",
    "unreachable": "Closed as unreachable",
    # A contact whose person tested positive before anyone reached them: the case's own record follows them up.
    "became_case": "Became a case before being reached",
    "not_reached": "Not reached yet",
}


# --- facts -----------------------------------------------------------------------------------------


def _hours(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 3600


def _team_of(user_id: int | None, area_id: int, memberships: dict[int, list[tuple[int, str, int]]]) -> int | None:
    """The team a staff member worked an area through: their local team there, else their surge team."""
    if user_id is None:
        return None
    teams = memberships.get(user_id, [])
    for team_id, kind, team_area in teams:
        if kind == "local" and team_area == area_id:
            return team_id
    surge = sorted(team_id for team_id, kind, _ in teams if kind == "surge")
    return surge[0] if surge else None


def facts_for(kind: str, ids: Iterable[int] = (), *, id_range: tuple[int, int] | None = None) -> list[ReachFact]:
    """One unsaved ReachFact per existing case (kind "case") or contact ("contact") among `ids`,
    or with an id in `id_range` (first excluded, last included: the rollup's new items, read by range)."""
    from localtrace.areas.models import Membership
    from localtrace.cases.models import Attempt, Case, Status, TraceEvent
    from localtrace.contacts.models import Contact

    ids = list(ids)
    if not ids and id_range is None:
        return []

    def among(field: str) -> dict[str, Any]:
        if id_range is not None:
            return {f"{field}__gt": id_range[0], f"{field}__lte": id_range[1]}
        return {f"{field}__in": ids}

    owner = "case_id" if kind == ReachFact.Kind.CASE else "contact_id"
    if kind == ReachFact.Kind.CASE:
        items = list(
            Case.objects.filter(**among("pk")).values(
                "pk", "area_id", "status", "closed_at", clock=F("first_result__received_at")
            )
        )
        named = dict(
            Contact.objects.filter(**among("case_id"))
            .values("case_id")
            .annotate(n=Count("pk"))
            .values_list("case_id", "n")
        )
    else:
        items = list(
            Contact.objects.filter(**among("pk")).values(
                "pk", "area_id", "status", "closed_at", "kind", clock=F("named_at")
            )
        )
        named = {}
    attempts: dict[int, list[tuple[str, str, int | None, dt.datetime]]] = {}
    for item_id, channel, outcome, made_by, made_at in (
        Attempt.objects.filter(**among(owner))
        .order_by("made_at", "pk")
        .values_list(owner, "channel", "outcome", "made_by_id", "made_at")
    ):
        attempts.setdefault(item_id, []).append((channel, outcome, made_by, made_at))
    # The first completion: someone told them to isolate then, whatever became of the record since (a contact
    # reopened by symptoms reported online, or who became a case, was still told).
    first_completed: dict[int, tuple[int | None, dt.datetime]] = {}
    for item_id, actor_id, occurred_at in (
        TraceEvent.objects.filter(**among(owner), kind="completed")
        .order_by("occurred_at", "pk")
        .values_list(owner, "actor_id", "occurred_at")
    ):
        first_completed.setdefault(item_id, (actor_id, occurred_at))
    completed_by = {item_id: actor for item_id, (actor, _) in first_completed.items()}
    actors = {a[2] for tries in attempts.values() for a in tries} | set(completed_by.values())
    memberships: dict[int, list[tuple[int, str, int]]] = {}
    for user_id, team_id, team_kind, team_area in Membership.objects.filter(user_id__in=actors - {None}).values_list(
        "user_id", "team_id", "team__kind", "team__area_id"
    ):
        memberships.setdefault(user_id, []).append((team_id, team_kind, team_area))

    now = timezone.now()
    zone = timezone.get_current_timezone()
    facts = []
    link_channels = {Attempt.Channel.SMS, Attempt.Channel.EMAIL}
    for item in items:
        clock: dt.datetime = item["clock"]
        told_at = item["closed_at"] if item["status"] == Status.COMPLETED else None
        if item["pk"] in first_completed:
            told_at = first_completed[item["pk"]][1]
        tries = attempts.get(item["pk"], [])
        # Answers sent online set the record's reached_at (they stop the ladder) but reach nobody for the figures:
        # a tracer reaches them, on the phone or at the door, or else by completing the record (docs/metrics.md).
        reaching = next(
            (i for i, t in enumerate(tries) if t[1] in Attempt.REACHED and t[0] != Attempt.Channel.WEB), None
        )
        reached_at = tries[reaching][3] if reaching is not None else told_at
        reached_by: int | None = None
        if reached_at is None:
            closed_as: dict[str, str] = {Status.UNREACHABLE: "unreachable", Status.BECAME_CASE: "became_case"}
            outcome = closed_as.get(item["status"], "not_reached")
        elif reaching is None:
            outcome, reached_by = "other", completed_by.get(item["pk"])
        else:
            channel, _, reached_by, _ = tries[reaching]
            if channel == Attempt.Channel.DOORSTEP:
                outcome = "doorstep"
            elif channel == Attempt.Channel.PHONE:
                outcome = "first_call" if reaching == 0 else "later_call"
            else:
                outcome = "other"
        facts.append(
            ReachFact(
                kind=kind,
                item_id=item["pk"],
                area_id=item["area_id"],
                day=clock.astimezone(zone).date(),
                clock_start=clock,
                reached_at=reached_at,
                hours_to_reach=_hours(clock, reached_at),
                told_at=told_at,
                hours_to_told=_hours(clock, told_at),
                status=item["status"],
                outcome=outcome,
                household=item.get("kind") == Contact.Kind.HOUSEHOLD,
                contacts_named=named.get(item["pk"], 0),
                link_sent=any(c in link_channels and o == Attempt.Outcome.SENT for c, o, _, _ in tries),
                answered_online=any(c == Attempt.Channel.WEB for c, _, _, _ in tries),
                reached_by_team_id=_team_of(reached_by, item["area_id"], memberships),
                refreshed_at=now,
            )
        )
    return facts


def facts_sql(kind: str, scope: str) -> tuple[str, dict[str, Any]]:
    """The same facts as `facts_for`, as one set-based PostgreSQL SELECT (the rollup writes it with
    INSERT … SELECT, so a national first run builds millions of facts without a row passing through Python).

    `scope` is a condition on the column "{item}" naming the item's id, e.g. "{item} = ANY(%(ids)s)" or
    "{item} > %(low)s AND {item} <= %(high)s"; its parameters are the caller's. The columns are those of
    `ReachFact` but id and refreshed_at, in `FACT_COLUMNS` order. tests/reports compare it with facts_for."""
    from localtrace.areas.models import Membership, Team
    from localtrace.cases.models import Attempt, Case, Status, TraceEvent
    from localtrace.contacts.models import Contact
    from localtrace.results.models import TestResult

    table = {m: m._meta.db_table for m in (Attempt, Case, Contact, Membership, Team, TestResult, TraceEvent)}
    owner = "case_id" if kind == ReachFact.Kind.CASE else "contact_id"
    if kind == ReachFact.Kind.CASE:
        items = (
            f"SELECT i.id, i.area_id, i.status, i.closed_at, r.received_at AS clock, FALSE AS household "  # noqa: S608
            f'FROM "{table[Case]}" i JOIN "{table[TestResult]}" r ON r.id = i.first_result_id '
            f"WHERE {scope.format(item='i.id')}"
        )
        named = (
            f'SELECT n.case_id AS item, count(*) AS n FROM "{table[Contact]}" n '  # noqa: S608
            f"WHERE {scope.format(item='n.case_id')} GROUP BY n.case_id"
        )
    else:
        items = (
            f"SELECT i.id, i.area_id, i.status, i.closed_at, i.named_at AS clock, "  # noqa: S608
            f'i.kind = %(household)s AS household FROM "{table[Contact]}" i WHERE {scope.format(item="i.id")}'
        )
        named = "SELECT NULL::bigint AS item, 0 AS n WHERE FALSE"
    sql = f"""
        WITH items AS ({items}),
        att AS (
            SELECT a.{owner} AS item, a.channel, a.outcome, a.made_by_id, a.made_at,
                   row_number() OVER (PARTITION BY a.{owner} ORDER BY a.made_at, a.id) AS rn
            FROM "{table[Attempt]}" a WHERE {scope.format(item=f"a.{owner}")}
        ),
        reach AS (
            SELECT DISTINCT ON (item) item, channel, made_by_id, made_at, rn FROM att
            WHERE outcome = ANY(%(reaching)s) AND channel <> %(web)s ORDER BY item, rn
        ),
        flags AS (
            SELECT item, bool_or(channel = ANY(%(link_channels)s) AND outcome = %(sent)s) AS link_sent,
                   bool_or(channel = %(web)s) AS answered_online
            FROM att GROUP BY item
        ),
        done AS (
            SELECT DISTINCT ON (e.{owner}) e.{owner} AS item, e.actor_id, e.occurred_at FROM "{table[TraceEvent]}" e
            WHERE e.kind = %(completed_event)s AND {scope.format(item=f"e.{owner}")}
            ORDER BY e.{owner}, e.occurred_at, e.id
        ),
        named AS ({named}),
        local_team AS (
            SELECT DISTINCT ON (m.user_id, t.area_id) m.user_id, t.area_id, m.team_id
            FROM "{table[Membership]}" m JOIN "{table[Team]}" t ON t.id = m.team_id WHERE t.kind = %(local)s
            ORDER BY m.user_id, t.area_id, t.name, m.role
        ),
        surge_team AS (
            SELECT m.user_id, min(m.team_id) AS team_id
            FROM "{table[Membership]}" m JOIN "{table[Team]}" t ON t.id = m.team_id WHERE t.kind = %(surge)s
            GROUP BY m.user_id
        ),
        told AS (
            -- Told to isolate at the first completion, whatever became of the record since.
            SELECT i.*, COALESCE(d.occurred_at, CASE WHEN i.status = %(completed)s THEN i.closed_at END) AS told_at,
                d.actor_id AS completed_by
            FROM items i LEFT JOIN done d ON d.item = i.id
        ),
        base AS (
            SELECT i.*,
                -- A tracer reaching them, else completion: not the record reached_at, which a web answer sets.
                COALESCE(r.made_at, i.told_at) AS reached_at,
                CASE WHEN r.item IS NULL AND i.told_at IS NULL THEN
                         CASE WHEN i.status = %(unreachable)s THEN 'unreachable'
                              WHEN i.status = %(became_case)s THEN 'became_case' ELSE 'not_reached' END
                     WHEN r.item IS NULL THEN 'other'
                     WHEN r.channel = %(doorstep)s THEN 'doorstep'
                     WHEN r.channel = %(phone)s THEN CASE WHEN r.rn = 1 THEN 'first_call' ELSE 'later_call' END
                     ELSE 'other' END AS outcome,
                CASE WHEN r.item IS NOT NULL THEN r.made_by_id
                     WHEN i.told_at IS NOT NULL THEN i.completed_by END AS reached_by,
                COALESCE(f.link_sent, FALSE) AS link_sent, COALESCE(f.answered_online, FALSE) AS answered_online,
                COALESCE(n.n, 0) AS contacts_named
            FROM told i
            LEFT JOIN reach r ON r.item = i.id
            LEFT JOIN flags f ON f.item = i.id
            LEFT JOIN named n ON n.item = i.id
        )
        SELECT %(kind)s AS kind, b.id AS item_id, b.area_id, (b.clock AT TIME ZONE %(zone)s)::date AS day,
            b.clock AS clock_start, b.reached_at,
            EXTRACT(EPOCH FROM b.reached_at - b.clock)::float8 / 3600 AS hours_to_reach,
            b.told_at, EXTRACT(EPOCH FROM b.told_at - b.clock)::float8 / 3600 AS hours_to_told,
            b.status, b.outcome, b.household, b.contacts_named, b.link_sent, b.answered_online,
            COALESCE(lt.team_id, st.team_id) AS reached_by_team_id
        FROM base b
        LEFT JOIN local_team lt ON lt.user_id = b.reached_by AND lt.area_id = b.area_id
        LEFT JOIN surge_team st ON st.user_id = b.reached_by
    """  # noqa: S608 (table names come from the models; values are parameters)
    params = {
        "kind": kind,
        "zone": timezone.get_current_timezone_name(),
        "household": Contact.Kind.HOUSEHOLD.value,
        "reaching": sorted(str(o) for o in Attempt.REACHED),
        "link_channels": [Attempt.Channel.SMS.value, Attempt.Channel.EMAIL.value],
        "sent": Attempt.Outcome.SENT.value,
        "web": Attempt.Channel.WEB.value,
        "doorstep": Attempt.Channel.DOORSTEP.value,
        "phone": Attempt.Channel.PHONE.value,
        "completed_event": "completed",
        "local": Team.Kind.LOCAL.value,
        "surge": Team.Kind.SURGE.value,
        "unreachable": Status.UNREACHABLE.value,
        "became_case": Status.BECAME_CASE.value,
        "completed": Status.COMPLETED.value,
    }
    return sql, params


# The columns `facts_sql` selects, in order: every ReachFact column but id and refreshed_at.
FACT_COLUMNS = ("kind", "item_id", "area_id", "day", "clock_start", "reached_at", "hours_to_reach", "told_at",
                "hours_to_told", "status", "outcome", "household", "contacts_named", "link_sent", "answered_online",
                "reached_by_team_id")  # fmt: skip


# --- buckets ---------------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by linear interpolation between closest ranks (as PostgreSQL percentile_cont and pandas)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Bucket:
    """The people whose clock started in one reporting week, in some upper-tier areas or reached by one team."""

    week_start: dt.date
    area_ids: Sequence[int] = ()
    team_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def by_team(self) -> bool:
        return self.team_id is not None

    def facts(self) -> QuerySet[ReachFact]:
        qs = ReachFact.objects.filter(day__gte=self.week_start, day__lte=self.week_end)
        if self.team_id is not None:
            return qs.filter(reached_by_team_id=self.team_id)
        return qs.filter(area_id__in=list(self.area_ids))

    @cached_property
    def tally(self) -> dict[str, int]:
        """Every count the figures need (the rollup fills it for many buckets at once with `tallies`)."""
        if "tally" in self.extra:
            return self.extra["tally"]  # type: ignore[no-any-return]
        tally = tallies(self.facts(), None).get(None, empty_tally())
        if not self.by_team:
            from localtrace.reports.rollup import support_tallies

            for area_id, counts in support_tallies(self.week_start).items():
                if area_id in self.area_ids:
                    for key, n in counts.items():
                        tally[key] += n
        return tally

    def hours(self, kind: str) -> list[float]:
        """Hours from clock start to reached, for everyone of this kind reached (the rollup may fill them)."""
        key = f"hours_{kind}"
        if key not in self.extra:
            self.extra[key] = list(
                self.facts().filter(kind=kind, hours_to_reach__isnull=False).values_list("hours_to_reach", flat=True)
            )
        return self.extra[key]  # type: ignore[no-any-return]


def _count_expressions() -> dict[str, Any]:
    within = WITHIN_HOURS
    case, contact = Q(kind=ReachFact.Kind.CASE), Q(kind=ReachFact.Kind.CONTACT)
    reached = Q(reached_at__isnull=False)
    counts: dict[str, Any] = {
        "cases": Count("pk", filter=case),
        "cases_reached": Count("pk", filter=case & reached),
        "cases_reached_24h": Count("pk", filter=case & Q(hours_to_reach__lte=within)),
        "contacts_named_by_cases": Sum("contacts_named", filter=case),
        "contacts": Count("pk", filter=contact),
        "contacts_reached": Count("pk", filter=contact & reached),
        "contacts_reached_24h": Count("pk", filter=contact & Q(hours_to_reach__lte=within)),
        "household": Count("pk", filter=contact & Q(household=True)),
        "household_reached": Count("pk", filter=contact & Q(household=True) & reached),
        "other": Count("pk", filter=contact & Q(household=False)),
        "other_reached": Count("pk", filter=contact & Q(household=False) & reached),
        "told_24h": Count("pk", filter=Q(hours_to_told__lte=within)),
        "cases_link_sent": Count("pk", filter=case & Q(link_sent=True)),
        "cases_online_of_sent": Count("pk", filter=case & Q(link_sent=True, answered_online=True)),
        "cases_answered_online": Count("pk", filter=case & Q(answered_online=True)),
    }
    for key in OUTCOMES:
        counts[f"cases_{key}"] = Count("pk", filter=case & Q(outcome=key))
        counts[f"contacts_{key}"] = Count("pk", filter=contact & Q(outcome=key))
    return counts


# Counts read from the support app's tables, not from the facts (rollup.support_tallies fills them).
SUPPORT_COUNTS = ("support_requests", "support_requests_urgent", "payment_claims", "payments_approved",
                  "payments_declined")  # fmt: skip


@functools.cache
def _tally_keys() -> tuple[str, ...]:
    return (*_count_expressions(), *SUPPORT_COUNTS)


def empty_tally() -> dict[str, int]:
    return dict.fromkeys(_tally_keys(), 0)


def tallies(facts: QuerySet[ReachFact], by: str | None) -> dict[Any, dict[str, int]]:
    """Every count the figures need, for each value of the field `by` (or once, under None), in one query."""
    # Aliased so that no name clashes with a field of ReachFact ("household").
    counts = {f"n_{k}": v for k, v in _count_expressions().items()}
    if by is None:
        rows = [{**facts.aggregate(**counts), "key": None}]
    else:
        rows = list(facts.order_by().values(by).annotate(**counts))
        rows = [{**r, "key": r[by]} for r in rows]
    return {row["key"]: {**empty_tally(), **{k[2:]: int(row[k] or 0) for k in counts}} for row in rows}


def add_tallies(tallies_: Iterable[dict[str, int]]) -> dict[str, int]:
    total = empty_tally()
    for tally in tallies_:
        for key, value in tally.items():
            total[key] += value
    return total


# --- the registry ------------------------------------------------------------------------------------

COUNT, SHARE, HOURS, RATIO = "count", "share", "hours", "ratio"


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    unit: str  # count, share (0 to 1), hours, ratio
    definition: str
    compute: Callable[[Bucket], float | int | None]
    # Shares and ratios: the count figures they divide (the transparency page suppresses by these).
    numerator: str = ""
    denominator: str = ""
    # For hours: the count of people the median or percentile is taken over.
    over: str = ""
    group: str = "cases"
    # Shown on the public transparency page and in its open data.
    public: bool = False
    # Meaningful for a team's rows (the people the team reached), not only an area's.
    for_teams: bool = False


_FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    if figure.key in _FIGURES:
        raise ValueError(f"Figure {figure.key!r} is defined twice.")
    _FIGURES[figure.key] = figure
    return figure


def figure(
    key: str, title: str, unit: str, definition: str, **options: Any
) -> Callable[[Callable[[Bucket], Any]], Figure]:
    def add(compute: Callable[[Bucket], Any]) -> Figure:
        return register(Figure(key=key, title=title, unit=unit, definition=definition, compute=compute, **options))

    return add


def figures() -> list[Figure]:
    return list(_FIGURES.values())


def get(key: str) -> Figure:
    return _FIGURES[key]


def compute_all(bucket: Bucket) -> dict[str, float | int | None]:
    """Every registered figure for one bucket (the team figures only, for a team's bucket)."""
    return {f.key: f.compute(bucket) for f in figures() if f.for_teams or not bucket.by_team}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _count(key: str, title: str, definition: str, tally_key: str, **options: Any) -> Figure:
    return register(Figure(key, title, COUNT, definition, lambda b: b.tally[tally_key], **options))


def _share(key: str, title: str, definition: str, numerator: str, denominator: str, **options: Any) -> Figure:
    def compute(bucket: Bucket) -> float | None:
        return ratio(get(numerator).compute(bucket), get(denominator).compute(bucket))

    return register(
        Figure(key, title, SHARE, definition, compute, numerator=numerator, denominator=denominator, **options)
    )


# Cases.
_count("cases_received", "Cases received", "Cases whose first positive result reached the service in the week.",
       "cases", public=True)  # fmt: skip
_count("cases_reached", "Cases reached", "Cases received in the week that have been reached (at any time since).",
       "cases_reached", public=True, for_teams=True)  # fmt: skip
_share("cases_reached_share", "Share of cases reached", "Cases reached ÷ cases received.",
       "cases_reached", "cases_received", public=True)  # fmt: skip
_count("cases_reached_24h", "Cases reached within 24 hours",
       "Cases received in the week reached within 24 hours of their result reaching the service.",
       "cases_reached_24h", public=True, for_teams=True)  # fmt: skip
_share("cases_reached_24h_share", "Share of cases reached within 24 hours of the result",
       "Cases reached within 24 hours ÷ cases received.", "cases_reached_24h", "cases_received", public=True)  # fmt: skip
_share("cases_reached_24h_of_reached", "Share of reached cases reached within 24 hours",
       "Cases reached within 24 hours ÷ cases reached (for a team: of the cases its members reached).",
       "cases_reached_24h", "cases_reached", for_teams=True)  # fmt: skip


@figure("case_hours_median", "Median hours from result to reached", HOURS,
        "The median, over cases reached, of the hours from the result reaching the service to being reached.",
        over="cases_reached", public=True, for_teams=True)  # fmt: skip
def _case_hours_median(bucket: Bucket) -> float | None:
    return quantile(bucket.hours(ReachFact.Kind.CASE), 0.5)


@figure("case_hours_p90", "90th percentile hours from result to reached", HOURS,
        "The 90th percentile (linear interpolation) of the same hours: nine in ten reached cases took no longer.",
        over="cases_reached", for_teams=True)  # fmt: skip
def _case_hours_p90(bucket: Bucket) -> float | None:
    return quantile(bucket.hours(ReachFact.Kind.CASE), 0.9)


_count("contacts_named_by_cases", "Contacts named by these cases",
       "Contacts named (by a tracer or online) by the cases received in the week, whenever named.",
       "contacts_named_by_cases")  # fmt: skip


@figure("contacts_per_case", "Contacts named per reached case", RATIO,
        "Contacts named by the cases received in the week ÷ those cases that were reached.",
        numerator="contacts_named_by_cases", denominator="cases_reached", public=True)  # fmt: skip
def _contacts_per_case(bucket: Bucket) -> float | None:
    return ratio(bucket.tally["contacts_named_by_cases"], bucket.tally["cases_reached"])


# Contacts.
_count("contacts_named", "Contacts named", "Contacts named in the week (their clock starts when they are named).",
       "contacts", group="contacts", public=True)  # fmt: skip
_count("contacts_reached", "Contacts reached", "Contacts named in the week that have been reached.",
       "contacts_reached", group="contacts", public=True, for_teams=True)  # fmt: skip
_share("contacts_reached_share", "Share of contacts reached", "Contacts reached ÷ contacts named.",
       "contacts_reached", "contacts_named", group="contacts", public=True)  # fmt: skip
_count("contacts_reached_24h", "Contacts reached within 24 hours",
       "Contacts named in the week reached within 24 hours of being named.",
       "contacts_reached_24h", group="contacts", for_teams=True)  # fmt: skip
_count("household_contacts", "Household contacts named", "Contacts named in the week who live with the case.",
       "household", group="contacts")  # fmt: skip
_count("household_contacts_reached", "Household contacts reached", "Of them, those reached.",
       "household_reached", group="contacts")  # fmt: skip
_share("household_contacts_reached_share", "Share of household contacts reached",
       "Household contacts reached ÷ household contacts named.", "household_contacts_reached",
       "household_contacts", group="contacts", public=True)  # fmt: skip
_count("other_contacts", "Other contacts named", "Contacts named in the week who do not live with the case.",
       "other", group="contacts")  # fmt: skip
_count("other_contacts_reached", "Other contacts reached", "Of them, those reached.",
       "other_reached", group="contacts")  # fmt: skip
_share("other_contacts_reached_share", "Share of other contacts reached",
       "Other contacts reached ÷ other contacts named.", "other_contacts_reached", "other_contacts",
       group="contacts", public=True)  # fmt: skip


@figure("contact_hours_median", "Median hours from being named to reached", HOURS,
        "The median, over contacts reached, of the hours from being named to being reached.",
        over="contacts_reached", group="contacts", public=True, for_teams=True)  # fmt: skip
def _contact_hours_median(bucket: Bucket) -> float | None:
    return quantile(bucket.hours(ReachFact.Kind.CONTACT), 0.5)


# Isolation.
@figure("people", "People to tell to isolate", COUNT, "Cases received plus contacts named in the week.",
        group="isolation")  # fmt: skip
def _people(bucket: Bucket) -> int:
    return bucket.tally["cases"] + bucket.tally["contacts"]


_count("told_24h", "People told to isolate within 24 hours",
       "Cases and contacts of the week whose record was completed (told to isolate and given advice) within "
       "24 hours of their clock starting: the result reaching the service, or being named.",
       "told_24h", group="isolation", for_teams=True)  # fmt: skip
_share("told_24h_share", "Share of people told to isolate within 24 hours",
       "People told to isolate within 24 hours ÷ people to tell.", "told_24h", "people", group="isolation",
       public=True)  # fmt: skip

# Escalation outcomes: how the ladder ended, for cases and for contacts.
for _key, _label in OUTCOMES.items():
    _count(f"cases_{_key}", f"Cases: {_label.lower()}",
           f"Cases received in the week whose escalation outcome is “{_label.lower()}”.",
           f"cases_{_key}", group="escalation")  # fmt: skip
    _count(f"contacts_{_key}", f"Contacts: {_label.lower()}",
           f"Contacts named in the week whose escalation outcome is “{_label.lower()}”.",
           f"contacts_{_key}", group="escalation")  # fmt: skip

# Self-service: cases sent a portal link, and how many of them answered online.
_count("cases_link_sent", "Cases sent a self-service link",
       "Cases received in the week sent a self-service link by text or email (at any time since).",
       "cases_link_sent", group="self-service")  # fmt: skip
_count("cases_online_of_sent", "Cases sent a link who answered online",
       "Cases received in the week who were sent a self-service link and answered online.",
       "cases_online_of_sent", group="self-service")  # fmt: skip
_share("self_service_share", "Self-service completion share",
       "Cases sent a link who answered online ÷ cases sent a self-service link.",
       "cases_online_of_sent", "cases_link_sent", group="self-service", public=True)  # fmt: skip
_count("cases_answered_online", "Cases who answered online",
       "Cases received in the week who answered the self-service questions online, with or without a link "
       "sent by the ladder (a tracer may send one too).", "cases_answered_online", group="self-service")  # fmt: skip

# Isolation support: counted from the support app's own records (support.figures has the detail by need).
_count("support_requests", "Support requests",
       "Needs asked in the week (by a tracer or online) that became support requests: one per need and person.",
       "support_requests", group="support", public=True)  # fmt: skip
_count("support_requests_urgent", "Urgent support requests", "Support requests of the week marked as needed today.",
       "support_requests_urgent", group="support")  # fmt: skip
_count("payment_claims", "Support payment claims made", "Claims for a support payment made in the week.",
       "payment_claims", group="support", public=True)  # fmt: skip
_count("payments_approved", "Support payments approved", "Claims approved in the week (by the day of the decision).",
       "payments_approved", group="support", public=True)  # fmt: skip
_count("payments_declined", "Support payments declined", "Claims declined in the week (by the day of the decision).",
       "payments_declined", group="support", public=True)  # fmt: skip
