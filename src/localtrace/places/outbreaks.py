"""Outbreaks: promoted from a cluster, managed by the area's team leads. Each action writes its timeline and audit."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.audit.services import Action, record
from localtrace.core.fingerprints import fingerprint
from localtrace.core.phones import dialled
from localtrace.places.clusters import ClusterError
from localtrace.places.models import TASK_TEXT_MAX, Cluster, Outbreak, OutbreakEvent, OutbreakTask, Setting


class OutbreakError(ValueError):
    """A change that cannot be made; `field` is the form field the message belongs to, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _actor(request: HttpRequest | None, actor: Any) -> Any:
    if actor is None and request is not None and request.user.is_authenticated:
        return request.user
    return actor


TASK_TEXT_TOO_LONG = f"The action or note must be {TASK_TEXT_MAX:,} characters or fewer"

# A second message to the same manager, by the same means, about the same outbreak within this time is
# refused: a double click, or two team leads at once, must not send the letter twice.
MESSAGE_AGAIN_AFTER = dt.timedelta(minutes=5)


CLOSED_NO_ACTIONS = "This outbreak is closed, so it takes no new actions. Add a note, or change its status to reopen it"
CLOSED_NO_MESSAGES = (
    "This outbreak is closed, so no message goes to its settings' managers. Change its status to reopen it if it "
    "is not over"
)


def _closed(outbreak: Outbreak) -> bool:
    """Whether the outbreak is closed now, its row locked until the caller's change is saved (not the page's copy)."""
    status = Outbreak.objects.select_for_update().filter(pk=outbreak.pk).values_list("status", flat=True).first()
    return status == Outbreak.Status.CLOSED


def event(outbreak: Outbreak, kind: str, text: str, *, actor: Any = None) -> OutbreakEvent:
    return OutbreakEvent.objects.create(outbreak=outbreak, kind=kind, text=text[:500], actor=actor)


@transaction.atomic
def promote(cluster: Cluster, *, name: str = "", request: HttpRequest | None = None, actor: Any = None) -> Outbreak:
    """A new outbreak from an alerting cluster: its setting and cases come with it."""
    actor = _actor(request, actor)
    cluster = Cluster.objects.select_for_update().select_related("setting").get(pk=cluster.pk)
    if cluster.status != Cluster.Status.OPEN:
        raise ClusterError("This cluster has already been dismissed or made an outbreak")
    name = " ".join(name.split()) or f"{cluster.setting.name} outbreak"
    outbreak = Outbreak.objects.create(area_id=cluster.area_id, name=name[:200], opened_by=actor)
    outbreak.settings.add(cluster.setting)
    outbreak.cases.add(*cluster.cases.all())
    cluster.status = Cluster.Status.PROMOTED
    cluster.outbreak = outbreak
    cluster.save(update_fields=["status", "outbreak"])
    event(outbreak, "opened", f"Outbreak opened from cluster {cluster.reference}: {cluster.explanation}", actor=actor)
    record(Action.CREATE, request=request, actor=actor, obj=outbreak, area=outbreak.area,
           detail={"from_cluster": cluster.pk})  # fmt: skip
    return outbreak


def open_outbreak_at(cluster: Cluster) -> Outbreak | None:
    """The area's outbreak not yet closed that already takes in the cluster's setting, if there is one.

    A school with cases week after week alerts once a week (the rule's window is days, not a term); the
    team lead who opened an outbreak for it adds each later cluster to that outbreak instead of a new one.
    """
    return (
        Outbreak.objects.filter(area_id=cluster.area_id, settings=cluster.setting_id)
        .exclude(status=Outbreak.Status.CLOSED)
        .order_by("-opened_at", "-pk")
        .first()
    )


