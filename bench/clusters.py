"""Benchmark cluster detection: accuracy against the simulation's truth, and speed over 1M visits on DuckDB.

Accuracy. Generates an outbreak with `localtrace.simulate` (by default the demo's: 40,000 people in
two counties, 45 days, R 2.4), loads it into a fresh SQLite database as `make demo-data` does
(postcodes, demo staff, intake of results.csv with each result arriving on its result date), plays the
demo's working day (`localtrace.demo.working_day`: reached cases are interviewed and name the settings
they recall, through `places.services.record_visit`), then replays the scheduled scan day by day:
for each day D the detection SQL runs on DuckDB over a Parquet snapshot holding only the visits
recorded by the end of D. Against `truth/outbreaks.csv` (3+ setting-acquired infections within
14 days) it prints:

  * recall: true outbreaks alerted, of all true outbreaks in the two areas, and of the "observable"
    ones (two or more of the outbreak's infected people, from different households, became cases who
    named the setting: nothing can find the rest from tracing answers alone);
  * false alerts per area per week: alerts at a setting with no true outbreak within 14 days of it;
  * days from the second true case's positive result to the first alert (median, 90th centile).

Speed. Writes 1,000,000 synthetic visits (with their cases, people, settings and contacts) as Parquet and
times the same SQL text on DuckDB over them, next to the machine's own limit measured in the same run:
a DuckDB scan with a GROUP BY of the same visits file.

    .venv/bin/python bench/clusters.py                  # the demo's outbreak, then 1M visits
    .venv/bin/python bench/clusters.py --quick          # 15,000 people and 200,000 visits: a smoke run
    .venv/bin/python bench/clusters.py --window-days 2 --min-backward-households 1 --visits 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

TARGET_RECALL = 0.9
TARGET_FALSE_PER_AREA_WEEK = 1.0
TARGET_SECONDS_1M = 10.0
OUTBREAK_DAYS = 14


def setup_django(var_dir: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "LOCALTRACE_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "LOCALTRACE_HTTPS": "0",
            "LOCALTRACE_DEBUG": "0",
            "LOCALTRACE_LOG_LEVEL": "WARNING",
            "LOCALTRACE_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "localtrace.config.settings",
        }
    )
    os.environ.pop("DATABASE_URL", None)  # a fresh SQLite database in var_dir, as the demo uses
    import django

    django.setup()


# --- accuracy ----------------------------------------------------------------------------------


def load_and_play(sim: Path, start: dt.date, days: int) -> Any:
    from django.core.management import call_command
    from django.utils import timezone

    from localtrace.areas.services import load_postcode_directory_file
    from localtrace.demo.services import create_demo_staff
    from localtrace.demo.working_day import play_working_day
    from localtrace.results.services import import_file

    last_day = start + dt.timedelta(days=days - 1)
    call_command("migrate", verbosity=0)
    load_postcode_directory_file(sim / "postcodes.csv", names_path=sim / "area_names.csv")
    create_demo_staff()
    import_file(sim / "results.csv", arrived_on_result_date_before=last_day + dt.timedelta(days=1))
    now = timezone.make_aware(dt.datetime.combine(last_day, dt.time(17)))
    return play_working_day(sim, seed=2020, now=now), last_day


def read_csv(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def replay_scans(snapshot: Path, rule: Any, first_day: dt.date, last_day: dt.date) -> dict[tuple[int, int], Any]:
    """Run the detection SQL as of each day; alerts keyed like stored clusters (setting, episode start)."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from localtrace.places.detection import TABLES, detect_on_duckdb
    from localtrace.places.models import Visit

    recorded = list(Visit.objects.values_list("pk", "recorded_at"))
    from django.utils import timezone

    pq.write_table(
        pa.table(
            {
                "id": [pk for pk, _ in recorded],
                "recorded_day": [timezone.localdate(at).toordinal() for _, at in recorded],
            }
        ),
        snapshot / "recorded.parquet",
    )
    connection = duckdb.connect()
    for table in TABLES:
        if table != "places_visit":
            connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{snapshot / table}.parquet')")  # noqa: S608
    alerts: dict[tuple[int, int], Any] = {}
    day = first_day
    while day <= last_day:
        visits = f"read_parquet('{snapshot}/places_visit.parquet')"
        recorded_by = (
            f"read_parquet('{snapshot}/recorded.parquet') r ON r.id = v.id WHERE r.recorded_day <= {day.toordinal()}"
        )
        connection.execute(f"CREATE OR REPLACE VIEW places_visit AS SELECT v.* FROM {visits} v JOIN {recorded_by}")  # noqa: S608
        since = day - dt.timedelta(days=rule.lookback_days)
        for finding in detect_on_duckdb(connection, rule, since, day, with_cases=False):
            # One alert per setting and episode, as `clusters.store` keeps them: matched by overlapping dates.
            match = next(
                (
                    key
                    for key, seen in alerts.items()
                    if key[0] == finding.setting_id
                    and seen["first"] <= finding.last_visit_on + dt.timedelta(days=rule.window_days)
                    and seen["last"] >= finding.first_visit_on - dt.timedelta(days=rule.window_days)
                ),
                None,
            )
            if match is None:
                alerts[(finding.setting_id, finding.first_visit_on.toordinal())] = {
                    "first": finding.first_visit_on, "last": finding.last_visit_on, "alerted_on": day,
                    "area_id": finding.area_id, "cases": finding.case_count,
                }  # fmt: skip
            else:
                seen = alerts[match]
                seen["first"] = min(seen["first"], finding.first_visit_on)
                seen["last"] = max(seen["last"], finding.last_visit_on)
                seen["cases"] = max(seen["cases"], finding.case_count)
        day += dt.timedelta(days=1)
    return alerts


