"""Clusters: run detection, keep one Cluster per setting and episode (updated on re-runs), dismiss, alert.

`scan` is the scheduled task's work. A finding updates the stored cluster of the same setting
whose dates overlap it (widened by the window), so re-runs never duplicate; a dismissed cluster
stays dismissed unless more cases join it than it had when dismissed. When one finding overlaps two
new clusters of a setting (two entries merged into one, or a visit bridging two episodes), the later
one joins the earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.places.detection import Finding, Rule, detect_on_database
from localtrace.places.models import REASON_MAX, Cluster, ClusterScan, Outbreak, OutbreakEvent, Setting


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
    # Cases that joined outbreaks through their clusters, and new clusters no longer found (visits removed).
    joined: int = 0
    withdrawn: int = 0
    # New clusters that joined another of the same setting and episode (dismissed, their cases moved).
    folded: int = 0

    def line(self) -> str:
        text = (
            f"Cluster scan: {self.found} found, {self.created} new, {self.updated} updated, "
            f"{self.reopened} dismissed ones alerting again"
        )
        if self.joined:
            text += f", {self.joined} new case{'s' if self.joined != 1 else ''} joined outbreaks"
        if self.withdrawn:
            text += f", {self.withdrawn} no longer found"
        if self.folded:
            text += f", {self.folded} joined into another of the same episode"
        return text + "."


def case_references(case_ids: list[int], *, most: int = 10) -> str:
    """C12, C15 and C19; the first `most` of a longer list, then how many more."""
    refs = [f"C{pk}" for pk in sorted(case_ids)]
    if len(refs) > most:
        refs = [*refs[:most], f"{len(refs) - most} more"]
    return refs[0] if len(refs) == 1 else f"{', '.join(refs[:-1])} and {refs[-1]}"


def _join_outbreak(cluster: Cluster, outbreak: Outbreak, case_ids: tuple[int, ...], now: dt.datetime) -> int:
    """Cases of a cluster made an outbreak join the outbreak (not closed); it alerts until a team lead reviews.

    Returns how many joined: those not in the outbreak already.
    """
    already = set(outbreak.cases.filter(pk__in=case_ids).values_list("pk", flat=True))
    joining = [pk for pk in case_ids if pk not in already]
    if not joining:
        return 0
    outbreak.cases.add(*joining)
    # Counted in the database: a team lead marking it reviewed meanwhile must not be undone by this scan.
    Cluster.objects.filter(pk=cluster.pk).update(unreviewed_case_count=F("unreviewed_case_count") + len(joining))
    OutbreakEvent.objects.create(
        outbreak=outbreak, at=now, kind="cluster_grew",
        text=f"Cluster {cluster.reference}: {len(joining)} new case{'s' if len(joining) != 1 else ''} "
        f"({case_references(joining)})"[:500],
    )  # fmt: skip
    record(Action.CHANGE, obj=outbreak, area=outbreak.area, detail={"cluster": cluster.pk, "cases_joined": joining})
    return len(joining)


def _overlapping(finding: Finding, rule: Rule) -> QuerySet[Cluster]:
    """The stored clusters of the finding's setting whose dates overlap it, widened by the window."""
    widen = dt.timedelta(days=rule.window_days)
    return Cluster.objects.filter(
        setting_id=finding.setting_id,
        first_visit_on__lte=finding.last_visit_on + widen,
        last_visit_on__gte=finding.first_visit_on - widen,
    )


def _matching(finding: Finding, rule: Rule) -> Cluster | None:
    return _overlapping(finding, rule).order_by("detected_at", "pk").first()


def _fold(
    cluster: Cluster, outbreak: Outbreak | None, finding: Finding, rule: Rule, now: dt.datetime, summary: ScanSummary
) -> None:
    """Other new clusters the finding overlaps are the same episode: they join `cluster` and are dismissed.

    Two entries for one place merged into one, or a visit on a day between two episodes, leave two clusters of
    one setting that one finding now covers; without this both would alert. A cluster made an outbreak is a
    team lead's decision and is left as it is; `outbreak` is `cluster`'s, if not closed, which the cases join.
    """
    others = (
        _overlapping(finding, rule)
        .select_for_update()
        .filter(status=Cluster.Status.OPEN)
        .exclude(pk=cluster.pk)
        .order_by("detected_at", "pk")
    )
    for other in others:
        case_ids = tuple(other.cases.values_list("pk", flat=True))
        cluster.cases.add(*case_ids)
        if outbreak is not None:
            summary.joined += _join_outbreak(cluster, outbreak, case_ids, now)
        reason = f"Joined {cluster.reference}: one episode"
        other.status = Cluster.Status.DISMISSED
        other.dismissed_at = other.updated_at = now
        other.dismissed_by = None
        other.dismissed_reason = reason
        other.dismissed_case_count = len(case_ids)
        other.save(
            update_fields=["status", "dismissed_at", "updated_at", "dismissed_by", "dismissed_reason",
                           "dismissed_case_count"]
        )  # fmt: skip
        record(Action.CHANGE, obj=other, area=other.area,
               detail={"dismissed": True, "reason": reason, "joined": cluster.pk})  # fmt: skip
        summary.folded += 1


