"""The directory of local organisations: read by support officers, kept by the area lead."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from localtrace.accounts.access import SUPPORT_ROLES, can, get_or_404, require_capability, scope_for, scoped
from localtrace.areas.models import Area, Role
from localtrace.core.forms import shown_as_now
from localtrace.support import services
from localtrace.support.forms import OrganisationEditForm, OrganisationForm
from localtrace.support.models import Organisation


def organisation_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "support.queue")
    organisations = scoped(request.user, "organisation.view", Organisation.objects.select_related("area"))
    return render(
        request,
        "support/organisation_list.html",
        {
            "organisations": organisations.order_by("area__name", "-active", "name"),
            "may_manage": can(request.user, "support.directory"),
            "areas": Area.objects.filter(pk__in=scope_for(request.user).areas_with(SUPPORT_ROLES)).count(),
        },
    )


def _save(request: HttpRequest, form: OrganisationForm, area: Area, organisation: Organisation | None) -> bool:
    data = form.cleaned_data
    try:
        services.save_organisation(
            area, name=data["name"], services=data["services"], phone=data["phone"], email=data["email"],
            website=data["website"], notes=data["notes"], active=data["active"] == "yes", organisation=organisation,
            request=request, seen=data.get("seen"),
        )  # fmt: skip
    except services.StaleOrganisation:
        raise  # the edit page shows the organisation as it is now
    except services.SupportError as error:
        form.add_error("name", str(error))
        return False
    return True


def organisation_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "support.directory")
    areas = Area.objects.filter(pk__in=scope_for(request.user).areas_with({Role.AREA_LEAD})).order_by("name")
    form = OrganisationForm(request.POST or None)
    form.fields["area"] = forms.ModelChoiceField(
        label="Area", queryset=areas, initial=areas.first(), empty_label=None,
        error_messages={"required": "Choose the area", "invalid_choice": "Choose one of your areas"},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid() and _save(request, form, form.cleaned_data["area"], None):
        messages.success(request, f"{form.cleaned_data['name']} added to the directory.")
        return redirect("support:organisation-list")
    return _form(request, form, "Add an organisation")


def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_or_404(request.user, "organisation.manage", Organisation, pk=pk)
    form = OrganisationEditForm(request.POST or None, initial=_as_now(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, organisation.area, organisation)
        except services.StaleOrganisation as error:
            # The details as they are now (save_organisation read them), with a fresh fingerprint to save against.
            form = shown_as_now(OrganisationEditForm(initial=_as_now(organisation)), str(error))
        else:
            if saved:
                messages.success(request, f"{form.cleaned_data['name']} updated.")
                return redirect("support:organisation-list")
    return _form(request, form, f"Change {organisation.name}")


def _as_now(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name, "services": organisation.services, "phone": organisation.phone,
        "email": organisation.email, "website": organisation.website, "notes": organisation.notes,
        "active": "yes" if organisation.active else "no", "seen": services.organisation_fingerprint(organisation),
    }  # fmt: skip


def _form(request: HttpRequest, form: OrganisationForm, title: str) -> HttpResponse:
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": title,
            "caption": "Local support directory",
            "back_url": reverse("support:organisation-list"),
        },
    )
