"""Benchmark transmission chains on one large synthetic area: time and peak memory.

Fills an empty database (SQLite in a temporary folder by default; PostgreSQL when DATABASE_URL says
so) with one upper-tier area of N cases (default 100,000) over 60 days: about a third named as a
contact by an earlier case (a contact row and `source_contact`), and visits to 5,000 settings (half
the cases went somewhere in the days they may have caught it, six in ten while infectious), so both
kinds of link occur. Then it times, each the median of several runs:

  * `build_chains` alone on the fetched ids and dates (pure Python: union-find, generations);
  * `area_chains(area)`: the two queries and the build (what every page view did before the chains were stored);
  * the `refresh_chains` task: its first run (compute and store every row), a run with nothing changed
    (the fingerprint check only), and a run after one new visit (recompute, rewrite only changed rows);
  * the area's chains page and the chain page of a case in the largest chain, reading the stored rows, in
    process through Django's test Client (server time: middleware, view, template, every query);

and prints the peak Python memory of `area_chains` (tracemalloc) and the process's peak RSS. The
machine's own limit, measured in the same run, is fetching the same case rows with no work at all
(`values_list` of the ids and dates): the ratio says how much the chain building adds to reading.

    .venv/bin/python bench/chains.py                 # 100,000 cases on SQLite
    .venv/bin/python bench/chains.py --cases 10000   # a quick run
    bash scripts/with-postgres.sh .venv/bin/python bench/chains.py
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

SETTINGS = 5_000
DAYS = 60
NAMED_SHARE = 0.35
BATCH = 5_000


def setup_django() -> None:
    os.environ.update(
        {
            "LOCALTRACE_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "LOCALTRACE_HTTPS": "0",
            "LOCALTRACE_DEBUG": "0",
            "LOCALTRACE_ALLOWED_HOSTS": "testserver",
            "LOCALTRACE_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "localtrace.config.settings",
        }
    )
    if "LOCALTRACE_VAR_DIR" not in os.environ:  # the run's own, removed when it ends
        os.environ["LOCALTRACE_VAR_DIR"] = var_dir = tempfile.mkdtemp(prefix="localtrace-bench-chains-")
        atexit.register(shutil.rmtree, var_dir, True)
    import django

    django.setup()
    from django.conf import settings

    os.makedirs(settings.STATIC_ROOT, exist_ok=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(cases: int, seed: int) -> tuple[Any, Any]:
    """One area with `cases` cases, named contacts between them and visits; returns the area and a tracer."""
    from django.utils import timezone

    from localtrace.accounts.models import User
    from localtrace.areas.models import Area, Membership, Role, Team
    from localtrace.cases.models import Case, Status
    from localtrace.contacts.models import Contact
    from localtrace.people.models import Person
    from localtrace.places.models import Setting, Visit
    from localtrace.results.models import Submission, TestResult

    rng = random.Random(seed)
    nation = Area.objects.create(code="E92000001", name="England", level=Area.Level.NATION)
    area = Area.objects.create(code="E10000999", name="Benchshire", level=Area.Level.UPPER_TIER, parent=nation)
    team = Team.objects.create(name="Benchshire Tracing", kind=Team.Kind.LOCAL, area=area)
    tracer = User.objects.create(username="bench.tracer", full_name="Bench Tracer")
    Membership.objects.create(user=tracer, team=team, role=Role.TRACER)
    submission = Submission.objects.create(channel=Submission.Channel.UPLOAD, filename="bench.csv")
    settings = Setting.objects.bulk_create(
        Setting(area=area, name=f"Setting {i}", kind=Setting.Kind.WORKPLACE) for i in range(SETTINGS)
    )
    start = timezone.localdate() - dt.timedelta(days=DAYS)
    now = timezone.now()
    # Cases in order of specimen date, so a source is always earlier.
    days = sorted(rng.randrange(DAYS) for _ in range(cases))
    people = Person.objects.bulk_create(
        (Person(given_name=f"Given{i}", family_name=f"Family{i}", match_key=f"k{i}") for i in range(cases)),
        batch_size=BATCH,
    )
    results = TestResult.objects.bulk_create(
        (
            TestResult(
                source_id="LAB",
                specimen_id=f"S{i}",
                submission=submission,
                row_number=i + 1,
                person=people[i],
                area=area,
                postcode="ZZ1 1ZZ",
                test_type="PCR",
                result="positive",
                specimen_date=start + dt.timedelta(days=days[i]),
                result_date=start + dt.timedelta(days=days[i] + 1),
            )
            for i in range(cases)
        ),
        batch_size=BATCH,
    )
    made = Case.objects.bulk_create(
        (
            Case(
                person=people[i],
                area=area,
                first_result=results[i],
                specimen_date=results[i].specimen_date,
                result_date=results[i].result_date,
                reach_deadline=now,
                status=Status.COMPLETED,
            )
            for i in range(cases)
        ),
        batch_size=BATCH,
    )
    # About a third were named by a case 2–10 days earlier.
    first_of_day: dict[int, int] = {}
    for i, day in enumerate(days):
        first_of_day.setdefault(day, i)
    sources: list[tuple[int, int]] = []
    for i, day in enumerate(days):
        earlier = [d for d in range(day - 10, day - 1) if d in first_of_day]
        if earlier and rng.random() < NAMED_SHARE:
            pick_day = rng.choice(earlier)
            end = first_of_day.get(pick_day + 1, i)
            sources.append((rng.randrange(first_of_day[pick_day], max(first_of_day[pick_day] + 1, end)), i))
    contacts = Contact.objects.bulk_create(
        (
            Contact(
                case=made[s],
                person=people[t],
                area=area,
                kind=Contact.Kind.CLOSE,
                last_exposure=made[t].specimen_date - dt.timedelta(days=3),
                isolation_ends_on=made[t].specimen_date + dt.timedelta(days=7),
                reach_deadline=now,
                status=Status.COMPLETED,
            )
            for s, t in sources
        ),
        batch_size=BATCH,
    )
    for contact, (_, target) in zip(contacts, sources, strict=True):
        made[target].source_contact = contact
    Case.objects.bulk_update([made[t] for _, t in sources], ["source_contact"], batch_size=BATCH)
    visits = []
    for i in range(cases):
        anchor = made[i].specimen_date
        if rng.random() < 0.5:
            visits.append(
                Visit(
                    case=made[i],
                    setting=rng.choice(settings),
                    direction="backward",
                    visited_on=anchor - dt.timedelta(days=rng.randint(3, 9)),
                )
            )
        for _ in range(rng.choice((0, 0, 0, 0, 1, 1, 1, 2, 2, 2))):
            visits.append(
                Visit(
                    case=made[i],
                    setting=rng.choice(settings),
                    direction="forward",
                    visited_on=anchor + dt.timedelta(days=rng.randint(-2, 5)),
                )
            )
    Visit.objects.bulk_create(visits, batch_size=BATCH)
    print(
        f"Filled: {cases:,} cases, {len(sources):,} named by another case, {len(visits):,} visits to {SETTINGS:,} settings."
    )
    return area, tracer


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time; the CPU time of the same runs is kept in CPU_SECONDS (a shared machine inflates wall time)."""
    times, cpu = [], []
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    CPU_SECONDS.append(statistics.median(cpu))
    return statistics.median(times)


