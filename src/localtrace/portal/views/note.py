"""The isolation note: a page and a PDF for the person; a verification page for staff."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from localtrace.accounts.access import may, require_capability
from localtrace.audit.services import Action, record
from localtrace.portal.forms import VerifyNoteForm
from localtrace.portal.models import IsolationNote, PortalLink
from localtrace.portal.notes import issue_note, normalise_reference
from localtrace.portal.pdf import isolation_note_pdf
from localtrace.portal.views.base import person_page


@person_page
def note_page(request: HttpRequest, link: PortalLink) -> HttpResponse:
    return render(request, "portal/note.html", {"person": link.person})


@person_page
def note_pdf(request: HttpRequest, link: PortalLink) -> HttpResponse:
    note = issue_note(link, request=request)
    response = HttpResponse(isolation_note_pdf(note, link.person.full_name), content_type="application/pdf")
    # The reference, not the name, in the file name: downloads folders are not private.
    response["Content-Disposition"] = f'attachment; filename="isolation-note-{note.reference}.pdf"'
    return response


def verify_note(request: HttpRequest) -> HttpResponse:
    """Staff check a reference an employer read out: valid or not, and for which dates; nothing more."""
    require_capability(request.user, "case.queue")
    # POST, so that references stay out of URLs and server logs.
    form = VerifyNoteForm(request.POST if request.method == "POST" else None)
    result: IsolationNote | None = None
    checked = False
    if form.is_bound and form.is_valid():
        checked = True
        reference = normalise_reference(form.cleaned_data["reference"])
        found = (
            IsolationNote.objects.select_related("case", "contact").filter(reference=reference).first()
            if reference
            else None
        )
        if found is not None and may(request.user, "case.view" if found.case_id else "contact.view", found.item):
            result = found
        record(
            Action.VIEW, request=request, obj=result, object_type="portal.isolationnote",
            area=result.item.area if result else None,  # type: ignore[attr-defined]
            detail={"verify_isolation_note": reference or form.cleaned_data["reference"][:20], "valid": result is not None},
        )  # fmt: skip
    return render(request, "portal/verify_note.html", {"form": form, "result": result, "checked": checked})
