"""The data protection officer's pages for subject access requests (rules in audit/subject_access.py).

No personal data goes in an address: a request is named by its id, and searches are posted, not queried.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from localtrace.accounts.access import acting_user, get_or_404, require_capability, scoped
from localtrace.audit import subject_access as sa
from localtrace.audit.forms import CloseForm, ExtendForm, FreeTextForm, IdentityForm, RecordsForm, RequestForm
from localtrace.audit.models import SubjectAccessRequest
from localtrace.audit.services import Action, record
from localtrace.core.addresses import address
from localtrace.core.forms import shown_as_now

CLOSED_SHOWN = 200


def _request_for(request: HttpRequest, pk: int) -> SubjectAccessRequest:
    require_capability(request.user, "audit.subject_access")
    return get_or_404(request.user, "subject_access.view", SubjectAccessRequest, pk=pk)


def _posted(request: HttpRequest) -> Any:
    # An empty post (nothing ticked) is still a post: the form must say what is missing.
    return request.POST if request.method == "POST" else None


def _form_page(request: HttpRequest, sar: SubjectAccessRequest | None, form: Any, **context: Any) -> HttpResponse:
    back = address("audit:sar-detail", sar.pk) if sar else address("audit:sar-list")
    return render(
        request,
        "core/form_page.html",
        {"form": form, "back_url": back, "caption": sar.reference if sar else "Subject access request", **context},
    )


def _refuse(request: HttpRequest, sar: SubjectAccessRequest, error: sa.SubjectAccessError) -> HttpResponse:
    messages.error(request, str(error))
    return redirect(address("audit:sar-detail", sar.pk))


def request_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "audit.subject_access")
    visible = scoped(request.user, "subject_access.view", SubjectAccessRequest.objects.all())
    # Every open request, the earliest received first; the latest closed ones after them.
    requests = [
        *visible.filter(closed_at__isnull=True).order_by("received_on", "pk"),
        *visible.filter(closed_at__isnull=False).order_by("-closed_at", "-pk")[:CLOSED_SHOWN],
    ]
    today = timezone.localdate()
    rows = [(r, due, (due - today).days, (today - due).days) for r in requests for due in [sa.due_for(r)]]
    record(Action.VIEW, request=request, object_type="audit.subjectaccessrequest", detail={"list": len(rows)})
    return render(
        request,
        "audit/sar_list.html",
        {"open_rows": [r for r in rows if r[0].is_open], "closed_rows": [r for r in rows if not r[0].is_open]},
    )


def request_new(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "audit.subject_access")
    form = RequestForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        sar = sa.start_request(form.cleaned_data, by=acting_user(request), request=request)
        return redirect(address("audit:sar-detail", sar.pk))
    return _form_page(
        request,
        None,
        form,
        title="Record a subject access request",
        introduction="Enter the requester's details as they gave them. They are used to find their records, "
        "and are erased with the request's other details after the retention period.",
        button="Save and continue",
    )


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sar = _request_for(request, pk)
    copy = sa.build_copy(sar) if sar.records_confirmed_at else None
    step = sa.progress(sar, copy)
    record(Action.VIEW, request=request, obj=sar)
    people = copy.people if copy else []
    return render(
        request,
        "audit/sar_detail.html",
        {
            "sar": sar,
            "due_on": sa.due_for(sar),
            "days": (sa.due_for(sar) - timezone.localdate()).days,
            "overdue": (timezone.localdate() - sa.due_for(sar)).days,
            "step": step,
            "records_status": f"{len(people)} record{'s' if len(people) != 1 else ''}" if people else "None found",
            "copy": copy,
        },
    )


def request_records(request: HttpRequest, pk: int) -> HttpResponse:
    sar = _request_for(request, pk)
    if not sar.is_open:
        return _refuse(request, sar, sa.SubjectAccessError(f"{sar.reference} is closed; it cannot be changed."))
    candidates = sa.find_records(sar)
    # Showing a record's identifiers is a read of personal data, one audit event per record.
    for candidate in candidates:
        record(Action.VIEW, request=request, obj=candidate.person, detail={"subject_access_request": sar.pk})
    chosen = {str(p.pk) for p in sar.people.all()}
    form = RecordsForm(_posted(request), candidates=candidates)
    if request.method == "POST" and form.is_valid():
        by_pk = {str(c.person.pk): c.person for c in candidates}
        people = [by_pk[pk] for pk in form.cleaned_data["people"]]
        try:
            sa.confirm_records(sar, people, by=acting_user(request), request=request)
        except sa.SubjectAccessError as error:
            return _refuse(request, sar, error)
        return redirect(address("audit:sar-detail", sar.pk))
    if form.is_bound:
        chosen = set(request.POST.getlist("people"))
    return render(
        request,
        "audit/sar_records.html",
        {"sar": sar, "form": form, "candidates": candidates, "chosen": chosen},
    )


def request_identity(request: HttpRequest, pk: int) -> HttpResponse:
    sar = _request_for(request, pk)
    form = IdentityForm(_posted(request), initial=_identity_as_now(sar))
    if request.method == "POST" and form.is_valid():
        try:
            evidence, seen = form.cleaned_data["evidence"], form.cleaned_data["seen"]
            sa.record_identity_check(sar, evidence, by=acting_user(request), request=request, seen=seen)
        except sa.StaleIdentityCheck as error:
            # The check as it is now (record_identity_check read it), with a fresh fingerprint to save against.
            form = shown_as_now(IdentityForm(initial=_identity_as_now(sar)), str(error))
        except sa.SubjectAccessError as error:
            return _refuse(request, sar, error)
        else:
            return redirect(address("audit:sar-detail", sar.pk))
    return _form_page(
        request,
        sar,
        form,
        title="Check the requester's identity",
        introduction="Send a copy only to the person it is about, or to someone they have authorised. Ask only "
        "for what you need to be sure, and record how you were sure.",
        button="Save",
    )


def _identity_as_now(sar: SubjectAccessRequest) -> dict[str, str]:
    return {"evidence": sar.identity_evidence, "seen": sa.identity_fingerprint(sar)}


def request_free_text(request: HttpRequest, pk: int) -> HttpResponse:
    sar = _request_for(request, pk)
    if sar.records_confirmed_at is None:
        return _refuse(request, sar, sa.SubjectAccessError("Confirm which records are the requester's first."))
    copy = sa.build_copy(sar)
    items = copy.free_texts
    record(Action.VIEW, request=request, obj=sar, detail={"free_text": len(items)})
    form = FreeTextForm(_posted(request), items=items, initial={"withheld": sar.withheld})
    if request.method == "POST" and form.is_valid():
        try:
            sa.record_free_text_check(
                sar,
                shown=form.cleaned_data["shown"].split(),
                withheld=form.cleaned_data["withheld"],
                by=acting_user(request),
                request=request,
            )
        except sa.SubjectAccessError as error:
            form.add_error(None, str(error))
        else:
            return redirect(address("audit:sar-detail", sar.pk))
    chosen = set(request.POST.getlist("withheld")) if form.is_bound else set(sar.withheld)
    return render(
        request,
        "audit/sar_free_text.html",
        {"sar": sar, "form": form, "items": items, "chosen": chosen},
    )


def request_extend(request: HttpRequest, pk: int) -> HttpResponse:
    sar = _request_for(request, pk)
    form = ExtendForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            extended = sa.extend(sar, form.cleaned_data["reason"], by=acting_user(request), request=request)
        except sa.SubjectAccessError as error:
            return _refuse(request, sar, error)
        messages.success(request, f"Extended: the response is now due on {sa.due_for(extended):%-d %B %Y}.")
        return redirect(address("audit:sar-detail", sar.pk))
    return _form_page(request, sar, form, title="Extend the time to respond", button="Extend by two months")


def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    sar = _request_for(request, pk)
    form = CloseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            sa.close(
                sar,
                form.cleaned_data["outcome"],
                form.cleaned_data["responded_on"],
                by=acting_user(request),
                request=request,
            )
        except sa.SubjectAccessError as error:
            form.add_error(None, str(error))
        else:
            return redirect(address("audit:sar-detail", sar.pk))
    return _form_page(request, sar, form, title="Close the request", button="Close the request")


def request_copy(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    sar = _request_for(request, pk)
    copy = sa.build_copy(sar)
    if not sa.progress(sar, copy).ready:
        return _refuse(
            request,
            sar,
            sa.SubjectAccessError("The copy can be downloaded once the records, identity and free text are checked."),
        )
    if fmt == "json":
        content, content_type = sa.copy_json(copy), "application/json; charset=utf-8"
    else:
        content = render_to_string("audit/sar_copy.html", {"copy": copy}).encode()
        content_type = "text/html; charset=utf-8"
    sa.download(sar, copy, content, fmt, by=acting_user(request), request=request)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{sar.reference}-{timezone.localdate():%Y-%m-%d}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
