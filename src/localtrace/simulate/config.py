"""The parameters of one simulation run, with their defaults (see docs/simulate.md for sources)."""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass(frozen=True)
class TransmissionParameters:
    """Natural history and contact parameters of the outbreak model."""

    # Reproduction number with autumn-2020 contact rates, before isolation and immunity
    # reduce it (the realised figure is nearer 1.1; see docs/simulate.md).
    reproduction_number: float = 1.8
    # Share of the reproduction number carried by each route (sums to 1).
    household_share: float = 0.30
    setting_share: float = 0.35
    close_share: float = 0.20
    community_share: float = 0.15
    # Incubation period: log-normal, median 5.1 days (Lauer et al. 2020).
    incubation_meanlog: float = 1.63
    incubation_sdlog: float = 0.418
    # Generation interval: gamma; published means are about 4-5 days (Ferretti et al. 2020,
    # Ganyani et al. 2020), we assume a slightly longer, wider one.
    generation_mean: float = 5.5
    generation_sd: float = 2.5
    asymptomatic_share: float = 0.30
    asymptomatic_relative_infectiousness: float = 0.5
    # Relative susceptibility of children (ages 0-9, 10-19) against adults.
    susceptibility_under_10: float = 0.5
    susceptibility_10_to_19: float = 0.8
    # Share already immune at the start (prior infection).
    immune_share: float = 0.06
    # Chance a symptomatic or test-positive person isolates, and how much isolation cuts
    # their onward transmission outside the household.
    isolation_compliance: float = 0.7
    isolation_residual: float = 0.2
    # Average contacts per day by route (close: friends, neighbours, shared cars;
    # community: strangers in shops and transport).
    close_contacts_per_day: float = 1.0
    community_contacts_per_day: float = 3.0


@dataclasses.dataclass(frozen=True)
class TestingParameters:
    """Who gets tested, with what, and how good the tests are."""

    symptomatic_test_probability: float = 0.55
    symptomatic_pcr_share: float = 0.85
    # Background tests per person per day (mostly negatives: regular and worried testing).
    background_rate: float = 0.005
    background_lfd_share: float = 0.6
    # Weekend testing volume relative to a weekday.
    weekend_testing: float = 0.7
    # Share of background tests taken by regular testers (health, care and school staff,
    # care home residents) rather than the population at large.
    regular_tester_share: float = 0.35
    pcr_sensitivity: float = 0.90
    lfd_sensitivity: float = 0.65
    pcr_specificity: float = 0.9999
    lfd_specificity: float = 0.999
    pcr_void_rate: float = 0.01
    lfd_void_rate: float = 0.005
    # Share of positive LFDs followed by a confirmatory PCR the next day.
    confirmatory_pcr_share: float = 0.5
    # Share of results on which the lab did not record sex.
    sex_unrecorded_share: float = 0.005


@dataclasses.dataclass(frozen=True)
class SimulationConfig:
    """Everything that determines the output files: the same config and seed give the same bytes."""

    people: int = 10_000
    days: int = 60
    seed: int = 1
    start_date: dt.date = dt.date(2020, 10, 1)
    counties: int = 1
    unitaries: int = 1
    welsh_areas: int = 1
    seed_infections: int | None = None
    imports_per_day: float | None = None
    results_target: int | None = None
    fault_rate: float = 0.02
    bom: bool | None = None
    crlf: bool | None = None
    resent_share: float = 0.01
    nhs_missing_share: float = 0.03
    phone_share: float = 0.92
    email_share: float = 0.6
    fhir: bool = True
    fhir_batch: int = 100
    transmission: TransmissionParameters = dataclasses.field(default_factory=TransmissionParameters)
    testing: TestingParameters = dataclasses.field(default_factory=TestingParameters)

    def __post_init__(self) -> None:
        if self.people < 10:
            raise ValueError("people must be at least 10")
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if not 0.0 <= self.fault_rate <= 0.5:
            raise ValueError("fault_rate must be between 0 and 0.5")
        if self.fhir_batch < 1:
            raise ValueError("fhir_batch must be at least 1")
        counts = {
            "seed": self.seed,
            "counties": self.counties,
            "unitaries": self.unitaries,
            "welsh_areas": self.welsh_areas,
            "seed_infections": self.seed_infections,
            "imports_per_day": self.imports_per_day,
            "results_target": self.results_target,
            "reproduction_number": self.transmission.reproduction_number,
            "background_rate": self.testing.background_rate,
        }
        for name, value in counts.items():
            if value is not None and not value >= 0:  # `not >=` refuses nan too
                raise ValueError(f"{name} must be 0 or more")
        for name, share in {"resent_share": self.resent_share, "nhs_missing_share": self.nhs_missing_share}.items():
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.counties + self.unitaries + self.welsh_areas < 1:
            raise ValueError("at least one county, unitary or Welsh area is needed")

    @property
    def initial_infections(self) -> int:
        if self.seed_infections is not None:
            return self.seed_infections
        return max(3, self.people // 4000)

    @property
    def daily_imports(self) -> float:
        if self.imports_per_day is not None:
            return self.imports_per_day
        return self.people / 50_000

    @property
    def background_test_rate(self) -> float:
        """Background tests per person per day, derived from results_target when one is set."""
        if self.results_target is not None:
            average_day = (5 + 2 * self.testing.weekend_testing) / 7
            return max(0.0, self.results_target / (self.people * self.days * average_day))
        return self.testing.background_rate

    @property
    def writes_bom(self) -> bool:
        # A BOM and CRLF line ends are file-level faults: on by default only in a faulty file.
        return self.fault_rate > 0 if self.bom is None else self.bom

    @property
    def writes_crlf(self) -> bool:
        return self.fault_rate > 0 if self.crlf is None else self.crlf

    def as_manifest(self) -> dict[str, object]:
        """Parameters as plain JSON-ready values, derived values included."""
        values = dataclasses.asdict(self)
        values["start_date"] = self.start_date.isoformat()
        values["initial_infections"] = self.initial_infections
        values["daily_imports"] = self.daily_imports
        values["background_test_rate"] = self.background_test_rate
        values["writes_bom"] = self.writes_bom
        values["writes_crlf"] = self.writes_crlf
        return values
