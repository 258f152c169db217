"""Recording where a case has been: matched to an existing setting where possible, dated, directed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.areas.services import route_postcode
from localtrace.cases.events import note
from localtrace.cases.investigation import InvestigationError
from localtrace.cases.models import Case
from localtrace.config import policy
from localtrace.core.fingerprints import fingerprint
from localtrace.people.names import name_key
from localtrace.places.models import REASON_MAX, Setting, Visit


def visit_days(case: Case, *, today: dt.date | None = None) -> tuple[policy.Window, policy.Window | None]:
    """The days a visit may be recorded on: the backward window, and the infectious period up to today.

    The second is None while the infectious period has not begun. Nobody can have been anywhere tomorrow.
    """
    today = today or timezone.localdate()
    backward, infectious = policy.backward_window(case.anchor_date), policy.infectious_period(case.anchor_date)
    if backward.last > today:
        backward = policy.Window(backward.first, today)
    if infectious.first > today:
        return backward, None
    return backward, policy.Window(infectious.first, min(infectious.last, today))


def _day(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def visit_days_hint(case: Case, *, today: dt.date | None = None) -> str:
    """The visit form's hint: the days that matter, the infectious period ending today at the latest."""
    backward, infectious = visit_days(case, today=today)
    text = f"Where they may have caught it: {_day(backward.first)} to {_day(backward.last)}."
    if infectious is not None:
        text += f" While infectious: {_day(infectious.first)} to {_day(infectious.last)}."
    return text


def direction_for(case: Case, day: dt.date) -> str | None:
    """Backward in the backward window, forward in the infectious period, else None (not asked about)."""
    if day in policy.backward_window(case.anchor_date):
        return Visit.Direction.BACKWARD
    if day in policy.infectious_period(case.anchor_date):
        return Visit.Direction.FORWARD
    return None


def relabel_visits(
    case: Case, *, request: HttpRequest | None = None, actor: Any = None, at: dt.datetime | None = None
) -> int:
    """After the case's dates changed (symptoms recorded later than the visits), each visit is labelled again:
    where they may have caught it, or while infectious. Cluster detection reads the label, so a stale one raised
    clusters from forward visits or missed backward ones. Returns how many visits changed.

    A visit now outside both periods keeps its label: it was asked about and recorded, and a person decides.
    """
    changed = 0
    for visit in Visit.objects.filter(case=case).select_related("setting").order_by("visited_on", "pk"):
        direction = direction_for(case, visit.visited_on)
        if direction is None or direction == visit.direction:
            continue
        Visit.objects.filter(pk=visit.pk).update(direction=direction)
        label = "where they may have caught it" if direction == Visit.Direction.BACKWARD else "while infectious"
        note(case, "visit", f"{visit.setting.name} on {visit.visited_on:%-d %B}: now {label}, from the new dates",
             request=request, actor=actor, at=at, setting=visit.setting_id, direction=direction)  # fmt: skip
        changed += 1
    return changed


def find_or_add_setting(*, area_id: int, name: str, kind: str, postcode: str = "", address_line_1: str = "") -> Setting:
    """The area's setting with this name (and postcode, if given), or a new one.

    Names are compared as the matching of people does (case, accents and punctuation ignored), so
    "The Crown" and "the crown" are one place; merging near-duplicates is a team lead's job.
    """
    key = name_key(name)
    candidates = Setting.objects.filter(area_id=area_id, kind=kind, merged_into__isnull=True)
    if postcode:
        candidates = candidates.filter(postcode=postcode)
    for setting in candidates.only("pk", "name", "postcode"):
        if name_key(setting.name) == key:
            return setting
    return Setting.objects.create(
        area_id=area_id, name=" ".join(name.split()), kind=kind, postcode=postcode, address_line_1=address_line_1
    )


