"""Cluster detection: one SQL text, run alike on the operational database and on DuckDB over Parquet snapshots.

A setting forms a cluster when visits by cases from two or more households fall within
`window_days` of one another (an exposure they could share). Visits chain: a run of visits at
one setting, each within the window of the previous one, is one episode. Cases that named the
setting in their backward window (where they may have caught it) weigh more than forward
visits: two households who both caught it somewhere point at that place.

Where the time goes, and how the query keeps it small (measured with DuckDB's EXPLAIN ANALYZE over
1M visits; see docs/performance.md): settings named by one case only, or with too few backward
visits, are dropped first, from the visits table alone; households (joins to people and contacts,
string work on addresses) are worked out once per case, not per visit; whether another household was
near a visit depends only on its setting and day, so the window test and the episodes run over
(setting, day) rows, with an equality join on (setting, day + offset) in place of a RANGE window
frame; counts are plain COUNT and SUM over a case-then-household grouping. `CLUSTERS_SQL` returns one
row per cluster (a scan that stores nothing); `DETECTION_SQL` one row per case of each cluster (what
storing needs): turning hundreds of thousands of rows into Python objects costs more than the query.

Portability: the query uses only integers for days (`places_visit.visited_day`, a day number),
`||`, `lower`, `trim`, `COALESCE`, `CASE`, `IN (subquery)`, a `WITH RECURSIVE` list of day offsets,
and the `LAG` and running `SUM` window functions, all of which SQLite ≥ 3.28, PostgreSQL ≥ 11 and
DuckDB share. Parameters are written `%(name)s` (Django's style on SQLite and PostgreSQL);
`duckdb_text` spells them `$name`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# A household: the index case's household when they were named as its household contact (the index case's
# address, else the index case alone, never the named person's own address first), else the person's own
# address and postcode (normalised), else the case alone.
_HOUSEHOLD = """
    CASE WHEN trim(COALESCE({p}.address_line_1, '')) = '' OR trim(COALESCE({p}.postcode, '')) = '' THEN NULL
         ELSE lower(trim({p}.address_line_1)) || '|' || upper(replace({p}.postcode, ' ', '')) END
