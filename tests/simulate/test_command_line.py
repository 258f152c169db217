"""`python -m localtrace.simulate` end to end on a tiny run (the Django command shares its options)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from localtrace.simulate.options import add_simulate_arguments, config_from_options


def test_the_module_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "out"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "localtrace.simulate",
            "--people",
            "300",
            "--days",
            "10",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "result rows" in completed.stdout and "peak RSS" in completed.stdout
    manifest = json.loads((out / "truth" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 3 and manifest["counts"]["people"] == 300
    for name in (
        "results.csv",
        "results.fhir.ndjson",
        "postcodes.csv",
        "area_names.csv",
        "people.csv",
        "responses.csv",
    ):
        assert (out / name).exists(), name


def test_quiet_prints_nothing_and_bad_options_fail_cleanly(tmp_path: Path) -> None:
    quiet = subprocess.run(
        [
            sys.executable,
            "-m",
            "localtrace.simulate",
            "--people",
            "100",
            "--days",
            "5",
            "--out",
            str(tmp_path),
            "--quiet",
            "--no-fhir",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert quiet.returncode == 0 and quiet.stdout == ""
    assert not (tmp_path / "results.fhir.ndjson").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "localtrace.simulate", "--people", "0", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "--people" in bad.stderr


def test_options_map_onto_the_configuration() -> None:
    parser = argparse.ArgumentParser()
    add_simulate_arguments(parser)
    options = parser.parse_args(
        [
            "--out",
            "x",
            "--people",
            "5000",
            "--r",
            "2.5",
            "--fault-rate",
            "0",
            "--crlf",
            "--testing-rate",
            "0.01",
            "--fhir-batch",
            "50",
        ]
    )
    config = config_from_options(vars(options))
    assert config.people == 5000
    assert config.transmission.reproduction_number == 2.5
    assert config.fault_rate == 0 and config.writes_crlf and not config.writes_bom
    assert config.background_test_rate == 0.01
    assert config.fhir_batch == 50
