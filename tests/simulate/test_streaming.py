"""Results are streamed: memory does not grow with the number of result rows."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from localtrace.simulate import SimulationConfig, generate


def _peak_traced_bytes(out_dir: Path, people: int, results_target: int, fhir: bool) -> tuple[int, int]:
    config = SimulationConfig(people=people, days=30, seed=4, results_target=results_target, fhir=fhir)
    tracemalloc.start()
    try:
        summary = generate(config, out_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, summary.counts["result_rows"]


@pytest.mark.parametrize(("people", "rows", "fhir"), [(2000, 3000, False), (1500, 1500, True)])
def test_four_times_the_rows_needs_far_less_than_four_times_the_memory(
    tmp_path: Path, people: int, rows: int, fhir: bool
) -> None:
    small_peak, small_rows = _peak_traced_bytes(tmp_path / "small", people, rows, fhir)
    large_peak, large_rows = _peak_traced_bytes(tmp_path / "large", people, 4 * rows, fhir)
    assert large_rows > 3 * small_rows
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