CPU_SECONDS: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.cases < 10:
        parser.error("--cases must be 10 or more")
    setup_django()
    from django.db import connection
    from django.test import Client

    from localtrace.cases import chains
    from localtrace.cases.models import Case

    began = time.perf_counter()
    area, tracer = fill(args.cases, args.seed)
    print(f"Fill took {time.perf_counter() - began:.1f} s on {connection.vendor}.")

    def read_only() -> list[Any]:
        return list(Case.objects.filter(area_id=area.pk).values_list("pk", "result_date"))

    found = chains.area_chains(area.pk)
    facts = [
        chains.CaseFacts(pk, result, source, source_area == area.pk)
        for pk, result, source, source_area in Case.objects.filter(area_id=area.pk).values_list(
            "pk", "result_date", "source_contact__case_id", "source_contact__case__area_id"
        )
    ]
    limit = median_seconds(read_only, args.repeats)
    build = median_seconds(lambda: chains.build_chains(facts, found.visits), args.repeats)
    whole = median_seconds(lambda: chains.area_chains(area.pk), args.repeats)
    tracemalloc.start()
    chains.area_chains(area.pk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # The scheduled task: the first computation stores every row; then a run with nothing changed (the
    # fingerprint check alone); then one after a single new visit (recompute, write only what changed).
    from localtrace.places.models import Visit

    began, began_cpu = time.perf_counter(), time.process_time()
    first_run = chains.refresh()
    store_first = (time.perf_counter() - began, time.process_time() - began_cpu)
    unchanged = median_seconds(chains.refresh, args.repeats)
    cpu_unchanged = CPU_SECONDS.pop()
    one_visit = Visit.objects.filter(case__area_id=area.pk).order_by("pk").first()
    assert one_visit is not None
    began, began_cpu = time.perf_counter(), time.process_time()
    Visit.objects.create(case_id=one_visit.case_id, setting_id=one_visit.setting_id, direction="forward",
                         visited_on=one_visit.visited_on + dt.timedelta(days=1))  # fmt: skip
    after_visit = chains.refresh()
    store_again = (time.perf_counter() - began, time.process_time() - began_cpu)

    biggest = found.chains.chains[0]
    linked = [c for c in found.chains.chains if c.size > 1]
    client = Client()
    client.force_login(tracer)
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=tracer, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    def page(url: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    area_page = median_seconds(page(f"/chains/{area.code}/"), args.repeats)
    chain_page = median_seconds(page(f"/cases/{biggest.first_case_id}/chain/"), args.repeats)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print()
    print(
        f"Chains: {len(found.chains.chains):,} ({len(linked):,} of two or more cases); largest {biggest.size:,} cases, "
        f"{biggest.generations} generations; {sum(c.known_source_count for c in found.chains.chains):,} cases "
        f"named by another, {sum(c.possible_only_count for c in found.chains.chains):,} with a possible source only."
    )
    cpu_limit, cpu_build, cpu_whole, cpu_area, cpu_chain = CPU_SECONDS
    print("Wall time (CPU time of this process in brackets):")
    print(
        f"Machine limit: reading {args.cases:,} case ids and dates: {limit * 1000:.0f} ms ({cpu_limit * 1000:.0f} ms)"
    )
    print(
        f"build_chains (pure Python, {len(found.visits):,} visits): {build * 1000:.0f} ms ({cpu_build * 1000:.0f} ms)"
    )
    print(
        f"area_chains (two queries + build): {whole * 1000:.0f} ms ({cpu_whole * 1000:.0f} ms) = "
        f"{whole / limit:.1f} x the plain read ({cpu_whole / cpu_limit:.1f} x in CPU time)"
    )
    print(
        f"Area's chains page: {area_page * 1000:.0f} ms ({cpu_area * 1000:.0f} ms); "
        f"chain page of the largest chain: {chain_page * 1000:.0f} ms ({cpu_chain * 1000:.0f} ms)"
    )
    print(
        f"refresh_chains task: first run (compute and store {first_run.rows_written:,} rows) "
        f"{store_first[0] * 1000:.0f} ms ({store_first[1] * 1000:.0f} ms); nothing changed (fingerprint only) "
        f"{unchanged * 1000:.0f} ms ({cpu_unchanged * 1000:.0f} ms); after one new visit (recompute, "
        f"{after_visit.rows_written:,} rows rewritten) {store_again[0] * 1000:.0f} ms ({store_again[1] * 1000:.0f} ms)"
    )
    print(f"Load average (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"Peak Python memory in area_chains: {peak / 2**20:.1f} MiB; process peak RSS: {rss_mb:.0f} MiB")
    print(f"(median of {args.repeats}; the machine is shared with other work, so absolute times vary.)")


if __name__ == "__main__":
    main()
