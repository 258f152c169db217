"""Runs a whole simulation into an output folder: `generate(config, out_dir, progress)`."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from localtrace.simulate import constants as c
from localtrace.simulate import geography as geography_module
from localtrace.simulate import names as names_module
from localtrace.simulate import places as places_module
from localtrace.simulate import population as population_module
from localtrace.simulate import writers
from localtrace.simulate.config import SimulationConfig
from localtrace.simulate.person_details import PersonDetails
from localtrace.simulate.randomness import stream
from localtrace.simulate.responses import write_responses
from localtrace.simulate.results_file import FHIR_FILE, RESENT_FILE, RESULTS_FILE, ResultsWriter
from localtrace.simulate.testing import Testing
from localtrace.simulate.timeline import Timeline
from localtrace.simulate.transmission import Outbreak

# progress(stage, done, total): called often; stages are listed in STAGES.
Progress = Callable[[str, int, int], None]
STAGES = ("population", "outbreak", "truth")


@dataclasses.dataclass(frozen=True)
class Summary:
    """What a run wrote: paths by short name, and counts."""

    out_dir: Path
    paths: dict[str, Path]
    counts: dict[str, int]
    seconds: float

    @property
    def results_csv(self) -> Path:
        return self.paths["results"]


def _library_version() -> str:
    try:
        return importlib.metadata.version("localtrace")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


# The files a run writes at the top of its folder (the rest go under truth/).
OUTPUT_FILES = (
    RESULTS_FILE,
    RESENT_FILE,
    FHIR_FILE,
    "postcodes.csv",
    "area_names.csv",
    "people.csv",
    "households.csv",
    "settings.csv",
    "setting_members.csv",
    "responses.csv",
)


class OutputFolderError(ValueError):
    """The output folder cannot be used: it is a file, cannot be made, or holds files of someone else's."""


def prepare_output_folder(out: Path) -> None:
    """Make out/truth, refusing to overwrite files an earlier run of the generator did not write.

    A folder with a truth/ folder is taken as an earlier run (the generator makes truth/ first), so
    running again into it replaces that run, as `make demo` does after an interrupted load.
    """
    for folder in (out, *out.parents):
        if folder.exists() and not folder.is_dir():
            raise OutputFolderError(f"{folder} is a file, not a folder: give --out a folder")
    if out.is_dir() and not (out / "truth").is_dir():
        clashing = [name for name in OUTPUT_FILES if (out / name).exists()]
        if clashing:
            raise OutputFolderError(
                f"{out} already holds {', '.join(clashing)}, not written by the generator: "
                "give --out a new or empty folder (nothing was overwritten)"
            )
    try:
        (out / "truth").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputFolderError(f"cannot make the folder {out}: {error.strerror}") from error


