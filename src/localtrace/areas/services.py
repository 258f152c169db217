"""Actions on areas, teams and delegations, and the ONS Postcode Directory loader."""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.accounts.access import acting_user
from localtrace.areas.models import Area, Delegation, Membership, Postcode, Team
from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.audit.services import Action, record
from localtrace.core.fingerprints import fingerprint

# Longest a surge team may hold an area's queues without the area renewing it.
MAX_DELEGATION_DAYS = 28


class DelegationError(ValueError):
    """A grant the rules refuse; nothing was created. `field` names the form's question it is about, if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StalePublicPhone(ValueError):
    """The number changed since the form was opened: saving it would quietly undo that change."""


STALE_PUBLIC_PHONE = (
    "Someone else changed the phone number for the public since you opened this page. It is shown as it is now: "
    "make your change again."
)


def public_phone_fingerprint(area: Area) -> str:
    return fingerprint(area, ("public_phone",))


@transaction.atomic
def set_public_phone(request: HttpRequest, area: Area, number: str, *, seen: str | None = None) -> None:
    """The area's number for the public (E.164, or "" for none), which messages asking people to call give.

    `seen` is the form's `public_phone_fingerprint`: a number changed since the form was opened is not overwritten
    from a stale page (StalePublicPhone); `area` then holds the number as it is now."""
    if seen is not None:
        area.refresh_from_db(fields=["public_phone"], from_queryset=Area.objects.select_for_update())
        if public_phone_fingerprint(area) != seen:
            raise StalePublicPhone(STALE_PUBLIC_PHONE)
    Area.objects.filter(pk=area.pk).update(public_phone=number)
    area.public_phone = number
    record(Action.CHANGE, request=request, obj=area, area=area, detail={"public_phone": number})


@transaction.atomic
def grant_delegation(
    request: HttpRequest, *, area: Area, team: Team, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
) -> Delegation:
    if team.kind != Team.Kind.SURGE:
        raise DelegationError("Only a surge team can be given access to an area's queues.", field="team")
    if ends_at <= starts_at:
        raise DelegationError("The end must be after the start.", field="ends_on")
    if ends_at <= timezone.now():
        raise DelegationError("The end must be in the future.", field="ends_on")
    if ends_at - starts_at > dt.timedelta(days=MAX_DELEGATION_DAYS):
        raise DelegationError(
            f"Access can last {MAX_DELEGATION_DAYS} days at most. Grant it again to extend it.", field="ends_on"
        )
    # One grant at a time per team and area: with two, ending one would leave the other open. Locking the
    # team's row makes two leads granting at once take turns, so the second sees the first's grant.
    Team.objects.select_for_update().filter(pk=team.pk).first()
    clash = (
        Delegation.objects.filter(area=area, team=team, revoked_at__isnull=True)
        .filter(starts_at__lt=ends_at, ends_at__gt=max(starts_at, timezone.now()))
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise DelegationError(
            f"{team.name} already has access to {area.name}'s queues from {clash.from_text()} until"
            f" {clash.until_text()}. Choose days after that, or end that access first.",
            field="starts_on",
        )
    delegation = Delegation.objects.create(
        area=area, team=team, starts_at=starts_at, ends_at=ends_at, reason=reason, granted_by=acting_user(request)
    )
    record(
        Action.GRANT,
        request=request,
        obj=delegation,
        area=area,
        detail={"team": team.pk, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    return delegation


@dataclass(frozen=True)
class Revocation:
    """What ending a grant did, and what the team still holds in the area afterwards."""

    delegation: Delegation
    # The grant's status when the lead ended it: "active", "scheduled", or already "ended early" / "expired".
    was: str
    ended: list[Delegation]
    # The team's grant for the area that is active afterwards, if any (after cancelling a scheduled one).
    still_active: Delegation | None
    # Grants of the team for the area that start later and still stand.
    scheduled: list[Delegation]

    def message(self) -> str:
        """The confirmation, worked out from what is in force afterwards, so it is true."""
        team, area = self.delegation.team.name, self.delegation.area.name
        parts = []
        if self.was == "scheduled":
            parts.append(f"Access for {team} from {self.delegation.from_text()} is cancelled.")
        if self.still_active is not None:
            parts.append(f"{team} can still work {area}'s queues until {self.still_active.until_text()}.")
        elif self.was != "scheduled":
            parts.append(f"{team} no longer has access to {area}'s queues.")
        parts += [f"Access from {g.from_text()} until {g.until_text()} still stands." for g in self.scheduled]
        return " ".join(parts)


@transaction.atomic
def revoke_delegation(request: HttpRequest, delegation: Delegation) -> Revocation:
    """End a grant now. Ending an active grant ends every active grant of that team for that area.

    Grants of one team for one area cannot overlap (grant_delegation refuses it), but data from before that
    rule may: "End now" means the team stops working the area's queues now, whichever row the lead chose.
    A later, scheduled grant is left to stand (and named in the message); ending a scheduled grant cancels
    that one only.
    """
    now = timezone.now()
    Team.objects.select_for_update().filter(pk=delegation.team_id).first()
    of_team = Delegation.objects.filter(area_id=delegation.area_id, team_id=delegation.team_id)
    status = delegation.status(now)
    if status == "active":
        to_end = of_team.active(now)
    elif status == "scheduled":
        to_end = of_team.filter(pk=delegation.pk)
    else:  # already ended or expired: nothing to do
        to_end = of_team.none()
    # Conditional update: two leads ending it at once record one revocation.
    actor = acting_user(request)
    really_ended = []
    for grant in to_end.select_related("area"):
        if Delegation.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=actor):
            really_ended.append(grant)
            record(Action.REVOKE, request=request, obj=grant, area=grant.area)
    if really_ended:
        from localtrace.cases.queue import hand_back

        # The team's members who no longer work the area give back what they held there.
        members = Membership.objects.filter(team_id=delegation.team_id).values("user_id")
        hand_back("surge access ended", request=request, area_id=delegation.area_id, holders=members, now=now)
    delegation.refresh_from_db()
    return Revocation(
        delegation=delegation,
        was=status,
        ended=really_ended,
        still_active=of_team.active(now).order_by("-ends_at").first(),
        scheduled=list(of_team.filter(revoked_at__isnull=True, starts_at__gt=now).order_by("starts_at")),
    )


@transaction.atomic
def create_team(request: HttpRequest, team: Team) -> Team:
    team.full_clean()
    team.save()
    record(Action.CREATE, request=request, obj=team, area=team.area, detail={"kind": team.kind})
    return team


# --- ONS Postcode Directory ----------------------------------------------------------------

# ONSPD uses pseudo-codes where a postcode has no value for a geography.
_PSEUDO_CODES = {"", "E99999999", "W99999999", "S99999999", "N99999999", "L99999999", "M99999999"}
_UNITARY_PREFIXES = ("E06", "W06", "S12", "N09")

REQUIRED_ONSPD_COLUMNS = ("pcds", "oslaua", "oscty", "rgn", "ctry")
# A GSS code: a letter for the nation and eight digits, as in E10000001.
_AREA_CODE = re.compile(r"[A-Z][0-9]{8}")


@dataclass
class PostcodeLoadReport:
    received: int = 0
    loaded: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    areas_created: int = 0

    @property
    def accounted(self) -> bool:
        return self.received == self.loaded + len(self.rejected)


class PostcodeFileError(ValueError):
    """The file is not an ONS Postcode Directory CSV; nothing was loaded."""


class _RowRejected(ValueError):
    """One row cannot be loaded; the message is the reason shown against its line."""


def _with_article(words: str) -> str:
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def _yyyymm(value: str | None, column: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 6 and value.isdigit():
            return dt.date(int(value[:4]), int(value[4:]), 1)
    except ValueError:
        pass
    # A date the row gives but that is not one is refused, not loaded as "no date".
    raise _RowRejected(f"{column} “{value}” is not a year and month like 199806.")


def _float(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_area_names(handle: IO[str]) -> dict[str, tuple[str, str]]:
    """A names file (code,name,level) → {code: (name, level)}."""
    reader = csv.DictReader(handle)
    if not reader.fieldnames or not {"code", "name"} <= set(reader.fieldnames):
        raise PostcodeFileError("The names file needs the columns code and name (and optionally level).")
    return {row["code"].strip(): (row["name"].strip(), (row.get("level") or "").strip()) for row in reader}


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _postcode_of(row: dict[str, str]) -> str | InvalidPostcode:
    try:
        return normalise_postcode(row.get("pcds") or row.get("pcd") or "")
    except InvalidPostcode as error:
        return error


def load_postcode_directory(
    handle: IO[str],
    names: dict[str, tuple[str, str]] | None = None,
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> PostcodeLoadReport:
    """Load an ONSPD-format CSV: make the area tree from its codes and map each postcode.

    Existing postcodes are updated, so a newer directory can be loaded over an older one.
    Rows that cannot be loaded are reported with their line number and reason, never dropped silently.
    """
    names = names or {}
    reader = csv.DictReader(handle)
    columns = {c.strip().lower() for c in (reader.fieldnames or [])}
    missing = [c for c in REQUIRED_ONSPD_COLUMNS if c not in columns]
    if missing:
        raise PostcodeFileError(f"This is not an ONS Postcode Directory file: it has no {', '.join(missing)} column.")
    reader.fieldnames = [c.strip().lower() for c in reader.fieldnames or []]
    report = PostcodeLoadReport()
    areas: dict[str, Area] = {a.code: a for a in Area.objects.all()}
    # Marks the rows this load writes, so a repeat in a later batch is found in the table, not in a set of
    # every postcode read so far (2.7 million in the full directory).
    marker = secrets.randbits(62)

    def check_codes(wanted: list[tuple[str, str, str]]) -> None:
        """Refuse the row before it creates any area: a code that is not one, or one of another kind."""
        levels: dict[str, str] = {}
        for code, level, column in wanted:
            if not _AREA_CODE.fullmatch(code):
                raise _RowRejected(f"{column} “{code[:20]}” is not an ONS area code like E10000001.")
            known = areas[code].level if code in areas else levels.get(code)
            if known is not None and known != level:
                # Loaded, it would route postcodes to an area of the wrong kind (a district as if a council).
                was, wanted_kind = (_with_article(Area.Level(lv).label.lower()) for lv in (known, level))
                raise _RowRejected(f"{column} {code} is {was}, not {wanted_kind}.")
            levels[code] = level

    def area_for(code: str, level: str, parent: Area | None) -> Area:
        area = areas.get(code)
        if area is None:
            name = names.get(code, (code, ""))[0]
            area = Area.objects.create(code=code, name=name, level=level, parent=parent)
            areas[code] = area
            report.areas_created += 1
        return area

    with transaction.atomic():
        # The reader's own line count, so a blank line or a quoted line break does not shift the numbers reported.
        for chunk in _chunks(((reader.line_num, row) for row in reader), batch_size):
            postcodes: list[Postcode] = []
            # One row per postcode in a batch: a second would overwrite the first unseen (and PostgreSQL refuses
            # to update one row twice in one statement, which would lose the whole load).
            first_line: dict[str, int] = {}
            read = [(line, row, _postcode_of(row)) for line, row in chunk]
            earlier_batches = dict(
                Postcode.objects.filter(
                    load_marker=marker, postcode__in={p for _, _, p in read if not isinstance(p, InvalidPostcode)}
                ).values_list("postcode", "load_line")
            )
            for line, row, postcode in read:
                report.received += 1
                if isinstance(postcode, InvalidPostcode):
                    report.rejected.append((line, str(postcode)))
                    continue
                if postcode in first_line or postcode in earlier_batches:
                    first = first_line.get(postcode) or earlier_batches[postcode]
                    report.rejected.append((line, f"{postcode} is in the file again (first on line {first})."))
                    continue
                country, region, county, district = (
                    (row.get(c) or "").strip() for c in ("ctry", "rgn", "oscty", "oslaua")
                )
                if district in _PSEUDO_CODES or country in _PSEUDO_CODES:
                    report.rejected.append((line, f"{postcode} has no local authority in the directory."))
                    continue
                unitary = district.startswith(_UNITARY_PREFIXES) or county in _PSEUDO_CODES
                wanted: list[tuple[str, str, str]] = [(country, Area.Level.NATION, "ctry")]
                if region not in _PSEUDO_CODES:
                    wanted.append((region, Area.Level.REGION, "rgn"))
                if unitary:
                    wanted.append((district, Area.Level.UPPER_TIER, "oslaua"))
                else:
                    wanted += [(county, Area.Level.UPPER_TIER, "oscty"), (district, Area.Level.DISTRICT, "oslaua")]
                try:
                    introduced_on = _yyyymm(row.get("dointr"), "dointr")
                    terminated_on = _yyyymm(row.get("doterm"), "doterm")
                    check_codes(wanted)
                except _RowRejected as error:
                    report.rejected.append((line, f"{postcode}: {error}"))
                    continue
                nation = area_for(country, Area.Level.NATION, None)
                parent = area_for(region, Area.Level.REGION, nation) if region not in _PSEUDO_CODES else nation
                if unitary:
                    upper = area_for(district, Area.Level.UPPER_TIER, parent)
                    lowest = upper
                else:
                    upper = area_for(county, Area.Level.UPPER_TIER, parent)
                    lowest = area_for(district, Area.Level.DISTRICT, upper)
                first_line[postcode] = line
                postcodes.append(
                    Postcode(
                        postcode=postcode,
                        district=lowest,
                        upper_tier=upper,
                        introduced_on=introduced_on,
                        terminated_on=terminated_on,
                        latitude=_float(row.get("lat", "")),
                        longitude=_float(row.get("long", "")),
                        load_marker=marker,
                        load_line=line,
                    )
                )
            Postcode.objects.bulk_create(
                postcodes,
                update_conflicts=True,
                unique_fields=["postcode"],
                update_fields=[
                    "district",
                    "upper_tier",
                    "introduced_on",
                    "terminated_on",
                    "latitude",
                    "longitude",
                    "load_marker",
                    "load_line",
                ],
            )
            report.loaded += len(postcodes)
            if progress:
                progress(len(chunk))
        record(
            Action.CREATE,
            object_type="areas.postcode",
            detail={"received": report.received, "loaded": report.loaded, "rejected": len(report.rejected)},
        )
    return report


def load_postcode_directory_file(path: Path, names_path: Path | None = None, **kwargs: Any) -> PostcodeLoadReport:
    names = None
    if names_path is not None:
        with names_path.open(encoding="utf-8-sig", newline="") as handle:
            names = read_area_names(handle)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return load_postcode_directory(handle, names, **kwargs)


def route_postcode(raw: str) -> Area | None:
    """The upper-tier area that owns public health for this postcode, or None if unknown."""
    try:
        postcode = normalise_postcode(raw)
    except InvalidPostcode:
        return None
    found = Postcode.objects.filter(postcode=postcode).select_related("upper_tier").first()
    return found.upper_tier if found else None
