"""The same seed and options give byte-identical files; another seed gives other data."""

from __future__ import annotations

from pathlib import Path

from localtrace.simulate import Summary, generate_to


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_same_seed_writes_byte_identical_files(small_run: Summary, tmp_path: Path) -> None:
    again = generate_to(tmp_path, people=1000, days=30, seed=1)
    first, second = _files(small_run.out_dir), _files(again.out_dir)
    assert first.keys() == second.keys()
    assert "results-resent.csv" in first and "results.fhir.ndjson" in first
    for name in first:
        assert first[name] == second[name], name


def test_another_seed_writes_different_people_and_results(small_run: Summary, tmp_path: Path) -> None:
    other = generate_to(tmp_path, people=1000, days=30, seed=2)
    assert other.paths["people"].read_bytes() != small_run.paths["people"].read_bytes()
    assert other.paths["results"].read_bytes() != small_run.paths["results"].read_bytes()


def test_faults_do_not_change_the_population_or_the_outbreak(small_run: Summary, clean_run: Summary) -> None:
    for name in (
        "people",
        "households",
        "settings",
        "setting_members",
        "postcodes",
        "infections",
        "contacts",
        "responses",
    ):
        assert small_run.paths[name].read_bytes() == clean_run.paths[name].read_bytes(), name
    assert small_run.paths["fhir"].read_bytes() == clean_run.paths["fhir"].read_bytes()
