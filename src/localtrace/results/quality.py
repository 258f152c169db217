"""Data quality per source: what share of its rows were quarantined, for which reasons, week by week."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from localtrace.results.models import REASON_FIELD_LABELS, QuarantinedRow, TestResult

WEEKS = 8


@dataclass
class SourceQuality:
    source_id: str
    accepted: int = 0
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    weeks: dict[dt.date, tuple[int, int]] = field(default_factory=dict)  # week → (accepted, quarantined)

    @property
    def received(self) -> int:
        return self.accepted + self.quarantined

    @property
    def quarantined_share(self) -> float:
        return self.quarantined / self.received if self.received else 0.0

    def reason_rows(self) -> list[tuple[str, int]]:
        return [(REASON_FIELD_LABELS.get(f, f), n) for f, n in self.reasons.most_common()]


def quality_by_source(results: QuerySet[TestResult], quarantined: QuerySet[QuarantinedRow]) -> list[SourceQuality]:
    """Counts over the querysets given (already scoped by the caller), newest eight weeks for the trend."""
    since = timezone.now() - dt.timedelta(weeks=WEEKS)
    sources: dict[str, SourceQuality] = {}

    def get(source: str) -> SourceQuality:
        return sources.setdefault(source or "(none)", SourceQuality(source or "(none)"))

    for source, n in results.values_list("source_id").annotate(n=Count("id")).order_by():
        get(source).accepted += n
    for source, n in quarantined.values_list("source_id").annotate(n=Count("id")).order_by():
        get(source).quarantined += n
    for source, fields in quarantined.values_list("source_id", "reason_fields").iterator(chunk_size=5000):
        get(source).reasons.update(set(fields or []))

    weekly: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for source, week, n in (
        results.filter(received_at__gte=since)
        .annotate(week=TruncWeek("received_at"))
        .values_list("source_id", "week")
        .annotate(n=Count("id"))
        .order_by()
    ):
        weekly[(source, week.date() if isinstance(week, dt.datetime) else week)][0] += n
    for source, week, n in (
        quarantined.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values_list("source_id", "week")
        .annotate(n=Count("id"))
        .order_by()
    ):
        weekly[(source, week.date() if isinstance(week, dt.datetime) else week)][1] += n
    for (source, week), (accepted, held) in weekly.items():
        get(source).weeks[week] = (accepted, held)
    return sorted(sources.values(), key=lambda s: (-s.quarantined_share, s.source_id))
