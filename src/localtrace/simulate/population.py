"""The synthetic population: households at addresses, and the people in them, as numpy arrays.

People are numbered so that each district, and each household within it, is a contiguous
range; transmission relies on that to find household members and neighbours quickly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from localtrace.simulate import constants, nhs
from localtrace.simulate.config import SimulationConfig
from localtrace.simulate.geography import Geography
from localtrace.simulate.names import OTHER_SEX, NameBook

# Private household sizes 1..8, rounded from the ONS Census 2021 household size table
# for England and Wales (TS017): about 30% one person, 34% two, mean about 2.4.
HOUSEHOLD_SIZE_SHARES = np.array([0.30, 0.34, 0.155, 0.13, 0.05, 0.017, 0.005, 0.003])
# Share of the population living in care homes (ONS: about 0.6% in England and Wales).
CARE_HOME_RESIDENT_SHARE = 0.0065
CARE_HOME_MEAN_SIZE = 40
# Sex other than female or male, as recorded on some records.
OTHER_SEX_SHARE = 0.001
FLAT_SHARE = 0.12
# Employment rate by age band (ONS Labour Force Survey, rounded).
EMPLOYMENT_BY_AGE = ((18, 25, 0.55), (25, 50, 0.82), (50, 65, 0.70), (65, 70, 0.20))
# Occupation groups among people in work (health, social care, education, other).
OCCUPATION_SHARES = np.array([0.06, 0.05, 0.07, 0.82])
# Mobile prefixes (after the leading 0) drawn from ranges Ofcom allocates to mobile
# networks. Numbers are random within them and may belong to real people: never send
# real messages to generated numbers.
MOBILE_PREFIXES = np.array(
    [7123, 7180, 7245, 7311, 7400, 7415, 7432, 7534, 7578, 7712, 7723, 7765, 7808, 7845, 7890, 7939, 7957, 7984]
)

# Household types
SINGLE, COUPLE, LONE_PARENT, SHARED, COUPLE_FAMILY, COMMUNAL = range(6)


@dataclasses.dataclass
class Population:
    """People and households; person and household ids in files are index + 1."""

    # per person
    household: np.ndarray  # int32
    age: np.ndarray  # int16, whole years on the start date
    birth_ordinal: np.ndarray  # int32, date of birth as a proleptic Gregorian ordinal
    sex: np.ndarray  # int8: 0 female, 1 male, 2 other
    heritage: np.ndarray  # int8
    given_name: np.ndarray  # int16 index into NameBook.given_names
    family_name: np.ndarray  # int16 index into NameBook.family_names
    nhs_number: np.ndarray  # int64, 0 when the person has none
    phone: np.ndarray  # int64 national number without the leading 0, 0 when none
    email_style: np.ndarray  # int8, -1 when no email address
    email_number: np.ndarray  # int16
    email_domain: np.ndarray  # int8
    language: np.ndarray  # int8 index into NameBook.languages
    occupation: np.ndarray  # int8, constants.OCCUPATIONS
    contact_person: np.ndarray  # int32: whose phone and email reach this person
    # per household
    household_start: np.ndarray  # int32 first member
    household_size: np.ndarray  # int16
    household_kind: np.ndarray  # int8 household type
    household_district: np.ndarray  # int16
    household_postcode: np.ndarray  # int32
    household_number: np.ndarray  # int16 house number
    household_flat: np.ndarray  # int8 flat number, 0 when not a flat
    # per district: person index ranges
    district_start: np.ndarray
    district_end: np.ndarray
    # communal households (care homes), in order: household index and name
    communal_households: np.ndarray
    communal_names: list[str]

    @property
    def size(self) -> int:
        return int(self.household.size)

    @property
    def household_count(self) -> int:
        return int(self.household_start.size)

    def private_household_sizes(self) -> np.ndarray:
        return self.household_size[self.household_kind != COMMUNAL]


def _positions(sizes: np.ndarray) -> np.ndarray:
    """Position of each person within their household (0 is the household reference person)."""
    starts = np.cumsum(sizes) - sizes
    return np.arange(int(sizes.sum())) - np.repeat(starts, sizes)


def _private_household_sizes(rng: np.random.Generator, people: int) -> np.ndarray:
    expected = people / float((np.arange(1, 9) * HOUSEHOLD_SIZE_SHARES).sum())
    sizes = rng.choice(np.arange(1, 9), size=int(expected * 1.1) + 8, p=HOUSEHOLD_SIZE_SHARES)
    cumulative = np.cumsum(sizes)
    count = int(np.searchsorted(cumulative, people)) + 1
    sizes = sizes[:count].astype(np.int16)
    sizes[-1] -= int(cumulative[count - 1] - people)  # trim the last household to fit exactly
    if sizes[-1] <= 0:
        sizes = sizes[:-1]
    return sizes


def _household_kinds(rng: np.random.Generator, sizes: np.ndarray) -> np.ndarray:
    draw = rng.random(sizes.size)
    kinds = np.full(sizes.size, SINGLE, dtype=np.int8)
    two = sizes == 2
    kinds[two] = np.select([draw[two] < 0.65, draw[two] < 0.82], [COUPLE, LONE_PARENT], SHARED)
    more = sizes >= 3
    kinds[more] = np.select([draw[more] < 0.75, draw[more] < 0.87], [COUPLE_FAMILY, LONE_PARENT], SHARED)
    return kinds


def _ages(rng: np.random.Generator, kinds: np.ndarray, sizes: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Ages by household type and position, tuned to approach the ONS age structure."""
    person_kind = np.repeat(kinds, sizes)
    count = positions.size
    head_age = np.zeros(kinds.size)
    single = kinds == SINGLE
    older_single = rng.random(kinds.size) < 0.5
    head_age[single] = np.where(
        older_single[single], 65 + rng.gamma(2.0, 6.0, single.sum()), rng.uniform(20, 65, single.sum())
    )
    couple = kinds == COUPLE
    older_couple = rng.random(kinds.size) < 0.68
    head_age[couple] = np.where(
        older_couple[couple], (50 + rng.gamma(2.2, 7.5, couple.sum())).clip(50, 97), rng.uniform(21, 42, couple.sum())
    )
    family = (kinds == COUPLE_FAMILY) | (kinds == LONE_PARENT)
    head_age[family] = rng.normal(44, 8, family.sum()).clip(20, 64)
    shared = kinds == SHARED
    head_age[shared] = rng.uniform(35, 70, shared.sum())
    head_age = np.repeat(head_age, sizes)

    ages = head_age.copy()
    partner = (positions == 1) & np.isin(person_kind, (COUPLE, COUPLE_FAMILY))
    ages[partner] = (head_age[partner] + rng.normal(0, 3.5, partner.sum())).clip(18, 100)
    child = ((positions >= 2) & (person_kind == COUPLE_FAMILY)) | ((positions >= 1) & (person_kind == LONE_PARENT))
    # Children are born when the reference person is 18-45; most are under 18 but some
    # grown-up children still live at home.
    oldest_possible = np.minimum(head_age[child] - 18, 24)
    youngest_possible = np.maximum(head_age[child] - 45, 0)
    ages[child] = rng.uniform(youngest_possible, np.maximum(oldest_possible, youngest_possible + 1))
    sharer = (positions >= 1) & (person_kind == SHARED)
    # Sharers: flatmates, adult children, an elderly parent.
    ages[sharer] = np.where(
        rng.random(sharer.sum()) < 0.7, rng.uniform(18, 40, sharer.sum()), rng.uniform(65, 95, sharer.sum())
    )
    return np.floor(ages.clip(0, 104)).astype(np.int16)[:count]


