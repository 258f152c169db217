"""The public transparency table: weekly figures per area, suppressed, as the page, CSV and JSON all show them.

Only the registry's public figures go out. For each week every count figure behind them is suppressed
as one group across the areas with the all-areas total, and then the week's groups are checked together
with the relations between the figures (`suppression.suppress_table`, `RELATIONS`); shares and ratios are
shown only when the counts they divide are both shown and the denominator is at least 10; medians only
when they are taken over at least 10 people whose count is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.utils import timezone

from localtrace.areas.models import Area
from localtrace.reports import metrics, suppression, weeks
from localtrace.reports.models import WeeklyFigures

# A week's figures are final this long after it ends: people may still be reached until then.
FINAL_AFTER = dt.timedelta(days=7)
TOTAL = "all"
NOT_COMBINED = "not_combined"
T = TypeVar("T")


@dataclass(frozen=True)
class PublicCell:
    value: float | int | None
    # shown, small, withheld, "too_few" (a rate or median over fewer than 10), or "not_combined" (the all-areas
    # median of areas in more than one nation: medians do not add up, and no one figure covers them all)
    state: str

    @property
    def shown(self) -> bool:
        return self.state == suppression.SHOWN and self.value is not None

    def text(self, unit: str) -> str:
        if self.state == suppression.SMALL:
            return "fewer than 5"
        if self.state == suppression.WITHHELD:
            return "withheld"
        if self.state == NOT_COMBINED:
            return "not worked out"
        if self.state == "too_few" or self.value is None:
            return "not shown"
        if unit == metrics.SHARE:
            return f"{self.value * 100:.0f}%"
        if unit in (metrics.HOURS, metrics.RATIO):
            return f"{self.value:.1f}"
        return f"{int(self.value):,}"

    def open_value(self) -> float | int | None:
        if not self.shown or self.value is None:
            return None
        return round(self.value, 4) if isinstance(self.value, float) else self.value


@dataclass
class PublicWeek:
    week_start: dt.date
    provisional: bool
    # Row key (area code, or TOTAL) → figure key → cell.
    rows: dict[str, dict[str, PublicCell]] = field(default_factory=dict)

    @property
    def week_end(self) -> dt.date:
        return weeks.week_end(self.week_start)


# What the counts behind the public figures satisfy by their definitions (docs/metrics.md), in every area and
# week: a reader can use these to narrow a hidden count, so suppression checks with them too.
RELATIONS = suppression.Relations(
    at_most=(
        ("cases_reached", "cases_received"),
        ("cases_reached_24h", "cases_reached"),
        ("cases_link_sent", "cases_received"),
        ("cases_online_of_sent", "cases_link_sent"),
        ("contacts_reached", "contacts_named"),
        ("household_contacts_reached", "household_contacts"),
        ("other_contacts_reached", "other_contacts"),
        ("told_24h", "people"),
    ),
    sums=(
        ("contacts_named", ("household_contacts", "other_contacts")),
        ("contacts_reached", ("household_contacts_reached", "other_contacts_reached")),
        ("people", ("cases_received", "contacts_named")),
    ),
    # Told to isolate means the record was completed, and completing a record reaches the person (the methods
    # say so): a reader who knows a row's told within 24 hours (its share times people) and contacts reached
    # has a least value for its cases reached.
    at_most_sum=(("told_24h", ("cases_reached", "contacts_reached")),),
)


def public_figures() -> list[metrics.Figure]:
    return [f for f in metrics.figures() if f.public]


def _counts_needed() -> list[str]:
    keys: list[str] = []
    for f in public_figures():
        for key in (f.key if f.unit == metrics.COUNT else "", f.numerator, f.denominator, f.over):
            if key and key not in keys:
                keys.append(key)
    return keys


def public_areas() -> list[Area]:
    """Upper-tier areas that have any figures."""
    ids = WeeklyFigures.objects.filter(team__isnull=True, area__level=Area.Level.UPPER_TIER).values("area_id")
    return list(Area.objects.filter(pk__in=ids).order_by("name"))


def figures_key() -> str:
    """Names the state of the published figures: it changes whenever the rollup changes any stored figure
    (`RollupState.figures_version`, moved on in the same transaction; ran_at keeps keys from different databases
    apart) and each local day, as weeks become final. Read it before the figures, so what is cached under a
    key is never older than the key."""
    from localtrace.reports.models import RollupState

    version, changed = RollupState.objects.filter(pk=1).values_list("figures_version", "ran_at").first() or (0, None)
    return f"{version}:{changed.isoformat() if changed else '-'}:{timezone.localdate()}"


def cached(name: str, make: Callable[[], T]) -> T:
    """`make()`, built once per state of the figures (`figures_key`) and kept in the cache until it changes."""
    from django.core.cache import cache

    key = f"reports:transparency:{name}:{figures_key()}"
    built = cache.get(key)
    if built is None:
        built = make()
        cache.set(key, built, timeout=24 * 3600)
    return cast("T", built)


def build(*, now: dt.datetime | None = None, limit_weeks: int | None = None) -> tuple[list[Area], list[PublicWeek]]:
    """Every week's public table, newest first; cached until the figures next change (`figures_key`)."""
    if now is not None:
        return _build(now=now, limit_weeks=limit_weeks)
    return cached(f"table:{limit_weeks}", lambda: _build(now=None, limit_weeks=limit_weeks))


