"""The agent-based outbreak: each day, infectious people meet household members, people in
their settings, friends and strangers, and some of those contacts become infected.

All work for a day is vectorised over the people infectious that day, so the cost grows
with the size of the outbreak, not with the population.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from localtrace.simulate import constants as c
from localtrace.simulate.config import SimulationConfig, TransmissionParameters
from localtrace.simulate.places import ATTENDANCE, Places
from localtrace.simulate.population import COMMUNAL, Population

NEVER = np.iinfo(np.int16).max  # day value meaning "did not happen"
MAX_INFECTIOUS_DAYS = 14
CLOSE_CONTACT_REACH = 150  # neighbours and friends live within this many people in address order
COMMUNITY_OUTSIDE_DISTRICT = 0.1


@dataclasses.dataclass
class DayContacts:
    """Contact events of one day: person a is infectious, person b is exposed."""

    person_a: np.ndarray
    person_b: np.ndarray
    kind: np.ndarray  # int8, constants.CONTACT_KINDS
    setting: np.ndarray  # int32, -1 when not in a setting
    day: int

    @property
    def size(self) -> int:
        return int(self.person_a.size)


def generation_interval(parameters: TransmissionParameters) -> np.ndarray:
    """Share of a person's infectiousness falling on each day after infection (index 0 unused)."""
    shape = (parameters.generation_mean / parameters.generation_sd) ** 2
    scale = parameters.generation_sd**2 / parameters.generation_mean
    days = np.arange(1, MAX_INFECTIOUS_DAYS + 1, dtype=float)
    log_density = (shape - 1) * np.log(days) - days / scale - math.lgamma(shape) - shape * math.log(scale)
    weights = np.exp(log_density)
    return np.concatenate([[0.0], weights / weights.sum()])


def _attendance_table() -> tuple[np.ndarray, ...]:
    """Attendance parameters as arrays indexed [kind, role]."""
    shape = (len(c.SETTING_KINDS), len(c.MEMBER_ROLES))
    weekday, weekend, contacts, team, within = (np.zeros(shape) for _ in range(5))
    for (kind, role), attendance in ATTENDANCE.items():
        weekday[kind, role] = attendance.weekday
        weekend[kind, role] = attendance.weekend
        contacts[kind, role] = attendance.contacts_per_day
        team[kind, role] = attendance.team_size
        within[kind, role] = attendance.within_team
    return weekday, weekend, contacts, team.astype(np.int64), within


WORSHIP_DAY_ATTENDANCE = 0.85


