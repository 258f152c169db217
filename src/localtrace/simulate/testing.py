"""Who gets tested when, with which test, and what the laboratory reports.

Symptomatic infected people book a test after onset; everyone else is tested in the
background (regular staff testing, worried well), which is where most negatives come from
and where some asymptomatic infections are found.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from localtrace.simulate import constants as c
from localtrace.simulate.config import SimulationConfig
from localtrace.simulate.geography import Geography
from localtrace.simulate.places import Places
from localtrace.simulate.population import Population
from localtrace.simulate.transmission import NEVER, Outbreak

PCR, LFD = 0, 1
# Days from symptom onset to taking a test (0-4), and from specimen to a PCR result
# (NHS Test and Trace weekly statistics: most in-person PCR results came the next day).
ONSET_TO_SPECIMEN = np.array([0.25, 0.35, 0.2, 0.12, 0.08])
PCR_TURNAROUND = np.array([0.05, 0.55, 0.28, 0.09, 0.03])
# Days after infection in which a test can detect the virus.
PCR_DETECTABLE = (2, 21)
LFD_DETECTABLE = (3, 11)
REGULAR_TESTER_LFD_SHARE = 0.9
LFD_SITE_SHARE = 0.3


@dataclasses.dataclass
class ResultBatch:
    """Test results that share a result day, in the order they were produced."""

    person: np.ndarray  # int32
    source: np.ndarray  # int8 index into constants.SOURCES
    test_type: np.ndarray  # int8 PCR/LFD
    result: np.ndarray  # int8 constants.NEGATIVE/POSITIVE/VOID
    specimen_day: np.ndarray  # int16
    result_day: np.ndarray  # int16
    sex_unrecorded: np.ndarray  # bool

    @property
    def size(self) -> int:
        return int(self.person.size)

    def take(self, where: np.ndarray) -> ResultBatch:
        return ResultBatch(*(getattr(self, f.name)[where] for f in dataclasses.fields(self)))


class Testing:
    """Plans tests, takes specimens and hands back results on the day they are reported."""

    def __init__(
        self,
        config: SimulationConfig,
        population: Population,
        places: Places,
        geography: Geography,
        outbreak: Outbreak,
        rng: np.random.Generator,
    ) -> None:
        self.config = config
        self.parameters = config.testing
        self.population = population
        self.outbreak = outbreak
        self.rng = rng
        self.planned_people: dict[int, list[np.ndarray]] = {}
        self.planned_types: dict[int, list[np.ndarray]] = {}
        self.pending: dict[int, list[ResultBatch]] = {}
        self.considered = np.zeros(population.size, dtype=bool)
        self.first_positive_day = np.full(population.size, NEVER, dtype=np.int16)
        self.first_positive_specimen_day = np.full(population.size, NEVER, dtype=np.int16)
        self.regular_testers = np.flatnonzero(places.regular_tester)
        welsh = np.array([district.welsh for district in geography.districts])
        district = population.household_district[population.household]
        # Laboratories serve halves of England and all of Wales.
        half = len(geography.districts) // 2
        self.pcr_source = np.where(welsh[district], 2, np.where(district < half, 0, 1)).astype(np.int8)

    def plan_new_infections(self) -> None:
        """Symptomatic people newly infected (not yet considered) may book a test after onset."""
        outbreak = self.outbreak
        fresh = np.flatnonzero((outbreak.infected_day != NEVER) & ~self.considered)
        if not fresh.size:
            return
        self.considered[fresh] = True
        symptomatic = fresh[outbreak.onset_day[fresh] != NEVER]
        testers = symptomatic[self.rng.random(symptomatic.size) < self.parameters.symptomatic_test_probability]
        delay = self.rng.choice(ONSET_TO_SPECIMEN.size, size=testers.size, p=ONSET_TO_SPECIMEN)
        specimen_day = outbreak.onset_day[testers].astype(np.int64) + delay
        test_type = np.where(self.rng.random(testers.size) < self.parameters.symptomatic_pcr_share, PCR, LFD).astype(
            np.int8
        )
        self._plan(testers, specimen_day, test_type)

    def _plan(self, people: np.ndarray, specimen_day: np.ndarray, test_type: np.ndarray) -> None:
        for day in np.unique(specimen_day).tolist():
            where = specimen_day == day
            self.planned_people.setdefault(day, []).append(people[where].astype(np.int32))
            self.planned_types.setdefault(day, []).append(test_type[where])

    def take_specimens(self, day: int, weekday: int) -> None:
        """All specimens taken today: planned tests plus background testing."""
        p = self.parameters
        planned = self.planned_people.pop(day, [])
        planned_types = self.planned_types.pop(day, [])
        expected = (
            self.config.background_test_rate * self.population.size * (p.weekend_testing if weekday >= 5 else 1.0)
        )
        count = int(self.rng.poisson(expected))
        regular = int(self.rng.binomial(count, p.regular_tester_share)) if self.regular_testers.size else 0
        regular_people = self.rng.choice(self.regular_testers, size=regular) if regular else np.zeros(0, np.int64)
        general_people = self.rng.integers(0, self.population.size, size=count - regular)
        # Nobody takes two background tests on the same day; testers arrive in no order.
        regular_people = np.unique(regular_people)
        general_people = np.setdiff1d(np.unique(general_people), regular_people)
        regular_types = np.where(self.rng.random(regular_people.size) < REGULAR_TESTER_LFD_SHARE, LFD, PCR)
        general_types = np.where(self.rng.random(general_people.size) < p.background_lfd_share, LFD, PCR)
        background = np.concatenate([regular_people, general_people]).astype(np.int32)
        background_types = np.concatenate([regular_types, general_types]).astype(np.int8)
        shuffle = self.rng.permutation(background.size)
        people = np.concatenate([*planned, background[shuffle]])
        test_type = np.concatenate([*planned_types, background_types[shuffle]])
        if not people.size:
            return
        self._report(people, test_type.astype(np.int8), day)

    def _report(self, people: np.ndarray, test_type: np.ndarray, day: int) -> None:
        p = self.parameters
        outbreak = self.outbreak
        count = people.size
        infected_day = outbreak.infected_day[people].astype(np.int64)
        since = np.where(infected_day == NEVER, -1, day - infected_day)
        pcr = test_type == PCR
        low = np.where(pcr, PCR_DETECTABLE[0], LFD_DETECTABLE[0])
        high = np.where(pcr, PCR_DETECTABLE[1], LFD_DETECTABLE[1])
        detectable = (since >= low) & (since <= high)
        sensitivity = np.where(pcr, p.pcr_sensitivity, p.lfd_sensitivity)
        false_positive = np.where(pcr, 1 - p.pcr_specificity, 1 - p.lfd_specificity)
        draw = self.rng.random(count)
        positive = np.where(detectable, draw < sensitivity, draw < false_positive)
        void = self.rng.random(count) < np.where(pcr, p.pcr_void_rate, p.lfd_void_rate)
        result = np.where(void, c.VOID, np.where(positive, c.POSITIVE, c.NEGATIVE)).astype(np.int8)
        turnaround = self.rng.choice(PCR_TURNAROUND.size, size=count, p=PCR_TURNAROUND)
        result_day = (day + np.where(pcr, turnaround, 0)).astype(np.int16)
        lfd_source = np.where(self.rng.random(count) < LFD_SITE_SHARE, 4, 3)
        source = np.where(pcr, self.pcr_source[people], lfd_source).astype(np.int8)
        sex_unrecorded = self.rng.random(count) < p.sex_unrecorded_share

        positives = result == c.POSITIVE
        found = people[positives]
        found_day = result_day[positives]
        for reported in np.unique(found_day).tolist():
            outbreak.isolate(found[found_day == reported], reported)
        # A positive lateral flow test is followed by a confirmatory PCR the next day.
        lfd_positive = people[positives & ~pcr]
        confirm = lfd_positive[self.rng.random(lfd_positive.size) < p.confirmatory_pcr_share]
        if confirm.size:
            self._plan(confirm, np.full(confirm.size, day + 1), np.full(confirm.size, PCR, dtype=np.int8))

        batch = ResultBatch(
            person=people.astype(np.int32),
            source=source,
            test_type=test_type,
            result=result,
            specimen_day=np.full(count, day, dtype=np.int16),
            result_day=result_day,
            sex_unrecorded=sex_unrecorded,
        )
        for reported in np.unique(result_day).tolist():
            self.pending.setdefault(reported, []).append(batch.take(result_day == reported))

    def results_reported(self, day: int) -> list[ResultBatch]:
        """Results whose result day is today, in production order; positives become cases."""
        batches = self.pending.pop(day, [])
        for batch in batches:
            positive = batch.result == c.POSITIVE
            found, specimen_day = batch.person[positive], batch.specimen_day[positive]
            order = np.lexsort((specimen_day, found))
            found, specimen_day = found[order], specimen_day[order]
            # The same person positive twice today is one case, dated by the earlier specimen.
            first = np.ones(found.size, dtype=bool)
            first[1:] = found[1:] != found[:-1]
            found, specimen_day = found[first], specimen_day[first]
            newly = self.first_positive_day[found] == NEVER
            self.first_positive_day[found[newly]] = day
            self.first_positive_specimen_day[found[newly]] = specimen_day[newly]
        return batches
