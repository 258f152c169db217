"""Portal links: issuing, opening, checking the date of birth, revoking, and sending them to people.

A link is an opaque random token (256 bits) for one person and one case or contact. Only its
SHA-256 hash is stored; the raw URL is returned once, by `issue_link`, to go into one message.
Every way a link can fail to work (forged, expired, revoked, locked) looks the same from outside.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from localtrace.accounts.access import acting_user
from localtrace.audit.services import Action, record
from localtrace.cases.events import note, owner
from localtrace.cases.models import Attempt, Case, WorkItem
from localtrace.config import policy
from localtrace.messaging.models import Message, OptOut
from localtrace.messaging.services import BILINGUAL, address_works, send_message
from localtrace.portal.models import PortalLink
from localtrace.results.validation import takes_texts

TOKEN_BYTES = 32


class LinkError(ValueError):
    """A link that cannot be issued or sent; the message says why, in plain English."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def isolation_ends_on(item: WorkItem) -> dt.date:
    if isinstance(item, Case):
        return policy.case_isolation_ends_on(item.anchor_date)
    return item.isolation_ends_on  # type: ignore[attr-defined,no-any-return]


def language_of(person: Any) -> str:
    return "cy" if (person.preferred_language or "").lower().startswith("cy") else "en"


def public_url(path: str) -> str:
    return settings.PORTAL_PUBLIC_URL.rstrip("/") + path


@dataclass(frozen=True)
class IssuedLink:
    link: PortalLink
    url: str


@transaction.atomic
def issue_link(
    item: WorkItem, *, request: HttpRequest | None = None, actor: Any = None, at: dt.datetime | None = None
) -> IssuedLink:
    """A new link for the item's person; the raw URL is in the answer and nowhere else."""
    person = item.person  # type: ignore[attr-defined]
    if person.date_of_birth is None:
        raise LinkError("No self-service link: their date of birth is not known, so they could not prove who they are")
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    now = at or timezone.now()
    last_day = isolation_ends_on(item) + dt.timedelta(days=settings.PORTAL_LINK_MARGIN_DAYS)
    expires_at = timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min))
    if expires_at <= now:
        raise LinkError("No self-service link: their isolation has ended")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PortalLink.objects.create(
        token_hash=hash_token(token),
        person=person,
        **owner(item),
        created_at=now,
        created_by=actor,
        expires_at=expires_at,
    )
    record(Action.CREATE, request=request, actor=actor, obj=link, area=item.area, detail={"portal_link": "issued"})
    return IssuedLink(link=link, url=public_url(reverse("portal:open", args=[token])))


@transaction.atomic
def revoke_link(link: PortalLink, *, request: HttpRequest, reason: str = "Revoked by staff") -> PortalLink:
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by, link.revoked_reason = timezone.now(), acting_user(request), reason[:200]
        link.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
        record(Action.REVOKE, request=request, obj=link, area=link.item.area)  # type: ignore[attr-defined]
        note(link.item, "portal_link", f"Self-service link revoked: {reason}", request=request)
    return link


def find_link(token: str) -> PortalLink | None:
    """The usable link with this token, or None; forged, expired, revoked and locked all answer None."""
    if not token or len(token) > 100:
        return None
    link = PortalLink.objects.select_related("person").filter(token_hash=hash_token(token)).first()
    return link if link is not None and link.is_usable else None


def usable(link_id: Any) -> PortalLink | None:
    link = (
        PortalLink.objects.select_related("person", "case", "contact", "case__area", "contact__area")
        .filter(pk=link_id)
        .first()
        if isinstance(link_id, int)
        else None
    )
    return link if link is not None and link.is_usable else None


def opened(link: PortalLink, request: HttpRequest) -> None:
    PortalLink.objects.filter(pk=link.pk, first_opened_at__isnull=True).update(first_opened_at=timezone.now())
    record(Action.VIEW, request=request, obj=link, area=link.item.area, detail={"portal": "link opened"})  # type: ignore[attr-defined]


