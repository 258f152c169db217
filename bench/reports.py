"""Benchmark the performance figures at national scale on PostgreSQL: the rollup, and the pages that read it.

Fills an empty PostgreSQL database the way bench/pages.py does (by default 1,000,000 cases, 3 contacts
each, 50 upper-tier areas in 9 regions, cases opened over the last 180 days; rows written with COPY),
then:

  1. runs the first, full rollup (`reports.rollup.refresh`) and prints its time and people per second;
  2. records 200 attempts on open cases of one area through `record_attempt` and times the incremental
     rollup that follows (what the `refresh_figures` task does every minute);
  3. times, in process with Django's test Client, the pages that read the rollup: the area dashboard (an
     area lead), the team dashboard, the administrators' national comparison, the public transparency
     page and its JSON open data; p50 and p95 server time per page, against a `SELECT 1` round trip.

    bash scripts/with-postgres.sh .venv/bin/python bench/reports.py              # 1M cases, 3M contacts
    bash scripts/with-postgres.sh .venv/bin/python bench/reports.py --quick      # 20k cases, a smoke run
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src"), str(REPO / "bench")]

import pages as page_bench  # noqa: E402  (bench/pages.py: the national dataset, filled with COPY)

TARGET_MS = 1000.0


def load() -> str:
    """The machine's load average (1, 5, 15 minutes), as `uptime` prints it: the machine is shared."""
    return ", ".join(f"{n:.2f}" for n in os.getloadavg())