def _phones(rng: np.random.Generator, count: int) -> np.ndarray:
    prefixes = rng.choice(MOBILE_PREFIXES, size=count).astype(np.int64)
    return prefixes * 1_000_000 + rng.integers(0, 1_000_000, size=count, dtype=np.int64)


def build(config: SimulationConfig, geography: Geography, names: NameBook, rng: np.random.Generator) -> Population:
    """Households and people for every district, in district order."""
    weights = np.array([district.weight for district in geography.districts])
    residents_total = round(config.people * CARE_HOME_RESIDENT_SHARE)
    home_count = max(1, round(residents_total / CARE_HOME_MEAN_SIZE)) if residents_total else 0
    home_district = (
        np.sort(rng.choice(weights.size, size=home_count, p=weights / weights.sum()))
        if home_count
        else np.zeros(0, int)
    )
    home_of_resident = np.sort(rng.integers(0, home_count, size=residents_total)) if home_count else np.zeros(0, int)
    residents_by_home = np.bincount(home_of_resident, minlength=home_count)
    home_count = int((residents_by_home > 0).sum())
    home_district = home_district[residents_by_home > 0]
    residents_by_home = residents_by_home[residents_by_home > 0]

    private_people = config.people - residents_total
    district_private = np.floor(weights / weights.sum() * private_people).astype(int)
    district_private[0] += private_people - district_private.sum()

    sizes_parts: list[np.ndarray] = []
    kinds_parts: list[np.ndarray] = []
    district_parts: list[np.ndarray] = []
    for index in range(weights.size):
        sizes = (
            _private_household_sizes(rng, int(district_private[index]))
            if district_private[index]
            else np.zeros(0, np.int16)
        )
        homes = residents_by_home[home_district == index].astype(np.int16)
        sizes_parts.append(np.concatenate([sizes, homes]))
        kinds_parts.append(np.concatenate([_household_kinds(rng, sizes), np.full(homes.size, COMMUNAL, np.int8)]))
        district_parts.append(np.full(sizes.size + homes.size, index, dtype=np.int16))
    household_size = np.concatenate(sizes_parts).astype(np.int16)
    household_kind = np.concatenate(kinds_parts).astype(np.int8)
    household_district = np.concatenate(district_parts)
    household_count = household_size.size
    household_start = (np.cumsum(household_size) - household_size).astype(np.int32)
    people = int(household_size.sum())
    household = np.repeat(np.arange(household_count, dtype=np.int32), household_size)
    positions = _positions(household_size.astype(np.int64))
    person_kind = household_kind[household]

    age = _ages(rng, household_kind, household_size.astype(np.int64), positions)
    residents = person_kind == COMMUNAL
    age[residents] = np.floor(65 + rng.gamma(4.0, 5.0, residents.sum())).clip(65, 104).astype(np.int16)

    sex = (rng.random(people) < 0.49).astype(np.int8)  # 0 female, 1 male
    is_partner = (positions == 1) & np.isin(person_kind, (COUPLE, COUPLE_FAMILY))
    head_sex = sex[household_start[household]]
    opposite = rng.random(people) < 0.97
    sex[is_partner] = np.where(opposite[is_partner], 1 - head_sex[is_partner], head_sex[is_partner])
    sex[residents] = (rng.random(residents.sum()) < 0.3).astype(np.int8)  # care home residents: mostly women
    sex[rng.random(people) < OTHER_SEX_SHARE] = OTHER_SEX

    welsh_household = np.array([d.welsh for d in geography.districts])[household_district]
    household_heritage = np.zeros(household_count, dtype=np.int8)
    for welsh in (False, True):
        where = np.flatnonzero(welsh_household == welsh)
        household_heritage[where] = names.draw_heritage(rng, where.size, welsh)
    heritage = household_heritage[household]
    # A partner or sharer from a different background now and then.
    mixed = (positions >= 1) & (rng.random(people) < 0.08) & (person_kind != COMMUNAL)
    welsh_person = welsh_household[household]
    for welsh in (False, True):
        where = np.flatnonzero(mixed & (welsh_person == welsh))
        heritage[where] = names.draw_heritage(rng, where.size, welsh)
    residents_idx = np.flatnonzero(residents)
    # Every care home resident is their own family: draw each one's heritage.
    for welsh in (False, True):
        where = residents_idx[welsh_person[residents_idx] == welsh]
        heritage[where] = names.draw_heritage(rng, where.size, welsh)

    family_name = names.draw_family_names(rng, heritage)
    # Household members share the reference person's family name unless they are a
    # partner who kept their own, a sharer, or a care home resident.
    keeps_own = (is_partner & (rng.random(people) < 0.25)) | (person_kind == SHARED) | residents
    head_family = family_name[household_start[household]]
    family_name = np.where(keeps_own | (positions == 0), family_name, head_family).astype(np.int16)
    given_name = names.draw_given_names(rng, heritage, sex)

    birth_ordinal = _birth_ordinals(rng, config.start_date, age)

    nhs_number = nhs.generate(rng, people)
    nhs_number[rng.random(people) < config.nhs_missing_share] = 0

    language = names.draw_languages(rng, heritage, welsh_person)
    head = household_start[household]
    minor = (age < 16) & (age[head] >= 18)
    language = np.where(minor, language[head], language).astype(np.int8)

    phone = _phones(rng, people)
    phone_share = np.where(age >= 80, config.phone_share * 0.75, config.phone_share)
    phone[rng.random(people) >= phone_share] = 0
    email_share = np.where(age >= 75, config.email_share * 0.45, config.email_share)
    email_style = rng.integers(0, 4, size=people).astype(np.int8)
    email_style[rng.random(people) >= email_share] = -1
    email_number = rng.integers(1, 100, size=people).astype(np.int16)
    email_domain = rng.integers(0, len(constants.EMAIL_DOMAINS), size=people).astype(np.int8)
    # Children are reached through the reference person's phone and email.
    contact_person = np.where(minor, head, np.arange(people)).astype(np.int32)
    phone[minor] = 0
    email_style[minor] = -1

    occupation = _occupations(rng, age, residents)

    postcode, number, flat = _addresses(rng, geography, household_district, household_kind)
    district_start = np.searchsorted(household_district[household], np.arange(weights.size), side="left")
    district_end = np.searchsorted(household_district[household], np.arange(weights.size), side="right")
    communal = np.flatnonzero(household_kind == COMMUNAL).astype(np.int32)
    home_words = ("House", "Lodge", "Court", "Manor", "Grange")
    communal_names = [
        f"{geography.street_names[int(geography.postcode_street[postcode[h]])].split(' ')[0]} "
        f"{home_words[int(rng.integers(0, len(home_words)))]} Care Home"
        for h in communal
    ]
    return Population(
        household=household,
        age=age,
        birth_ordinal=birth_ordinal,
        sex=sex,
        heritage=heritage.astype(np.int8),
        given_name=given_name,
        family_name=family_name,
        nhs_number=nhs_number,
        phone=phone,
        email_style=email_style,
        email_number=email_number,
        email_domain=email_domain,
        language=language,
        occupation=occupation,
        contact_person=contact_person,
        household_start=household_start,
        household_size=household_size,
        household_kind=household_kind,
        household_district=household_district,
        household_postcode=postcode,
        household_number=number,
        household_flat=flat,
        district_start=district_start,
        district_end=district_end,
        communal_households=communal,
        communal_names=communal_names,
    )


