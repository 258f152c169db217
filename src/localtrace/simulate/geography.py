"""A fictional geography: nation › region › county › district, and postcode units in them.

Area codes use the 9xx range of each ONS entity type (far beyond any issued) and postcode areas
that are not real UK postcode areas, so nothing here points at a real place or address.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from localtrace.simulate import constants
from localtrace.simulate.config import SimulationConfig
from localtrace.simulate.names import NameBook

# Households per postcode unit: about 28 million households over 1.8 million live postcodes.
HOUSEHOLDS_PER_POSTCODE = 15
MEAN_HOUSEHOLD_SIZE = 2.36
# Postcode units per outward code (postcode district) before a district is split further.
UNITS_PER_OUTWARD = 400
TERMINATED_SHARE = 0.01
LARGE_USER_SHARE = 0.02

# Rough centres of the fictional areas (lat, long); only used to give maps something to show.
ENGLAND_CENTRE = (52.45, -1.25)
WALES_CENTRE = (52.30, -3.55)


@dataclasses.dataclass(frozen=True)
class District:
    """A lower-tier district or a unitary authority: the level a postcode routes to."""

    code: str
    name: str
    level: str  # "district" or "unitary"
    county_code: str  # E10... for two-tier districts, else the E99999999/W99999999 pseudo code
    region_code: str
    nation_code: str
    welsh: bool
    postcode_area: str
    weight: float  # share of the population living here
    centre: tuple[float, float]


@dataclasses.dataclass
class Geography:
    """Districts, named areas and postcode units (arrays indexed by postcode number)."""

    districts: list[District]
    areas: list[tuple[str, str, str]]  # (code, name, level)
    postcodes: list[str]  # single-space form, "FX1 2AB"
    postcode_district: np.ndarray  # int16 district index
    postcode_live: np.ndarray  # bool
    postcode_introduced: list[str]  # YYYYMM
    postcode_terminated: list[str]  # YYYYMM or ""
    postcode_ward: list[str]
    postcode_ced: list[str]
    postcode_parish: list[str]
    postcode_large_user: np.ndarray  # bool
    postcode_lat: np.ndarray
    postcode_long: np.ndarray
    postcode_street: np.ndarray  # int16 index into street_names
    street_names: tuple[str, ...]
    live_by_district: list[np.ndarray] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.live_by_district = [
            np.flatnonzero((self.postcode_district == index) & self.postcode_live)
            for index in range(len(self.districts))
        ]


# Syllables for more invented place names once the lists in data/place_names.csv run out.
NAME_STARTS = (
    "Ash",
    "Brad",
    "Cold",
    "Dun",
    "Elm",
    "Fen",
    "Grim",
    "Hol",
    "Kel",
    "Lang",
    "Mar",
    "Nor",
    "Ock",
    "Pen",
    "Ros",
)
NAME_ENDS = ("bury", "combe", "den", "field", "ford", "ham", "hurst", "ley", "mere", "stow", "thorpe", "wick", "worth")


class PlaceNames:
    """Hands out distinct invented place names: the listed ones first, then made-up ones."""

    def __init__(self, listed: list[str], rng: np.random.Generator) -> None:
        self.listed = listed
        self.made = [start + end for start in NAME_STARTS for end in NAME_ENDS]
        rng.shuffle(self.made)
        self.made = [name for name in self.made if name not in listed]

    def next(self, single_word: bool = False) -> str:
        """The next name; single_word for names that take a suffix ("Wendlefordshire")."""
        for index in range(len(self.listed) - 1, -1, -1):
            if not single_word or " " not in self.listed[index]:
                return self.listed.pop(index)
        if self.made:
            return self.made.pop()
        raise ValueError("too many areas: out of invented place names")


def _code(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{9 - len(prefix)}d}"


def _outward_codes(area: str) -> list[str]:
    """Outward codes for an area: AA9, AA99, then AA9A forms."""
    codes = [f"{area}{number}" for number in range(1, 100)]
    codes += [f"{area}{number}{letter}" for number in range(1, 10) for letter in constants.DISTRICT_SUFFIX_LETTERS]
    return codes


def _inward_codes(rng: np.random.Generator, count: int) -> list[str]:
    letters = constants.INWARD_LETTERS
    space = 10 * len(letters) * len(letters)
    picks = np.sort(rng.choice(space, size=count, replace=False))
    result = []
    for pick in picks.tolist():
        digit, rest = divmod(pick, len(letters) * len(letters))
        first, second = divmod(rest, len(letters))
        result.append(f"{digit}{letters[first]}{letters[second]}")
    return result


def pcd7(postcode: str) -> str:
    """ONSPD 'pcd': the 7-character form (outward padded to 4 unless that makes 8)."""
    outward, inward = postcode.split(" ")
    return f"{outward:<4}{inward}" if len(outward) < 4 else f"{outward}{inward}"


def pcd8(postcode: str) -> str:
    """ONSPD 'pcd2': the 8-character form (outward padded to 4, a space, inward)."""
    outward, inward = postcode.split(" ")
    return f"{outward:<4} {inward}"


def grid_reference(lat: float, long: float) -> tuple[int, int]:
    """Approximate OS National Grid easting and northing (good to a kilometre or so here)."""
    northing = -100_000 + 0.9996 * 111_200 * (lat - 49.0)
    easting = 400_000 + 0.9996 * 111_320 * math.cos(math.radians(lat)) * (long + 2.0)
    return round(easting), round(northing)


def build(config: SimulationConfig, names: NameBook, rng: np.random.Generator) -> Geography:
    """Build districts and postcode units sized for config.people."""
    districts: list[District] = []
    areas: list[tuple[str, str, str]] = [(constants.ENGLAND_CODE, "England", "nation")]
    english_listed = list(names.place_names_en)
    welsh_listed = list(names.place_names_cy)
    rng.shuffle(english_listed)
    rng.shuffle(welsh_listed)
    english_places = PlaceNames(english_listed, rng)
    welsh_places = PlaceNames(welsh_listed, rng)
    english_areas = list(constants.FICTIONAL_POSTCODE_AREAS_ENGLAND)
    welsh_areas = list(constants.FICTIONAL_POSTCODE_AREAS_WALES)
    if config.counties + config.unitaries > len(english_areas) or config.welsh_areas > len(welsh_areas):
        raise ValueError("too many areas for the fictional postcode areas available")

    region_code = _code("E12", 901)
    if config.counties + config.unitaries:
        areas.append((region_code, "Wyvern Marches", "region"))
    district_number = 901
    # Top-level weights: a county is several districts, so it carries more people.
    top_levels: list[tuple[str, float]] = (
        [("county", 4.0)] * config.counties
        + [("unitary", 1.0)] * config.unitaries
        + [("welsh", 1.0)] * config.welsh_areas
    )
    total_weight = sum(weight for _, weight in top_levels)
    county_number = 901
    unitary_number = 901
    welsh_number = 901
    for kind, weight in top_levels:
        share = weight / total_weight
        if kind == "county":
            county_code = _code("E10", county_number)
            county_number += 1
            county_name = f"{english_places.next(single_word=True)}shire"
            areas.append((county_code, county_name, "county"))
            district_count = int(rng.integers(4, 9))
            district_weights = rng.dirichlet(np.full(district_count, 6.0))
            postcode_area = english_areas.pop(0)
            centre = (ENGLAND_CENTRE[0] + rng.normal(0, 0.2), ENGLAND_CENTRE[1] + rng.normal(0, 0.3))
            for district_weight in district_weights:
                code = _code("E07", district_number)
                district_number += 1
                name = english_places.next()
                areas.append((code, name, "district"))
                district_centre = (centre[0] + rng.normal(0, 0.12), centre[1] + rng.normal(0, 0.18))
                districts.append(
                    District(
                        code,
                        name,
                        "district",
                        county_code,
                        region_code,
                        constants.ENGLAND_CODE,
                        False,
                        postcode_area,
                        share * float(district_weight),
                        district_centre,
                    )
                )
        else:
            welsh = kind == "welsh"
            if welsh:
                code = _code("W06", welsh_number)
                welsh_number += 1
                name = welsh_places.next()
                postcode_area = welsh_areas.pop(0)
                centre = (WALES_CENTRE[0] + rng.normal(0, 0.1), WALES_CENTRE[1] + rng.normal(0, 0.1))
            else:
                code = _code("E06", unitary_number)
                unitary_number += 1
                name = f"{english_places.next()} Borough"
                postcode_area = english_areas.pop(0)
                centre = (ENGLAND_CENTRE[0] + rng.normal(0, 0.4), ENGLAND_CENTRE[1] + rng.normal(0, 0.5))
            areas.append((code, name, "unitary"))
            districts.append(
                District(
                    code,
                    name,
                    "unitary",
                    constants.NO_COUNTY_WALES if welsh else constants.NO_COUNTY_ENGLAND,
                    constants.NO_COUNTY_WALES if welsh else region_code,
                    constants.WALES_CODE if welsh else constants.ENGLAND_CODE,
                    welsh,
                    postcode_area,
                    share,
                    centre,
                )
            )
    if config.welsh_areas:
        areas.insert(1, (constants.WALES_CODE, "Wales", "nation"))
    if not config.counties + config.unitaries:
        areas.pop(0)  # no English areas: England is not used
    return _add_postcodes(config, names, rng, districts, areas)


def _add_postcodes(
    config: SimulationConfig,
    names: NameBook,
    rng: np.random.Generator,
    districts: list[District],
    areas: list[tuple[str, str, str]],
) -> Geography:
    street_names = names.street_names_en + names.street_names_cy
    welsh_street_start = len(names.street_names_en)
    postcodes: list[str] = []
    district_of: list[int] = []
    ward_of: list[str] = []
    ced_of: list[str] = []
    parish_of: list[str] = []
    lat: list[float] = []
    long: list[float] = []
    outward_by_area: dict[str, list[str]] = {}
    ward_number = 1
    for index, district in enumerate(districts):
        households = config.people * district.weight / MEAN_HOUSEHOLD_SIZE
        live_needed = max(4, math.ceil(households / HOUSEHOLDS_PER_POSTCODE))
        units = math.ceil(live_needed / (1 - TERMINATED_SHARE)) + 1
        available = outward_by_area.setdefault(district.postcode_area, _outward_codes(district.postcode_area))
        outward_count = max(1, math.ceil(units / UNITS_PER_OUTWARD))
        outward_count = min(outward_count, max(1, len(available) // 2))
        per_outward = math.ceil(units / outward_count)
        if per_outward > 10 * len(constants.INWARD_LETTERS) ** 2 or len(available) < outward_count:
            raise ValueError("population too large for the fictional postcode space")
        welsh_prefix = "W" if district.welsh else "E"
        for _ in range(outward_count):
            outward = available.pop(0)
            ward = _code(f"{welsh_prefix}0590", ward_number)
            parish = _code(f"{welsh_prefix}0490", ward_number)
            ced = _code("E5890", ward_number) if district.level == "district" else district.county_code
            ward_number += 1
            outward_lat = district.centre[0] + rng.normal(0, 0.04)
            outward_long = district.centre[1] + rng.normal(0, 0.06)
            for inward in _inward_codes(rng, per_outward):
                postcodes.append(f"{outward} {inward}")
                district_of.append(index)
                ward_of.append(ward)
                ced_of.append(ced)
                parish_of.append(parish)
            lat.extend((outward_lat + rng.normal(0, 0.01, per_outward)).tolist())
            long.extend((outward_long + rng.normal(0, 0.015, per_outward)).tolist())

    count = len(postcodes)
    live = rng.random(count) >= TERMINATED_SHARE
    introduced_year = rng.integers(1980, 2019, size=count)
    introduced_month = rng.integers(1, 13, size=count)
    introduced = [
        f"{year}{month:02d}" for year, month in zip(introduced_year.tolist(), introduced_month.tolist(), strict=True)
    ]
    terminated_year = np.minimum(introduced_year + rng.integers(1, 15, size=count), config.start_date.year - 1)
    terminated = [
        "" if is_live else f"{max(year, intro_year + 1)}{month:02d}"
        for is_live, year, intro_year, month in zip(
            live.tolist(), terminated_year.tolist(), introduced_year.tolist(), introduced_month.tolist(), strict=True
        )
    ]
    district_array = np.array(district_of, dtype=np.int16)
    welsh_district = np.array([d.welsh for d in districts], dtype=bool)[district_array]
    english_street = rng.integers(0, welsh_street_start, size=count)
    welsh_street = rng.integers(welsh_street_start, len(street_names), size=count)
    # In Welsh areas about two streets in three have Welsh names.
    use_welsh = welsh_district & (rng.random(count) < 0.65)
    street = np.where(use_welsh, welsh_street, english_street).astype(np.int16)
    return Geography(
        districts=districts,
        areas=areas,
        postcodes=postcodes,
        postcode_district=district_array,
        postcode_live=live,
        postcode_introduced=introduced,
        postcode_terminated=terminated,
        postcode_ward=ward_of,
        postcode_ced=ced_of,
        postcode_parish=parish_of,
        postcode_large_user=rng.random(count) < LARGE_USER_SHARE,
        postcode_lat=np.round(np.array(lat), 6),
        postcode_long=np.round(np.array(long), 6),
        postcode_street=street,
        street_names=street_names,
    )


def postcode_rows(geography: Geography) -> list[list[str]]:
    """Rows for postcodes.csv, in the ONSPD column order of constants.POSTCODE_COLUMNS."""
    rows = []
    for index, postcode in enumerate(geography.postcodes):
        district = geography.districts[int(geography.postcode_district[index])]
        lat = float(geography.postcode_lat[index])
        long = float(geography.postcode_long[index])
        easting, northing = grid_reference(lat, long)
        health_area = "W11000901" if district.welsh else "E18000901"
        nhs_region = constants.NO_COUNTY_WALES if district.welsh else "E40000901"
        rows.append(
            [
                pcd7(postcode),
                pcd8(postcode),
                postcode,
                geography.postcode_introduced[index],
                geography.postcode_terminated[index],
                district.county_code,
                geography.postcode_ced[index],
                district.code,
                geography.postcode_ward[index],
                geography.postcode_parish[index],
                "1" if geography.postcode_large_user[index] else "0",
                str(easting),
                str(northing),
                "1",
                health_area,
                nhs_region,
                district.nation_code,
                district.region_code,
                f"{lat:.6f}",
                f"{long:.6f}",
            ]
        )
    return rows
