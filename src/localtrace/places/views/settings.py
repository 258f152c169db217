"""The register of settings: list and search, add, details, edit, merge near-duplicates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from localtrace.accounts.access import Scope, get_or_404, may, require_capability, scope_for, scoped
from localtrace.areas.models import Area, Role
from localtrace.audit.services import Action, record
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.places import services
from localtrace.places.forms import MergeForm, SettingEditForm, SettingForm
from localtrace.places.models import Setting

FIELDS = services.EDITABLE


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
            form.add_error(getattr(error, "field", None), str(error))
        else:
            where = (
                "the register"
                if setting.area_id == area.pk
                else f"{setting.area.name}'s register (its postcode's area)"
            )
            messages.success(request, f"{setting.name} added to {where}.")
            return redirect("places:setting-detail", setting.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": "Add a setting", "back_url": reverse("places:setting-list"), "button": "Add setting"},
    )


def setting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    setting = get_or_404(request.user, "setting.view", Setting.objects.select_related("area", "merged_into"), pk=pk)
    readable = scoped(request.user, "case.view", Case.objects.all()).filter(visits__setting=setting)
    visits = list(
        readable.values_list("pk", "visits__visited_on", "visits__direction").order_by("-visits__visited_on", "pk")[
            :200
        ]
    )
    record(
        Action.VIEW, request=request, obj=setting, area=setting.area,
        detail={"cases_listed": sorted({case_id for case_id, _, _ in visits})},
    )  # fmt: skip
    # Visits by cases the reader may not open are counted, never listed (the register shows the total anyway).
    visit_total = setting.visits.count()
    visits_elsewhere = visit_total - (readable.count() if visits else 0)
    return render(
        request,
        "places/setting_detail.html",
        {
            "setting": setting,
            "visits": visits,
            "visit_total": visit_total,
            "visits_elsewhere": visits_elsewhere,
            "may_manage": may(request.user, "setting.manage", setting),
            "clusters": list(scoped(request.user, "cluster.view", setting.clusters.all())),
            "near": services.near_duplicates(setting) if may(request.user, "setting.manage", setting) else [],
        },
    )


def setting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    setting = get_or_404(request.user, "setting.manage", Setting.objects.filter(merged_into__isnull=True), pk=pk)
    form = SettingEditForm(
        request.POST or None,
        initial={f: getattr(setting, f) for f in FIELDS} | {"seen": services.setting_fingerprint(setting)},
    )
    if request.method == "POST" and form.is_valid():
        area_before = setting.area_id
        try:
            services.update_setting(
                setting, seen=form.cleaned_data["seen"], request=request, **{f: form.cleaned_data[f] for f in FIELDS}
            )
        except services.StaleSetting as error:
            # The form again, with the details as they are now (update_setting read them) and a fresh
            # fingerprint to save against.
            form = SettingEditForm(
                {f: getattr(setting, f) for f in FIELDS} | {"seen": services.setting_fingerprint(setting)}
            )
            form.is_valid()
            form.add_error(None, str(error))
        except InvestigationError as error:
            form.add_error(getattr(error, "field", None) or "postcode", str(error))
        else:
            moved = (
                f" It is now in {setting.area.name}'s register (its postcode's area)."
                if setting.area_id != area_before
                else ""
            )
            messages.success(request, f"{setting.name} saved.{moved}")
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
    # A choice made from a search is not in the default list, and neither the check page nor its confirmation
    # carries the search: any setting of the same area that is still in the register may be chosen.
    keep_pk = request.POST.get("keep", "") if request.method == "POST" else ""
    if keep_pk.isdigit() and not any(str(c.pk) == keep_pk for c in candidates):
        chosen = (
            Setting.objects.filter(area_id=duplicate.area_id, pk=int(keep_pk), merged_into__isnull=True)
            .exclude(pk=duplicate.pk)
            .first()
        )
        if chosen is not None:
            candidates.append(chosen)
    form = MergeForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        keep = get_or_404(request.user, "setting.manage", Setting, pk=form.cleaned_data["keep"])
        try:
            plan = services.merge_plan(duplicate, keep)
        except services.MergeError as error:
            form.add_error("keep", str(error))
        else:
            if request.POST.get("confirmed") == "yes":
                try:
                    services.merge_settings(duplicate, keep, request=request)
                except services.MergeError as error:
                    # Another team lead merged one of the two at the same moment (checked again under a lock).
                    form.add_error("keep", str(error))
                    return render(request, "places/setting_merge.html",
                                  {"setting": duplicate, "form": form, "q": text, "candidates": candidates})  # fmt: skip
                messages.success(
                    request,
                    f"{duplicate.name} merged into {keep.name}: {plan.visits} visit{pluralize(plan.visits)} moved.",
                )
                return redirect("places:setting-detail", keep.pk)
            return render(request, "places/setting_merge_confirm.html", {"plan": plan})
    return render(
        request, "places/setting_merge.html", {"setting": duplicate, "form": form, "q": text, "candidates": candidates}
    )
