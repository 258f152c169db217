"""Settings (places people gather: schools, workplaces, care homes, venues) and who belongs to each.

Membership is stored twice: grouped by setting (to draw someone's colleagues) and grouped
by person (to find where an infectious person goes).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from localtrace.simulate import constants as c
from localtrace.simulate.geography import Geography
from localtrace.simulate.names import NameBook
from localtrace.simulate.population import Population

PRIMARY_SCHOOL_SIZE = 280
SECONDARY_SCHOOL_SIZE = 950
PUPILS_PER_SCHOOL_STAFF = 9
CARE_STAFF_PER_RESIDENT = 1.0
PEOPLE_PER_GP_SURGERY = 8_000
PEOPLE_PER_HOSPITALITY_VENUE = 350
HOSPITALITY_VENUES_PER_ADULT = 1.2
PEOPLE_PER_GYM = 5_000
GYM_MEMBERSHIP_SHARE = 0.14
PEOPLE_PER_CHURCH = 1_500
# Share of people attending a place of worship weekly, by heritage (church, mosque,
# gurdwara or mandir); a rough reading of Census 2021 religion and attendance surveys.
WORSHIP_BY_HERITAGE: dict[str, tuple[str, float]] = {
    "british": ("church", 0.06),
    "welsh": ("chapel", 0.08),
    "irish": ("church", 0.20),
    "polish": ("church", 0.35),
    "lithuanian": ("church", 0.20),
    "romanian": ("church", 0.25),
    "portuguese": ("church", 0.20),
    "indian": ("gurdwara", 0.35),
    "pakistani": ("mosque", 0.45),
    "bangladeshi": ("mosque", 0.45),
    "chinese": ("church", 0.05),
    "west_african": ("church", 0.45),
    "caribbean": ("church", 0.30),
    "arab": ("mosque", 0.40),
    "somali": ("mosque", 0.50),
    "turkish": ("mosque", 0.20),
}
WORSHIP_DAY = {"church": 6, "chapel": 6, "gurdwara": 6, "mosque": 4}  # Sunday 6, Friday 4

PUB_NAMES = (
    "The Red Lion",
    "The Plough",
    "The Wheatsheaf",
    "The Fox and Hounds",
    "The Kings Arms",
    "The Bell",
    "The Swan",
    "Y Llew Coch",
    "The Drovers",
)
VENUE_KINDS = ("Café", "Kitchen", "Tandoori", "Pizzeria", "Bistro", "Noodle Bar", "Tea Rooms")
WORKPLACE_KINDS = (
    "Distribution Centre",
    "Foods Ltd",
    "Engineering Ltd",
    "Contact Centre",
    "Council Offices",
    "Supermarket",
    "Builders Merchants",
    "Garden Centre",
    "Haulage",
    "Meat Processing",
    "Print Works",
    "Solicitors",
)


@dataclasses.dataclass(frozen=True)
class Attendance:
    """How often a member attends and how many people they meet there."""

    weekday: float
    weekend: float
    contacts_per_day: float
    team_size: int  # colleagues, class or unit; 0 means anyone in the setting
    within_team: float


ATTENDANCE: dict[tuple[int, int], Attendance] = {
    (c.WORKPLACE, c.WORKER): Attendance(0.9, 0.1, 4.0, 8, 0.8),
    (c.SCHOOL, c.PUPIL): Attendance(0.95, 0.0, 6.0, 30, 0.9),
    (c.SCHOOL, c.WORKER): Attendance(0.95, 0.0, 5.0, 30, 0.7),
    (c.CARE_HOME, c.RESIDENT): Attendance(1.0, 1.0, 4.0, 15, 0.8),
    (c.CARE_HOME, c.WORKER): Attendance(0.7, 0.7, 8.0, 15, 0.6),
    (c.HEALTHCARE, c.WORKER): Attendance(0.85, 0.4, 6.0, 12, 0.7),
    (c.HOSPITALITY, c.VISITOR): Attendance(0.12, 0.25, 2.0, 0, 0.0),
    (c.PLACE_OF_WORSHIP, c.CONGREGANT): Attendance(0.05, 0.05, 3.0, 0, 0.0),
    (c.OTHER_SETTING, c.MEMBER): Attendance(0.3, 0.3, 1.0, 0, 0.0),
}


@dataclasses.dataclass
class Places:
    """Settings and memberships."""

    kind: np.ndarray  # int8 per setting
    category: list[str]
    name: list[str]
    district: np.ndarray  # int16
    postcode: np.ndarray  # int32
    number: np.ndarray  # int16 street number
    worship_day: np.ndarray  # int8, -1 when not a place of worship
    # memberships grouped by setting
    setting_start: np.ndarray  # int64, length settings + 1
    member_person: np.ndarray  # int32
    member_role: np.ndarray  # int8
    # the same memberships grouped by person: positions into the by-setting arrays
    person_start: np.ndarray  # int64, length people + 1
    person_membership: np.ndarray  # int64
    # per person
    care_home_link: np.ndarray  # bool: resident or worker of a care home
    regular_tester: np.ndarray  # bool: tested routinely (care, health, school staff)

    @property
    def size(self) -> int:
        return int(self.kind.size)

    def member_setting(self) -> np.ndarray:
        sizes = np.diff(self.setting_start)
        return np.repeat(np.arange(self.size, dtype=np.int32), sizes)


class _Builder:
    def __init__(self, geography: Geography, rng: np.random.Generator) -> None:
        self.geography = geography
        self.rng = rng
        self.kind: list[int] = []
        self.category: list[str] = []
        self.name: list[str] = []
        self.district: list[int] = []
        self.postcode: list[int] = []
        self.number: list[int] = []
        self.worship_day: list[int] = []
        self.members_setting: list[np.ndarray] = []
        self.members_person: list[np.ndarray] = []
        self.members_role: list[np.ndarray] = []

    def add(
        self, kind: int, category: str, name: str, district: int, postcode: int | None = None, number: int | None = None
    ) -> int:
        self.kind.append(kind)
        self.category.append(category)
        self.name.append(name)
        self.district.append(district)
        self.postcode.append(self.random_postcode(district) if postcode is None else postcode)
        self.number.append(int(self.rng.integers(1, 200)) if number is None else number)
        self.worship_day.append(WORSHIP_DAY.get(category, -1))
        return len(self.kind) - 1

    def members(self, settings: np.ndarray, people: np.ndarray, role: int) -> None:
        self.members_setting.append(settings.astype(np.int32))
        self.members_person.append(people.astype(np.int32))
        self.members_role.append(np.full(people.size, role, dtype=np.int8))

    def random_postcode(self, district: int) -> int:
        live = self.geography.live_by_district[district]
        return int(live[self.rng.integers(0, live.size)])

    def street_word(self, postcode: int) -> str:
        street = self.geography.street_names[int(self.geography.postcode_street[postcode])]
        return street.split(" ")[0]


def _chunks(people: np.ndarray, size: int) -> np.ndarray:
    """Split people (in address order, so neighbours together) into groups of about size."""
    groups = max(1, round(people.size / size))
    return (np.arange(people.size) * groups // max(1, people.size)).astype(np.int64)


def build(population: Population, geography: Geography, names: NameBook, rng: np.random.Generator) -> Places:
    builder = _Builder(geography, rng)
    age = population.age
    occupation = population.occupation
    heritage_names = [h.name for h in names.heritages]

    for district_index, district in enumerate(geography.districts):
        start, end = int(population.district_start[district_index]), int(population.district_end[district_index])
        people = np.arange(start, end)
        place = district.name.replace(" Borough", "")
        _add_schools(builder, population, people, district_index, place)
        _add_care_homes(builder, population, people, district_index)
        _add_healthcare(builder, population, people, district_index, place)
        _add_workplaces(builder, population, people, district_index, place)
        _add_hospitality(builder, population, people, district_index)
        _add_worship(builder, population, people, district_index, heritage_names)
        _add_gyms(builder, population, people, district_index)

    member_setting = np.concatenate(builder.members_setting) if builder.members_setting else np.zeros(0, np.int32)
    member_person = np.concatenate(builder.members_person) if builder.members_person else np.zeros(0, np.int32)
    member_role = np.concatenate(builder.members_role) if builder.members_role else np.zeros(0, np.int8)
    # Group by setting; within a setting keep pupils of one age together (classes) and
    # otherwise the order people were added in (teams of neighbours and colleagues).
    order = np.lexsort((np.arange(member_setting.size), age[member_person], member_role, member_setting))
    member_setting, member_person, member_role = member_setting[order], member_person[order], member_role[order]
    setting_count = len(builder.kind)
    setting_start = np.zeros(setting_count + 1, dtype=np.int64)
    setting_start[1:] = np.cumsum(np.bincount(member_setting, minlength=setting_count))
    by_person = np.argsort(member_person, kind="stable")
    person_start = np.zeros(population.size + 1, dtype=np.int64)
    person_start[1:] = np.cumsum(np.bincount(member_person, minlength=population.size))

    kind = np.array(builder.kind, dtype=np.int8)
    care_home_link = np.zeros(population.size, dtype=bool)
    care_home_link[member_person[kind[member_setting] == c.CARE_HOME]] = True
    regular_tester = np.isin(occupation, (c.HEALTH_CARE, c.SOCIAL_CARE, c.EDUCATION)) | care_home_link
    return Places(
        kind=kind,
        category=builder.category,
        name=builder.name,
        district=np.array(builder.district, dtype=np.int16),
        postcode=np.array(builder.postcode, dtype=np.int32),
        number=np.array(builder.number, dtype=np.int16),
        worship_day=np.array(builder.worship_day, dtype=np.int8),
        setting_start=setting_start,
        member_person=member_person,
        member_role=member_role,
        person_start=person_start,
        person_membership=by_person.astype(np.int64),
        care_home_link=care_home_link,
        regular_tester=regular_tester,
    )


def _add_schools(builder: _Builder, population: Population, people: np.ndarray, district: int, place: str) -> None:
    age = population.age[people]
    staff = people[population.occupation[people] == c.EDUCATION]
    staff = staff[builder.rng.permutation(staff.size)]
    pupils_total = 0
    school_sizes: list[tuple[int, int]] = []
    for category, low, high, size in (
        ("primary school", 4, 11, PRIMARY_SCHOOL_SIZE),
        ("secondary school", 11, 18, SECONDARY_SCHOOL_SIZE),
    ):
        pupils = people[(age >= low) & (age < high)]
        if not pupils.size:
            continue
        group = _chunks(pupils, size)
        # One pupil in ten goes to a school away from home.
        moved = builder.rng.random(pupils.size) < 0.1
        group[moved] = builder.rng.integers(0, group.max() + 1, size=int(moved.sum()))
        first = len(builder.kind)
        for number in range(int(group.max()) + 1):
            postcode = builder.random_postcode(district)
            word = builder.street_word(postcode)
            label = "Primary School" if category == "primary school" else "Academy"
            builder.add(c.SCHOOL, category, f"{word} {label}" if number else f"{place} {label}", district, postcode)
            school_sizes.append((len(builder.kind) - 1, int((group == number).sum())))
        builder.members(first + group, pupils, c.PUPIL)
        pupils_total += pupils.size
    if school_sizes and staff.size:
        needed = min(staff.size, pupils_total // PUPILS_PER_SCHOOL_STAFF + 1)
        schools = np.array([s for s, _ in school_sizes])
        weights = np.array([n for _, n in school_sizes], dtype=float)
        assigned = builder.rng.choice(schools, size=needed, p=weights / weights.sum())
        builder.members(assigned, staff[:needed], c.WORKER)
        staff = staff[needed:]
    if staff.size:
        # Other education staff work at a further education college.
        college = builder.add(c.WORKPLACE, "college", f"{place} College", district)
        builder.members(np.full(staff.size, college), staff, c.WORKER)


def _add_care_homes(builder: _Builder, population: Population, people: np.ndarray, district: int) -> None:
    communal = population.communal_households
    homes = communal[population.household_district[communal] == district]
    carers = people[population.occupation[people] == c.SOCIAL_CARE]
    carers = carers[builder.rng.permutation(carers.size)]
    home_settings = []
    for household in homes.tolist():
        name = population.communal_names[int(np.searchsorted(communal, household))]
        setting = builder.add(
            c.CARE_HOME,
            "care home",
            name,
            district,
            int(population.household_postcode[household]),
            int(population.household_number[household]),
        )
        start = int(population.household_start[household])
        residents = np.arange(start, start + int(population.household_size[household]))
        builder.members(np.full(residents.size, setting), residents, c.RESIDENT)
        home_settings.append((setting, residents.size))
    if home_settings and carers.size:
        needed = min(carers.size, round(sum(n for _, n in home_settings) * CARE_STAFF_PER_RESIDENT))
        settings = np.array([s for s, _ in home_settings])
        weights = np.array([n for _, n in home_settings], dtype=float)
        builder.members(builder.rng.choice(settings, size=needed, p=weights / weights.sum()), carers[:needed], c.WORKER)
        carers = carers[needed:]
    if carers.size:
        # Home care workers visit clients at home; their agency office is their setting.
        agency = builder.add(
            c.WORKPLACE,
            "home care agency",
            f"{builder.street_word(builder.random_postcode(district))} Home Care",
            district,
        )
        builder.members(np.full(carers.size, agency), carers, c.WORKER)


def _add_healthcare(builder: _Builder, population: Population, people: np.ndarray, district: int, place: str) -> None:
    staff = people[population.occupation[people] == c.HEALTH_CARE]
    surgeries = max(1, round(people.size / PEOPLE_PER_GP_SURGERY))
    first = len(builder.kind)
    builder.add(c.HEALTHCARE, "hospital", f"{place} General Hospital", district)
    for _ in range(surgeries):
        postcode = builder.random_postcode(district)
        builder.add(c.HEALTHCARE, "GP surgery", f"{builder.street_word(postcode)} Medical Practice", district, postcode)
    if staff.size:
        # About three in five NHS staff work in hospitals.
        at_hospital = builder.rng.random(staff.size) < 0.6
        setting = np.where(at_hospital, first, first + 1 + builder.rng.integers(0, surgeries, size=staff.size))
        builder.members(setting, staff, c.WORKER)


def _pareto_sizes(rng: np.random.Generator, total: int) -> np.ndarray:
    # Workplace sizes are heavy-tailed: most are small, a few employ hundreds.
    sizes = np.minimum(np.floor(2 * (1 + rng.pareto(1.1, size=max(8, total)))), 1500).astype(np.int64)
    cumulative = np.cumsum(sizes)
    count = int(np.searchsorted(cumulative, total)) + 1
    return sizes[:count]


def _add_workplaces(builder: _Builder, population: Population, people: np.ndarray, district: int, place: str) -> None:
    workers = people[population.occupation[people] == c.OTHER_WORK]
    if not workers.size:
        return
    workers = workers[builder.rng.permutation(workers.size)]
    sizes = _pareto_sizes(builder.rng, workers.size)
    first = len(builder.kind)
    for size in sizes.tolist():
        postcode = builder.random_postcode(district)
        kind_name = WORKPLACE_KINDS[int(builder.rng.integers(0, len(WORKPLACE_KINDS)))]
        word = builder.street_word(postcode) if size < 200 else place
        builder.add(
            c.WORKPLACE, "large workplace" if size >= 50 else "workplace", f"{word} {kind_name}", district, postcode
        )
    workplace = np.repeat(np.arange(first, first + sizes.size), sizes)[: workers.size]
    builder.members(workplace, workers, c.WORKER)


def _add_hospitality(builder: _Builder, population: Population, people: np.ndarray, district: int) -> None:
    adults = people[population.age[people] >= 18]
    venues = max(1, round(people.size / PEOPLE_PER_HOSPITALITY_VENUE))
    first = len(builder.kind)
    for _ in range(venues):
        if builder.rng.random() < 0.45:
            name = PUB_NAMES[int(builder.rng.integers(0, len(PUB_NAMES)))]
            builder.add(c.HOSPITALITY, "pub", name, district)
        else:
            postcode = builder.random_postcode(district)
            venue = VENUE_KINDS[int(builder.rng.integers(0, len(VENUE_KINDS)))]
            builder.add(
                c.HOSPITALITY, "restaurant or café", f"{builder.street_word(postcode)} {venue}", district, postcode
            )
    if not adults.size:
        return
    counts = builder.rng.poisson(HOSPITALITY_VENUES_PER_ADULT * np.where(population.age[adults] >= 75, 0.4, 1.0))
    counts = np.minimum(counts, venues)
    regulars = np.repeat(adults, counts)
    # Each person's venues are distinct: offset from a random start.
    offsets = np.arange(regulars.size) - np.repeat(np.cumsum(counts) - counts, counts)
    start = np.repeat(builder.rng.integers(0, venues, size=adults.size), counts)
    builder.members(first + (start + offsets) % venues, regulars, c.VISITOR)


def _add_worship(
    builder: _Builder, population: Population, people: np.ndarray, district: int, heritage_names: list[str]
) -> None:
    heritage = population.heritage[people]
    draw = builder.rng.random(people.size)
    attends: dict[str, list[np.ndarray]] = {}
    for index, heritage_name in enumerate(heritage_names):
        category, share = WORSHIP_BY_HERITAGE.get(heritage_name, ("church", 0.05))
        attends.setdefault(category, []).append(people[(heritage == index) & (draw < share)])
    labels = {"chapel": "Capel {}", "mosque": "{} Mosque", "gurdwara": "{} Gurdwara"}
    saints = ("Mary's", "John's", "Peter's", "Andrew's", "David's", "Michael's", "Anne's")
    for category in sorted(attends):
        congregants = np.concatenate(attends[category])
        if not congregants.size:
            continue
        congregants.sort()
        per_place = PEOPLE_PER_CHURCH // 10 if category == "church" else 300
        group = _chunks(congregants, per_place)
        first = len(builder.kind)
        for _ in range(int(group.max()) + 1):
            postcode = builder.random_postcode(district)
            if category == "church":
                name = f"St {saints[int(builder.rng.integers(0, len(saints)))]} Church"
            else:
                name = labels[category].format(builder.street_word(postcode))
            builder.add(c.PLACE_OF_WORSHIP, category, name, district, postcode)
        builder.members(first + group, congregants, c.CONGREGANT)


def _add_gyms(builder: _Builder, population: Population, people: np.ndarray, district: int) -> None:
    age = population.age[people]
    members = people[(age >= 18) & (age < 65) & (builder.rng.random(people.size) < GYM_MEMBERSHIP_SHARE)]
    gyms = max(1, round(people.size / PEOPLE_PER_GYM))
    first = len(builder.kind)
    for _ in range(gyms):
        postcode = builder.random_postcode(district)
        builder.add(c.OTHER_SETTING, "gym", f"{builder.street_word(postcode)} Fitness", district, postcode)
    if members.size:
        builder.members(first + builder.rng.integers(0, gyms, size=members.size), members, c.MEMBER)
