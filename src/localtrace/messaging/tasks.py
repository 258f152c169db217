"""Background work for messages, run by the task worker: one task per message, and the sweep for retries."""

from __future__ import annotations

from django_tasks import task

from localtrace.messaging import delivery, private_links


@task()
def deliver_message(message_id: int) -> str | None:
    """Hand one queued message to its backend. Safe to run twice: only one run claims it."""
    return delivery.deliver(message_id)


@task()
def send_due_messages() -> int:
    """The scheduled sweep (`localtrace schedule`): messages due a retry, or whose own task never ran.

    It also removes private links from messages that need them no more.
    """
    handed = delivery.send_due()
    private_links.forget_private_links()
    return handed