def _build(*, now: dt.datetime | None, limit_weeks: int | None) -> tuple[list[Area], list[PublicWeek]]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    areas = public_areas()
    code = {a.pk: a.code for a in areas}
    rows_by_week: dict[dt.date, dict[str, dict[str, Any]]] = {}
    for area_id, week, values in WeeklyFigures.objects.filter(team__isnull=True, area_id__in=code).values_list(
        "area_id", "week_start", "values"
    ):
        rows_by_week.setdefault(week, {})[code[area_id]] = values
    combined = all_areas_source(areas)
    national = (
        dict(WeeklyFigures.objects.filter(team__isnull=True, area_id=combined).values_list("week_start", "values"))
        if combined is not None
        else {}
    )
    counts = _counts_needed()
    result = []
    for week in sorted(rows_by_week, reverse=True)[:limit_weeks]:
        by_area = rows_by_week[week]
        cells: dict[str, dict[str, PublicCell]] = {c: {} for c in [*(a.code for a in areas), TOTAL]}
        values, published = _suppressed(areas, by_area, counts)
        for key in counts:
            for area_code, row_values in values.items():
                cells[area_code][key] = PublicCell(row_values[key], published.cells[area_code][key])
            cells[TOTAL][key] = PublicCell(sum(v[key] for v in values.values()), published.totals[key])
        for row, row_cells in cells.items():
            source = by_area.get(row, {}) if row != TOTAL else national.get(week, {})
            add_rates_and_medians(row_cells, source, medians_combine=row != TOTAL or combined is not None)
        result.append(PublicWeek(week, provisional=today <= weeks.week_end(week) + FINAL_AFTER, rows=cells))
    return areas, result


def _suppressed(
    areas: list[Area], by_area: dict[str, dict[str, Any]], counts: list[str]
) -> tuple[dict[str, dict[str, int]], suppression.PublishedTable]:
    """One week's counts by area code (every public area, 0 where it has none) and their suppression."""
    values = {a.code: {key: int(by_area.get(a.code, {}).get(key) or 0) for key in counts} for a in areas}
    return values, suppression.suppress_table(values, counts, RELATIONS)


def suppress_ahead(week_rows: dict[int, dict[str, Any]], area_ids: set[int]) -> None:
    """Suppress a week's public table from figures not yet stored (a rebuild's, by upper-tier area id), so that
    publishing them later finds the answer remembered (`suppression.suppress_table`) instead of working it out
    inside the transaction that swaps them in. Only a head start: publishing does the same work if this
    process does not remember it, or the public areas turn out otherwise."""
    areas = list(Area.objects.filter(pk__in=area_ids, level=Area.Level.UPPER_TIER).order_by("name"))
    code = {a.pk: a.code for a in areas}
    _suppressed(areas, {code[a]: v for a, v in week_rows.items() if a in code}, _counts_needed())


def all_areas_source(areas: list[Area]) -> int | None:
    """The area whose own weekly figures give the "All areas" row its medians: the one published area, or the
    nation above every published area. A nation's week is made of its areas that have figures that week, and
    each of those is published, so its median is theirs together; areas of the nation with no figures (a
    postcode directory makes every council an area) add nothing to it. None when the areas are in more than
    one nation, or in none: medians cannot be added up from each area's."""
    if len(areas) == 1:
        return areas[0].pk
    parent = dict(Area.objects.filter(level__in=[Area.Level.NATION, Area.Level.REGION, Area.Level.UPPER_TIER])
                  .values_list("pk", "parent_id"))  # fmt: skip
    nations = set(Area.objects.filter(level=Area.Level.NATION).values_list("pk", flat=True))
    tops = set()
    for area in areas:
        current, seen = area.pk, set()
        while current not in nations and parent.get(current) is not None and current not in seen:
            seen.add(current)
            current = parent[current]
        tops.add(current if current in nations else None)
    return tops.pop() if len(tops) == 1 and None not in tops else None


def add_rates_and_medians(
    cells: dict[str, PublicCell], stored: Mapping[str, Any], *, medians_combine: bool = True
) -> None:
    """Add a row's shares, ratios and medians to its suppressed counts, by the public rules: a share or ratio
    only when both its counts are shown and the denominator is at least 10; a median (from `stored`, the row's
    own weekly figures) only over at least 10 people whose count is shown. `medians_combine` is False for a
    total over areas of several nations, whose median cannot be worked out from theirs."""
    for f in public_figures():
        if f.unit == metrics.COUNT:
            continue
        if f.unit == metrics.HOURS:
            if not medians_combine:
                cells[f.key] = PublicCell(None, NOT_COMBINED)
                continue
            over, value = cells[f.over], stored.get(f.key)
            ok = over.shown and (over.value or 0) >= suppression.RATE_MIN_DENOMINATOR and value is not None
            cells[f.key] = PublicCell(value, suppression.SHOWN if ok else "too_few")
            continue
        numerator, denominator = cells[f.numerator], cells[f.denominator]
        if suppression.rate_shown(numerator.state, denominator.state, denominator.value):
            cells[f.key] = PublicCell(metrics.ratio(numerator.value, denominator.value), suppression.SHOWN)
        elif numerator.state != suppression.SHOWN or denominator.state != suppression.SHOWN:
            cells[f.key] = PublicCell(None, suppression.WITHHELD)
        else:
            cells[f.key] = PublicCell(None, "too_few")


def open_data_records(areas: list[Area], public_weeks: list[PublicWeek]) -> Iterator[dict[str, Any]]:
    """One record per week, area (or all areas) and public figure: the CSV rows and the JSON list."""
    names = {a.code: a.name for a in areas}
    for week in public_weeks:
        for row, cells in week.rows.items():
            for f in public_figures():
                cell = cells[f.key]
                yield {
                    "week_start": week.week_start.isoformat(),
                    "week_end": week.week_end.isoformat(),
                    "provisional": week.provisional,
                    "area_code": "" if row == TOTAL else row,
                    "area_name": "All areas" if row == TOTAL else names[row],
                    "figure": f.key,
                    "unit": f.unit,
                    "value": cell.open_value(),
                    "status": cell.state if not cell.shown else "shown",
                }
