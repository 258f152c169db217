"""Benchmark result intake end to end, on SQLite and PostgreSQL, against each database's own limit.

For each database, in one run and on the same rows from the synthetic generator:
  * the limit: raw bulk insert of the file's rows, as text, into a bare table (COPY on PostgreSQL,
    executemany in one transaction per 2,000 rows on SQLite);
  * intake: the full pipeline (read, validate, de-duplicate, match people, route, open cases), end to end;
  * their ratio, and intake's peak RSS (each measured in its own process).
And, with --fhir-calls N: the time from a FHIR API call with one positive result until its case is
in the team's queue, p50/p95 over N calls (server time, in process).

    .venv/bin/python bench/intake.py                      # 200k rows, SQLite and PostgreSQL
    .venv/bin/python bench/intake.py --rows 1000000       # the million-row file
    .venv/bin/python bench/intake.py --rows 20000 --databases sqlite --fhir-calls 0
    .venv/bin/python bench/intake.py --databases postgres --repeat 5   # five runs, medians
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]


def child(mode: str, data_dir: Path, database_url: str, fhir_calls: int) -> dict[str, float]:
    """Run one measurement in a fresh process, so its peak memory is its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOCALTRACE_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "LOCALTRACE_HTTPS": "0",
        "LOCALTRACE_ALLOWED_HOSTS": "testserver",
        "LOCALTRACE_LOG_LEVEL": "WARNING",
        "LOCALTRACE_VAR_DIR": str(data_dir / "var"),
        "DJANGO_SETTINGS_MODULE": "localtrace.config.settings",
    }
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--data", str(data_dir), "--fhir-calls", str(fhir_calls)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if output.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{output.stderr[-4000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def run_child(mode: str, data_dir: Path, fhir_calls: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from localtrace.areas.services import load_postcode_directory_file

    results_csv = data_dir / "sim" / "results.csv"
    call_command("migrate", verbosity=0)
    load_postcode_directory_file(data_dir / "sim" / "postcodes.csv", data_dir / "sim" / "area_names.csv")
    rows = sum(1 for _ in results_csv.open(encoding="utf-8-sig")) - 1
    figures: dict[str, float] = {"rows": rows}

    if mode == "limit":
        import csv

        columns = 20
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_raw")
            cursor.execute("CREATE TABLE bench_raw (" + ", ".join(f"c{i} text" for i in range(columns)) + ")")
        placeholders = ", ".join(["%s"] * columns)
        started = time.perf_counter()
        with results_csv.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows_in = ((cells + [""] * columns)[:columns] for cells in reader)
            if connection.vendor == "postgresql":
                # PostgreSQL's fastest way in is COPY; that is its limit.
                with connection.cursor() as cursor, cursor.cursor.copy("COPY bench_raw FROM STDIN") as copy:
                    for cells in rows_in:
                        copy.write_row(cells)
            else:
                batch: list[list[str]] = []
                for cells in rows_in:
                    batch.append(cells)
                    if len(batch) == 2000:
                        with connection.cursor() as cursor:
                            cursor.executemany(f"INSERT INTO bench_raw VALUES ({placeholders})", batch)  # noqa: S608
                        batch = []
                if batch:
                    with connection.cursor() as cursor:
                        cursor.executemany(f"INSERT INTO bench_raw VALUES ({placeholders})", batch)  # noqa: S608
        figures["seconds"] = time.perf_counter() - started
    elif mode == "intake":
        from localtrace.results.services import import_file

        backend_before = database_backend_cpu(connection)
        started, cpu_started = time.perf_counter(), time.process_time()
        submission = import_file(results_csv)
        figures["seconds"] = time.perf_counter() - started
        # Where the CPU went: this process (the database half), the reading process it forks for a
        # large file (validation), and the database server's backend (PostgreSQL on this machine).
        figures["cpu_writer"] = time.process_time() - cpu_started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["cpu_reader"] = children.ru_utime + children.ru_stime
        figures["cpu_database"] = database_backend_cpu(connection) - backend_before
        figures["accounted"] = float(submission.accounted)
        figures["accepted"] = submission.accepted
        figures["quarantined"] = submission.quarantined
        figures["duplicate"] = submission.duplicate
        figures["cases"] = submission.cases_created
        if fhir_calls:
            figures.update(fhir_latency(fhir_calls))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def database_backend_cpu(connection: object) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (a local server), else 0."""
    if getattr(connection, "vendor", "") != "postgresql":
        return 0.0
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fhir_latency(calls: int) -> dict[str, float]:
    """POST one positive result at a time; time until its case is in the area's queue."""
    import datetime as dt

    from django.test import Client

    from localtrace.areas.models import Postcode
    from localtrace.cases.models import Case
    from localtrace.results.models import Submitter, TestResult
    from localtrace.results.tokens import create_token

    submitter, _ = Submitter.objects.get_or_create(code="BENCH-LAB", defaults={"name": "Bench laboratory"})
    _, secret = create_token(submitter, name="bench", actor=None)
    postcode = Postcode.objects.select_related("upper_tier").first()
    if postcode is None:
        raise SystemExit("No postcodes loaded: the FHIR calls need one to route their results.")
    client = Client()
    today = dt.date.today()
    timings: list[float] = []
    for i in range(calls):
        bundle = one_result_bundle(f"BENCH{i:06d}", postcode.postcode, today)
        started = time.perf_counter()
        response = client.post(
            "/api/fhir/Bundle", data=json.dumps(bundle), content_type="application/fhir+json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )  # fmt: skip
        in_queue = TestResult.objects.filter(
            specimen_id=f"BENCH{i:06d}", case__area=postcode.upper_tier, case__status=Case.Status.NEW
        ).exists()
        timings.append(time.perf_counter() - started)
        if response.status_code >= 300 or not in_queue:
            raise SystemExit(f"FHIR call {i} answered {response.status_code}; case in queue: {in_queue}")
    timings.sort()
    return {
        "fhir_calls": calls,
        "fhir_p50_ms": statistics.median(timings) * 1000,
        "fhir_p95_ms": timings[int(len(timings) * 0.95) - 1] * 1000,
    }


def one_result_bundle(specimen_id: str, postcode: str, today: object) -> dict[str, object]:
    import datetime as dt

    assert isinstance(today, dt.date)
    return {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"given": ["Bench"], "family": f"Person{specimen_id}"}],
                    "birthDate": "1985-03-02",
                    "gender": "female",
                    "address": [{"line": ["1 Test Street"], "postalCode": postcode}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222",
                "resource": {
                    "resourceType": "Specimen",
                    "identifier": [{"system": "https://example.org/specimen", "value": specimen_id}],
                    "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
                    "collection": {"collectedDateTime": (today - dt.timedelta(days=1)).isoformat()},
                },
                "request": {"method": "POST", "url": "Specimen"},
            },
            {
                "fullUrl": "urn:uuid:33333333-3333-4333-8333-333333333333",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "94500-6"}]},
                    "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"},
                    "specimen": {"reference": "urn:uuid:22222222-2222-4222-8222-222222222222"},
                    "effectiveDateTime": (today - dt.timedelta(days=1)).isoformat(),
                    "issued": f"{today.isoformat()}T09:00:00Z",
                    "valueCodeableConcept": {
                        "coding": [{"system": "http://snomed.info/sct", "code": "1240581000000104"}]
                    },
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="result rows to generate (about)")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--fhir-calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1, help="runs per database; the medians are reported")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.data, args.fhir_calls)
        return

    with tempfile.TemporaryDirectory(prefix="localtrace-bench-intake-") as folder:
        measure(Path(folder), args.rows, args.databases, args.fhir_calls, max(1, args.repeat))