def timed(requests: int, call: Callable[[], Any]) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--contacts-per-case", type=int, default=3)
    parser.add_argument("--areas", type=int, default=50)
    parser.add_argument("--days", type=float, default=180, help="cases are opened over this many days up to now")
    parser.add_argument("--requests", type=int, default=40, help="requests per page")
    parser.add_argument("--quick", action="store_true", help="20,000 cases: a smoke run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fill-only", action="store_true", help="fill the database and stop (see LOCALTRACE_PG_KEEP)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database an earlier run filled (see LOCALTRACE_PG_KEEP)"
    )
    parser.add_argument(
        "--no-rebuild", action="store_true", help="with --reuse: skip the full rollup (the facts are there)"
    )
    args = parser.parse_args()
    if args.quick:
        args.cases, args.requests = 20_000, 10
    page_bench.setup_django()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from localtrace.accounts.models import User
    from localtrace.areas.models import Area, Membership, Role, Team
    from localtrace.cases.investigation import record_attempt
    from localtrace.cases.models import Case
    from localtrace.reports import rollup
    from localtrace.reports.models import ReachFact, WeeklyFigures

    call_command("migrate", verbosity=0)
    if args.reuse and Case.objects.exists():
        world = page_bench.existing_world(1)
        print(f"Reusing the filled database: {Case.objects.count():,} cases", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # statistics for any index a new migration added
    else:
        if Case.objects.exists():
            raise SystemExit(
                "The database already has cases: run in an empty one (scripts/with-postgres.sh makes one)."
            )
        print(f"Filling PostgreSQL: {args.cases:,} cases, {args.cases * args.contacts_per_case:,} contacts, "
              f"{args.areas} areas, over {args.days:.0f} days …", flush=True)  # fmt: skip
        world = page_bench.make_areas(args.areas, 200, 1)
        filled = page_bench.fill(world, args.cases, args.contacts_per_case, args.days, args.seed)
        print(f"  {filled['rows']:,.0f} rows in {filled['total_s']:.0f} s", flush=True)
        if args.fill_only:
            return

    print(f"load average before the rollup: {load()}", flush=True)
    started = time.perf_counter()
    # A kept database may hold facts from an earlier run: rebuild them all, unless told not to.
    # The rebuild works in steps, each its own transaction: the longest is how long it held the database (on
    # SQLite, every other writer) and the task worker at once.
    step_s: list[float] = []
    step_started = started

    def stepped(_: rollup.RollupResult) -> None:
        nonlocal step_started
        step_s.append(time.perf_counter() - step_started)
        step_started = time.perf_counter()

    first = rollup.refresh(rebuild=args.reuse and not args.no_rebuild, on_step=stepped)
    full_s = time.perf_counter() - started
    print(f"\nFirst (full) rollup: {first.line()} in {full_s:.0f} s "
          f"({first.facts / full_s:,.0f} people/s); {ReachFact.objects.count():,} facts, "
          f"{WeeklyFigures.objects.count():,} weekly rows; load average {load()}", flush=True)  # fmt: skip
    if step_s:
        ordered = sorted(step_s)
        print(f"  in {len(step_s)} steps (transactions): p50 {ordered[len(ordered) // 2]:.2f} s, "
              f"longest {ordered[-1]:.2f} s", flush=True)  # fmt: skip

    team = Team.objects.get(area_id=world.bench_area, kind=Team.Kind.LOCAL)
    tracer = User.objects.get(pk=world.tracer_of[world.bench_area])
    # Open cases of the measured area (after an earlier run on a kept database, of the areas after it).
    still_open = Case.objects.filter(status__in=["new", "in_progress"], area_id__gte=world.bench_area)
    open_cases = list(still_open.order_by("area_id", "pk")[:200])
    for case in open_cases:
        actor = tracer if case.area_id == world.bench_area else User.objects.get(pk=world.tracer_of[case.area_id])
        record_attempt(case, channel="phone", outcome="answered", actor=actor)
    started = time.perf_counter()
    step = rollup.refresh()
    print(f"Incremental rollup after {len(open_cases)} attempts: {step.line()} in "
          f"{time.perf_counter() - started:.2f} s; load average {load()}", flush=True)  # fmt: skip

    lead = User.objects.filter(username="bench-area-lead").first() or page_bench.make_user("bench-area-lead")
    Membership.objects.get_or_create(user=lead, team=team, role=Role.AREA_LEAD)
    admin = User.objects.filter(username="bench-admin").first() or page_bench.make_user("bench-admin")
    admin.deployment_role = User.DeploymentRole.ADMINISTRATOR
    admin.save()
    if not admin.is_administrator:
        raise SystemExit("bench: could not make an administrator")
    lead_client, admin_client, public = (
        page_bench.signed_in_client(lead),
        page_bench.signed_in_client(admin),
        Client(),
    )
    area = Area.objects.get(pk=world.bench_area)

    def get(client: Any, url: str) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            return response.content

        return call

    def select_one() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    pages = [
        ("SELECT 1 round trip", select_one),
        (f"area dashboard ({area.name})", get(lead_client, f"/performance/areas/{area.pk}/")),
        ("team dashboard", get(lead_client, f"/performance/teams/{team.pk}/")),
        ("national comparison", get(admin_client, "/performance/national/")),
        ("public transparency page", get(public, "/transparency/")),
        ("open data (JSON, every week)", get(public, "/transparency/weekly-figures.json")),
        ("open data (CSV, every week)", get(public, "/transparency/weekly-figures.csv")),
    ]
    rng = random.Random(args.seed)
    rng.shuffle(pages[1:])
    print(f"\nServer time in process, {args.requests} requests each (this machine is shared with other "
          f"helpers' work: figures vary between runs)")  # fmt: skip
    print("  first: the first request after the figures changed (this process's cache emptied), then p50/p95")
    print(f"  {'page':40} {'first ms':>9} {'p50 ms':>9} {'p95 ms':>9}   load average {load()}")
    floor = None
    worst = 0.0
    for _, call in pages:
        call()  # once each, so that "first" below is the cost of new figures, not of this process starting
    for name, call in sorted(pages, key=lambda p: p[0] != "SELECT 1 round trip"):
        cache.clear()
        first_ms = timed(1, call)[0]
        times = sorted(timed(args.requests, call))
        p50, p95 = page_bench.percentile(times, 0.5), page_bench.percentile(times, 0.95)
        if floor is None:
            floor = p50
        else:
            worst = max(worst, p95, first_ms)
        print(
            f"  {name:40} {first_ms:9.1f} {p50:9.1f} {p95:9.1f}"
            + (f"   ({p50 / floor:,.0f}× SELECT 1)" if floor and floor != p50 else "")
        )
    print(f"  load average after: {load()}")
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(
        f"\n  target: every page (p95, and the first request) under {TARGET_MS:.0f} ms at {args.cases:,} cases: {verdict} (worst {worst:.0f} ms)"
    )


if __name__ == "__main__":
    main()