def accuracy(args: argparse.Namespace, work: Path) -> None:
    rules = [tuple(int(x) for x in r.split(":")) for r in args.rules.split(",") if r] or [
        (args.window_days, args.min_households, args.min_backward_households)
    ]
    from localtrace.simulate import generate_to
    from localtrace.simulate.config import TransmissionParameters

    sim = work / "sim"
    start = dt.date(2020, 10, 1)
    t0 = time.perf_counter()
    generate_to(
        sim, people=args.people, days=args.days, seed=args.seed, start_date=start, counties=2, unitaries=0,
        welsh_areas=0, transmission=TransmissionParameters(reproduction_number=args.r), fhir=False,
    )  # fmt: skip
    print(f"Generated {args.people:,} people over {args.days} days in {time.perf_counter() - t0:.0f} s")
    setup_django(work / "var")
    from localtrace.areas.models import Area
    from localtrace.places.detection import Rule
    from localtrace.places.models import Setting, Visit
    from localtrace.places.snapshots import export_snapshot

    t0 = time.perf_counter()
    summary, last_day = load_and_play(sim, start, args.days)
    print(f"Intake and the working day in {time.perf_counter() - t0:.0f} s: {summary.line()}")
    snapshot = work / "snapshot"
    export_snapshot(snapshot)
    # The truth, in the database's terms.
    by_code = {row["setting_id"]: row for row in read_csv(sim / "settings.csv")}
    setting_pk = {(s.name, s.postcode): s.pk for s in Setting.objects.all()}
    infections = read_csv(sim / "truth" / "infections.csv")
    household = {int(r["person_id"]): r["household_id"] for r in read_csv(sim / "people.csv")}
    named: dict[int, set[int]] = defaultdict(set)  # setting pk → simulated people who named it as cases
    person_of_case = _person_of_case(sim)
    for case_id, setting_id in Visit.objects.values_list("case_id", "setting_id"):
        if case_id in person_of_case:
            named[setting_id].add(person_of_case[case_id])
    infector_of = {
        int(r["person_id"]): int(r["infector_id"]) for r in infections if r["infector_id"] and r["setting_id"]
    }
    first_result = {
        int(r["person_id"]): dt.date.fromisoformat(r["first_positive_result_date"])
        for r in infections
        if r["first_positive_result_date"]
    }
    areas = Area.objects.filter(level=Area.Level.UPPER_TIER).count()
    truth = []
    for row in read_csv(sim / "truth" / "outbreaks.csv"):
        place = by_code[row["setting_id"]]
        pk = setting_pk.get((place["name"], place["postcode"]))
        first, last = (
            dt.date.fromisoformat(row["first_infection_date"]),
            dt.date.fromisoformat(row["last_infection_date"]),
        )
        infected = sorted(
            (dt.date.fromisoformat(r["infected_date"]), int(r["person_id"]))
            for r in infections
            if r["setting_id"] == row["setting_id"] and first <= dt.date.fromisoformat(r["infected_date"]) <= last
        )
        # The people whose visits truth ties to the outbreak: those infected there and who infected them there.
        infectors = {infector_of[p] for _, p in infected if p in infector_of}
        named_here = named.get(pk or -1, set())
        observed = [p for p in {p for _, p in infected} | infectors if p in named_here]
        results = sorted(first_result[p] for _, p in infected if p in first_result)
        truth.append(
            {
                "pk": pk, "first": first, "last": last, "kind": row["kind"],
                "observable": len({household.get(p) for p in observed}) >= 2
                and any(p in named_here for _, p in infected),
                "second_case_on": results[1] if len(results) >= 2 else None,
            }
        )  # fmt: skip

    def matches(outbreak: dict[str, Any], alert: tuple[tuple[int, int], Any]) -> bool:
        (pk, _), seen = alert
        near = dt.timedelta(days=OUTBREAK_DAYS)
        return (
            pk == outbreak["pk"]
            and seen["first"] <= outbreak["last"] + near
            and seen["last"] >= outbreak["first"] - near
        )

    for window_days, min_households, min_backward in rules:
        rule = Rule.configured(
            window_days=window_days, min_households=min_households, min_backward_households=min_backward
        )
        t0 = time.perf_counter()
        alerts = replay_scans(snapshot, rule, start, last_day)
        print(f"\nReplayed {args.days} daily scans in {time.perf_counter() - t0:.1f} s; {len(alerts)} alerts")
        report(rule, alerts, truth, matches, areas, args.days / 7)