@transaction.atomic
def record_visit(
    case: Case, *, name: str, kind: str, visited_on: dt.date, postcode: str = "", address_line_1: str = "",
    request: HttpRequest | None = None, actor: Any = None, online: bool = False, setting: Setting | None = None,
    at: dt.datetime | None = None,
) -> Visit:  # fmt: skip
    """One action for tracers and the case online: a visit in the backward window or the infectious period.

    `setting` is an existing setting the tracer chose from the register (it must be one the case's area may
    use: see `settings_for_case`); otherwise name, kind and postcode find or add one. `at` is when it was
    recorded, for replays (the demo's working day).
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    today = timezone.localdate(at) if at is not None else timezone.localdate()
    if visited_on > today:
        raise InvestigationError(
            f"The day they were there must be today or in the past: {visited_on:%-d %B %Y} has not happened yet"
        )
    direction = direction_for(case, visited_on)
    if direction is None:
        backward, infectious = visit_days(case, today=today)
        last = (infectious or backward).last
        raise InvestigationError(
            f"Ask about places between {backward.first:%-d %B} and {last:%-d %B}: "
            f"{visited_on:%-d %B} is outside the days that matter"
        )
    if postcode:
        try:
            postcode = normalise_postcode(postcode)
        except InvalidPostcode as error:
            raise InvestigationError(str(error)) from None
    if setting is not None:
        if setting.merged_into_id is not None:
            setting = Setting.objects.get(pk=setting.merged_into_id)
        if not settings_for_case(case).filter(pk=setting.pk).exists():
            raise InvestigationError("Choose a place from this area's register, or enter a new one")
    else:
        area_id = getattr(route_postcode(postcode), "pk", None) if postcode else None
        setting = find_or_add_setting(
            area_id=area_id or case.area_id, name=name, kind=kind, postcode=postcode, address_line_1=address_line_1
        )
    # One row per case, setting and day: the case's row is locked so two saves at once cannot both pass.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    if Visit.objects.filter(case=case, setting=setting, visited_on=visited_on).exists():
        raise InvestigationError(f"{setting.name} on {visited_on:%-d %B %Y} is already recorded for this case")
    visit = Visit.objects.create(
        case=case,
        setting=setting,
        visited_on=visited_on,
        direction=direction,
        recorded_by=actor,
        recorded_online=online,
        **({"recorded_at": at} if at is not None else {}),
    )
    label = "where they may have caught it" if direction == Visit.Direction.BACKWARD else "while infectious"
    note(case, "visit", f"Visited {setting.name} on {visited_on:%-d %B} ({label})", request=request, actor=actor, at=at,
         setting=setting.pk, direction=direction)  # fmt: skip
    return visit


@transaction.atomic
def remove_visit(visit: Visit, *, reason: str, request: HttpRequest | None = None, actor: Any = None) -> None:
    """Take away a visit recorded in error, with the reason, on the case's timeline (and so the audit trail).

    The visit row goes, so cluster detection and the transmission chains stop counting it at their next run.
    The case leaves at once the clusters of that setting it has no other visit in, and an outbreak of the
    setting it has no other visit to any of its settings for (a line on the outbreak's timeline says why).
    """
    from localtrace.audit.services import Action, record
    from localtrace.places.detection import Rule
    from localtrace.places.models import Cluster, Outbreak
    from localtrace.places.outbreaks import event

    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    reason = " ".join(reason.split())
    if not reason:
        raise InvestigationError("Enter why you are removing this visit")
    if len(reason) > REASON_MAX:
        raise InvestigationError(f"The reason must be {REASON_MAX} characters or fewer")
    visit = Visit.objects.select_related("case", "setting").select_for_update().get(pk=visit.pk)
    case, setting, day, direction = visit.case, visit.setting, visit.visited_on, visit.direction
    visit.delete()
    others = Visit.objects.filter(case=case)
    widen = dt.timedelta(days=Rule.configured().window_days)
    for cluster in Cluster.objects.filter(
        setting=setting, cases=case, first_visit_on__lte=day + widen, last_visit_on__gte=day - widen
    ):
        span = (cluster.first_visit_on - widen, cluster.last_visit_on + widen)
        if not others.filter(setting=setting, visited_on__range=span).exists():
            cluster.cases.remove(case)
    for outbreak in Outbreak.objects.filter(cases=case, settings=setting).select_related("area"):
        if not others.filter(setting__in=outbreak.settings.all()).exists():
            outbreak.cases.remove(case)
            event(outbreak, "case_removed", f"{case.reference} taken out: their visit to {setting.name} on "
                  f"{day:%-d %B} was recorded in error", actor=actor)  # fmt: skip
            record(Action.CHANGE, request=request, actor=actor, obj=outbreak, area=outbreak.area,
                   detail={"case_removed": case.pk, "visit_removed": True})  # fmt: skip
    label = "where they may have caught it" if direction == Visit.Direction.BACKWARD else "while infectious"
    summary = f"Removed the visit to {setting.name} on {day:%-d %B} ({label}), recorded in error: {reason}"
    note(case, "visit_removed", summary if len(summary) <= 500 else summary[:499] + "…", request=request,
         actor=actor, setting=setting.pk, visited_on=day.isoformat(), direction=direction, reason=reason)  # fmt: skip


# --- the register: search, near-duplicates, merge -------------------------------------------


def settings_for_case(case: Case) -> QuerySet[Setting]:
    """Settings a visit of this case may use: the register of the case's area (merged ones excluded)."""
    return Setting.objects.filter(area_id=case.area_id, merged_into__isnull=True)


def search_settings(queryset: QuerySet[Setting], text: str, *, limit: int = 8) -> list[Setting]:
    """Settings whose name or postcode contains every word typed, best first (name starts with it)."""
    words = [w for w in text.split() if w][:5]
    if not words:
        return []
    found = queryset.filter(merged_into__isnull=True)
    for word in words:
        found = found.filter(Q(name__icontains=word) | Q(postcode__icontains=word) | Q(address_line_1__icontains=word))
    first = words[0].lower()
    ranked = sorted(
        found.order_by("name")[: limit * 4], key=lambda s: (not s.name.lower().startswith(first), s.name.casefold())
    )
    return ranked[:limit]


def near_duplicates(setting: Setting, *, limit: int = 10) -> list[Setting]:
    """Other settings of the same area that look like this one: same postcode, or a name sharing its first word."""
    key_words = [w for w in name_key(setting.name).split() if w not in {"the", "a", "an", "of", "and", "st"}]
    others = Setting.objects.filter(area_id=setting.area_id, merged_into__isnull=True).exclude(pk=setting.pk)
    near = Q(postcode=setting.postcode) if setting.postcode else Q(pk__in=[])
    for word in key_words[:2]:
        near |= Q(name__icontains=word)
    return list(others.filter(near).order_by("name")[:limit])


class MergeError(ValueError):
    pass


@dataclass(frozen=True)
class MergePlan:
    """What merging `duplicate` into `keep` will move, shown before the team lead confirms."""

    keep: Setting
    duplicate: Setting
    visits: int
    clusters: int
    outbreaks: int


def merge_plan(duplicate: Setting, keep: Setting) -> MergePlan:
    if duplicate.pk == keep.pk:
        raise MergeError("Choose a different setting to keep")
    if duplicate.area_id != keep.area_id:
        raise MergeError("Only settings of the same area can be merged")
    if duplicate.merged_into_id or keep.merged_into_id:
        raise MergeError("One of these settings has already been merged")
    return MergePlan(
        keep=keep,
        duplicate=duplicate,
        visits=duplicate.visits.count(),
        clusters=duplicate.clusters.count(),
        outbreaks=duplicate.outbreaks.count(),
    )


@transaction.atomic
def merge_settings(
    duplicate: Setting, keep: Setting, *, request: HttpRequest | None = None, actor: Any = None
) -> MergePlan:
    """Move every visit (and cluster, and outbreak link) of `duplicate` to `keep`; `duplicate` stays, marked merged."""
    from localtrace.audit.services import Action, record
    from localtrace.places.models import Cluster

    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    duplicate = Setting.objects.select_for_update().get(pk=duplicate.pk)
    keep = Setting.objects.select_for_update().get(pk=keep.pk)
    plan = merge_plan(duplicate, keep)
    Visit.objects.filter(setting=duplicate).update(setting=keep)
    Cluster.objects.filter(setting=duplicate).update(setting=keep)
    for outbreak in duplicate.outbreaks.all():
        outbreak.settings.remove(duplicate)
        outbreak.settings.add(keep)
    for field in ("address_line_1", "postcode", "manager_email", "manager_phone"):
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
    keep.save()
    duplicate.merged_into = keep
    duplicate.merged_at = timezone.now()
    duplicate.save(update_fields=["merged_into", "merged_at"])
    record(Action.CHANGE, request=request, actor=actor, obj=keep, area=keep.area,
           detail={"merged": duplicate.pk, "visits_moved": plan.visits, "clusters_moved": plan.clusters})  # fmt: skip
    return plan


class RegisterError(InvestigationError):
    """A setting that cannot go in that register; `field` is the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _register_area(postcode: str, chosen: Any, actor: Any) -> Any:
    """The area whose register a setting belongs in: its postcode's area when the postcode routes, else `chosen`.

    Cases record a visit with the place's postcode, and their visit finds (or adds) the setting in the
    postcode's area: a setting kept elsewhere would be a second entry for one place, splitting its clusters.
    So a team lead adds (or moves) a setting to another area's register only when they lead there too.
    """
    from localtrace.accounts.access import scope_for
    from localtrace.areas.models import Role

    routed = route_postcode(postcode) if postcode else None
    if routed is None or routed.pk == getattr(chosen, "pk", None):
        return chosen
    if actor is not None and routed.pk not in scope_for(actor).areas_with({Role.TEAM_LEAD, Role.AREA_LEAD}):
        raise RegisterError(
            f"{postcode} is in {routed.name}, so the setting belongs in {routed.name}'s register, which you "
            f"cannot change. Check the postcode, or ask {routed.name}'s team to add it",
            field="postcode",
        )
    return routed


# What the edit page shows and saves; its fingerprint tells whether someone changed them since it was opened.
EDITABLE = ("name", "kind", "address_line_1", "postcode", "manager_email", "manager_phone")
STALE_SETTING = (
    "Someone changed these details while you were editing. They are shown as they are now: make your change again."
)


class StaleSetting(RegisterError):
    """The setting changed since the form was opened: saving it would quietly undo that change."""


def setting_fingerprint(setting: Setting) -> str:
    """A digest of the details as a form showed them, to tell whether they changed since."""
    return fingerprint(setting, EDITABLE)


def _same_setting_in(area: Any, *, name: str, kind: str, postcode: str, exclude: int | None = None) -> bool:
    key = name_key(name)
    same = Setting.objects.filter(area=area, kind=kind, postcode=postcode, merged_into__isnull=True)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    return any(name_key(s.name) == key for s in same.only("name"))


@transaction.atomic
def update_setting(
    setting: Setting,
    *,
    seen: str | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    **fields: Any,
) -> Setting:
    """Change a setting's details (name, kind, address, postcode, manager's email and phone), audited.

    A new postcode in another area moves the setting to that area's register (see `_register_area`).
    `seen` is the edit form's `setting_fingerprint`: if the details changed since the form was opened, the
    change is refused (StaleSetting) rather than allowed to put back what someone else just changed.
    """
    from localtrace.audit.services import Action, record

    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))}")
    # As it is now, locked until the change is saved; `setting` shows the current details afterwards either way.
    setting.refresh_from_db(from_queryset=Setting.objects.select_for_update())
    if seen is not None and setting_fingerprint(setting) != seen:
        raise StaleSetting(STALE_SETTING)
    if fields.get("postcode"):
        try:
            fields["postcode"] = normalise_postcode(fields["postcode"])
        except InvalidPostcode as error:
            raise RegisterError(str(error), field="postcode") from None
    postcode = fields.get("postcode", setting.postcode)
    area = _register_area(postcode, setting.area, actor) if postcode != setting.postcode else setting.area
    changed = sorted(k for k, v in fields.items() if getattr(setting, k) != v)
    detail: dict[str, Any] = {"fields": changed}
    if area.pk != setting.area_id:
        name, kind = fields.get("name", setting.name), fields.get("kind", setting.kind)
        if _same_setting_in(area, name=name, kind=kind, postcode=postcode, exclude=setting.pk):
            raise RegisterError(
                f"{area.name}'s register already has {name} at {postcode}: merge the two there instead",
                field="postcode",
            )
        detail.update(moved_from_area=setting.area_id, moved_to_area=area.pk)
        setting.area = area
    for name, value in fields.items():
        setattr(setting, name, value)
    setting.save(update_fields=[*fields, "area"])
    record(Action.CHANGE, request=request, actor=actor, obj=setting, area=setting.area, detail=detail)
    return setting


@transaction.atomic
def add_setting(*, area: Any, request: HttpRequest | None = None, actor: Any = None, **fields: Any) -> Setting:
    """A new setting in the register of its postcode's area (else `area`'s), unless it is there already."""
    from localtrace.audit.services import Action, record

    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if fields.get("postcode"):
        try:
            fields["postcode"] = normalise_postcode(fields["postcode"])
        except InvalidPostcode as error:
            raise RegisterError(str(error), field="postcode") from None
    area = _register_area(fields.get("postcode", ""), area, actor)
    if _same_setting_in(area, name=fields["name"], kind=fields["kind"], postcode=fields.get("postcode", "")):
        raise RegisterError(f"{fields['name']} is already in the register")
    setting = Setting.objects.create(area=area, **fields)
    record(Action.CREATE, request=request, actor=actor, obj=setting, area=area)
    return setting


def setting_search_attrs(case: Case) -> dict[str, str]:
    """htmx attributes for a visit form's name input: offer the register's settings as the tracer types."""
    from django.urls import reverse

    return {
        "hx-post": f"{reverse('places:setting-search')}?case={case.pk}",
        "hx-trigger": "input changed delay:300ms",
        "hx-target": "#setting-choices",
        "hx-swap": "innerHTML",
        "autocomplete": "off",
    }