"""

# Built from constants only; every value is a parameter. Written so that the costly steps (joins to
# people, string work, window functions) run over as few rows as they can: see the module's docstring.
_FOUND_CTE = f"""
WITH RECURSIVE
in_period AS (
    SELECT v.case_id AS case_id, v.setting_id AS setting_id, v.visited_day AS visited_day,
           CASE WHEN v.direction = 'backward' THEN 1 ELSE 0 END AS backward
    FROM places_visit v
    WHERE v.visited_day BETWEEN %(first_day)s AND %(last_day)s
),
-- Settings that could hold a cluster: two or more cases went there in the period, and enough of their
-- visits were backward. Most settings named once or by one case stop here, before any join.
busy AS (
    SELECT i.setting_id
    FROM in_period i
    GROUP BY i.setting_id
    HAVING MIN(i.case_id) <> MAX(i.case_id) AND SUM(i.backward) >= %(min_backward_households)s
),
busy_visit AS (
    SELECT i.case_id, i.setting_id, i.visited_day, i.backward
    FROM in_period i JOIN busy b ON b.setting_id = i.setting_id
),
-- Each case's household, worked out once per case (not once per visit).
case_household AS (
    SELECT c.id AS case_id,
           COALESCE({_HOUSEHOLD.format(p="sp")},
                    CASE WHEN sc.id IS NOT NULL THEN 'case:' || CAST(sc.case_id AS VARCHAR(20)) END,
                    {_HOUSEHOLD.format(p="p")},
                    'case:' || CAST(c.id AS VARCHAR(20))) AS household
    FROM cases_case c
    JOIN people_person p ON p.id = c.person_id
    LEFT JOIN contacts_contact sc ON sc.id = c.source_contact_id AND sc.kind = 'household'
    LEFT JOIN cases_case sca ON sca.id = sc.case_id
    LEFT JOIN people_person sp ON sp.id = sca.person_id
    WHERE c.id IN (SELECT b.case_id FROM busy_visit b)
),
-- A household as a number (its lowest case id), so the steps below compare numbers, not addresses.
household_number AS (
    SELECT h.household, MIN(h.case_id) AS household_no
    FROM case_household h
    GROUP BY h.household
),
visit AS (
    SELECT b.case_id, b.setting_id, b.visited_day, b.backward, n.household_no AS household
    FROM busy_visit b
    JOIN case_household h ON h.case_id = b.case_id
    JOIN household_number n ON n.household = h.household
),
-- Whether another household was at a setting within the window of a visit depends only on the setting
-- and the day, so the rest works on (setting, day) rows: the lowest and highest household of each day ...
setting_day AS (
    SELECT v.setting_id, v.visited_day, MIN(v.household) AS low_household, MAX(v.household) AS high_household
    FROM visit v
    GROUP BY v.setting_id, v.visited_day
),
day_offset (k) AS (
    SELECT -%(window_days)s
    UNION ALL
    SELECT o.k + 1 FROM day_offset o WHERE o.k < %(window_days)s
),
-- ... and the days whose window (that many days either side) holds two or more households. The neighbours
-- are found by an equality join on (setting, day + offset), neither a RANGE window frame nor a range join.
linked_day AS (
    SELECT d.setting_id, d.visited_day
    FROM setting_day d
    JOIN (SELECT n.setting_id, n.visited_day - o.k AS near_day, n.low_household, n.high_household
          FROM setting_day n CROSS JOIN day_offset o) n
      ON n.setting_id = d.setting_id AND n.near_day = d.visited_day
    GROUP BY d.setting_id, d.visited_day
    HAVING MIN(n.low_household) <> MAX(n.high_household)
),
-- Linked days chain into one episode while the gaps stay within the window.
marked_day AS (
    SELECT l.setting_id, l.visited_day,
           CASE WHEN l.visited_day - LAG(l.visited_day) OVER (
                    PARTITION BY l.setting_id ORDER BY l.visited_day) <= %(window_days)s
                THEN 0 ELSE 1 END AS starts_episode
    FROM linked_day l
),
episode_day AS (
    SELECT m.setting_id, m.visited_day,
           SUM(m.starts_episode) OVER (
               PARTITION BY m.setting_id ORDER BY m.visited_day ROWS UNBOUNDED PRECEDING) AS episode
    FROM marked_day m
),
-- Each case once per episode (a case has one household), then each household once: plain counts and sums
-- at each step instead of four COUNT(DISTINCT ...).
member AS (
    SELECT v.setting_id, e.episode, v.case_id, MIN(v.household) AS household, MAX(v.backward) AS backward,
           MIN(v.visited_day) AS first_day, MAX(v.visited_day) AS last_day
    FROM visit v
    JOIN episode_day e ON e.setting_id = v.setting_id AND e.visited_day = v.visited_day
    GROUP BY v.setting_id, e.episode, v.case_id
),
member_household AS (
    SELECT m.setting_id, m.episode, COUNT(*) AS cases, SUM(m.backward) AS backward_cases,
           MAX(m.backward) AS backward, MIN(m.first_day) AS first_day, MAX(m.last_day) AS last_day
    FROM member m
    GROUP BY m.setting_id, m.episode, m.household
),
found AS (
    SELECT h.setting_id, h.episode, MIN(h.first_day) AS first_day, MAX(h.last_day) AS last_day,
           SUM(h.cases) AS cases, COUNT(*) AS households,
           SUM(h.backward_cases) AS backward_cases, SUM(h.backward) AS backward_households
    FROM member_household h
    GROUP BY h.setting_id, h.episode
    HAVING COUNT(*) >= %(min_households)s AND SUM(h.backward) >= %(min_backward_households)s
)"""  # noqa: S608

# One row per cluster: what a scan over a nation's history needs to count and rank clusters.
CLUSTERS_SQL = f"""{_FOUND_CTE}
SELECT f.setting_id, f.episode, s.area_id, f.first_day, f.last_day, f.cases, f.households,
       f.backward_cases, f.backward_households
