"""Staff actions on self-service links: send one now, revoke one. Both scoped to the case or contact."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from localtrace.accounts.access import get_or_404
from localtrace.cases.models import Case
from localtrace.contacts.models import Contact
from localtrace.portal import services
from localtrace.portal.models import PortalLink


def _back(item: Case | Contact) -> HttpResponse:
    if isinstance(item, Case):
        return redirect("cases:case-detail", item.pk)
    return redirect("contacts:contact-detail", item.pk)


def _send(request: HttpRequest, item: Case | Contact) -> HttpResponse:
    (outcome,) = services.send_links([item], request=request)
    (messages.success if outcome.sent else messages.error)(request, outcome.summary + ".")
    return _back(item)


@require_POST
def send_case_link(request: HttpRequest, pk: int) -> HttpResponse:
    return _send(request, get_or_404(request.user, "case.view", Case.objects.select_related("person", "area"), pk=pk))


@require_POST
def send_contact_link(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_or_404(request.user, "contact.view", Contact.objects.select_related("person", "area"), pk=pk)
    return _send(request, contact)


@require_POST
def revoke_link(request: HttpRequest, pk: int) -> HttpResponse:
    link = PortalLink.objects.select_related("case", "contact").filter(pk=pk).first()
    if link is None:
        raise Http404
    # The link is in scope exactly when its case or contact is.
    if link.case_id:
        item: Case | Contact = get_or_404(request.user, "case.view", Case, pk=link.case_id)
    else:
        item = get_or_404(request.user, "contact.view", Contact, pk=link.contact_id)
    services.revoke_link(link, request=request)
    messages.success(request, "Self-service link revoked. It no longer works.")
    return _back(item)
