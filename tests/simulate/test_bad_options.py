"""Nonsense options and output folders are refused with a plain message naming the problem, before any file is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from localtrace.simulate import SimulationConfig, generate_to
from localtrace.simulate.__main__ import main

SMALL = ["--people", "100", "--days", "2", "--quiet"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--seed", "-1"),
        ("--seed", "abc"),
        ("--people", "lots"),
        ("--counties", "-1"),
        ("--unitaries", "-1"),
        ("--welsh-areas", "-1"),
        ("--seed-infections", "-3"),
        ("--imports-per-day", "-1"),
        ("--testing-rate", "-0.1"),
        ("--results-target", "-100"),
        ("--reproduction-number", "-1"),
    ],
)
def test_a_negative_or_non_numeric_option_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main([*SMALL, "--out", str(out), option, value])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument {option}" in error and "Traceback" not in error, error
    assert not out.exists()


def test_the_django_command_refuses_the_same_nonsense(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--counties"):
        call_command("simulate", *SMALL, "--out", str(tmp_path / "out"), "--counties", "-1")


@pytest.mark.parametrize(
    "nonsense",
    [
        {"counties": -1},
        {"unitaries": -1, "counties": 2},
        {"welsh_areas": -1},
        {"seed": -1},
        {"seed_infections": -1},
        {"imports_per_day": -0.5},
        {"results_target": -1},
        {"resent_share": 1.5},
        {"nhs_missing_share": -0.1},
    ],
)
def test_the_library_refuses_negative_counts_too(nonsense: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(nonsense))):
        SimulationConfig(**nonsense)  # type: ignore[arg-type]


def test_an_output_path_that_is_a_file_is_refused_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "results.csv"
    existing.write_text("a real file\n", encoding="utf-8")
    for out in (existing, existing / "sub"):
        with pytest.raises(SystemExit) as exit_:
            main([*SMALL, "--out", str(out)])
        assert exit_.value.code == 2
        assert "is a file, not a folder" in capsys.readouterr().err
    assert existing.read_text(encoding="utf-8") == "a real file\n"


def test_files_the_generator_did_not_write_are_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "results.csv").write_text("real laboratory results\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main([*SMALL, "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "results.csv" in capsys.readouterr().err
    assert (tmp_path / "results.csv").read_text(encoding="utf-8") == "real laboratory results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "results.csv"]


def test_an_earlier_run_in_the_same_folder_is_replaced(tmp_path: Path) -> None:
    first = generate_to(tmp_path, people=100, days=2, seed=1)
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    again = generate_to(tmp_path, people=100, days=2, seed=2)
    assert again.counts["people"] == first.counts["people"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"
