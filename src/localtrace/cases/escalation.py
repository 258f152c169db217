"""Taking the automatic steps of the escalation ladder when they fall due. Safe to run twice at once.

Each step is taken on the record and its person as stored now, locked until the step is done: a case reached,
closed or transferred, or a number changed, since the run found it due is what the step acts on (or skips).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from localtrace.cases import ladder
from localtrace.cases.events import note
from localtrace.cases.investigation import close_unreachable
from localtrace.cases.models import OPEN_STATUSES, Case, WorkItem

logger = logging.getLogger(__name__)

# How many items of each kind (cases, contacts) one run takes; the next run takes the rest.
BATCH = 1000


def _due(
    items: QuerySet[WorkItem], now: dt.datetime, kinds: tuple[str, ...] = (ladder.LINK, ladder.UNREACHABLE)
) -> QuerySet[WorkItem]:
    steps = [i for i, s in enumerate(ladder.ladder()) if s.kind in kinds]
    return items.filter(status__in=OPEN_STATUSES, reached_at__isnull=True, ladder_step__in=steps, next_step_at__lte=now)


def advance_due(at: dt.datetime | None = None) -> int:
    """Take every due automatic step; returns how many were taken.

    `at` runs the ladder as of that moment, for replays (the demo's working day); normally now.
    """
    from localtrace.contacts.models import Contact

    now = at or timezone.now()
    taken = 0
    links: list[tuple[type[WorkItem], int]] = []
    for model in (Case, Contact):
        found = _due(model._default_manager.all(), now).order_by("next_step_at").values_list("pk", "ladder_step")
        for pk, index in found[:BATCH]:
            if ladder.step(index).kind == ladder.LINK:
                links.append((model, pk))
            else:
                taken += _take_step(model, pk, now)
    return taken + _send_links(links, now)


def _locked_due(model: type[WorkItem], pks: list[int], now: dt.datetime, kind: str) -> list[WorkItem]:
    """The records among `pks` still due a `kind` step, as stored now, locked until the transaction ends.

    The step is re-checked under the lock, so of two runs at once only one takes it, and a record reached,
    closed or moved on meanwhile is left alone. A record locked by someone at this moment (a tracer recording an
    attempt, transferring it, naming its contacts) is skipped and stays due for the next run: the ladder waits
    for people only, never for a record. A tracer naming a contact holds their case, then the person named, so
    a ladder that held that person and waited for the case would deadlock with them.
    """
    due = _due(model._default_manager.filter(pk__in=pks), now, (kind,))
    # Locked without a join (PostgreSQL re-checks a row changed meanwhile against the joined rows it read before
    # the wait, so a transferred record would drop out), then read with its person and area. FOR NO KEY UPDATE:
    # the ladder changes no key, so a record merely pointed at by a row being added (a timeline event, an attempt)
    # is not passed over.
    locked = list(due.select_for_update(no_key=True, skip_locked=True).order_by("pk").values_list("pk", flat=True))
    fresh = model._default_manager.select_related("person", "area")  # type: ignore[misc]
    return list(fresh.filter(pk__in=locked).order_by("pk"))


def _send_links(links: list[tuple[type[WorkItem], int]], now: dt.datetime) -> int:
    """Take the due link steps together (people who share one mobile get one message). Should that fail, each
    message on its own, and within a message that fails each record on its own, so that one record that cannot be
    sent does not hold back the others. A step that fails stays due and is tried again at the next run."""
    if not links:
        return 0
    try:
        return _send_links_now(links, now)
    except Exception as error:
        if len(links) == 1:
            # Ids and the kind of error only: the error's own text may hold a number or an address.
            ((model, pk),) = links
            logger.error("The link step of %s %s failed (%s); it is tried again at the next run.",
                         model.__name__.lower(), pk, type(error).__name__)  # fmt: skip
            return 0
    messages = _by_message(links)
    if len(messages) > 1:
        return sum(_send_links(message, now) for message in messages)
    return sum(_send_links([one], now) for one in links)


def _by_message(links: list[tuple[type[WorkItem], int]]) -> list[list[tuple[type[WorkItem], int]]]:
    """The links grouped as `send_links` would put them in messages (a record without a mobile or an email on its
    own), in the order given."""
    from localtrace.portal.services import message_group

    groups: dict[object, list[tuple[type[WorkItem], int]]] = {}
    for model in {model for model, _ in links}:
        pks = [pk for kind, pk in links if kind is model]
        items = model._default_manager.select_related("person").filter(pk__in=pks)  # type: ignore[misc]
        keys = {item.pk: message_group(item) or (model, item.pk) for item in items}
        for kind, pk in links:
            if kind is model:
                groups.setdefault(keys.get(pk, (model, pk)), []).append((model, pk))
    position = {link: i for i, link in enumerate(links)}
    return sorted(groups.values(), key=lambda group: position[group[0]])


@transaction.atomic
def _send_links_now(links: list[tuple[type[WorkItem], int]], now: dt.datetime) -> int:
    """Move each record past its link step and send the links, in one transaction: the messages are queued only
    if the steps are taken, and go to the person's details as they are when it commits.

    A record passed over because someone holds it takes the others of its message with it to the next run, so
    that people sharing a mobile still get one text, a minute later, rather than two.
    """
    from localtrace.contacts.models import Contact
    from localtrace.people.models import Person
    from localtrace.portal.services import message_group, send_links

    by_model = {model: [pk for kind, pk in links if kind is model] for model in (Case, Contact)}
    # The people first, in the order a change of their details or a merge takes them: a number being changed
    # now is waited for, and the link goes to the new one.
    people: set[int] = set()
    for model, pks in by_model.items():
        people.update(model._default_manager.filter(pk__in=pks).values_list("person_id", flat=True))
    list(Person.objects.select_for_update().filter(pk__in=people).order_by("pk").values_list("pk", flat=True))
    items: list[WorkItem] = []
    held: set[tuple[str, str, int] | None] = set()
    for model, pks in by_model.items():
        if pks:
            locked = _locked_due(model, pks, now, ladder.LINK)
            items += locked
            passed_over = _due(model._default_manager.filter(pk__in=pks), now, (ladder.LINK,)).exclude(
                pk__in=[item.pk for item in locked]
            )
            held.update(message_group(item) for item in passed_over.select_related("person"))  # type: ignore[misc]
    held.discard(None)
    if held:
        # Only items at one of the held messages' numbers or addresses can share one of them (a cheap test
        # first: working out an item's message reads the numbers marked as not working).
        at = {group[1] for group in held if group is not None}
        items = [
            item
            for item in items
            if not ({item.person.phone, item.person.email} & at) or message_group(item) not in held  # type: ignore[attr-defined]
        ]
    for item in items:
        following, due = ladder.after_failure(item.ladder_step, now, ladder.Means.of(item.person))
        type(item)._default_manager.filter(pk=item.pk).update(ladder_step=following, next_step_at=due)
        item.ladder_step, item.next_step_at = following, due
        note(
            item, "ladder",
            f"Sending the self-service link; next step: {ladder.DESCRIPTIONS[ladder.step(following).kind].lower()} "
            f"from {timezone.localtime(due):%H:%M %-d %b}",
            at=now, step=ladder.LINK,
        )  # fmt: skip
    if items:
        send_links(items, at=now)
    return len(items)


@transaction.atomic
def _take_step(model: type[WorkItem], pk: int, now: dt.datetime) -> int:
    """The unreachable step: close the item (the link step goes through `_send_links`)."""
    for item in _locked_due(model, [pk], now, ladder.UNREACHABLE):
        close_unreachable(item, "no answer at any step of the escalation ladder", at=now)
        return 1
    return 0
