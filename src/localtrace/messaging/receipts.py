"""Delivery receipts from GOV.UK Notify's callback: what became of a message after Notify took it.

Notify POSTs JSON with its notification `id`, our `reference`, and a `status`; the final ones are
delivered, permanent-failure (no such number or address), temporary-failure (phone off, inbox
full: Notify gave up) and technical-failure (Notify's side: we send it again, within the retry limit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from localtrace.messaging.delivery import refused, try_again_after_receipt
from localtrace.messaging.models import AbandonedNotification, DeliveryEvent, Message

FINAL = {
    "delivered": "Delivered",
    "permanent-failure": "The provider says the number or address does not exist",
    "temporary-failure": "Not delivered: the phone was off or the inbox full, and the provider stopped trying",
    "technical-failure": "Not delivered: a technical failure at the provider",
}
IN_PROGRESS = {"created", "sending", "pending", "sent"}
STATUSES = FINAL.keys() | IN_PROGRESS


class BadReceipt(ValueError):
    """The callback body is not a receipt we can read; the message says what is wrong."""


@dataclass(frozen=True)
class Receipt:
    notification_id: str
    reference: str
    status: str


def parse(payload: Any) -> Receipt:
    if not isinstance(payload, dict):
        raise BadReceipt("The body must be a JSON object.")
    notification_id, reference, status = payload.get("id"), payload.get("reference"), payload.get("status")
    if not isinstance(notification_id, str) or not notification_id or len(notification_id) > 64:
        raise BadReceipt("`id` must be Notify's notification id.")
    if reference is not None and not isinstance(reference, str):
        raise BadReceipt("`reference` must be a string or null.")
    if status not in STATUSES:
        raise BadReceipt("`status` is not one of Notify's statuses.")
    return Receipt(notification_id=notification_id, reference=reference or "", status=str(status))


def find(receipt: Receipt) -> Message | None:
    message = Message.objects.filter(provider_id=receipt.notification_id).first()
    if message is None and receipt.reference.startswith("message-") and receipt.reference[8:].isdigit():
        # The receipt can come before our worker recorded Notify's id: the worker died after sending, or Notify
        # took the message but its answer never came, and the message waits to be tried again (queued).
        message = Message.objects.filter(
            pk=int(receipt.reference[8:]),
            provider_id="",
            status__in=[Message.Status.SENDING, Message.Status.SENT, Message.Status.QUEUED],
        ).first()
    return message


@transaction.atomic
def apply(receipt: Receipt, *, at: dt.datetime | None = None) -> Message | None:
    """Update the message the receipt is about; None when no message has that id. Safe to receive twice."""
    now = at or timezone.now()
    abandoned = AbandonedNotification.objects.filter(provider_id=receipt.notification_id).select_related("message")
    if (given_up := abandoned.first()) is not None:
        # An earlier try that Notify failed, and the message has been sent again since (or is waiting to be).
        return given_up.message
    message = find(receipt)
    if message is None:
        return None
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.receipt_status == receipt.status or message.receipt_status in FINAL:
        return message  # a repeat, or a late in-progress receipt after the final one
    message.receipt_status, message.receipt_at = receipt.status, now
    message.provider_id = message.provider_id or receipt.notification_id
    fields = ["receipt_status", "receipt_at", "provider_id"]
    if message.status == Message.Status.QUEUED and receipt.status != "technical-failure":
        # Notify took the try whose answer never came: it is not to be sent again.
        message.next_attempt_at, message.outcome_unknown, message.last_error = None, False, ""
        message.sent_at = message.sent_at or now
        fields += ["next_attempt_at", "outcome_unknown", "last_error", "sent_at"]
    if message.status in (Message.Status.SENDING, Message.Status.QUEUED) and receipt.status in IN_PROGRESS:
        message.status = Message.Status.SENT
        fields.append("status")
    if receipt.status == "delivered":
        message.status = Message.Status.DELIVERED
        fields.append("status")
    message.save(update_fields=fields)
    summary = FINAL.get(receipt.status, f"Notify: {receipt.status}")
    DeliveryEvent.objects.create(
        message=message,
        occurred_at=now,
        kind=DeliveryEvent.Kind.RECEIPT,
        summary=f"Receipt from GOV.UK Notify: {summary}",
    )
    if receipt.status == "permanent-failure":
        refused(message, summary, bad_address=True, at=now)
    elif receipt.status == "temporary-failure":
        # Notify has already kept trying (phone off, inbox full) before giving up: so do we.
        refused(message, summary, bad_address=False, at=now)
    elif receipt.status == "technical-failure":
        # Notify's own problem, and its guidance is to send again.
        try_again_after_receipt(message, summary, at=now)
    return message