def _birth_ordinals(rng: np.random.Generator, start_date: dt.date, age: np.ndarray) -> np.ndarray:
    # Someone aged a on the start date was born between a+1 years and a years before it.
    days_into_year = rng.integers(0, 365, size=age.size)
    return (start_date.toordinal() - np.floor(age * 365.25).astype(np.int64) - days_into_year - 1).astype(np.int32)


def _occupations(rng: np.random.Generator, age: np.ndarray, residents: np.ndarray) -> np.ndarray:
    occupation = np.full(age.size, constants.NOT_WORKING, dtype=np.int8)
    draw = rng.random(age.size)
    working = np.zeros(age.size, dtype=bool)
    for low, high, rate in EMPLOYMENT_BY_AGE:
        working |= (age >= low) & (age < high) & (draw < rate)
    working &= ~residents
    groups = rng.choice(
        [constants.HEALTH_CARE, constants.SOCIAL_CARE, constants.EDUCATION, constants.OTHER_WORK],
        size=int(working.sum()),
        p=OCCUPATION_SHARES,
    )
    occupation[working] = groups
    return occupation


def _addresses(
    rng: np.random.Generator, geography: Geography, household_district: np.ndarray, household_kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postcode, house number and flat number of each household; neighbours share postcodes."""
    count = household_district.size
    postcode = np.zeros(count, dtype=np.int32)
    number = np.zeros(count, dtype=np.int16)
    for index, live in enumerate(geography.live_by_district):
        households = np.flatnonzero(household_district == index)
        if not households.size:
            continue
        picks = np.sort(rng.integers(0, live.size, size=households.size))
        postcode[households] = live[picks]
        # House numbers count up within each postcode unit.
        first_in_unit = np.searchsorted(picks, picks, side="left")
        number[households] = (1 + np.arange(households.size) - first_in_unit).astype(np.int16)
    flat = np.where(
        (rng.random(count) < FLAT_SHARE) & (household_kind != COMMUNAL), rng.integers(1, 13, size=count), 0
    ).astype(np.int8)
    return postcode, number, flat
