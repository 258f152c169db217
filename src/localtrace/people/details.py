"""Correcting a person's details: a tracer learns a new number on a call, a misspelt name, a new address.

One person has one set of details, whichever case or contact record a tracer opens, so a change reaches
every record of theirs. The change is written to the timeline of the record it was made from (the names
of the fields, not their values) and to the audit trail. A form opened before someone else's change is
refused rather than allowed to overwrite it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from localtrace.audit.services import Action, record
from localtrace.cases import ladder
from localtrace.core.fingerprints import fingerprint as fingerprint_of
from localtrace.people.matching import review_after_change
from localtrace.people.models import Person

# Field → how the timeline names it.
FIELDS = {
    "given_name": "given name",
    "family_name": "family name",
    "date_of_birth": "date of birth",
    "address_line_1": "address",
    "postcode": "postcode",
    "phone": "phone number",
    "email": "email address",
    "preferred_language": "language for messages",
}


# The details the linkage model compares: a change to one of them may show the person to be someone held twice.
MATCHED = frozenset({"given_name", "family_name", "date_of_birth", "postcode", "phone", "email"})


@dataclass(frozen=True)
class Change:
    labels: list[str]  # the timeline names of the fields changed, in form order
    possible_duplicates: int = 0  # review items opened because of the change


class DetailsError(Exception):
    """A change that cannot be made; the message says why in plain English."""


class StaleDetails(DetailsError):
    """Someone else changed the details after the form was opened."""


def fingerprint(person: Person) -> str:
    """A digest of the details as a form showed them, to tell whether they changed since."""
    return fingerprint_of(person, FIELDS)


def change_details(
    person: Person,
    details: dict[str, Any],
    *,
    seen: str,
    item: Any,
    request: HttpRequest | None = None,
    actor: Any = None,
) -> Change:
    """Save the details that differ, and say which. `seen` is the form's fingerprint.

    Every case and contact record of the person hears of it, whichever area holds it: a date of birth
    changed from area A is the one area B's self-service links now ask for. A corrected name, date of
    birth, postcode, phone or email may show that the person is held twice: the pair goes to the
    duplicate review queue (never linked here), and the person's open reviews are scored again.
    """
    from localtrace.cases.events import note
    from localtrace.cases.models import Case
    from localtrace.contacts.models import Contact

    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        if current.erased_at is not None:
            raise DetailsError("Their details were erased at the end of the retention period; they cannot be changed.")
        if fingerprint(current) != seen:
            raise StaleDetails(
                "Someone else changed these details since you opened this page. They are shown as they are now: "
                "make your change again."
            )
        changed = [name for name in FIELDS if name in details and details[name] != getattr(current, name)]
        if not changed:
            return Change([])
        replaced: dict[str, str] = {name: getattr(current, name) for name in ("phone", "email") if name in changed}
        old_means = ladder.Means.of(current)
        for name in changed:
            setattr(current, name, details[name])
        current.save()  # save() rebuilds the matching keys from the new names, date of birth and postcode
        labels = [FIELDS[name] for name in changed]
        summary = "Details changed: " + ", ".join(labels)
        records = [*Case.objects.filter(person=current), *Contact.objects.filter(person=current)]
        for record_ in records:
            where = "" if record_ == item else f" (on {item.reference})"
            note(record_, "details_changed", summary + where, request=request, actor=actor)
        # The audit trail holds which fields changed, never their values.
        record(Action.CHANGE, request=request, actor=actor, obj=current, area=item.area, detail={"fields": changed})
        _forget_old_addresses(current, replaced, records, request=request, actor=actor)
        _restep_ladders(records, old_means, ladder.Means.of(current), request=request, actor=actor)
        opened = review_after_change(current, area_id=item.area_id) if MATCHED.intersection(changed) else 0
    person.refresh_from_db()
    return Change(labels, opened)


def _restep_ladders(
    records: list[Any], old: ladder.Means, new: ladder.Means, *, request: HttpRequest | None, actor: Any
) -> None:
    """Open records still trying to reach the person wait on the step their new details allow, due now
    (`ladder.after_new_details`): a number added means a call, not the doorstep visit it was waiting for."""
    if old == new:
        return
    from django.utils import timezone

    from localtrace.cases.events import note
    from localtrace.cases.models import OPEN_STATUSES

    now = timezone.now()
    for record_ in records:
        if record_.status not in OPEN_STATUSES or record_.reached_at is not None:
            continue
        step = ladder.after_new_details(record_.ladder_step, old, new)
        if step is None:
            continue
        type(record_)._default_manager.filter(pk=record_.pk).update(ladder_step=step, next_step_at=now)
        record_.ladder_step, record_.next_step_at = step, now
        kind = ladder.DESCRIPTIONS[ladder.step(step).kind].lower()
        note(record_, "ladder", f"New contact details: next step {kind}, due now", request=request, actor=actor)


def _forget_old_addresses(
    person: Person, replaced: dict[str, str], records: list[Any], *, request: HttpRequest | None, actor: Any
) -> None:
    """A number or address replaced (often after "wrong number") must carry nothing more for this person.

    Messages still waiting to go to it are withheld, and self-service links that may have gone to it stop
    working: the ladder sends a new link to the new number at its next link step.
    """
    from django.utils import timezone

    from localtrace.cases.models import Case
    from localtrace.messaging.models import Message
    from localtrace.portal.models import PortalLink

    old = [address for address in replaced.values() if address]
    if not old:
        return
    Message.objects.filter(person=person, status=Message.Status.QUEUED, recipient__in=old).update(
        status=Message.Status.WITHHELD, last_error="The number or address was changed before it was sent."
    )
    from localtrace.cases.events import note

    live = PortalLink.objects.filter(person=person, revoked_at__isnull=True, locked_at__isnull=True)
    holders = set(live.values_list("case_id", "contact_id"))
    live.update(revoked_at=timezone.now(), revoked_reason="Phone number or email address changed")
    for record_ in records:
        if ((record_.pk, None) if isinstance(record_, Case) else (None, record_.pk)) in holders:
            note(record_, "portal_link", "Self-service link stopped: the number or address was changed",
                 request=request, actor=actor)  # fmt: skip