def report(
    rule: Any, alerts: dict[Any, Any], truth: list[dict[str, Any]], matches: Any, areas: int, weeks: float
) -> None:
    found = [o for o in truth if any(matches(o, a) for a in alerts.items())]
    observable = [o for o in truth if o["observable"]]
    found_observable = [o for o in observable if o in found]
    false_alerts = [a for a in alerts.items() if not any(matches(o, a) for o in truth)]
    delays = []
    for outbreak in found:
        first_alert = min(seen["alerted_on"] for key, seen in alerts.items() if matches(outbreak, (key, seen)))
        if outbreak["second_case_on"] is not None:
            delays.append((first_alert - outbreak["second_case_on"]).days)

    def share(part: int, whole: int) -> str:
        return f"{part}/{whole} = {part / whole:.2f}" if whole else "no outbreaks"

    print(f"Rule: window {rule.window_days} days, {rule.min_households}+ households, "
          f"{rule.min_backward_households}+ of them naming it in their backward window")  # fmt: skip
    print(f"True setting outbreaks (3+ infections in one setting within 14 days): {len(truth)}")
    print(f"  recall, all true outbreaks:        {share(len(found), len(truth))}")
    print(f"  recall, observable outbreaks:      {share(len(found_observable), len(observable))} "
          f"(target ≥ {TARGET_RECALL})")  # fmt: skip
    print(f"  false alerts: {len(false_alerts)} over {areas} areas × {weeks:.1f} weeks = "
          f"{len(false_alerts) / areas / weeks:.2f} per area per week (target ≤ {TARGET_FALSE_PER_AREA_WEEK})")  # fmt: skip
    if delays:
        delays.sort()
        p90 = delays[min(len(delays) - 1, int(0.9 * len(delays)))]
        print(f"  days from the second true case's result to the first alert: median {statistics.median(delays):.1f}, "
              f"90th centile {p90}, range {delays[0]}–{delays[-1]} ({len(delays)} outbreaks)")  # fmt: skip
    missed = [o for o in observable if o not in found]
    for o in missed[:5]:
        print(f"  missed (observable): {o['kind']} {o['first']}–{o['last']}")


def _person_of_case(sim: Path) -> dict[int, int]:
    from localtrace.cases.models import Case

    person_of_row = {(r["file"], int(r["row"])): int(r["person_id"]) for r in read_csv(sim / "truth" / "records.csv")}
    return {
        pk: person_of_row[(filename, row)]
        for pk, filename, row in Case.objects.values_list(
            "pk", "first_result__submission__filename", "first_result__row_number"
        )
        if (filename, row) in person_of_row
    }


# --- speed --------------------------------------------------------------------------------------