@transaction.atomic
def add_to_outbreak(cluster: Cluster, outbreak: Outbreak, *, request: HttpRequest | None = None,
                    actor: Any = None) -> Outbreak:  # fmt: skip
    """An alerting cluster's cases join the open outbreak its setting is already in."""
    actor = _actor(request, actor)
    cluster = Cluster.objects.select_for_update().select_related("setting").get(pk=cluster.pk)
    if cluster.status != Cluster.Status.OPEN:
        raise ClusterError("This cluster has already been dismissed or made an outbreak")
    # As it is now: another team lead may have closed it since the cluster's page offered it.
    outbreak = Outbreak.objects.select_for_update().select_related("area").get(pk=outbreak.pk)
    if outbreak.status == Outbreak.Status.CLOSED or outbreak.area_id != cluster.area_id:
        raise ClusterError("Add it to an open outbreak of the same area, or open a new one")
    outbreak.settings.add(cluster.setting)
    before = set(outbreak.cases.values_list("pk", flat=True))
    new_cases = [pk for pk in cluster.cases.values_list("pk", flat=True) if pk not in before]
    outbreak.cases.add(*new_cases)
    cluster.status = Cluster.Status.PROMOTED
    cluster.outbreak = outbreak
    cluster.save(update_fields=["status", "outbreak"])
    event(outbreak, "cluster_added",
          f"Cluster {cluster.reference} added, {len(new_cases)} new case{'s' if len(new_cases) != 1 else ''}: "
          f"{cluster.explanation}", actor=actor)  # fmt: skip
    record(Action.CHANGE, request=request, actor=actor, obj=outbreak, area=outbreak.area,
           detail={"cluster_added": cluster.pk, "cases_added": len(new_cases)})  # fmt: skip
    return outbreak


class StaleStatus(OutbreakError):
    """The status changed since the form was opened: saving it would quietly undo that change."""


STALE_STATUS = (
    "Someone else changed the status since you opened this page. It is shown as it is now: choose the status again."
)


def status_fingerprint(outbreak: Outbreak) -> str:
    return fingerprint(outbreak, ("status",))


@transaction.atomic
def set_status(
    outbreak: Outbreak, status: str, *, request: HttpRequest | None = None, actor: Any = None, seen: str | None = None
) -> Outbreak:
    """`seen` is the status form's `status_fingerprint`: a status changed since the form was opened (an outbreak
    closed a moment ago) is not overwritten from a stale page (StaleStatus); `outbreak` then holds it as it is."""
    actor = _actor(request, actor)
    if status not in Outbreak.Status.values:
        raise OutbreakError("Choose open, monitoring or closed")
    if seen is not None:
        outbreak.refresh_from_db(fields=["status", "closed_at"], from_queryset=Outbreak.objects.select_for_update())
        if status_fingerprint(outbreak) != seen:
            raise StaleStatus(STALE_STATUS)
    if status == outbreak.status:
        return outbreak
    before = outbreak.get_status_display()
    outbreak.status = status
    outbreak.closed_at = timezone.now() if status == Outbreak.Status.CLOSED else None
    outbreak.save(update_fields=["status", "closed_at"])
    event(outbreak, "status", f"Status changed from {before} to {outbreak.get_status_display()}", actor=actor)
    record(Action.CHANGE, request=request, actor=actor, obj=outbreak, area=outbreak.area, detail={"status": status})
    return outbreak


@transaction.atomic
def add_task(
    outbreak: Outbreak,
    *,
    kind: str,
    text: str,
    owner: Any = None,
    due_on: dt.date | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
) -> OutbreakTask:
    """An action (owner and due date) or a note (text alone)."""
    actor = _actor(request, actor)
    text = text.strip()
    if kind not in OutbreakTask.Kind.values:
        raise OutbreakError("Choose an action or a note")
    if not text:
        raise OutbreakError("Enter the action or note")
    if len(text) > TASK_TEXT_MAX:
        raise OutbreakError(TASK_TEXT_TOO_LONG, field="text")
    if kind == OutbreakTask.Kind.NOTE and (owner is not None or due_on is not None):
        raise OutbreakError("A note has no owner or due date; add an action instead")
    if due_on is not None and due_on < timezone.localdate():
        raise OutbreakError("The due date must be today or in the future", field="due_on")
    if kind == OutbreakTask.Kind.ACTION and _closed(outbreak):
        raise OutbreakError(CLOSED_NO_ACTIONS, field="kind")
    task = OutbreakTask.objects.create(
        outbreak=outbreak, kind=kind, text=text, owner=owner, due_on=due_on, created_by=actor
    )
    if kind == OutbreakTask.Kind.ACTION:
        who = f" for {owner.get_full_name() or owner.username}" if owner is not None else ""
        when = f", due {due_on:%-d %B %Y}" if due_on else ""
        event(outbreak, "action", f"Action added{who}{when}: {text[:300]}", actor=actor)
    else:
        event(outbreak, "note", f"Note: {text[:400]}", actor=actor)
    record(Action.CREATE, request=request, actor=actor, obj=task, area=outbreak.area, detail={"kind": kind})
    return task


