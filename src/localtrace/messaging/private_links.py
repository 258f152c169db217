"""Links that let their recipient in (a self-service link, a password reset) inside a message's text.

Such a link is for its recipient alone. The service stores only a hash of a self-service link's token,
and Django stores no password-reset token at all, so a message's text must not become the one copy
that a reader of the outbox, or of the database, could use. Staff pages show the text with these links
hidden, unless the outbox itself is how the message reaches anyone (the outbox backend). Once a message
needs its text no more — withheld, failed for good, delivered, or handed to Notify longer ago than
LOCALTRACE_MESSAGE_KEEP_LINKS_HOURS, within which Notify may still ask for it again — the sweep
removes the links from the stored text for good.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import Resolver404, resolve
from django.utils import timezone

from localtrace.messaging.models import Message

HIDDEN = "[private link: only its recipient may use it]"
_URL = re.compile(r"https?://\S+")
# A sentence may end just after a link: the full stop is not part of it.
_TRAILING = ".,;:!?)]'\""


def is_private(url: str) -> bool:
    """True when the address opens one of settings.LOCALTRACE_PRIVATE_LINK_VIEWS.

    The service may be served under a path prefix (https://council.example/trace/p/…), so every tail
    of the path is tried against the URL configuration.
    """
    path = urlsplit(url).path
    # Without its last slash the link still works: the site redirects it to the address with one.
    segments = (path if path.endswith("/") else path + "/").split("/")
    for start in range(1, len(segments)):
        try:
            match = resolve("/" + "/".join(segments[start:]))
        except Resolver404:
            continue
        if match.view_name in settings.LOCALTRACE_PRIVATE_LINK_VIEWS:
            return True
    return False


def _hide(found: re.Match[str]) -> str:
    text = found.group(0)
    url = text.rstrip(_TRAILING)
    return HIDDEN + text[len(url) :] if is_private(url) else text


def hide_private_links(text: str) -> str:
    return _URL.sub(_hide, text)


def has_private_links(text: str) -> bool:
    return any(is_private(found.group(0).rstrip(_TRAILING)) for found in _URL.finditer(text))


def text_for_staff(message: Message) -> str:
    """The body as staff may read it: whole only where the outbox is how it reached its recipient."""
    if message.backend == "outbox" and message.status == Message.Status.SENT:
        return message.body
    return hide_private_links(message.body)


def keep_links_for() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "LOCALTRACE_MESSAGE_KEEP_LINKS_HOURS", 72)))


def needs_its_links_no_more(now: dt.datetime) -> Q:
    """Messages whose text will never be sent (again): withheld, failed, delivered, or sent long enough ago."""
    over = Q(status__in=[Message.Status.WITHHELD, Message.Status.FAILED])
    handed_on = Q(status=Message.Status.DELIVERED) | Q(status=Message.Status.SENT, sent_at__lt=now - keep_links_for())
    # With the outbox backend the outbox is the delivery: a sent message's text stays whole there.
    return over | (handed_on & ~Q(backend="outbox"))


def forget_private_links(*, at: dt.datetime | None = None, limit: int = 500) -> int:
    """Remove the private links from the stored text of messages that no longer need them; how many changed."""
    now = at or timezone.now()
    changed = 0
    candidates = Message.objects.filter(needs_its_links_no_more(now), holds_private_links=True)
    for pk, status, body in candidates.values_list("pk", "status", "body")[:limit]:
        # Only if nothing moved it meanwhile (a receipt asking for it to be sent again, say).
        changed += (
            Message.objects.filter(pk=pk, status=status, holds_private_links=True)
            .filter(needs_its_links_no_more(now))
            .update(body=hide_private_links(body), holds_private_links=False)
        )
    return changed
