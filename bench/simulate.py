"""Benchmark the synthetic data generator: rows/s, wall time and peak memory.

Runs each scenario in its own child process (so peak RSS belongs to that scenario alone),
samples RSS while results are streamed to show it stays flat, and compares the row rate
with this machine's raw csv.writer speed measured in the same run.

    .venv/bin/python bench/simulate.py            # 100k people / 60 days, then 1M+ result rows
    .venv/bin/python bench/simulate.py --quick    # smaller scenarios, for a smoke test
    .venv/bin/python bench/simulate.py --population 5000000   # add a 5M-person population run
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SCENARIOS: dict[str, dict[str, Any]] = {
    "100k people, 60 days": {"people": 100_000, "days": 60},
    "1M+ result rows": {"people": 200_000, "days": 90, "results_target": 1_100_000},
    "1M+ result rows, CSV only": {"people": 200_000, "days": 90, "results_target": 1_100_000, "fhir": False},
}
QUICK: dict[str, dict[str, Any]] = {
    "10k people, 30 days": {"people": 10_000, "days": 30},
    "100k result rows": {"people": 20_000, "days": 30, "results_target": 100_000},
}


def rss_mb() -> float:
    """Current resident set size of this process, from /proc."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def run_child(options: dict[str, Any], out_dir: str) -> dict[str, Any]:
    """Run one scenario in this process and return its figures."""
    from localtrace.simulate import SimulationConfig, generate

    samples: list[tuple[float, float, str, int]] = []
    state: dict[str, Any] = {"stage": "start", "done": 0}
    stop = threading.Event()
    started = time.perf_counter()

    def sample() -> None:
        while not stop.wait(0.25):
            samples.append((time.perf_counter() - started, rss_mb(), state["stage"], state["done"]))

    def progress(stage: str, done: int, total: int) -> None:
        state["stage"], state["done"] = stage, done

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    summary = generate(SimulationConfig(**options), out_dir, progress)
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    # RSS while the outbreak stage streams results, at each tenth of its days.
    streaming = [s for s in samples if s[2] == "outbreak"]
    series = []
    if streaming:
        days = max(s[3] for s in streaming)
        for tenth in range(1, 11):
            at = [s for s in streaming if s[3] <= days * tenth / 10]
            if at:
                series.append(round(at[-1][1]))
    files_mb = sum(p.stat().st_size for p in Path(out_dir).rglob("*") if p.is_file()) / 2**20
    return {
        "wall_seconds": wall,
        "result_rows": summary.counts["result_rows"],
        "results": summary.counts["results"],
        "positive": summary.counts["positive"],
        "people": summary.counts["people"],
        "infections": summary.counts["infections"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_while_streaming_mb": series,
        "output_mb": files_mb,
    }


def raw_csv_rate(rows: int = 300_000) -> float:
    """Rows/s for csv.writer writing fixed results-like rows to disk: the machine's ceiling."""
    row = [
        "LAB-NORTH",
        "LN12345678",
        "9991234567",
        "Zoë",
        "O'Brien",
        "1980-01-01",
        "female",
        "12 Mill Lane",
        "FX1 2AB",
        "07123456789",
        "zoe.obrien@example.com",
        "en",
        "PCR",
        "94500-6",
        "negative",
        "1240591000000102",
        "2020-10-01",
        "2020-10-02",
        "no",
        "other",
    ]
    with (
        tempfile.TemporaryDirectory() as folder,
        open(Path(folder) / "raw.csv", "w", newline="", encoding="utf-8") as out,
    ):
        writer = csv.writer(out)
        started = time.perf_counter()
        for _ in range(rows):
            writer.writerow(row)
        return rows / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small scenarios only")
    parser.add_argument("--population", type=int, default=None, help="also time a population of this size over 7 days")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(json.loads(args.child), args.out)))
        return 0

    scenarios = dict(QUICK if args.quick else SCENARIOS)
    if args.population:
        scenarios[f"{args.population:,} people, 7 days, CSV only"] = {
            "people": args.population,
            "days": 7,
            "fhir": False,
        }
    raw = raw_csv_rate()
    print(f"raw csv.writer speed on this machine: {raw:,.0f} rows/s")
    print()
    for name, options in scenarios.items():
        with tempfile.TemporaryDirectory(prefix="bench-simulate-") as out:
            completed = subprocess.run(
                [sys.executable, __file__, "--child", json.dumps(options), "--out", out],
                capture_output=True,
                text=True,
                check=True,
            )
        figures = json.loads(completed.stdout.strip().splitlines()[-1])
        rate = figures["result_rows"] / figures["wall_seconds"]
        print(f"{name}  ({', '.join(f'{k}={v}' for k, v in options.items())})")
        print(f"  people {figures['people']:,}, infections {figures['infections']:,}")
        print(f"  result rows {figures['result_rows']:,} ({figures['positive']:,} positive)")
        print(
            f"  wall time {figures['wall_seconds']:.1f} s, {rate:,.0f} result rows/s ({rate / raw:.0%} of raw csv.writer)"
        )
        print(f"  peak RSS {figures['peak_rss_mb']:,.0f} MB, output {figures['output_mb']:,.0f} MB")
        print(f"  RSS (MB) at each tenth of the days while streaming: {figures['rss_while_streaming_mb']}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
