"""The outbox: messages the service has sent while no external provider is configured."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from localtrace.accounts.access import get_or_404, require_capability, scoped
from localtrace.audit.services import Action, record
from localtrace.messaging.models import Message


def outbox(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "message.list")
    messages = scoped(request.user, "message.view", Message.objects.all())
    page = Paginator(messages.only("id", "channel", "subject", "purpose", "status", "created_at"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "messaging/outbox.html", {"page": page})


def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_or_404(request.user, "message.view", Message, pk=pk)
    # The recipient's address and the body are personal data.
    record(Action.VIEW, request=request, obj=message)
    return render(request, "messaging/message_detail.html", {"message": message})