FROM found f
JOIN places_setting s ON s.id = f.setting_id
ORDER BY f.setting_id, f.first_day
"""  # noqa: S608

# One row per case of each cluster, with the cluster's figures: what storing clusters needs.
DETECTION_SQL = f"""{_FOUND_CTE}
SELECT f.setting_id, f.episode, s.area_id, f.first_day, f.last_day, f.cases, f.households,
       f.backward_cases, f.backward_households, m.case_id
FROM found f
JOIN places_setting s ON s.id = f.setting_id
JOIN member m ON m.setting_id = f.setting_id AND m.episode = f.episode
ORDER BY f.setting_id, f.first_day, m.case_id
"""  # noqa: S608

# The tables (and columns) the query reads: what a snapshot must hold.
TABLES: dict[str, tuple[str, ...]] = {
    "places_visit": ("id", "case_id", "setting_id", "visited_day", "direction"),
    "places_setting": ("id", "area_id"),
    "cases_case": ("id", "person_id", "source_contact_id"),
    "people_person": ("id", "address_line_1", "postcode"),
    "contacts_contact": ("id", "case_id", "kind"),
}


@dataclass(frozen=True)
class Rule:
    """The detection rule. Defaults can be changed per deployment in settings.LOCALTRACE_CLUSTERS."""

    # Visits this many days apart or closer could share an exposure.
    window_days: int = 2
    # Households needed for a cluster (cases of one household count once).
    min_households: int = 2
    # Households among them that named the setting in their backward window.
    min_backward_households: int = 1
    # How far back a scan looks, in days before today.
    lookback_days: int = 28

    @classmethod
    def configured(cls, **overrides: Any) -> Rule:
        values = {**getattr(settings, "LOCALTRACE_CLUSTERS", {}), **overrides}
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"Unknown cluster detection settings: {', '.join(sorted(unknown))}")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"Cluster detection's {name} must be a whole number, not {value!r}")
        rule = cls(**values)
        if rule.window_days < 0 or rule.min_households < 2 or rule.min_backward_households < 0:
            raise ValueError("Cluster detection needs window_days ≥ 0, min_households ≥ 2, min_backward_households ≥ 0")
        return rule

    def parameters(self, first: dt.date, last: dt.date) -> dict[str, int]:
        return {
            "first_day": first.toordinal(),
            "last_day": last.toordinal(),
            "window_days": self.window_days,
            "min_households": self.min_households,
            "min_backward_households": self.min_backward_households,
        }


@dataclass(frozen=True)
class Finding:
    """One cluster as the query found it."""

    setting_id: int
    area_id: int
    first_visit_on: dt.date
    last_visit_on: dt.date
    case_count: int
    household_count: int
    backward_case_count: int
    backward_household_count: int
    # The cluster's cases; None when the scan asked for one row per cluster (CLUSTERS_SQL).
    case_ids: tuple[int, ...] | None

    @property
    def score(self) -> float:
        """Households, plus a household more for each that caught it there by its own account (backward)."""
        return float(self.household_count + self.backward_household_count)


def clusters_from_rows(rows: Iterable[Sequence[Any]]) -> list[Finding]:
    """CLUSTERS_SQL's answer (one row per cluster) as findings without their case ids, in the query's order."""
    return [
        Finding(
            setting_id=int(setting_id),
            area_id=int(area_id),
            first_visit_on=dt.date.fromordinal(int(first)),
            last_visit_on=dt.date.fromordinal(int(last)),
            case_count=int(cases),
            household_count=int(households),
            backward_case_count=int(backward),
            backward_household_count=int(backward_h),
            case_ids=None,
        )
        for setting_id, _, area_id, first, last, cases, households, backward, backward_h in rows
    ]


def findings_from_rows(rows: Iterable[Sequence[Any]]) -> list[Finding]:
    """Fold DETECTION_SQL's one-row-per-case answer into findings, in the query's order."""
    grouped: dict[tuple[int, int], list[Any]] = {}
    for setting_id, episode, area_id, first, last, cases, households, backward, backward_h, case_id in rows:
        key = (int(setting_id), int(episode))
        if key not in grouped:
            grouped[key] = [int(area_id), int(first), int(last), int(cases), int(households), int(backward),
                            int(backward_h), []]  # fmt: skip
        grouped[key][7].append(int(case_id))
    return [
        Finding(
            setting_id=setting_id,
            area_id=g[0],
            first_visit_on=dt.date.fromordinal(g[1]),
            last_visit_on=dt.date.fromordinal(g[2]),
            case_count=g[3],
            household_count=g[4],
            backward_case_count=g[5],
            backward_household_count=g[6],
            case_ids=tuple(sorted(g[7])),
        )
        for (setting_id, _), g in grouped.items()
    ]


def duckdb_text(sql: str = DETECTION_SQL) -> str:
    """The same text with DuckDB's spelling of named parameters ($name)."""
    return re.sub(r"%\((\w+)\)s", r"$\1", sql)


