"""Data quality per source: how many rows each source sent, what share were quarantined and why, week by week.

A source's rows are counted as its submissions count them, received = accepted + quarantined + duplicate,
so the report adds up to the submissions' own accounting.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from localtrace.accounts.access import Scope
from localtrace.areas.models import Role
from localtrace.results.models import (
    REASON_FIELD_LABELS,
    QuarantinedRow,
    Submission,
    SubmissionDuplicates,
    TestResult,
)

WEEKS = 8
NO_SOURCE = "(none)"
# The duplicates of files with no one source, counted before duplicates were kept by source (see QualityReport).
NOT_BY_SOURCE = "(not split by source)"
# A row keyed in on a quarantined row's page is our correction, not a row the source sent: it goes through
# intake as a one-row submission of its own, and is counted here under the quarantined row it corrects.
CORRECTION = Submission.Channel.CORRECTION


@dataclass
class SourceQuality:
    source_id: str
    accepted: int = 0
    # Every row quarantined on arrival, whatever became of it since: the source sent it with a fault.
    quarantined: int = 0
    duplicate: int = 0
    quarantined_now: Counter[str] = field(default_factory=Counter)  # QuarantinedRow.Status → rows
    reasons: Counter[str] = field(default_factory=Counter)
    weeks: dict[dt.date, tuple[int, int]] = field(default_factory=dict)  # week → (accepted, quarantined)

    @property
    def received(self) -> int:
        return self.accepted + self.quarantined + self.duplicate

    @property
    def quarantined_share(self) -> float:
        return self.quarantined / self.received if self.received else 0.0

    @property
    def still_to_fix(self) -> int:
        return self.quarantined_now[QuarantinedRow.Status.OPEN]

    @property
    def fixed(self) -> int:
        return (
            self.quarantined_now[QuarantinedRow.Status.REPROCESSED]
            + self.quarantined_now[QuarantinedRow.Status.DUPLICATE]
        )

    @property
    def dismissed(self) -> int:
        return self.quarantined_now[QuarantinedRow.Status.DISMISSED]

    def reason_rows(self) -> list[tuple[str, int]]:
        return [(REASON_FIELD_LABELS.get(f, f), n) for f, n in self.reasons.most_common()]


@dataclass
class QualityReport:
    sources: list[SourceQuality]
    # Each batch counts its duplicates by source (SubmissionDuplicates). Files with no one source for the
    # whole file that came in before that have only their submission's total: those are counted here.
    duplicates_not_by_source: int = 0
    # Duplicates are not stored, so they have no area: only a report over every area counts them.
    counts_duplicates: bool = True
    # For a report over some areas: rows no area lead sees, because their postcode routes to no area.
    unrouted_quarantined: int = 0
    unrouted_accepted: int = 0
    covers_every_area: bool = True
    areas: int = 0  # how many areas a report over some areas covers

    @property
    def accepted(self) -> int:
        return sum(s.accepted for s in self.sources)

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.sources)

    @property
    def duplicate(self) -> int:
        return sum(s.duplicate for s in self.sources) + self.duplicates_not_by_source

    @property
    def received(self) -> int:
        return self.accepted + self.quarantined + self.duplicate


def _week(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def quality_by_source(
    results: QuerySet[TestResult],
    quarantined: QuerySet[QuarantinedRow],
    submissions: QuerySet[Submission] | None = None,
) -> QualityReport:
    """Counts over the querysets given (already scoped by the caller), newest eight weeks for the trend.

    `submissions` gives the duplicates; without it (a report over some areas) none are counted.
    """
    results = results.exclude(submission__channel=CORRECTION)
    quarantined = quarantined.exclude(submission__channel=CORRECTION)
    since = timezone.now() - dt.timedelta(weeks=WEEKS)
    sources: dict[str, SourceQuality] = {}

    def get(source: str | None) -> SourceQuality:
        return sources.setdefault(source or NO_SOURCE, SourceQuality(source or NO_SOURCE))

    for source, n in results.values_list("source_id").annotate(n=Count("id")).order_by():
        get(source).accepted += n
    for source, status, n in quarantined.values_list("source_id", "status").annotate(n=Count("id")).order_by():
        get(source).quarantined += n
        get(source).quarantined_now[status] += n
    for source, fields in quarantined.values_list("source_id", "reason_fields").iterator(chunk_size=5000):
        get(source).reasons.update(set(fields or []))

    not_by_source = 0
    if submissions is not None:
        sent = submissions.exclude(channel=CORRECTION)
        given = 0
        for source, n in (
            SubmissionDuplicates.objects.filter(submission__in=sent)
            .values_list("source_id")
            .annotate(n=Sum("rows"))
            .order_by()
        ):
            get(source).duplicate += n
            given += n
        not_by_source = (sent.aggregate(n=Sum("duplicate"))["n"] or 0) - given

    weekly: dict[tuple[str, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for source, week, n in (
        results.filter(received_at__gte=since)
        .annotate(week=TruncWeek("received_at"))
        .values_list("source_id", "week")
        .annotate(n=Count("id"))
        .order_by()
    ):
        weekly[(source or NO_SOURCE, _week(week))][0] += n
    for source, week, n in (
        quarantined.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values_list("source_id", "week")
        .annotate(n=Count("id"))
        .order_by()
    ):
        weekly[(source or NO_SOURCE, _week(week))][1] += n
    for (source, week), (accepted, held) in weekly.items():
        get(source).weeks[week] = (accepted, held)
    return QualityReport(
        sorted(sources.values(), key=lambda s: (-s.quarantined_share, s.source_id)),
        duplicates_not_by_source=not_by_source,
        counts_duplicates=submissions is not None,
    )


def report_for(scope: Scope) -> QualityReport:
    """Counts only, so accepted and quarantined rows over the same areas: every area, and every submission's
    duplicates, for administrators (not only the unrouted rows they fix); for an area lead the rows that reached
    their areas, and how many rows routed nowhere they do not see."""
    results, quarantined = TestResult.objects.all(), QuarantinedRow.objects.all()
    if scope.administrator:
        return quality_by_source(results, quarantined, Submission.objects.all())
    areas = scope.areas_with({Role.AREA_LEAD})
    report = quality_by_source(results.filter(area_id__in=areas), quarantined.filter(area_id__in=areas))
    report.covers_every_area, report.areas = False, len(areas)
    report.unrouted_quarantined = quarantined.filter(area__isnull=True).exclude(submission__channel=CORRECTION).count()
    report.unrouted_accepted = results.filter(area__isnull=True).exclude(submission__channel=CORRECTION).count()
    return report
