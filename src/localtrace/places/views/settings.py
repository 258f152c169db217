"""The register of settings: list and search, add, details, edit, merge near-duplicates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from localtrace.accounts.access import Scope, get_or_404, may, require_capability, scope_for, scoped
from localtrace.areas.models import Area, Role
from localtrace.audit.services import Action, record
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.places import services
from localtrace.places.forms import MergeForm, SettingForm
from localtrace.places.models import Setting

FIELDS = ("name", "kind", "address_line_1", "postcode", "manager_email", "manager_phone")


def _managed_areas(scope: Scope) -> list[Area]:
    return list(Area.objects.filter(pk__in=scope.areas_with({Role.TEAM_LEAD, Role.AREA_LEAD})).order_by("name"))


def setting_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "setting.register")
    text = request.GET.get("q", "").strip()[:100]
    register = scoped(request.user, "setting.view", Setting.objects.filter(merged_into__isnull=True))
    register = register.select_related("area").annotate(visit_count=Count("visits"))
    if text:
        found = services.search_settings(register, text, limit=50)
        page = None
        rows = found
    else:
        page = Paginator(register.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    return render(
        request,
        "places/setting_list.html",
        {"rows": rows, "page": page, "q": text, "may_add": bool(_managed_areas(scope_for(request.user)))},
    )


def setting_search(request: HttpRequest) -> HttpResponse:
    """The register's settings matching the name typed in a visit form (an htmx fragment; the form works without)."""
    from localtrace.cases.forms import VisitForm

    case = get_or_404(request.user, "case.view", Case, pk=request.GET.get("case", ""))
    text = (request.POST.get("name") or request.GET.get("name") or "").strip()[:100]
    form = VisitForm()
    form.offer(services.search_settings(services.settings_for_case(case), text) if len(text) >= 2 else [])
    return render(request, "places/includes/setting_choices.html", {"form": form})


def setting_add(request: HttpRequest) -> HttpResponse:
    areas = _managed_areas(scope_for(request.user))
    if not areas:
        raise Http404
    form = SettingForm(request.POST or None)
    if len(areas) > 1:
        form.fields["area"] = forms.ChoiceField(
            label="Which area's register?", choices=[(str(a.pk), a.name) for a in areas],
            error_messages={"required": "Choose the area"},
        )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = next((a for a in areas if str(a.pk) == data.get("area")), areas[0])
        try:
            setting = services.add_setting(area=area, request=request, **{f: data[f] for f in FIELDS})
        except InvestigationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{setting.name} added to the register.")
            return redirect("places:setting-detail", setting.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": "Add a setting", "back_url": reverse("places:setting-list"), "button": "Add setting"},
    )


def setting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    setting = get_or_404(request.user, "setting.view", Setting.objects.select_related("area", "merged_into"), pk=pk)
    visits = list(
        scoped(request.user, "case.view", Case.objects.all())
        .filter(visits__setting=setting)
        .values_list("pk", "visits__visited_on", "visits__direction")
        .order_by("-visits__visited_on", "pk")[:200]
    )
    record(Action.VIEW, request=request, obj=setting, area=setting.area, detail={"visits_listed": len(visits)})
    return render(
        request,
        "places/setting_detail.html",
        {
            "setting": setting,
            "visits": visits,
            "may_manage": may(request.user, "setting.manage", setting),
            "clusters": list(scoped(request.user, "cluster.view", setting.clusters.all())),
            "near": services.near_duplicates(setting) if may(request.user, "setting.manage", setting) else [],
        },
    )


def setting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    setting = get_or_404(request.user, "setting.manage", Setting.objects.filter(merged_into__isnull=True), pk=pk)
    form = SettingForm(request.POST or None, initial={f: getattr(setting, f) for f in FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_setting(setting, request=request, **{f: form.cleaned_data[f] for f in FIELDS})
        except InvestigationError as error:
            form.add_error("postcode", str(error))
        else:
            messages.success(request, f"{setting.name} saved.")
            return redirect("places:setting-detail", setting.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": f"Change {setting.name}",
            "back_url": reverse("places:setting-detail", args=[setting.pk]),
            "button": "Save",
        },
    )


def setting_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge this near-duplicate into another setting: choose, see what will move, confirm."""
    duplicate = get_or_404(request.user, "setting.manage", Setting.objects.filter(merged_into__isnull=True), pk=pk)
    candidates = services.near_duplicates(duplicate, limit=20)
    text = request.GET.get("q", "").strip()[:100]
    if text:
        extra = services.search_settings(
            Setting.objects.filter(area_id=duplicate.area_id).exclude(pk=duplicate.pk), text, limit=20
        )
        candidates = extra + [c for c in candidates if c not in extra]
    form = MergeForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and "keep" in request.POST and "confirmed" not in request.POST:
        # A choice made from a search whose results are not in the default list.
        keep_pk = request.POST.get("keep", "")
        if keep_pk.isdigit() and not any(str(c.pk) == keep_pk for c in candidates):
            chosen = Setting.objects.filter(area_id=duplicate.area_id, pk=int(keep_pk)).first()
            if chosen is not None:
                candidates.append(chosen)
                form = MergeForm(request.POST, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        keep = get_or_404(request.user, "setting.manage", Setting, pk=form.cleaned_data["keep"])
        try:
            plan = services.merge_plan(duplicate, keep)
        except services.MergeError as error:
            form.add_error("keep", str(error))
        else:
            if request.POST.get("confirmed") == "yes":
                services.merge_settings(duplicate, keep, request=request)
                messages.success(request, f"{duplicate.name} merged into {keep.name}: {plan.visits} visits moved.")
                return redirect("places:setting-detail", keep.pk)
            return render(request, "places/setting_merge_confirm.html", {"plan": plan})
    return render(
        request, "places/setting_merge.html", {"setting": duplicate, "form": form, "q": text, "candidates": candidates}
    )