def measure(work: Path, rows: int, databases: str, fhir_calls: int, repeat: int) -> None:
    """Generate the file into `work`, then report each database."""
    people = max(20_000, rows // 8)
    print(f"Generating about {rows:,} result rows ({people:,} people) …", flush=True)
    subprocess.run(
        [sys.executable, "-m", "localtrace.simulate", "--people", str(people), "--days", "60",
         "--results-target", str(rows), "--no-fhir", "--out", str(work / "sim"), "--quiet"],
        check=True, cwd=REPO,
    )  # fmt: skip
    for database in databases.split(","):
        if database == "postgres":
            # Measure inside a throwaway cluster, as the tests do.
            subprocess.run(
                ["bash", str(REPO / "scripts" / "with-postgres.sh"), sys.executable, __file__, "--databases", "from-env",
                 "--data", str(work), "--fhir-calls", str(fhir_calls), "--repeat", str(repeat)],
                check=True,
            )  # fmt: skip
        elif database in ("sqlite", "from-env"):
            report(database, work, fhir_calls, repeat)


def one_run(database: str, work: Path, fhir_calls: int) -> tuple[dict[str, float], dict[str, float]]:
    """The limit, then intake, each into a fresh database."""
    url = f"sqlite:///{work / 'bench.sqlite3'}" if database == "sqlite" else os.environ["DATABASE_URL"]
    limit = child("limit", work, url, 0)
    if database == "sqlite":
        for stale in work.glob("bench*.sqlite3*"):
            stale.unlink()
        url = f"sqlite:///{work / 'bench-intake.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    return limit, child("intake", work, url, fhir_calls)


def report(database: str, work: Path, fhir_calls: int, repeat: int = 1) -> None:
    """Measure `repeat` times (FHIR calls in the last run only) and print each run and the medians.

    The speed of a shared or virtual machine drifts by tens of percent from minute to minute, so a
    single run can mislead; the medians of several runs, and the CPU split, are the figures to read.
    """
    name = "SQLite" if database == "sqlite" else "PostgreSQL"
    runs = [one_run(database, work, fhir_calls if i == repeat - 1 else 0) for i in range(repeat)]
    per_thousand = [1000 / intake["rows"] for _, intake in runs]
    limit_rates = [limit["rows"] / limit["seconds"] for limit, _ in runs]
    intake_rates = [intake["rows"] / intake["seconds"] for _, intake in runs]
    cpu = {
        stage: [intake[f"cpu_{stage}"] * k for (_, intake), k in zip(runs, per_thousand, strict=True)]
        for stage in ("writer", "reader", "database")
    }
    intake = runs[-1][1]
    print(f"\n== {name}: {int(intake['rows']):,} rows" + (f", {repeat} runs (medians)" if repeat > 1 else ""))
    if repeat > 1:
        for i, (limit_rate, intake_rate) in enumerate(zip(limit_rates, intake_rates, strict=True)):
            print(
                f"  run {i + 1}: intake {intake_rate:7,.0f} rows/s, limit {limit_rate:9,.0f} rows/s, CPU per 1,000 rows"
                f" writer {cpu['writer'][i]:.3f} s, reader {cpu['reader'][i]:.3f} s, database {cpu['database'][i]:.3f} s"
            )
    median = statistics.median
    print(f"  raw bulk insert (the limit): {median(limit_rates):10,.0f} rows/s")
    print(f"  intake end to end:           {median(intake_rates):10,.0f} rows/s")
    print(
        f"  intake / limit:              {median([i / lim for i, lim in zip(intake_rates, limit_rates, strict=True)]):10.2f}"
    )
    print(f"  intake peak RSS:             {max(i['peak_rss_mb'] for _, i in runs):10.0f} MB")
    print(
        f"  CPU per 1,000 rows:          writer {median(cpu['writer']):.3f} s,"
        f" reader {median(cpu['reader']):.3f} s, database {median(cpu['database']):.3f} s"
    )
    # How near the machine's cores the run came, and the most this design could give on them: the
    # writer waits for each answer from the database (SQLite runs inside the writer), so those two take
    # turns; even perfectly overlapped, the three stages cannot use more than every core.
    cores = len(os.sched_getaffinity(0))
    total = [sum(cpu[stage][i] for stage in cpu) for i in range(repeat)]
    busy = median([t * r / 1000 for t, r in zip(total, intake_rates, strict=True)])
    print(f"  CPU busy:                    {busy:10.2f} of {cores} cores")
    turns = median([1000 / (cpu["writer"][i] + cpu["database"][i]) for i in range(repeat)])
    print(f"  ceiling, writer and database taking turns: {turns:,.0f} rows/s")
    overlapped = median([cores * 1000 / t for t in total])
    print(f"  ceiling, all three stages overlapped on {cores} cores: {overlapped:,.0f} rows/s")
    print(f"  load average at the end:     {os.getloadavg()[0]:10.2f}  (on {os.cpu_count()} CPUs)")
    print(
        f"  accounted: {all(bool(i['accounted']) for _, i in runs)}  accepted {int(intake['accepted']):,}"
        f"  quarantined {int(intake['quarantined']):,}  duplicate {int(intake['duplicate']):,}"
        f"  cases {int(intake['cases']):,}"
    )
    if "fhir_p95_ms" in intake:
        print(
            f"  FHIR result → case in queue: p50 {intake['fhir_p50_ms']:.0f} ms, p95 {intake['fhir_p95_ms']:.0f} ms"
            f" over {int(intake['fhir_calls'])} calls"
        )


if __name__ == "__main__":
    if "--databases" in sys.argv and "from-env" in sys.argv:
        args = sys.argv
        work = Path(args[args.index("--data") + 1])
        calls = int(args[args.index("--fhir-calls") + 1])
        report("from-env", work, calls, int(args[args.index("--repeat") + 1]))
    else:
        main()
