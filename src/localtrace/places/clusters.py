"""Clusters: run detection, keep one Cluster per setting and episode (updated on re-runs), dismiss, alert.

`scan` is the scheduled task's work. A finding updates the stored cluster of the same setting
whose dates overlap it (widened by the window), so re-runs never duplicate; a dismissed cluster
stays dismissed unless more cases join it than it had when dismissed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.places.detection import Finding, Rule, detect_on_database
from localtrace.places.models import Cluster, ClusterScan, Setting


class ClusterError(ValueError):
    pass


def date_span(first: dt.date, last: dt.date) -> str:
    """12–14 Nov; 30 Nov–2 Dec; 5 Nov (one day)."""
    if first == last:
        return f"{first.day} {first:%b}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b}"
    return f"{first.day} {first:%b}–{last.day} {last:%b}"


def explain(finding: Finding, setting_name: str) -> str:
    cases = f"{finding.case_count} case{'s' if finding.case_count != 1 else ''}"
    households = f"{finding.household_count} household{'s' if finding.household_count != 1 else ''}"
    text = (
        f"{cases} from {households} visited {setting_name}, {date_span(finding.first_visit_on, finding.last_visit_on)}"
    )
    if finding.backward_case_count:
        said = "says" if finding.backward_case_count == 1 else "say"
        text += f"; {finding.backward_case_count} {said} they may have caught it there"
    return text


@dataclass
class ScanSummary:
    found: int = 0
    created: int = 0
    updated: int = 0
    reopened: int = 0

    def line(self) -> str:
        return (
            f"Cluster scan: {self.found} found, {self.created} new, {self.updated} updated, "
            f"{self.reopened} dismissed ones alerting again."
        )


def _matching(finding: Finding, rule: Rule) -> Cluster | None:
    widen = dt.timedelta(days=rule.window_days)
    return (
        Cluster.objects.filter(
            setting_id=finding.setting_id,
            first_visit_on__lte=finding.last_visit_on + widen,
            last_visit_on__gte=finding.first_visit_on - widen,
        )
        .order_by("detected_at", "pk")
        .first()
    )


@transaction.atomic
def store(findings: list[Finding], rule: Rule, *, now: dt.datetime | None = None) -> ScanSummary:
    now = now or timezone.now()
    summary = ScanSummary(found=len(findings))
    names = dict(Setting.objects.filter(pk__in={f.setting_id for f in findings}).values_list("pk", "name"))
    for finding in findings:
        if finding.case_ids is None:
            raise ClusterError("Storing clusters needs their cases: detect with one row per case (DETECTION_SQL).")
        fields: dict[str, Any] = {
            "area_id": finding.area_id,
            "first_visit_on": finding.first_visit_on,
            "last_visit_on": finding.last_visit_on,
            "case_count": finding.case_count,
            "household_count": finding.household_count,
            "backward_case_count": finding.backward_case_count,
            "score": finding.score,
            "explanation": explain(finding, names[finding.setting_id])[:300],
        }
        cluster = _matching(finding, rule)
        if cluster is None:
            cluster = Cluster.objects.create(setting_id=finding.setting_id, detected_at=now, updated_at=now, **fields)
            summary.created += 1
        else:
            # A cluster seen before keeps its earliest start and every case it ever had.
            fields["first_visit_on"] = min(cluster.first_visit_on, finding.first_visit_on)
            fields["last_visit_on"] = max(cluster.last_visit_on, finding.last_visit_on)
            changed = any(getattr(cluster, k) != v for k, v in fields.items() if k != "explanation")
            if (
                cluster.status == Cluster.Status.DISMISSED
                and finding.case_count > cluster.dismissed_case_count
                and not cluster.cases.exclude(pk__in=finding.case_ids).exists()
            ):
                fields["status"] = Cluster.Status.OPEN
                summary.reopened += 1
                changed = True
            if changed:
                fields["updated_at"] = now
                summary.updated += 1
            for name, value in fields.items():
                setattr(cluster, name, value)
            cluster.save()
        cluster.cases.add(*finding.case_ids)
    return summary


def scan(*, today: dt.date | None = None, rule: Rule | None = None) -> ScanSummary:
    """Run detection over the look-back period ending today and store what it finds."""
    rule = rule or Rule.configured()
    today = today or timezone.localdate()
    run = ClusterScan.objects.create()
    findings = detect_on_database(rule, today - dt.timedelta(days=rule.lookback_days), today)
    summary = store(findings, rule)
    ClusterScan.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), found=summary.found, created=summary.created, updated=summary.updated
    )
    return summary


# Scans are queued every minute with the other periodic tasks; they run at most this often.
SCAN_EVERY = dt.timedelta(minutes=15)


def scan_if_due(*, now: dt.datetime | None = None) -> ScanSummary | None:
    """Scan unless one started within SCAN_EVERY (two workers at once may both scan: harmless, store upserts)."""
    now = now or timezone.now()
    if ClusterScan.objects.filter(started_at__gt=now - SCAN_EVERY).exists():
        return None
    return scan()


@transaction.atomic
def dismiss(cluster: Cluster, *, reason: str, request: HttpRequest | None = None, actor: Any = None) -> Cluster:
    reason = " ".join(reason.split())
    if not reason:
        raise ClusterError("Enter why you are dismissing this cluster")
    if cluster.status != Cluster.Status.OPEN:
        raise ClusterError("Only a new cluster can be dismissed")
    actor = actor or (request.user if request is not None else None)
    cluster.status = Cluster.Status.DISMISSED
    cluster.dismissed_at = timezone.now()
    cluster.dismissed_by = actor
    cluster.dismissed_reason = reason[:500]
    cluster.dismissed_case_count = cluster.case_count
    cluster.save()
    record(Action.CHANGE, request=request, actor=actor, obj=cluster, area=cluster.area,
           detail={"dismissed": True, "reason": cluster.dismissed_reason})  # fmt: skip
    return cluster