@transaction.atomic
def check_date_of_birth(link: PortalLink, date_of_birth: dt.date, *, request: HttpRequest) -> bool:
    """True when it matches and the link still works. Each miss counts; the link locks at the configured number
    of misses.

    Decided on the link's row, locked: guesses sent at once wait for each other, so none gets in after the
    misses before it locked the link (or after it was revoked or expired since its page loaded `link`).
    """
    area = link.item.area  # type: ignore[attr-defined]
    current = PortalLink.objects.select_for_update().filter(pk=link.pk).first()
    if current is None or not current.is_usable:
        return False
    if link.person.date_of_birth == date_of_birth:
        PortalLink.objects.filter(pk=link.pk).update(failed_attempts=0, confirmed_at=timezone.now())
        record(Action.VIEW, request=request, obj=link, area=area, detail={"portal": "date of birth confirmed"})
        return True
    PortalLink.objects.filter(pk=link.pk).update(failed_attempts=F("failed_attempts") + 1)
    link.refresh_from_db(fields=["failed_attempts"])
    locked = link.failed_attempts >= settings.PORTAL_DOB_ATTEMPTS
    if locked:
        PortalLink.objects.filter(pk=link.pk, locked_at__isnull=True).update(locked_at=timezone.now())
        note(link.item, "portal_link", "Self-service link locked after wrong dates of birth", request=request)
    record(
        Action.SIGN_IN_FAILED, request=request, obj=link, area=area,
        detail={"portal": "date of birth failed", "failures": link.failed_attempts, "locked": locked},
    )  # fmt: skip
    return False


# --- sending links ----------------------------------------------------------------------


def _expires_words(link: PortalLink, language: str) -> str:
    last_day = link.last_day
    if language == BILINGUAL:
        return f"{last_day:%d/%m/%Y}"  # one date for the Welsh and the English text alike
    with translation.override(language):
        return date_format(last_day, "l j F Y")


def _channel(person: Any) -> tuple[str, str] | None:
    """A text to their mobile, else an email; an address marked as not working gives way to the other. With
    neither working, the mobile (or email) all the same: sending withholds it and says why. A landline takes no
    texts, so someone with only a landline gets no link (a tracer calls them)."""
    options = [
        (Message.Channel.SMS, person.phone) if person.phone and takes_texts(person.phone) else None,
        (Message.Channel.EMAIL, person.email) if person.email else None,
    ]
    possible = [option for option in options if option is not None]
    working = [option for option in possible if address_works(*option)]
    chosen = working or possible
    return chosen[0] if chosen else None


def message_group(item: WorkItem) -> tuple[str, str, int] | None:
    """The one message `send_links` puts this item's link in, as (channel, recipient, area): items alike share
    it. None when their person has no mobile number or email address."""
    address = _channel(item.person)  # type: ignore[attr-defined]
    return None if address is None else (*address, item.area_id)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SendOutcome:
    item: WorkItem
    sent: bool
    summary: str


def send_links(
    items: list[WorkItem], *, request: HttpRequest | None = None, actor: Any = None, at: dt.datetime | None = None
) -> list[SendOutcome]:
    """Send each item's person a new link: by text to their mobile, else by email, in their language.

    People who share one mobile number get ONE text listing each person's initial and own link,
    never several messages to one number. Only within one area: a shared message belongs to its area, whose
    staff can read it, so people of two areas on one number get one message from each.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    outcomes: list[SendOutcome] = []
    groups: dict[tuple[str, str, int], list[WorkItem]] = defaultdict(list)
    for item in items:
        group = message_group(item)
        if group is None:
            summary = "No self-service link sent: no mobile number or email address"
            note(item, "portal_link", summary, request=request, actor=actor, at=at)
            outcomes.append(SendOutcome(item, False, summary))
            continue
        groups[group].append(item)
    for (channel, recipient, _area), members in groups.items():
        outcomes += _send_group(channel, recipient, members, request=request, actor=actor, at=at)
    return outcomes


def _links_in(text: str) -> list[PortalLink]:
    """The self-service links whose addresses are written in a message's text."""
    before, _, after = public_url(reverse("portal:open", args=["TOKEN"])).partition("TOKEN")
    tokens = re.findall(re.escape(before) + r"([A-Za-z0-9_-]+)" + re.escape(after), text)
    return list(PortalLink.objects.filter(token_hash__in=[hash_token(t) for t in tokens]))


