"""Staff pages for messages (the outbox, one message, the messages about a case or contact, stopping them)
and the public endpoint where GOV.UK Notify reports what became of each message."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404, require_capability, scoped
from localtrace.audit.labels import record_label
from localtrace.audit.services import Action, record
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.messaging import receipts, services
from localtrace.messaging.addresses import normalise
from localtrace.messaging.forms import StopMessagesForm
from localtrace.messaging.models import BadAddress, Message, OptOut
from localtrace.messaging.private_links import text_for_staff
from localtrace.portal.services import resend_shared

log = logging.getLogger(__name__)


def outbox(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "message.list")
    messages = scoped(request.user, "message.view", Message.objects.all())
    page = Paginator(
        messages.only(
            "id",
            "channel",
            "subject",
            "purpose",
            "status",
            "created_at",
            "attempts",
            "receipt_status",
            "case_id",
            "contact_id",
        ),
        50,
    ).get_page(request.GET.get("page"))
    for message in page:
        # Whose record it belongs to, by reference as staff pages name it (no name: no read of personal data).
        owner = ("cases.case", message.case_id) if message.case_id else ("contacts.contact", message.contact_id)
        message.record = record_label(owner[0], str(owner[1])) if owner[1] else ""  # type: ignore[attr-defined]
    return render(request, "messaging/outbox.html", {"page": page})


def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_or_404(request.user, "message.view", Message.objects.select_related("case", "contact"), pk=pk)
    # The recipient's address and the body are personal data.
    record(Action.VIEW, request=request, obj=message, area=message.area)
    return render(
        request,
        "messaging/message_detail.html",
        {"message": message, "text": text_for_staff(message), "events": message.events.all()},
    )


def _item_messages(request: HttpRequest, item: Case | Contact, kind: str) -> HttpResponse:
    person = item.person
    form = StopMessagesForm()
    if request.method == "POST":
        if request.POST.get("action") == "resume":
            services.resume_messages(person, request=request, item=item)
            flash.success(request, "Messages will be sent to them again.")
            return redirect(f"messaging:{kind}-messages", item.pk)
        form = StopMessagesForm(request.POST)
        if form.is_valid():
            stopped = services.stop_messages(person, request=request, note_text=form.cleaned_data["note"], item=item)
            resent = resend_shared(stopped.shared, person, request=request)
            told = "Messages stopped. Nothing more will be sent to them until they ask again."
            if resent:
                # A text not yet sent held their link and others' (a phone they share): the others get new ones.
                n, sent = len(resent), sum(outcome.sent for outcome in resent)
                told += (
                    f" A text not yet sent also held self-service links for {n} other "
                    f"{'person' if n == 1 else 'people'} at the same number, so it will not be sent."
                )
                if sent == n:
                    told += f" They were sent {'new links' if n > 1 else 'a new link'} in a text without theirs."
                elif sent:
                    told += f" {sent} of them were sent new links; the others' records say why they could not be."
                else:
                    told += " No new link could be sent; their records say why."
            flash.success(request, told)
            return redirect(f"messaging:{kind}-messages", item.pk)
    record(Action.VIEW, request=request, obj=item, area=item.area, detail={"page": "messages"})
    owner = {"case": item} if isinstance(item, Case) else {"contact": item}
    addresses = [(c, a) for c, a in (("sms", person.phone), ("email", person.email)) if a]
    bad = {
        (b.channel, b.address): b
        for b in BadAddress.objects.filter(address__in=[normalise(c, a) for c, a in addresses])
    }
    return render(
        request,
        "messaging/item_messages.html",
        {
            "item": item,
            "kind": kind,
            "person": person,
            # Its own messages, and those shared with others who have the same number.
            "messages_about": Message.objects.filter(Q(**owner) | Q(**{f"about__{kind}": item}))
            .distinct()
            .prefetch_related("events"),
            "opt_out": OptOut.objects.filter(person=person).select_related("recorded_by").first(),
            "addresses": [(c, a, bad.get((c, normalise(c, a)))) for c, a in addresses],
            "form": form,
            "back_url": item_url(item),
        },
    )


def item_url(item: Case | Contact) -> str:
    from django.urls import reverse

    if isinstance(item, Case):
        return reverse("cases:case-detail", args=[item.pk])
    return reverse("contacts:contact-detail", args=[item.pk])


def case_messages(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_or_404(request.user, "case.view", Case.objects.select_related("person", "area"), pk=pk)
    return _item_messages(request, case, "case")


def contact_messages(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_or_404(request.user, "contact.view", Contact.objects.select_related("person", "area"), pk=pk)
    return _item_messages(request, contact, "contact")


# --- GOV.UK Notify's delivery receipts ------------------------------------------------------


def _authorised(request: HttpRequest) -> bool:
    expected = (getattr(settings, "LOCALTRACE_NOTIFY", None) or {}).get("callback_token", "")
    given = request.headers.get("Authorization", "")
    if not expected or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), expected.encode())


@login_not_required
@csrf_exempt
@require_POST
def notify_callback(request: HttpRequest) -> HttpResponse:
    """Notify POSTs each delivery receipt here with our bearer token (docs/messaging.md)."""
    if not _authorised(request):
        return JsonResponse({"error": "A valid bearer token is required."}, status=401)
    if len(request.body) > 10_000:
        return JsonResponse({"error": "The body is too large for a receipt."}, status=400)
    try:
        receipt = receipts.parse(json.loads(request.body))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # RecursionError: nested too deep
        message = str(error) if isinstance(error, receipts.BadReceipt) else "The body is not JSON."
        return JsonResponse({"error": message}, status=400)
    updated = receipts.apply(receipt)
    if updated is None:
        # Notify's id, not personal data; logged so an operator can see receipts for unknown messages.
        log.warning("Delivery receipt for an unknown notification %s", receipt.notification_id)
        return JsonResponse({"error": "No message has this notification id."}, status=404)
    return JsonResponse({"message": updated.pk, "status": updated.status})
