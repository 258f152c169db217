"""Writers for the reference tables (geography, population, settings) and the ground truth.

Every file is UTF-8 with a header row and LF line ends; only results.csv varies that.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from localtrace.simulate import constants as c
from localtrace.simulate.geography import Geography, postcode_rows
from localtrace.simulate.names import NameBook
from localtrace.simulate.person_details import PersonDetails
from localtrace.simulate.places import Places
from localtrace.simulate.population import Population
from localtrace.simulate.timeline import Timeline
from localtrace.simulate.transmission import NEVER, DayContacts, Outbreak

PEOPLE_COLUMNS = (
    "person_id",
    "household_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "address_line_1",
    "postcode",
    "phone",
    "email",
    "preferred_language",
    "heritage",
    "occupation",
    "care_home",
    "district_code",
)
HOUSEHOLD_COLUMNS = ("household_id", "kind", "size", "address_line_1", "postcode", "district_code")
SETTING_COLUMNS = ("setting_id", "kind", "category", "name", "address_line_1", "postcode", "district_code")
MEMBER_COLUMNS = ("setting_id", "person_id", "role")
INFECTION_COLUMNS = (
    "person_id",
    "infected_day",
    "infected_date",
    "infector_id",
    "setting_id",
    "route",
    "onset_date",
    "first_positive_result_date",
)
CONTACT_COLUMNS = ("person_a", "person_b", "date", "kind", "setting_id")
OUTBREAK_COLUMNS = ("setting_id", "kind", "first_infection_date", "last_infection_date", "infections")
HOUSEHOLD_KINDS = ("single", "couple", "lone_parent", "shared", "couple_family", "communal")
CHUNK = 50_000


def open_csv(path: Path, columns: Iterable[str]) -> tuple[IO[str], Any]:
    handle = path.open("w", encoding="utf-8", newline="")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    return handle, writer


def write_table(path: Path, columns: Iterable[str], rows: Iterable[list[Any]]) -> int:
    handle, writer = open_csv(path, columns)
    count = 0
    with handle:
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_geography(out_dir: Path, geography: Geography) -> None:
    write_table(out_dir / "postcodes.csv", c.POSTCODE_COLUMNS, postcode_rows(geography))
    write_table(
        out_dir / "area_names.csv",
        ("code", "name", "level"),
        ([code, name, level] for code, name, level in geography.areas),
    )


def _people_rows(population: Population, details: PersonDetails, names: NameBook) -> Iterator[list[Any]]:
    heritage_names = [heritage.name for heritage in names.heritages]
    for person in range(population.size):
        yield [
            person + 1,
            int(population.household[person]) + 1,
            details.nhs_number(person),
            details.given_name(person),
            details.family_name(person),
            details.date_of_birth(person),
            details.sex(person),
            details.address_line_1(person),
            details.postcode(person),
            details.own_phone(person),
            details.own_email(person),
            details.language(person),
            heritage_names[int(population.heritage[person])],
            details.occupation(person),
            "yes" if details.care_home(person) else "no",
            details.district_code(person),
        ]


def write_population(out_dir: Path, population: Population, details: PersonDetails, names: NameBook) -> None:
    write_table(out_dir / "people.csv", PEOPLE_COLUMNS, _people_rows(population, details, names))
    district_codes = details.district_codes
    write_table(
        out_dir / "households.csv",
        HOUSEHOLD_COLUMNS,
        (
            [
                household + 1,
                HOUSEHOLD_KINDS[int(population.household_kind[household])],
                int(population.household_size[household]),
                details.household_address(household),
                details.household_postcode(household),
                district_codes[int(population.household_district[household])],
            ]
            for household in range(population.household_count)
        ),
    )


def setting_code(setting: int) -> str:
    return f"S{setting + 1:06d}"


def write_places(out_dir: Path, places: Places, geography: Geography) -> None:
    def settings() -> Iterator[list[Any]]:
        for setting in range(places.size):
            postcode = int(places.postcode[setting])
            street = geography.street_names[int(geography.postcode_street[postcode])]
            yield [
                setting_code(setting),
                c.SETTING_KINDS[int(places.kind[setting])],
                places.category[setting],
                places.name[setting],
                f"{int(places.number[setting])} {street}",
                geography.postcodes[postcode],
                geography.districts[int(places.district[setting])].code,
            ]

    write_table(out_dir / "settings.csv", SETTING_COLUMNS, settings())

    def members() -> Iterator[list[Any]]:
        member_setting = places.member_setting()
        for start in range(0, member_setting.size, CHUNK):
            settings_chunk = member_setting[start : start + CHUNK].tolist()
            people_chunk = (places.member_person[start : start + CHUNK] + 1).tolist()
            roles_chunk = places.member_role[start : start + CHUNK].tolist()
            for setting, person, role in zip(settings_chunk, people_chunk, roles_chunk, strict=True):
                yield [setting_code(setting), person, c.MEMBER_ROLES[role]]

    write_table(out_dir / "setting_members.csv", MEMBER_COLUMNS, members())


class ContactLog:
    """Streams true contact events to truth/contacts.csv and keeps a compact copy for responses."""

    def __init__(self, path: Path, timeline: Timeline) -> None:
        self.handle, self.writer = open_csv(path, CONTACT_COLUMNS)
        self.timeline = timeline
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.count = 0

    def add(self, contacts: DayContacts) -> None:
        if not contacts.size:
            return
        date = self.timeline.iso(contacts.day)
        kinds = c.CONTACT_KINDS
        settings = contacts.setting.tolist()
        self.writer.writerows(
            [a + 1, b + 1, date, kinds[k], setting_code(s) if s >= 0 else ""]
            for a, b, k, s in zip(
                contacts.person_a.tolist(), contacts.person_b.tolist(), contacts.kind.tolist(), settings, strict=True
            )
        )
        day = np.full(contacts.size, contacts.day, dtype=np.int16)
        self.parts.append((contacts.person_a, contacts.person_b, day, contacts.kind, contacts.setting))
        self.count += contacts.size

    def close(self) -> None:
        self.handle.close()

    def arrays(self) -> tuple[np.ndarray, ...]:
        """All contacts as (person_a, person_b, day, kind, setting) arrays."""
        if not self.parts:
            empty32 = np.zeros(0, np.int32)
            return empty32, empty32, np.zeros(0, np.int16), np.zeros(0, np.int8), empty32
        return tuple(np.concatenate([part[i] for part in self.parts]) for i in range(5))


def write_infections(path: Path, outbreak: Outbreak, first_positive_day: np.ndarray, timeline: Timeline) -> int:
    infected = outbreak.infected()
    order = infected[np.argsort(outbreak.infected_day[infected], kind="stable")]

    def rows() -> Iterator[list[Any]]:
        for start in range(0, order.size, CHUNK):
            chunk = order[start : start + CHUNK]
            for person, day, infector, setting, route, onset, positive in zip(
                chunk.tolist(),
                outbreak.infected_day[chunk].tolist(),
                outbreak.infector[chunk].tolist(),
                outbreak.setting[chunk].tolist(),
                outbreak.route[chunk].tolist(),
                outbreak.onset_day[chunk].tolist(),
                first_positive_day[chunk].tolist(),
                strict=True,
            ):
                yield [
                    person + 1,
                    day,
                    timeline.iso(day),
                    infector + 1 if infector >= 0 else "",
                    setting_code(setting) if setting >= 0 else "",
                    c.ROUTES[route],
                    timeline.iso(onset) if onset != NEVER else "",
                    timeline.iso(positive) if positive != NEVER else "",
                ]

    return write_table(path, INFECTION_COLUMNS, rows())


def setting_outbreaks(outbreak: Outbreak, window: int = 14, threshold: int = 3) -> list[tuple[int, int, int, int]]:
    """Settings with at least `threshold` setting-acquired infections within `window` days:
    (setting, first day, last day, infections in the busiest window)."""
    infected = outbreak.infected()
    in_setting = infected[outbreak.setting[infected] >= 0]
    settings = outbreak.setting[in_setting]
    days = outbreak.infected_day[in_setting].astype(np.int64)
    order = np.lexsort((days, settings))
    settings, days = settings[order], days[order]
    found = []
    boundaries = np.flatnonzero(np.diff(settings)) + 1
    for group_days, group_setting in zip(np.split(days, boundaries), np.split(settings, boundaries), strict=True):
        if group_days.size < threshold:
            continue
        # Largest number of infections starting within any window of `window` days.
        ends = np.searchsorted(group_days, group_days + window, side="left")
        counts = ends - np.arange(group_days.size)
        if counts.max() >= threshold:
            found.append((int(group_setting[0]), int(group_days[0]), int(group_days[-1]), int(counts.max())))
    return found


def write_outbreaks(path: Path, outbreak: Outbreak, places: Places, timeline: Timeline) -> int:
    rows = [
        [
            setting_code(setting),
            c.SETTING_KINDS[int(places.kind[setting])],
            timeline.iso(first),
            timeline.iso(last),
            count,
        ]
        for setting, first, last, count in setting_outbreaks(outbreak)
    ]
    return write_table(path, OUTBREAK_COLUMNS, rows)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