@transaction.atomic
def resend_shared(
    messages: list[Message], stopped: Any, *, request: HttpRequest | None = None, actor: Any = None
) -> list[SendOutcome]:
    """After `stopped` (a person) asked for no more messages: the held-back texts that shared their link with
    others at one number. Each link in them is revoked, as it will never arrive, and everyone else gets a new one.
    """
    others: list[WorkItem] = []
    for message in messages:
        if message.template != "self_service_links_shared":
            continue
        for link in _links_in(message.body):
            if link.revoked_at is None:
                link.revoked_at, link.revoked_reason = timezone.now(), "not sent"
                link.save(update_fields=["revoked_at", "revoked_reason"])
        for about in message.about.select_related("case__person", "contact__person", "case__area", "contact__area"):
            item = about.case or about.contact
            if item is not None and item.person_id != stopped.pk and item not in others:
                note(
                    item, "portal_link",
                    "The text with their self-service link was not sent: it was shared with someone at the same "
                    "number who asked for no more messages",
                    request=request, actor=actor,
                )  # fmt: skip
                others.append(item)
    return send_links(others, request=request, actor=actor) if others else []


@transaction.atomic
def _send_group(
    channel: str, recipient: str, members: list[WorkItem], *, request: HttpRequest | None, actor: Any,
    at: dt.datetime | None,
) -> list[SendOutcome]:  # fmt: skip
    outcomes: list[SendOutcome] = []
    issued: list[tuple[WorkItem, IssuedLink]] = []
    # A message to several people belongs to none of them, so it cannot check each one's opt-out: here.
    # (One person's own message checks theirs in send_message.)
    stopped: set[int] = set()
    if len(members) > 1:
        stopped = set(
            OptOut.objects.filter(person_id__in=[m.person_id for m in members]).values_list("person_id", flat=True)  # type: ignore[attr-defined]
        )
    for item in members:
        if item.person_id in stopped:  # type: ignore[attr-defined]
            summary = "No self-service link sent: they asked for no more messages"
            note(item, "portal_link", summary, request=request, actor=actor, at=at)
            outcomes.append(SendOutcome(item, False, summary))
            continue
        try:
            issued.append((item, issue_link(item, request=request, actor=actor, at=at)))
        except LinkError as error:
            note(item, "portal_link", str(error), request=request, actor=actor, at=at)
            outcomes.append(SendOutcome(item, False, str(error)))
    if not issued:
        return outcomes
    first_item, first = issued[0]
    person = first_item.person  # type: ignore[attr-defined]
    language = language_of(person)
    base = {"service_name": settings.ORGANISATION_NAME}
    if len(issued) == 1:
        message = send_message(
            channel=channel, recipient=recipient, template="self_service_link", language=language, person=person,
            area=first_item.area, **owner(first_item), purpose="self_service_link",
            context={**base, "link": first.url, "given_name": person.given_name,
                     "expires_on": _expires_words(first.link, language)},
        )  # fmt: skip
    else:
        # People sharing one phone but not one language get the message in Welsh and in English.
        if len({language_of(i.person) for i, _ in issued}) > 1:  # type: ignore[attr-defined]
            language = BILINGUAL
        people = [
            {"initial": (i.person.given_name or "?")[:1].upper(), "link": x.url,  # type: ignore[attr-defined]
             "expires_on": _expires_words(x.link, language)}
            for i, x in issued
        ]  # fmt: skip
        message = send_message(
            channel=channel, recipient=recipient, template="self_service_links_shared", language=language,
            area=first_item.area, purpose="self_service_link", context={**base, "people": people},
            about=[item for item, _ in issued],
        )  # fmt: skip
    where = "text message" if channel == Message.Channel.SMS else "email"
    shared = f", in one message for the {len(issued)} people who share this number" if len(issued) > 1 else ""
    for item, link in issued:
        if message is None:
            link.link.revoked_at, link.link.revoked_reason = timezone.now(), "not sent"
            link.link.save(update_fields=["revoked_at", "revoked_reason"])
            summary = (
                f"No self-service link could be sent by {where}: they have stopped messages, "
                "or the number or address is marked as not working"
            )
            note(item, "portal_link", summary, request=request, actor=actor, at=at)
            outcomes.append(SendOutcome(item, False, summary))
            continue
        Attempt.objects.create(
            **owner(item), channel=channel, outcome=Attempt.Outcome.SENT, note="Self-service link",
            made_by=actor, made_at=at or timezone.now(),
        )  # fmt: skip
        summary = f"Self-service link sent by {where}{shared}"
        # An "attempt" event, like every Attempt: the timeline has one per try to reach them.
        note(item, "attempt", summary, request=request, actor=actor, at=at, link=link.link.pk, channel=channel,
             outcome=Attempt.Outcome.SENT)  # fmt: skip
        outcomes.append(SendOutcome(item, True, summary))
    return outcomes