class Outbreak:
    """Infection state of every person, advanced one day at a time."""

    def __init__(
        self, config: SimulationConfig, population: Population, places: Places, rng: np.random.Generator
    ) -> None:
        self.config = config
        self.parameters = config.transmission
        self.population = population
        self.places = places
        self.rng = rng
        count = population.size
        self.infected_day = np.full(count, NEVER, dtype=np.int16)
        self.infector = np.full(count, -1, dtype=np.int32)
        self.route = np.full(count, -1, dtype=np.int8)
        self.setting = np.full(count, -1, dtype=np.int32)
        self.onset_day = np.full(count, NEVER, dtype=np.int16)
        self.isolation_day = np.full(count, NEVER, dtype=np.int16)
        self.relative_infectiousness = np.ones(count, dtype=np.float32)
        self.complies = rng.random(count) < self.parameters.isolation_compliance
        self.immune = rng.random(count) < self.parameters.immune_share
        age = population.age
        self.susceptibility = np.where(
            age < 10,
            self.parameters.susceptibility_under_10,
            np.where(age < 20, self.parameters.susceptibility_10_to_19, 1.0),
        ).astype(np.float32)
        self.susceptibility[self.immune] = 0.0
        self.generation = generation_interval(self.parameters)
        self.weekday_rate, self.weekend_rate, self.contact_rate, self.team_size, self.within_team = _attendance_table()
        self.person_district = population.household_district[population.household]
        self.private_household = population.household_kind != COMMUNAL
        self.new_by_day: dict[int, np.ndarray] = {}
        self._calibrate()

    # --- calibration -------------------------------------------------------------------

    def _calibrate(self) -> None:
        """Per-contact transmission rates that give the configured reproduction number."""
        p = self.parameters
        population = self.population
        sizes = population.household_size[population.household].astype(float)
        private = self.private_household[population.household]
        household_contacts = float(np.where(private, sizes - 1, 0).mean())
        places = self.places
        member_kind = places.kind[places.member_setting()]
        member_role = places.member_role
        weekly = (5 * self.weekday_rate + 2 * self.weekend_rate) / 7
        worship = member_kind == c.PLACE_OF_WORSHIP
        average_attendance = weekly[member_kind, member_role]
        average_attendance[worship] = (
            WORSHIP_DAY_ATTENDANCE + 6 * self.weekday_rate[c.PLACE_OF_WORSHIP, c.CONGREGANT]
        ) / 7
        setting_contacts = float(
            (average_attendance * self.contact_rate[member_kind, member_role]).sum() / population.size
        )
        mean_infectiousness = 1 - p.asymptomatic_share * (1 - p.asymptomatic_relative_infectiousness)
        mean_susceptibility = float(self.susceptibility[~self.immune].mean()) if (~self.immune).any() else 1.0
        scale = p.reproduction_number / (mean_infectiousness * mean_susceptibility)

        def rate(share: float, contacts: float) -> float:
            return scale * share / contacts if contacts > 0 else 0.0

        self.household_rate = rate(p.household_share, household_contacts)
        self.setting_rate = rate(p.setting_share, setting_contacts)
        self.close_rate = rate(p.close_share, p.close_contacts_per_day)
        self.community_rate = rate(p.community_share, p.community_contacts_per_day)
        self.calibration = {
            "household_contacts_per_person": household_contacts,
            "setting_contacts_per_person_day": setting_contacts,
            "household_rate": self.household_rate,
            "setting_rate": self.setting_rate,
            "close_rate": self.close_rate,
            "community_rate": self.community_rate,
        }

    # --- infection -----------------------------------------------------------------------

    def infect(
        self, people: np.ndarray, day: int | np.ndarray, infector: np.ndarray, route: np.ndarray, setting: np.ndarray
    ) -> None:
        """Record new infections and draw each one's course: symptoms, onset, isolation."""
        p = self.parameters
        count = people.size
        if not count:
            return
        days = np.broadcast_to(np.asarray(day, dtype=np.int16), (count,))
        self.infected_day[people] = days
        self.infector[people] = infector
        self.route[people] = route
        self.setting[people] = setting
        symptomatic = self.rng.random(count) >= p.asymptomatic_share
        incubation = np.maximum(1, np.rint(self.rng.lognormal(p.incubation_meanlog, p.incubation_sdlog, count))).astype(
            np.int16
        )
        self.onset_day[people] = np.where(symptomatic, days + incubation, NEVER)
        self.relative_infectiousness[people] = np.where(symptomatic, 1.0, p.asymptomatic_relative_infectiousness)
        isolates = symptomatic & self.complies[people]
        self.isolation_day[people] = np.where(isolates, days + incubation, NEVER)
        for infection_day in np.unique(days).tolist():
            arrived = people[days == infection_day]
            previous = self.new_by_day.get(infection_day)
            self.new_by_day[infection_day] = arrived if previous is None else np.concatenate([previous, arrived])

    def isolate(self, people: np.ndarray, day: int) -> None:
        """People told they are positive on this day isolate from it, if they comply."""
        complying = people[self.complies[people]]
        self.isolation_day[complying] = np.minimum(self.isolation_day[complying], day)

    def seed(self, day: int) -> None:
        """Initial infections spread over the week before the start, so growth is under way."""
        count = min(self.config.initial_infections, self.population.size)
        candidates = np.flatnonzero(~self.immune)
        chosen = self.rng.choice(candidates, size=min(count, candidates.size), replace=False)
        days = (day - self.rng.integers(0, 7, size=chosen.size)).astype(np.int16)
        for seed_day in np.unique(days).tolist():
            group = chosen[days == seed_day]
            self._infect_route(group, seed_day, c.SEED_ROUTE)

    def import_cases(self, day: int) -> None:
        count = int(self.rng.poisson(self.config.daily_imports))
        if not count:
            return
        chosen = self.rng.integers(0, self.population.size, size=count)
        chosen = np.unique(chosen[(self.infected_day[chosen] == NEVER) & ~self.immune[chosen]])
        self._infect_route(chosen, day, c.IMPORT_ROUTE)

    def _infect_route(self, people: np.ndarray, day: int, route: int) -> None:
        none = np.full(people.size, -1, dtype=np.int32)
        self.infect(people, day, none, np.full(people.size, route, dtype=np.int8), none)

    # --- one day -----------------------------------------------------------------------

    def infectious_on(self, day: int) -> np.ndarray:
        parts = [self.new_by_day[d] for d in range(day - MAX_INFECTIOUS_DAYS, day) if d in self.new_by_day]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def step(self, day: int, weekday: int) -> DayContacts:
        """Contacts and transmission on one day; returns the day's contact events."""
        self.import_cases(day)
        active = self.infectious_on(day)
        if not active.size:
            empty = np.zeros(0, dtype=np.int32)
            return DayContacts(empty, empty, np.zeros(0, np.int8), empty, day)
        since = (day - self.infected_day[active]).astype(np.int64)
        weight = self.generation[since] * self.relative_infectiousness[active]
        isolating = self.isolation_day[active] <= day
        outside = np.where(isolating, self.parameters.isolation_residual, 1.0)

        parts = [
            self._household(active, since, weight),
            self._settings(active, weight, isolating, weekday),
            self._neighbourhood(active, weight, outside, c.CLOSE_CONTACT),
            self._neighbourhood(active, weight, outside, c.COMMUNITY_CONTACT),
        ]
        person_a = np.concatenate([part[0] for part in parts])
        person_b = np.concatenate([part[1] for part in parts])
        kind = np.concatenate([part[2] for part in parts])
        setting = np.concatenate([part[3] for part in parts])
        infects = np.concatenate([part[4] for part in parts])

        # Infect: a susceptible person infected by several contacts today takes the first.
        target = person_b[infects]
        susceptible = (self.infected_day[target] == NEVER) & ~self.immune[target]
        candidates = np.flatnonzero(infects)[susceptible]
        if candidates.size:
            _, first = np.unique(person_b[candidates], return_index=True)
            chosen = candidates[np.sort(first)]
            route = np.array([c.HOUSEHOLD_ROUTE, c.CLOSE_ROUTE, c.SETTING_ROUTE, c.COMMUNITY_ROUTE], dtype=np.int8)[
                kind[chosen]
            ]
            self.infect(person_b[chosen], day, person_a[chosen], route, setting[chosen])
        # Meeting the same person in the same way twice in a day is one contact event.
        order = np.lexsort((setting, kind, person_b, person_a))
        key_a, key_b, key_kind, key_setting = person_a[order], person_b[order], kind[order], setting[order]
        repeat = np.zeros(order.size, dtype=bool)
        repeat[1:] = (
            (key_a[1:] == key_a[:-1])
            & (key_b[1:] == key_b[:-1])
            & (key_kind[1:] == key_kind[:-1])
            & (key_setting[1:] == key_setting[:-1])
        )
        keep = np.sort(order[~repeat])
        return DayContacts(person_a[keep], person_b[keep], kind[keep], setting[keep], day)

    def _household(self, active: np.ndarray, since: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, ...]:
        population = self.population
        household = population.household[active]
        private = self.private_household[household]
        infector = active[private]
        household = household[private]
        weight = weight[private]
        first_day = since[private] == 1
        sizes = population.household_size[household].astype(np.int64)
        repeated = np.repeat(np.arange(infector.size), sizes)
        offset = np.arange(repeated.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        member = population.household_start[household][repeated] + offset
        a = infector[repeated]
        others = member != a
        a, member, repeated = a[others], member[others], repeated[others]
        probability = 1 - np.exp(-self.household_rate * weight[repeated] * self.susceptibility[member])
        infects = self.rng.random(member.size) < probability
        # Household exposure runs all through the infectious period; the contact is logged
        # once, on its first day, plus whenever it transmits.
        logged = first_day[repeated] | infects
        return (
            a[logged].astype(np.int32),
            member[logged].astype(np.int32),
            np.full(int(logged.sum()), c.HOUSEHOLD_CONTACT, dtype=np.int8),
            np.full(int(logged.sum()), -1, dtype=np.int32),
            infects[logged],
        )

    def _settings(
        self, active: np.ndarray, weight: np.ndarray, isolating: np.ndarray, weekday: int
    ) -> tuple[np.ndarray, ...]:
        places = self.places
        going = active[~isolating]
        weight = weight[~isolating]
        starts = places.person_start[going]
        counts = places.person_start[going + 1] - starts
        owner = np.repeat(np.arange(going.size), counts)
        position = places.person_membership[
            np.repeat(starts, counts) + np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        ]
        setting_of = np.searchsorted(places.setting_start, position, side="right") - 1
        kind = places.kind[setting_of]
        role = places.member_role[position]
        rate = (self.weekend_rate if weekday >= 5 else self.weekday_rate)[kind, role]
        worship = kind == c.PLACE_OF_WORSHIP
        rate[worship] = np.where(
            places.worship_day[setting_of[worship]] == weekday, WORSHIP_DAY_ATTENDANCE, rate[worship]
        )
        attends = self.rng.random(owner.size) < rate
        owner, position, setting_of, kind, role = (
            owner[attends],
            position[attends],
            setting_of[attends],
            kind[attends],
            role[attends],
        )
        contacts = self.rng.poisson(self.contact_rate[kind, role])
        each = np.repeat(np.arange(owner.size), contacts)
        setting = setting_of[each]
        first = places.setting_start[setting]
        size = places.setting_start[setting + 1] - first
        local = position[each] - first
        team = self.team_size[kind[each], role[each]]
        in_team = (team > 0) & (self.rng.random(each.size) < self.within_team[kind[each], role[each]])
        team_base = np.where(team > 0, (local // np.maximum(team, 1)) * team, 0)
        team_pick = team_base + self.rng.integers(0, np.maximum(team, 1))
        anywhere = self.rng.integers(0, np.maximum(size, 1))
        target_local = np.where(in_team, np.minimum(team_pick, size - 1), anywhere)
        target = places.member_person[first + target_local]
        a = going[owner[each]]
        keep = target != a
        a, target, setting, infector_weight = a[keep], target[keep], setting[keep], weight[owner[each]][keep]
        probability = 1 - np.exp(-self.setting_rate * infector_weight * self.susceptibility[target])
        infects = self.rng.random(target.size) < probability
        return (
            a.astype(np.int32),
            target.astype(np.int32),
            np.full(a.size, c.SETTING_CONTACT, dtype=np.int8),
            setting.astype(np.int32),
            infects,
        )

    def _neighbourhood(
        self, active: np.ndarray, weight: np.ndarray, outside: np.ndarray, kind: int
    ) -> tuple[np.ndarray, ...]:
        p = self.parameters
        population = self.population
        close = kind == c.CLOSE_CONTACT
        per_day = p.close_contacts_per_day if close else p.community_contacts_per_day
        contacts = self.rng.poisson(per_day * outside)
        each = np.repeat(np.arange(active.size), contacts)
        a = active[each]
        district = self.person_district[a]
        low = population.district_start[district]
        high = population.district_end[district]
        if close:
            # Friends and neighbours: people living nearby in address order.
            offset = self.rng.integers(1, CLOSE_CONTACT_REACH + 1, size=a.size) * self.rng.choice((-1, 1), size=a.size)
            target = np.clip(a + offset, low, high - 1)
            rate = self.close_rate
        else:
            target = low + self.rng.integers(0, np.maximum(high - low, 1))
            away = self.rng.random(a.size) < COMMUNITY_OUTSIDE_DISTRICT
            target[away] = self.rng.integers(0, population.size, size=int(away.sum()))
            rate = self.community_rate
        keep = target != a
        a, target, each = a[keep], target[keep], each[keep]
        probability = 1 - np.exp(-rate * weight[each] * self.susceptibility[target])
        infects = self.rng.random(target.size) < probability
        return (
            a.astype(np.int32),
            target.astype(np.int32),
            np.full(a.size, kind, dtype=np.int8),
            np.full(a.size, -1, dtype=np.int32),
            infects,
        )

    # --- summaries -----------------------------------------------------------------------

    def infected(self) -> np.ndarray:
        return np.flatnonzero(self.infected_day != NEVER)