@transaction.atomic
def complete_task(task: OutbreakTask, *, request: HttpRequest | None = None, actor: Any = None) -> OutbreakTask:
    actor = _actor(request, actor)
    # As it is now: a second "Mark done" (a double click, or two team leads) finds it done and writes nothing.
    task = OutbreakTask.objects.select_for_update(of=("self",)).select_related("outbreak__area").get(pk=task.pk)
    if task.kind != OutbreakTask.Kind.ACTION:
        raise OutbreakError("Only an action can be marked as done")
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        event(task.outbreak, "action_done", f"Action done: {task.text[:400]}", actor=actor)
        record(Action.CHANGE, request=request, actor=actor, obj=task, area=task.outbreak.area, detail={"done": True})
    return task


@transaction.atomic
def message_manager(
    outbreak: Outbreak,
    setting: Setting,
    *,
    channel: str,
    language: str = "en",
    request: HttpRequest | None = None,
    actor: Any = None,
) -> Any:
    """The outbreak letter to the setting's manager, by email or SMS, through messaging (sent after commit)."""
    from localtrace.messaging.models import Message, MessageAbout
    from localtrace.messaging.services import send_message, why_not_send

    actor = _actor(request, actor)
    # The outbreak's row is locked while it checks for an earlier message, so two sends at once cannot both pass.
    if _closed(outbreak):
        # The letter says its cases are being followed up: a closed outbreak's manager must not be told that.
        raise OutbreakError(CLOSED_NO_MESSAGES)
    if not outbreak.settings.filter(pk=setting.pk).exists():
        raise OutbreakError("That setting is not part of this outbreak")
    recipient = setting.manager_email if channel == "email" else setting.manager_phone
    if not recipient:
        raise OutbreakError(
            f"{setting.name} has no manager {'email address' if channel == 'email' else 'phone number'}: "
            "add one to the setting first"
        )
    now = timezone.now()
    earlier = (
        MessageAbout.objects.filter(
            outbreak=outbreak,
            message__channel=channel,
            message__recipient=recipient.strip(),
            message__created_at__gt=now - MESSAGE_AGAIN_AFTER,
        )
        .exclude(message__status=Message.Status.WITHHELD)
        .order_by("-message__created_at")
        .values_list("message__created_at", flat=True)
        .first()
    )
    if earlier is not None:
        how = "email" if channel == "email" else "text message"
        raise OutbreakError(
            f"A message was sent to the manager of {setting.name} by {how} {_ago(now - earlier)}, so this one was "
            f"not sent. It is on the outbreak's timeline. You can send another "
            f"{MESSAGE_AGAIN_AFTER.seconds // 60} minutes after the first."
        )
    template = "outbreak_manager_email" if channel == "email" else "outbreak_manager_sms"
    context = {
        "setting_name": setting.name,
        "outbreak_reference": outbreak.reference,
        "area_name": outbreak.area.name,
        "case_count": outbreak.cases.count(),
        "team_phone": dialled(outbreak.area.public_phone),  # "call us" gives the number, when the area has one
    }
    message = send_message(
        channel=channel, recipient=recipient, template=template, context=context, language=language,
        area=outbreak.area, purpose="outbreak_manager", about=[outbreak],
    )  # fmt: skip
    if message is None:
        # Refused (the address was marked as not working): the team must hear it now, not read "sent".
        what = "email address" if channel == "email" else "phone number"
        raise OutbreakError(
            f"Nothing was sent to the manager of {setting.name}. {why_not_send(channel, recipient, None)} "
            f"Change the setting's manager {what}, or contact them another way."
        )
    label = "Email" if channel == "email" else "Text message"
    event(outbreak, "message", f"{label} sent to the manager of {setting.name}", actor=actor)
    record(Action.CREATE, request=request, actor=actor, obj=message, area=outbreak.area,
           detail={"outbreak": outbreak.pk, "setting": setting.pk})  # fmt: skip
    return message


def _ago(elapsed: dt.timedelta) -> str:
    """less than a minute ago; a minute ago; 3 minutes ago."""
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    return "a minute ago" if minutes == 1 else f"{minutes} minutes ago"


def onset_curve(outbreak: Outbreak) -> list[tuple[dt.date, int]]:
    """Cases by onset date (the specimen date for those without symptoms), every day from first to last."""
    days = Counter(case.anchor_date for case in outbreak.cases.only("onset_date", "symptomatic", "specimen_date"))
    if not days:
        return []
    first, last = min(days), max(days)
    return [
        (first + dt.timedelta(days=i), days.get(first + dt.timedelta(days=i), 0))
        for i in range((last - first).days + 1)
    ]
