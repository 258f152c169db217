"""Cluster detection: one SQL text, run alike on the operational database and on DuckDB over Parquet snapshots.

A setting forms a cluster when visits by cases from two or more households fall within
`window_days` of one another (an exposure they could share). Visits chain: a run of visits at
one setting, each within the window of the previous one, is one episode. Cases that named the
setting in their **backward** window (where they may have caught it) weigh more than forward
visits: two households who both caught it somewhere point at that place.

Portability: the query uses only integers for days (`places_visit.visited_day`, a day number),
`||`, `lower`, `trim`, `COALESCE`, `CASE`, `COUNT(DISTINCT …)`, and the `LAG`, `SUM`, `MIN` and
`MAX` window functions with a named window and a `RANGE … PRECEDING AND … FOLLOWING` frame, all of
which SQLite ≥ 3.28, PostgreSQL ≥ 11 and DuckDB share. Parameters are
written `%(name)s` (Django's style on SQLite and PostgreSQL); `duckdb_text` spells them `$name`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# A household: the index case's household when they were named as its household contact, else
# the person's own address and postcode (normalised), else the case alone.
_HOUSEHOLD = """
    CASE WHEN trim(COALESCE({p}.address_line_1, '')) = '' OR trim(COALESCE({p}.postcode, '')) = '' THEN NULL
         ELSE lower(trim({p}.address_line_1)) || '|' || upper(replace({p}.postcode, ' ', '')) END
"""

# Built from constants only; every value is a parameter.
DETECTION_SQL = f"""
WITH named_visit AS (
    SELECT v.id AS visit_id, v.case_id AS case_id, s.id AS setting_id, s.area_id AS area_id,
           v.visited_day AS visited_day,
           CASE WHEN v.direction = 'backward' THEN 1 ELSE 0 END AS backward,
           COALESCE({_HOUSEHOLD.format(p="sp")}, {_HOUSEHOLD.format(p="p")},
                    'case:' || CAST(COALESCE(sc.case_id, c.id) AS VARCHAR(20))) AS household
    FROM places_visit v
    JOIN places_setting s ON s.id = v.setting_id
    JOIN cases_case c ON c.id = v.case_id
    JOIN people_person p ON p.id = c.person_id
    LEFT JOIN contacts_contact sc ON sc.id = c.source_contact_id AND sc.kind = 'household'
    LEFT JOIN cases_case sca ON sca.id = sc.case_id
    LEFT JOIN people_person sp ON sp.id = sca.person_id
    WHERE v.visited_day BETWEEN %(first_day)s AND %(last_day)s
),
-- Households as small integers, so the windows and counts below compare numbers, not addresses.
household_number AS (
    SELECT h.household, ROW_NUMBER() OVER (ORDER BY h.household) AS household_no
    FROM (SELECT DISTINCT household FROM named_visit) h
),
visit AS (
    SELECT n.visit_id, n.case_id, n.setting_id, n.area_id, n.visited_day, n.backward, h.household_no AS household
    FROM named_visit n JOIN household_number h ON h.household = n.household
),
spread AS (
    -- Each visit with the lowest and highest household seen at its setting within the window either side:
    -- they differ exactly when another household was there within the window (a sort, not a self-join).
    SELECT v.*,
           MIN(v.household) OVER near AS low_household,
           MAX(v.household) OVER near AS high_household
    FROM visit v
    WINDOW near AS (PARTITION BY v.setting_id ORDER BY v.visited_day
                    RANGE BETWEEN %(window_days)s PRECEDING AND %(window_days)s FOLLOWING)
),
linked AS (
    SELECT s.visit_id, s.case_id, s.setting_id, s.area_id, s.visited_day, s.backward, s.household
    FROM spread s
    WHERE s.low_household <> s.high_household
),
marked AS (
    SELECT l.*,
           CASE WHEN l.visited_day - LAG(l.visited_day) OVER (
                    PARTITION BY l.setting_id ORDER BY l.visited_day, l.visit_id) <= %(window_days)s
                THEN 0 ELSE 1 END AS starts_episode
    FROM linked l
),
episode AS (
    SELECT m.*,
           SUM(m.starts_episode) OVER (
               PARTITION BY m.setting_id ORDER BY m.visited_day, m.visit_id ROWS UNBOUNDED PRECEDING) AS episode
    FROM marked m
),
found AS (
    SELECT e.setting_id AS setting_id, e.episode AS episode, MIN(e.area_id) AS area_id,
           MIN(e.visited_day) AS first_day, MAX(e.visited_day) AS last_day,
           COUNT(DISTINCT e.case_id) AS cases, COUNT(DISTINCT e.household) AS households,
           COUNT(DISTINCT CASE WHEN e.backward = 1 THEN e.case_id END) AS backward_cases,
           COUNT(DISTINCT CASE WHEN e.backward = 1 THEN e.household END) AS backward_households
    FROM episode e
    GROUP BY e.setting_id, e.episode
    HAVING COUNT(DISTINCT e.household) >= %(min_households)s
       AND COUNT(DISTINCT CASE WHEN e.backward = 1 THEN e.household END) >= %(min_backward_households)s
)
SELECT f.setting_id, f.episode, f.area_id, f.first_day, f.last_day, f.cases, f.households,
       f.backward_cases, f.backward_households, e.case_id
FROM found f
JOIN episode e ON e.setting_id = f.setting_id AND e.episode = f.episode
GROUP BY f.setting_id, f.episode, f.area_id, f.first_day, f.last_day, f.cases, f.households,
         f.backward_cases, f.backward_households, e.case_id
ORDER BY f.setting_id, f.first_day, e.case_id
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
    case_ids: tuple[int, ...]

    @property
    def score(self) -> float:
        """Households, plus a household more for each that caught it there by its own account (backward)."""
        return float(self.household_count + self.backward_household_count)


def findings_from_rows(rows: Iterable[Sequence[Any]]) -> list[Finding]:
    """Fold the query's one-row-per-case answer into findings, in the query's order."""
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


def detect_on_database(rule: Rule, first: dt.date, last: dt.date, *, using: str = "default") -> list[Finding]:
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(DETECTION_SQL, rule.parameters(first, last))
        return findings_from_rows(cursor.fetchall())


def detect_on_duckdb(connection: Any, rule: Rule, first: dt.date, last: dt.date) -> list[Finding]:
    """Run the query on a DuckDB connection whose tables (or views) carry the names in TABLES."""
    rows = connection.execute(duckdb_text(), rule.parameters(first, last)).fetchall()
    return findings_from_rows(rows)
