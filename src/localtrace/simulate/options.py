"""Command-line options, shared by `python -m localtrace.simulate` and `localtrace simulate`
so the two cannot drift, and the run with a rich progress bar they both call."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import resource
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from localtrace.simulate.config import SimulationConfig, TestingParameters, TransmissionParameters
from localtrace.simulate.run import STAGES, Summary, generate


class Output(Protocol):
    """Where the summary goes: a text stream or Django's OutputWrapper."""

    def write(self, text: str, /) -> Any: ...

    def isatty(self) -> bool: ...


def _number(text: str, kind: type[int] | type[float]) -> float:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a {'whole ' if kind is int else ''}number, not {text!r}") from None


def _fraction(text: str) -> float:
    value = _number(text, float)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _positive_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    value = int(_number(text, int))
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _rate(text: str) -> float:
    value = _number(text, float)
    if not value >= 0.0:  # also refuses nan
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_simulate_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the simulate options to an argparse (or Django CommandParser) parser."""
    defaults = SimulationConfig()
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder to write into (created if missing; never overwrites files it did not write)",
    )
    parser.add_argument(
        "--people", type=_positive_int, default=defaults.people, help="population size (default %(default)s)"
    )
    parser.add_argument(
        "--days", type=_positive_int, default=defaults.days, help="days to simulate (default %(default)s)"
    )
    parser.add_argument(
        "--seed", type=_count, default=defaults.seed, help="random seed: same seed, same bytes (default %(default)s)"
    )
    parser.add_argument(
        "--start-date",
        type=dt.date.fromisoformat,
        default=defaults.start_date,
        help="first simulated day, YYYY-MM-DD (default %(default)s)",
    )
    parser.add_argument(
        "--counties",
        type=_count,
        default=defaults.counties,
        help="two-tier counties, 4-8 districts each (default %(default)s)",
    )
    parser.add_argument(
        "--unitaries", type=_count, default=defaults.unitaries, help="English unitary authorities (default %(default)s)"
    )
    parser.add_argument(
        "--welsh-areas", type=_count, default=defaults.welsh_areas, help="Welsh principal areas (default %(default)s)"
    )
    parser.add_argument(
        "--reproduction-number",
        "--r",
        type=_rate,
        default=TransmissionParameters().reproduction_number,
        help="reproduction number before isolation and immunity (default %(default)s)",
    )
    parser.add_argument(
        "--seed-infections",
        type=_count,
        default=None,
        help="infections at the start (default: people / 4000, at least 3)",
    )
    parser.add_argument(
        "--imports-per-day",
        type=_rate,
        default=None,
        help="infections arriving from elsewhere each day (default: people / 50000)",
    )
    parser.add_argument(
        "--testing-rate",
        type=_rate,
        default=TestingParameters().background_rate,
        help="background tests per person per day, mostly negative (default %(default)s)",
    )
    parser.add_argument(
        "--results-target", type=_count, default=None, help="aim for about this many results (sets the testing rate)"
    )
    parser.add_argument(
        "--fault-rate",
        type=_fraction,
        default=defaults.fault_rate,
        help="share of result rows with a fault; 0 for a clean file (default %(default)s)",
    )
    parser.add_argument(
        "--bom",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="start results.csv with a UTF-8 BOM (default: when faulty)",
    )
    parser.add_argument(
        "--crlf",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="CRLF line ends in results.csv (default: when faulty)",
    )
    parser.add_argument(
        "--resent-share",
        type=_fraction,
        default=defaults.resent_share,
        help="share of rows repeated in results-resent.csv (default %(default)s)",
    )
    parser.add_argument(
        "--nhs-missing",
        type=_fraction,
        default=defaults.nhs_missing_share,
        help="share of people without an NHS number (default %(default)s)",
    )
    parser.add_argument(
        "--fhir",
        action=argparse.BooleanOptionalAction,
        default=defaults.fhir,
        help="write results.fhir.ndjson (default: yes)",
    )
    parser.add_argument(
        "--fhir-batch",
        type=_positive_int,
        default=defaults.fhir_batch,
        help="results per FHIR Bundle (default %(default)s)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def config_from_options(options: Mapping[str, Any]) -> SimulationConfig:
    """Build a SimulationConfig from parsed options (argparse namespace vars or Django's dict)."""
    transmission = dataclasses.replace(TransmissionParameters(), reproduction_number=options["reproduction_number"])
    testing = dataclasses.replace(TestingParameters(), background_rate=options["testing_rate"])
    return SimulationConfig(
        people=options["people"],
        days=options["days"],
        seed=options["seed"],
        start_date=options["start_date"],
        counties=options["counties"],
        unitaries=options["unitaries"],
        welsh_areas=options["welsh_areas"],
        seed_infections=options["seed_infections"],
        imports_per_day=options["imports_per_day"],
        results_target=options["results_target"],
        fault_rate=options["fault_rate"],
        bom=options["bom"],
        crlf=options["crlf"],
        resent_share=options["resent_share"],
        nhs_missing_share=options["nhs_missing"],
        fhir=options["fhir"],
        fhir_batch=options["fhir_batch"],
        transmission=transmission,
        testing=testing,
    )


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_with_progress(options: Mapping[str, Any], stdout: Output | None = None) -> Summary:
    """Run a simulation from parsed options, with a rich progress bar on a terminal."""
    stdout = stdout or sys.stdout
    config = config_from_options(options)
    quiet = bool(options.get("quiet"))
    started = time.perf_counter()
    if quiet or not stdout.isatty():
        summary = generate(config, options["out"])
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        ) as bar:
            tasks = {stage: bar.add_task(stage, total=None) for stage in STAGES}

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(tasks[stage], completed=done, total=total)

            summary = generate(config, options["out"], progress)
    if not quiet:
        counts = summary.counts
        wall = time.perf_counter() - started
        rate = counts["result_rows"] / wall if wall else 0.0
        stdout.write(
            f"wrote {summary.out_dir}: {counts['people']} people, {counts['infections']} infections, "
            f"{counts['result_rows']} result rows ({counts['positive']} positive), {counts['faults']} faults\n"
            f"wall time {wall:.2f} s, {rate:,.0f} result rows/s, peak RSS {peak_rss_mb():.0f} MB\n"
        )
    return summary
