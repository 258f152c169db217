"""Actions on areas, teams and delegations, and the ONS Postcode Directory loader."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from localtrace.accounts.access import acting_user
from localtrace.areas.models import Area, Delegation, Postcode, Team
from localtrace.areas.postcodes import InvalidPostcode, normalise_postcode
from localtrace.audit.services import Action, record

# Longest a surge team may hold an area's queues without the area renewing it.
MAX_DELEGATION_DAYS = 28


class DelegationError(ValueError):
    pass


@transaction.atomic
def grant_delegation(
    request: HttpRequest, *, area: Area, team: Team, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
) -> Delegation:
    if team.kind != Team.Kind.SURGE:
        raise DelegationError("Only a surge team can be given access to an area's queues.")
    if ends_at <= starts_at:
        raise DelegationError("The end must be after the start.")
    if ends_at <= timezone.now():
        raise DelegationError("The end must be in the future.")
    if ends_at - starts_at > dt.timedelta(days=MAX_DELEGATION_DAYS):
        raise DelegationError(f"Access can last {MAX_DELEGATION_DAYS} days at most. Grant it again to extend it.")
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


@transaction.atomic
def revoke_delegation(request: HttpRequest, delegation: Delegation) -> Delegation:
    # Conditional update: two leads ending it at once record one revocation.
    changed = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=acting_user(request)
    )
    delegation.refresh_from_db()
    if changed:
        record(Action.REVOKE, request=request, obj=delegation, area=delegation.area)
    return delegation


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


def _yyyymm(value: str) -> dt.date | None:
    value = (value or "").strip()
    if len(value) == 6 and value.isdigit():
        return dt.date(int(value[:4]), int(value[4:]), 1)
    return None


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

    def area_for(code: str, level: str, parent: Area | None) -> Area:
        area = areas.get(code)
        if area is None:
            name = names.get(code, (code, ""))[0]
            area = Area.objects.create(code=code, name=name, level=level, parent=parent)
            areas[code] = area
            report.areas_created += 1
        return area

    with transaction.atomic():
        for chunk in _chunks(enumerate(reader, start=2), batch_size):
            postcodes: list[Postcode] = []
            for line, row in chunk:
                report.received += 1
                try:
                    postcode = normalise_postcode(row.get("pcds") or row.get("pcd") or "")
                except InvalidPostcode as error:
                    report.rejected.append((line, str(error)))
                    continue
                country, region, county, district = (
                    (row.get(c) or "").strip() for c in ("ctry", "rgn", "oscty", "oslaua")
                )
                if district in _PSEUDO_CODES or country in _PSEUDO_CODES:
                    report.rejected.append((line, f"{postcode} has no local authority in the directory."))
                    continue
                nation = area_for(country, Area.Level.NATION, None)
                parent = area_for(region, Area.Level.REGION, nation) if region not in _PSEUDO_CODES else nation
                if district.startswith(_UNITARY_PREFIXES) or county in _PSEUDO_CODES:
                    upper = area_for(district, Area.Level.UPPER_TIER, parent)
                    lowest = upper
                else:
                    upper = area_for(county, Area.Level.UPPER_TIER, parent)
                    lowest = area_for(district, Area.Level.DISTRICT, upper)
                postcodes.append(
                    Postcode(
                        postcode=postcode,
                        district=lowest,
                        upper_tier=upper,
                        introduced_on=_yyyymm(row.get("dointr", "")),
                        terminated_on=_yyyymm(row.get("doterm", "")),
                        latitude=_float(row.get("lat", "")),
                        longitude=_float(row.get("long", "")),
                    )
                )
            Postcode.objects.bulk_create(
                postcodes,
                update_conflicts=True,
                unique_fields=["postcode"],
                update_fields=["district", "upper_tier", "introduced_on", "terminated_on", "latitude", "longitude"],
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