def detect_on_database(
    rule: Rule, first: dt.date, last: dt.date, *, using: str = "default", with_cases: bool = True
) -> list[Finding]:
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(DETECTION_SQL if with_cases else CLUSTERS_SQL, rule.parameters(first, last))
        return findings_from_rows(cursor.fetchall()) if with_cases else clusters_from_rows(cursor.fetchall())


def detect_on_duckdb(
    connection: Any, rule: Rule, first: dt.date, last: dt.date, *, with_cases: bool = True
) -> list[Finding]:
    """Run the query on a DuckDB connection whose tables (or views) carry the names in TABLES.

    `with_cases=False` runs CLUSTERS_SQL: the same clusters, one row each, without their case ids.
    """
    if not with_cases:
        return clusters_from_rows(
            connection.execute(duckdb_text(CLUSTERS_SQL), rule.parameters(first, last)).fetchall()
        )
    # As columns, not a Python tuple per row: over a long history the rows number hundreds of thousands, and
    # building tuples of them cost as much CPU as the query itself.
    return findings_from_columns(connection.execute(duckdb_text(), rule.parameters(first, last)).fetchnumpy())


def findings_from_columns(columns: dict[str, Any]) -> list[Finding]:
    """DETECTION_SQL's answer as numpy columns (sorted by setting, first day, case), folded into findings."""
    import numpy as np

    setting, first_day, case = (np.asarray(columns[name]) for name in ("setting_id", "first_day", "case_id"))
    if len(case) == 0:
        return []
    # A cluster starts where the (setting, first day) pair changes: one row of figures per cluster.
    changed = (setting[1:] != setting[:-1]) | (first_day[1:] != first_day[:-1])
    starts = np.flatnonzero(np.concatenate(([True], changed)))
    ends = [*starts[1:].tolist(), len(case)]
    names = ("setting_id", "area_id", "first_day", "last_day", "cases", "households", "backward_cases",
             "backward_households")  # fmt: skip
    figures = zip(*(np.asarray(columns[name])[starts].tolist() for name in names), starts.tolist(), ends, strict=True)
    case_ids = case.tolist()
    return [
        Finding(
            setting_id=setting_id,
            area_id=area_id,
            first_visit_on=dt.date.fromordinal(first),
            last_visit_on=dt.date.fromordinal(last),
            case_count=cases,
            household_count=households,
            backward_case_count=backward,
            backward_household_count=backward_h,
            case_ids=tuple(case_ids[start:end]),
        )
        for setting_id, area_id, first, last, cases, households, backward, backward_h, start, end in figures
    ]