def synthetic_snapshot(folder: Path, visits: int, seed: int) -> None:
    """Visits over 90 days and 50 areas: 3 per case, cases in households of about two, one setting per four
    visits with heavy-tailed popularity (a few schools and hospitals with thousands of visits, most places a
    handful). England has about 2.7 million business sites and 24,000 schools, so a national history of a
    million visits names hundreds of thousands of settings, not a few thousand."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    cases = visits // 3
    settings = max(1000, visits // 4)
    households = cases // 2
    start = dt.date(2020, 10, 1).toordinal()
    person_household = rng.integers(0, households, cases)
    pq.write_table(
        pa.table(
            {
                "id": np.arange(1, cases + 1),
                "address_line_1": [f"{h} Bench Street" for h in person_household],
                "postcode": [f"BX{h % 99 + 1} {h % 9}AA" for h in person_household],
            }
        ),
        folder / "people_person.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "id": np.arange(1, cases + 1),
                "person_id": np.arange(1, cases + 1),
                "source_contact_id": pa.array([None] * cases, pa.int64()),
            }
        ),
        folder / "cases_case.parquet",
    )
    pq.write_table(
        pa.table(
            {"id": pa.array([], pa.int64()), "case_id": pa.array([], pa.int64()), "kind": pa.array([], pa.string())}
        ),
        folder / "contacts_contact.parquet",
    )
    pq.write_table(
        pa.table({"id": np.arange(1, settings + 1), "area_id": rng.integers(1, 51, settings)}),
        folder / "places_setting.parquet",
    )
    # Zipf-like popularity: a few big settings (schools, hospitals), many small ones.
    popularity = 1 / np.arange(1, settings + 1) ** 0.9
    popularity /= popularity.sum()
    pq.write_table(
        pa.table(
            {
                "id": np.arange(1, visits + 1),
                "case_id": rng.integers(1, cases + 1, visits),
                "setting_id": rng.choice(settings, visits, p=popularity) + 1,
                "visited_day": start + rng.integers(0, 90, visits),
                "direction": np.where(rng.random(visits) < 0.4, "backward", "forward"),
            }
        ),
        folder / "places_visit.parquet",
    )


def speed(args: argparse.Namespace, work: Path) -> None:
    import duckdb

    from localtrace.places.detection import Rule, detect_on_duckdb
    from localtrace.places.snapshots import duckdb_over

    folder = work / "synthetic"
    t0 = time.perf_counter()
    synthetic_snapshot(folder, args.visits, args.seed)
    print(f"\nWrote {args.visits:,} synthetic visits as Parquet in {time.perf_counter() - t0:.1f} s")
    rule = Rule(window_days=args.window_days, min_households=args.min_households,
                min_backward_households=args.min_backward_households)  # fmt: skip
    connection = duckdb_over(folder)
    first, last = dt.date(2020, 10, 1), dt.date(2020, 12, 31)
    source = f"read_parquet('{folder}/places_visit.parquet')"
    scan = f"SELECT setting_id, count(*), count(DISTINCT case_id) FROM {source} GROUP BY setting_id"  # noqa: S608
    runs: dict[str, list[tuple[float, float]]] = {"scan": [], "clusters": [], "cases": []}
    found: dict[str, int] = {}
    for _ in range(3):
        for name, run in (
            ("scan", lambda: duckdb.connect().execute(scan).fetchall()),
            ("clusters", lambda: detect_on_duckdb(connection, rule, first, last, with_cases=False)),
            ("cases", lambda: detect_on_duckdb(connection, rule, first, last)),
        ):
            t0, c0 = time.perf_counter(), time.process_time()
            result = run()
            runs[name].append((time.perf_counter() - t0, time.process_time() - c0))
            found[name] = len(result)
    assert found["clusters"] == found["cases"], found
    limit_wall, limit_cpu = (min(t[i] for t in runs["scan"]) for i in (0, 1))
    print(f"Detection over {args.visits:,} visits on DuckDB {duckdb.__version__}, {found['cases']:,} clusters, "
          f"best of 3 (target < {TARGET_SECONDS_1M:.0f} s for 1M); wall time, CPU time of all threads in brackets:")  # fmt: skip
    print(f"  the machine's limit, a GROUP BY scan of the same visits: {limit_wall:.2f} s ({limit_cpu:.2f} s)")
    for name, label in (("clusters", "one row per cluster (CLUSTERS_SQL)"),
                        ("cases", "one row per case, folded into findings (DETECTION_SQL)")):  # fmt: skip
        wall, cpu = (min(t[i] for t in runs[name]) for i in (0, 1))
        print(f"  {label}: {wall:.2f} s ({cpu:.2f} s) = {wall / limit_wall:.1f}× the scan "
              f"({cpu / limit_cpu:.1f}× in CPU time); runs {', '.join(f'{t:.2f}' for t, _ in runs[name])} s")  # fmt: skip
    print(f"Load average (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--r", type=float, default=2.4)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--window-days", type=int, default=2)
    parser.add_argument("--min-households", type=int, default=2)
    parser.add_argument("--min-backward-households", type=int, default=1)
    parser.add_argument(
        "--rules",
        default="",
        help="Several rules to compare on the same data: window:households:backward,… (e.g. 3:2:1,5:2:1,3:2:0)",
    )
    parser.add_argument("--quick", action="store_true", help="15,000 people and 200,000 visits")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.people, args.visits = 15_000, 200_000
    print(f"bench/clusters.py on {os.cpu_count()} CPUs (a machine shared with other work: figures vary run to run)")
    with tempfile.TemporaryDirectory(prefix="localtrace-bench-clusters-") as tmp:
        work = Path(tmp)
        if not args.skip_accuracy:
            accuracy(args, work)
        if not args.skip_speed:
            speed(args, work)


if __name__ == "__main__":
    main()