def generate(config: SimulationConfig, out_dir: Path | str, progress: Progress | None = None) -> Summary:
    """Generate every output file for config into out_dir (created if missing; see prepare_output_folder)."""
    started = time.perf_counter()
    report = progress or _no_progress
    out = Path(out_dir)
    prepare_output_folder(out)
    for stale in (RESENT_FILE, FHIR_FILE):
        (out / stale).unlink(missing_ok=True)  # not every run writes these
    timeline = Timeline(config.start_date)

    report("population", 0, 4)
    names = names_module.load()
    geography = geography_module.build(config, names, stream(config.seed, "geography"))
    writers.write_geography(out, geography)
    report("population", 1, 4)
    population = population_module.build(config, geography, names, stream(config.seed, "population"))
    places = places_module.build(population, geography, names, stream(config.seed, "places"))
    details = PersonDetails(population, places, geography, names)
    report("population", 2, 4)
    writers.write_population(out, population, details, names)
    report("population", 3, 4)
    writers.write_places(out, places, geography)
    report("population", 4, 4)

    outbreak = Outbreak(config, population, places, stream(config.seed, "transmission"))
    testing = Testing(config, population, places, geography, outbreak, stream(config.seed, "testing"))
    results = ResultsWriter(
        out, config, details, timeline, stream(config.seed, "faults"), stream(config.seed, "identifiers")
    )
    contact_log = writers.ContactLog(out / "truth" / "contacts.csv", timeline)
    outbreak.seed(0)
    testing.plan_new_infections()
    for day in range(config.days):
        weekday = timeline.weekday(day)
        contact_log.add(outbreak.step(day, weekday))
        testing.plan_new_infections()
        testing.take_specimens(day, weekday)
        for batch in testing.results_reported(day):
            results.write_batch(batch)
        report("outbreak", day + 1, config.days)
    # Specimens whose results would come after the last day are still at the laboratory.
    results.close()
    contact_log.close()

    report("truth", 0, 3)
    infections = writers.write_infections(
        out / "truth" / "infections.csv", outbreak, testing.first_positive_day, timeline
    )
    setting_outbreaks = writers.write_outbreaks(out / "truth" / "outbreaks.csv", outbreak, places, timeline)
    report("truth", 1, 3)
    response_counts = write_responses(
        out / "responses.csv",
        population,
        places,
        outbreak,
        testing.first_positive_day,
        testing.first_positive_specimen_day,
        contact_log.arrays(),
        timeline,
        stream(config.seed, "responses"),
    )
    report("truth", 2, 3)

    result_counts = results.summary()
    counts: dict[str, int] = {
        "people": population.size,
        "households": population.household_count,
        "postcodes": len(geography.postcodes),
        "districts": len(geography.districts),
        "settings": places.size,
        "setting_members": int(places.member_person.size),
        "infections": infections,
        "contacts": contact_log.count,
        "setting_outbreaks": setting_outbreaks,
        **result_counts,
        **response_counts,
    }
    secondary = _early_reproduction(outbreak, config.days)
    manifest: dict[str, Any] = {
        "generator": "localtrace.simulate",
        "generator_version": c.GENERATOR_VERSION,
        "library_version": _library_version(),
        "seed": config.seed,
        "parameters": config.as_manifest(),
        "calibration": outbreak.calibration,
        "realised_reproduction_number": secondary,
        "counts": counts,
        "districts": [
            {"code": d.code, "name": d.name, "level": d.level, "welsh": d.welsh, "postcode_area": d.postcode_area}
            for d in geography.districts
        ],
    }
    writers.write_manifest(out / "truth" / "manifest.json", manifest)
    report("truth", 3, 3)

    paths = {
        "results": out / RESULTS_FILE,
        "postcodes": out / "postcodes.csv",
        "area_names": out / "area_names.csv",
        "people": out / "people.csv",
        "households": out / "households.csv",
        "settings": out / "settings.csv",
        "setting_members": out / "setting_members.csv",
        "responses": out / "responses.csv",
        "records": out / "truth" / "records.csv",
        "infections": out / "truth" / "infections.csv",
        "contacts": out / "truth" / "contacts.csv",
        "faults": out / "truth" / "faults.csv",
        "outbreaks": out / "truth" / "outbreaks.csv",
        "manifest": out / "truth" / "manifest.json",
    }
    if config.fhir:
        paths["fhir"] = out / FHIR_FILE
    if result_counts["resent_rows"]:
        paths["resent"] = out / RESENT_FILE
    return Summary(out_dir=out, paths=paths, counts=counts, seconds=time.perf_counter() - started)


def _early_reproduction(outbreak: Outbreak, days: int) -> float:
    """Mean secondary infections of people infected early enough to have finished infecting."""
    infected = outbreak.infected()
    finished = infected[outbreak.infected_day[infected] < days - 14]
    if not finished.size:
        return 0.0
    secondary = np.bincount(outbreak.infector[outbreak.infector >= 0], minlength=outbreak.infector.size)
    return round(float(secondary[finished].mean()), 3)


def generate_to(out_dir: Path | str, people: int = 1000, days: int = 30, seed: int = 1, **options: Any) -> Summary:
    """A small run for tests and demos: generate_to(tmp_path, people=1000, days=30, seed=1)."""
    return generate(SimulationConfig(people=people, days=days, seed=seed, **options), out_dir)