@transaction.atomic
def store(
    findings: list[Finding],
    rule: Rule,
    *,
    now: dt.datetime | None = None,
    period: tuple[dt.date, dt.date] | None = None,
) -> ScanSummary:
    """Keep what a scan found: new clusters, updated ones, and the cases of clusters made outbreaks.

    `period` is the days the scan looked at (`scan` passes it): a new cluster wholly inside it, with the
    window's margin, that no finding overlaps any more no longer meets the rule (a visit recorded in error
    was removed, say), and is set aside as dismissed by the scan.
    """
    now = now or timezone.now()
    summary = ScanSummary(found=len(findings))
    seen: set[int] = set()
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
        outbreak: Outbreak | None = None
        if cluster is None:
            cluster = Cluster.objects.create(setting_id=finding.setting_id, detected_at=now, updated_at=now, **fields)
            summary.created += 1
        else:
            # A cluster seen before keeps its earliest start, every case it ever had, and its area (a setting
            # moved to another area's register takes only its later clusters there).
            del fields["area_id"]
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
            elif cluster.status == Cluster.Status.PROMOTED:
                # An outbreak's cluster that grows: its new cases join the outbreak, and the team is alerted.
                outbreak = (
                    Outbreak.objects.select_for_update()
                    .filter(pk=cluster.outbreak_id or 0)
                    .exclude(status=Outbreak.Status.CLOSED)
                    .select_related("area")
                    .first()
                )
                if outbreak is not None:
                    joined = _join_outbreak(cluster, outbreak, finding.case_ids, now)
                    summary.joined += joined
                    changed = changed or joined > 0
                elif set(finding.case_ids) - set(cluster.cases.values_list("pk", flat=True)):
                    # Its outbreak is closed: new cases alert as a new cluster would, to add to an open outbreak
                    # of the setting or to open a new one (a closed outbreak takes no more cases).
                    fields["status"] = Cluster.Status.OPEN
                    summary.reopened += 1
                    changed = True
            if changed:
                fields["updated_at"] = now
                summary.updated += 1
            for name, value in fields.items():
                setattr(cluster, name, value)
            cluster.save(update_fields=list(fields))
        cluster.cases.add(*finding.case_ids)
        if cluster.status != Cluster.Status.DISMISSED:
            _fold(cluster, outbreak, finding, rule, now, summary)
        seen.add(cluster.pk)
    if period is not None:
        summary.withdrawn = _withdraw_unfound(findings, rule, period, seen, now)
    return summary


def _withdraw_unfound(
    findings: list[Finding], rule: Rule, period: tuple[dt.date, dt.date], seen: set[int], now: dt.datetime
) -> int:
    """New clusters the scan could see whole but found no more: dismissed by the scan, with the reason."""
    widen = dt.timedelta(days=rule.window_days)
    by_setting: dict[int, list[Finding]] = {}
    for finding in findings:
        by_setting.setdefault(finding.setting_id, []).append(finding)
    withdrawn = 0
    for cluster in Cluster.objects.filter(
        status=Cluster.Status.OPEN, first_visit_on__gte=period[0] + widen, last_visit_on__lte=period[1]
    ).exclude(pk__in=seen):
        if any(
            f.first_visit_on <= cluster.last_visit_on + widen and f.last_visit_on >= cluster.first_visit_on - widen
            for f in by_setting.get(cluster.setting_id, [])
        ):
            continue  # taken into a longer episode found beside it
        cluster.status = Cluster.Status.DISMISSED
        cluster.dismissed_at = cluster.updated_at = now
        cluster.dismissed_by = None
        cluster.dismissed_reason = WITHDRAWN
        # What is left of it: it alerts again if more cases than these join it.
        cluster.dismissed_case_count = cluster.cases.count()
        cluster.save()
        record(Action.CHANGE, obj=cluster, area=cluster.area, detail={"dismissed": True, "reason": WITHDRAWN})
        withdrawn += 1
    return withdrawn


WITHDRAWN = "Dismissed by the scan: it no longer meets the rule (visits recorded in error were removed)"


def scan(*, today: dt.date | None = None, rule: Rule | None = None) -> ScanSummary:
    """Run detection over the look-back period ending today and store what it finds."""
    rule = rule or Rule.configured()
    today = today or timezone.localdate()
    run = ClusterScan.objects.create()
    findings = detect_on_database(rule, today - dt.timedelta(days=rule.lookback_days), today)
    summary = store(findings, rule, period=(today - dt.timedelta(days=rule.lookback_days), today))
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
    if len(reason) > REASON_MAX:
        raise ClusterError(f"The reason must be {REASON_MAX} characters or fewer")
    # As it is now, not as the page showed it: another team lead may have made it an outbreak meanwhile.
    current = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if current.status == Cluster.Status.PROMOTED:
        made = f" ({current.outbreak.reference})" if current.outbreak is not None else ""
        raise ClusterError(f"This cluster has already been made an outbreak{made}, so it cannot be dismissed")
    if current.status != Cluster.Status.OPEN:
        raise ClusterError("This cluster has already been dismissed")
    actor = actor or (request.user if request is not None else None)
    cluster = current
    cluster.status = Cluster.Status.DISMISSED
    cluster.dismissed_at = timezone.now()
    cluster.dismissed_by = actor
    cluster.dismissed_reason = reason
    cluster.dismissed_case_count = cluster.case_count
    cluster.save(update_fields=["status", "dismissed_at", "dismissed_by", "dismissed_reason", "dismissed_case_count"])
    record(Action.CHANGE, request=request, actor=actor, obj=cluster, area=cluster.area,
           detail={"dismissed": True, "reason": cluster.dismissed_reason})  # fmt: skip
    return cluster


@transaction.atomic
def mark_reviewed(cluster: Cluster, *, request: HttpRequest | None = None, actor: Any = None) -> Cluster:
    """A team lead has seen the cases that joined the cluster's outbreak: it stops alerting."""
    actor = actor or (request.user if request is not None else None)
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.unreviewed_case_count:
        reviewed = cluster.unreviewed_case_count
        cluster.unreviewed_case_count = 0
        cluster.save(update_fields=["unreviewed_case_count"])
        record(Action.CHANGE, request=request, actor=actor, obj=cluster, area=cluster.area,
               detail={"reviewed_new_cases": reviewed})  # fmt: skip
    return cluster
