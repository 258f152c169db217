"""Benchmark the tracing pages at national scale on PostgreSQL: server time at concurrency 1 and 16.

Fills an empty PostgreSQL database with a national-scale set of areas (by default 1,000,000 cases,
3 contacts each, 50 upper-tier areas), then times, in process, the pages a tracer uses all day:

  * the case queue (GET /cases/) and the contact queue (GET /contacts/);
  * a case page (GET /cases/<pk>/) and a contact page (GET /contacts/<pk>/), random ones of the area;
  * "get next" (POST /cases/next/), each claim released again with `localtrace.cases.queue.release`
    (outside the timing) so the queue never drains;
  * the team lead's page (GET /team/);

at concurrency 1 and 16. Each thread has its own database connection and its own signed-in user
(16 tracers and 16 team leads in one area), and drives Django's test Client in process: server time
is the whole middleware stack, the view, the template and every query, without HTTP parsing or a
socket. It is set against the machine's own limit measured in the same run: a `SELECT 1` round trip.

The data is not from the agent-based simulation (a million cases would take hours there): people,
results, cases, contacts, one attempt and one timeline event per case and one event per contact are
written with COPY from synthetic rows, with names and streets from the generator's name lists.

    bash scripts/with-postgres.sh .venv/bin/python bench/pages.py                 # 1M cases, 3M contacts
    bash scripts/with-postgres.sh .venv/bin/python bench/pages.py --quick         # 20k cases, a smoke run
    bash scripts/with-postgres.sh .venv/bin/python bench/pages.py --cases 200000 --requests 100

Filling takes most of a run. To fill once and measure many times, keep the cluster and reuse its data:

    LOCALTRACE_PG_KEEP=/var/tmp/localtrace-bench-pg bash scripts/with-postgres.sh .venv/bin/python bench/pages.py --reuse

The first such run fills the database; later ones find it filled (with the same --cases, --areas and
--concurrency) and only measure. Migrations added since are applied first, as on a live system.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import json
import os
import queue
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

from timing import percentile  # noqa: E402 (bench/timing.py, beside this script)

CASES_PER_CHUNK = 10_000
# Cases opened in the last OPEN_DAYS are still being worked; older ones are closed.
OPEN_DAYS = 2.0
TARGET_P95_MS = 50.0
TARGETED_PAGES = ("case_queue", "contact_queue", "case", "contact", "get_next")


def setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Run against PostgreSQL: bash scripts/with-postgres.sh .venv/bin/python bench/pages.py …")
    os.environ.update(
        {
            "LOCALTRACE_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "LOCALTRACE_HTTPS": "0",
            "LOCALTRACE_DEBUG": "0",
            "LOCALTRACE_ALLOWED_HOSTS": "testserver",
            "LOCALTRACE_LOG_LEVEL": "WARNING",
            # Persistent connections, as in production, and no reconnect in the middle of a run.
            "LOCALTRACE_DB_CONN_MAX_AGE": "3600",
            "DJANGO_SETTINGS_MODULE": "localtrace.config.settings",
        }
    )
    if "LOCALTRACE_VAR_DIR" not in os.environ:  # the run's own, removed when it ends
        os.environ["LOCALTRACE_VAR_DIR"] = var_dir = tempfile.mkdtemp(prefix="localtrace-bench-pages-")
        atexit.register(shutil.rmtree, var_dir, True)
    import django

    django.setup()
    from django.conf import settings

    os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # WhiteNoise warns about a missing one


# --- filling the database ---------------------------------------------------------------------


@dataclass
class World:
    area_ids: list[int]
    postcodes: dict[int, list[str]]  # area id → its postcodes
    tracer_of: dict[int, int]  # area id → the user id of its tracer
    bench_area: int
    tracers: list[Any] = field(default_factory=list)  # the 16 bench tracers
    leads: list[Any] = field(default_factory=list)  # the 16 bench team leads


def make_user(username: str) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from localtrace.accounts.models import User

    user = User.objects.create(
        username=username, full_name=username.replace("-", " ").title(), email=f"{username}@bench.example.org"
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def make_areas(areas: int, postcodes_per_area: int, threads: int) -> World:
    """Nation, regions, upper-tier areas with one district each, postcodes, a local team and a tracer each."""
    from localtrace.areas.models import Area, Membership, Postcode, Role, Team

    if areas > 99:
        raise SystemExit("At most 99 areas (postcodes are made as X01 … X99).")
    nation = Area.objects.create(code="E92000001", name="England", level=Area.Level.NATION)
    regions = [
        Area.objects.create(code=f"E12{r:06d}", name=f"Region {r}", level=Area.Level.REGION, parent=nation)
        for r in range(1, 10)
    ]
    world = World(area_ids=[], postcodes={}, tracer_of={}, bench_area=0)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    for a in range(1, areas + 1):
        upper = Area.objects.create(
            code=f"E10{a:06d}", name=f"County {a:02d}", level=Area.Level.UPPER_TIER, parent=regions[a % 9]
        )
        district = Area.objects.create(
            code=f"E07{a:06d}", name=f"District {a:02d}", level=Area.Level.DISTRICT, parent=upper
        )
        codes = [f"X{a:02d} {n % 10}{letters[n // 10 % 20]}{letters[n // 200 % 20]}" for n in range(postcodes_per_area)]
        Postcode.objects.bulk_create(Postcode(postcode=c, district=district, upper_tier=upper) for c in codes)
        team = Team.objects.create(name=f"County {a:02d} Tracing", kind=Team.Kind.LOCAL, area=upper)
        tracer = make_user(f"tracer-{a:02d}")
        Membership.objects.create(user=tracer, team=team, role=Role.TRACER)
        world.area_ids.append(upper.pk)
        world.postcodes[upper.pk] = codes
        world.tracer_of[upper.pk] = tracer.pk
        if a == 1:
            world.bench_area = upper.pk
            for t in range(1, threads + 1):
                world.tracers.append(make_user(f"bench-tracer-{t:02d}"))
                Membership.objects.create(user=world.tracers[-1], team=team, role=Role.TRACER)
                world.leads.append(make_user(f"bench-lead-{t:02d}"))
                Membership.objects.create(user=world.leads[-1], team=team, role=Role.TEAM_LEAD)
    return world


def existing_world(threads: int) -> World:
    """The World of a database filled by an earlier run (--reuse): the same areas, tracers and bench users."""
    from localtrace.accounts.models import User
    from localtrace.areas.models import Area, Membership, Postcode, Role

    uppers = list(Area.objects.filter(level=Area.Level.UPPER_TIER, code__startswith="E10").order_by("code"))
    world = World(area_ids=[a.pk for a in uppers], postcodes={}, tracer_of={}, bench_area=uppers[0].pk)
    for area in uppers:
        world.postcodes[area.pk] = list(Postcode.objects.filter(upper_tier=area).values_list("postcode", flat=True))
        tracer = Membership.objects.get(team__area=area, role=Role.TRACER, user__username__startswith="tracer-")
        world.tracer_of[area.pk] = tracer.user_id
    for t in range(1, threads + 1):
        try:
            world.tracers.append(User.objects.get(username=f"bench-tracer-{t:02d}"))
            world.leads.append(User.objects.get(username=f"bench-lead-{t:02d}"))
        except User.DoesNotExist:
            raise SystemExit(f"The kept database has fewer than {threads} bench users: fill it again.") from None
    return world


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


PRIORITIES = [(1, '["Care home"]', 0.02), (2, '["Health or social care worker"]', 0.05), (3, '["School"]', 0.05),
              (4, '["Aged 70 or over"]', 0.13), (5, "[]", 0.75)]  # fmt: skip


def generate(
    world: World, submission: int, cases: int, contacts_per_case: int, days: float, seed: int
) -> Iterator[dict[str, list[str]]]:
    """Rows for every table, as COPY text lines, a chunk of cases at a time."""
    from django.utils import timezone

    from localtrace.people.models import Person
    from localtrace.people.names import name_key
    from localtrace.simulate import names as name_lists

    book = name_lists.load()
    given = [_copy_text(n) for n in book.given_names]
    family = [_copy_text(n) for n in book.family_names]
    streets = [_copy_text(s) for s in book.street_names_en]
    given_keys = [name_key(n) for n in book.given_names]
    family_keys = [name_key(n) for n in book.family_names]
    assert Person.key_for("Ann", "Lee") == f"{name_key('Ann')}|{name_key('Lee')}"
    rng = random.Random(seed)
    now = timezone.now()
    areas = world.area_ids
    priority_values = [p for p, _, _ in PRIORITIES]
    priority_reasons = {p: r for p, r, _ in PRIORITIES}
    priority_weights = [w for _, _, w in PRIORITIES]
    kinds_other = ["close", "proximity", "travel", "setting"]
    languages = ["en"] * 92 + ["cy"] * 3 + ["pl", "ur", "pa", "ro", "bn"]

    def ts(moment: dt.datetime) -> str:
        return moment.isoformat(sep=" ")

    for start in range(1, cases + 1, CASES_PER_CHUNK):
        out: dict[str, list[str]] = {k: [] for k in COLUMNS}
        for i in range(start, min(start + CASES_PER_CHUNK, cases + 1)):
            area = areas[i % len(areas)]
            tracer = world.tracer_of[area]
            age = dt.timedelta(days=rng.random() * days)
            opened = now - age
            specimen = (opened - dt.timedelta(days=2)).date()
            result_date = (opened - dt.timedelta(days=1)).date()
            postcode = rng.choice(world.postcodes[area])
            address = f"{rng.randint(1, 200)} {rng.choice(streets)}"
            language = rng.choice(languages)
            g, f = rng.randrange(len(given)), rng.randrange(len(family))
            dob = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 65))
            out["person"].append(
                f"{i}\t{rng.randrange(10**9, 10**10)}\t{given[g]}\t{family[f]}\t{dob}\t{rng.choice(('female', 'male'))}\t"
                f"{address}\t{postcode}\t+4477009{i % 100000:05d}\t\t{language}\t{given_keys[g]}|{family_keys[f]}\t{ts(opened)}\t"
                # The blocking keys, as Person.save() writes them (people/blocking.py).
                f"{family_keys[f]}|{dob}\t{given_keys[g]}|{dob}\t{dob}|{postcode.replace(' ', '').upper()}\n"
            )
            priority = rng.choices(priority_values, priority_weights)[0]
            out["result"].append(
                f"{i}\tLAB-BENCH\tS{i:09d}\t{submission}\t{i}\t{i}\t{area}\t{postcode}\tPCR\t\tpositive\t{specimen}\t"
                f"{result_date}\t{'t' if priority == 1 else 'f'}\t\t{i}\t{ts(opened)}\n"
            )
            deadline = opened + dt.timedelta(hours=24)
            reached = closed = next_step = r"\N"
            step, note = 0, ""
            if age.total_seconds() < OPEN_DAYS * 86400:
                status = rng.choices(("new", "in_progress", "reached"), (0.4, 0.4, 0.2))[0]
                if status == "in_progress":
                    step = rng.choice((2, 3, 4))
                    next_step = ts(opened + dt.timedelta(hours=rng.choice((-2, 4, 20))))
                elif status == "reached":
                    reached = ts(opened + dt.timedelta(hours=rng.random() * 20))
            else:
                status = rng.choices(("completed", "unreachable"), (0.85, 0.15))[0]
                closed = ts(opened + dt.timedelta(hours=rng.random() * 40))
                if status == "completed":
                    reached = closed
                else:
                    step, note = 5, "no answer at any step of the escalation ladder"
            identity = reached
            out["case"].append(
                f"{i}\t{area}\t{status}\t{priority}\t{ts(deadline)}\t{step}\t{next_step}\t{reached}\t{closed}\t{note}\t"
                f"{i}\t{priority_reasons[priority]}\t{i}\t{specimen}\t{result_date}\t{ts(opened)}\t{identity}\n"
            )
            if status != "new":
                made = ts(opened + dt.timedelta(hours=1))
                outcome = "answered" if reached != r"\N" else "no_answer"
                out["attempt"].append(f"{i}\t{i}\tphone\t{outcome}\t\t{made}\t{tracer}\n")
                out["event"].append(
                    f"{i}\t{i}\t{made}\t{tracer}\tattempt\tPhone call: {outcome.replace('_', ' ')}\t{{}}\n"
                )
            household = rng.randint(0, contacts_per_case)
            for j in range(contacts_per_case):
                k = (i - 1) * contacts_per_case + j + 1
                in_household = j < household
                where = area if in_household or rng.random() < 0.9 else rng.choice(areas)
                c_postcode = postcode if in_household else rng.choice(world.postcodes[where])
                c_address = address if in_household else f"{rng.randint(1, 200)} {rng.choice(streets)}"
                cg, cf = rng.randrange(len(given)), f if in_household else rng.randrange(len(family))
                named = opened + dt.timedelta(hours=2)
                person = cases + k
                out["person"].append(
                    f"{person}\t\t{given[cg]}\t{family[cf]}\t\\N\tunknown\t{c_address}\t{c_postcode}\t"
                    f"+4477008{k % 100000:05d}\t\t{language if in_household else 'en'}\t{given_keys[cg]}|{family_keys[cf]}\t{ts(named)}"
                    "\t\t\t\n"  # no date of birth, so no blocking keys
                )
                c_reached = c_closed = c_next = r"\N"
                c_step = 0
                if status in ("new", "in_progress", "reached"):
                    c_status = rng.choices(("new", "in_progress", "reached"), (0.5, 0.3, 0.2))[0]
                    if c_status == "in_progress":
                        c_step, c_next = rng.choice((2, 3)), ts(named + dt.timedelta(hours=rng.choice((-1, 4, 20))))
                    elif c_status == "reached":
                        c_reached = ts(named + dt.timedelta(hours=rng.random() * 20))
                else:
                    c_status = rng.choices(("completed", "unreachable"), (0.8, 0.2))[0]
                    c_closed = ts(named + dt.timedelta(hours=rng.random() * 40))
                    c_reached = c_closed if c_status == "completed" else r"\N"
                    c_step = 0 if c_status == "completed" else 5
                kind = "household" if in_household else rng.choice(kinds_other)
                exposure = specimen
                out["contact"].append(
                    f"{k}\t{where}\t{c_status}\t{priority}\t{ts(named + dt.timedelta(hours=24))}\t{c_step}\t{c_next}\t"
                    f"{c_reached}\t{c_closed}\t\t{i}\t{person}\t{kind}\t\t{exposure}\t{exposure + dt.timedelta(days=10)}\t"
                    f"{ts(named)}\t{tracer}\tf\n"
                )
                out["contact_event"].append(
                    f"{cases + k}\t{k}\t{ts(named)}\t{tracer}\tnamed\tNamed by case C{i} by the tracer\t{{}}\n"
                )
        yield out


COLUMNS = {
    "person": ("people.Person", "id nhs_number given_name family_name date_of_birth sex address_line_1 postcode "
               "phone email preferred_language match_key created_at block_family_dob block_given_dob block_dob_postcode"),
    "result": ("results.TestResult", "id source_id specimen_id submission_id row_number person_id area_id postcode "
               "test_type test_code result specimen_date result_date care_home occupation case_id received_at"),
    "case": ("cases.Case", "id area_id status priority reach_deadline ladder_step next_step_at reached_at closed_at "
             "outcome_note person_id priority_reasons first_result_id specimen_date result_date opened_at "
             "identity_confirmed_at"),
    "contact": ("contacts.Contact", "id area_id status priority reach_deadline ladder_step next_step_at reached_at "
                "closed_at outcome_note case_id person_id kind relationship last_exposure isolation_ends_on named_at "
                "named_by_id named_online"),
    "attempt": ("cases.Attempt", "id case_id channel outcome note made_at made_by_id"),
    "event": ("cases.TraceEvent", "id case_id occurred_at actor_id kind summary detail"),
    "contact_event": ("cases.TraceEvent", "id contact_id occurred_at actor_id kind summary detail"),
}  # fmt: skip


def fill_defaults(cursor: Any) -> list[tuple[str, str]]:
    """Give each NOT NULL column the rows leave out its model default, so fields added later need no change here."""
    from django.apps import apps
    from django.db import connection

    set_here = []
    for label, columns in COLUMNS.values():
        model = apps.get_model(label)
        for model_field in model._meta.concrete_fields:
            if model_field.column in columns.split() or model_field.null:
                continue
            # A blank text field without a default (people's blocking keys, say) takes "" as Django would.
            if not model_field.has_default() and not (model_field.blank and model_field.empty_strings_allowed):
                raise SystemExit(f"bench/pages.py does not fill {model._meta.db_table}.{model_field.column}: add it.")
            value = model_field.get_db_prep_save(model_field.get_default(), connection)
            table = model._meta.db_table
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{model_field.column}" SET DEFAULT %s', [value])
            set_here.append((table, model_field.column))
    return set_here


def fill(world: World, cases: int, contacts_per_case: int, days: float, seed: int) -> dict[str, float]:
    """COPY every chunk in; secondary indexes are dropped first and built again at the end."""
    from django.apps import apps
    from django.db import connection

    from localtrace.results.models import Submission

    submission = Submission.objects.create(
        channel=Submission.Channel.COMMAND, filename="bench-pages", status=Submission.Status.DONE,
        received=cases, accepted=cases, cases_created=cases,
    )  # fmt: skip
    tables = {key: apps.get_model(label)._meta.db_table for key, (label, _) in COLUMNS.items()}
    started = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(tables.values())],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # Columns these rows leave out take their model default for the length of the fill.
        defaults = fill_defaults(cursor)
        # Foreign keys are checked by triggers, row by row; the rows are made consistent here.
        cursor.execute("SET session_replication_role = replica")
        chunks: queue.Queue[dict[str, list[str]] | None] = queue.Queue(maxsize=2)

        def produce() -> None:
            for chunk in generate(world, submission.pk, cases, contacts_per_case, days, seed):
                chunks.put(chunk)
            chunks.put(None)

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        while (chunk := chunks.get()) is not None:
            for key, lines in chunk.items():
                columns = ", ".join(f'"{c}"' for c in COLUMNS[key][1].split())
                with cursor.cursor.copy(f'COPY "{tables[key]}" ({columns}) FROM STDIN') as copy:
                    copy.write("".join(lines))
                rows += len(lines)
        producer.join()
        cursor.execute("SET session_replication_role = DEFAULT")
        for table, column in defaults:
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP DEFAULT')
        copied = time.perf_counter() - started
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table in sorted(set(tables.values())):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))")  # noqa: S608
        indexed = time.perf_counter() - started
        cursor.execute("VACUUM ANALYZE")
    return {"rows": rows, "copy_s": copied, "index_s": indexed - copied, "total_s": time.perf_counter() - started}


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    label: str
    who: str  # "tracer" or "lead"
    request: Callable[[Any, random.Random], Any]  # (client, rng) → response


def signed_in_client(user: Any) -> Any:
    """A test Client signed in with both factors, as tests/conftest.py `sign_in_fully` does."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


def pages_for(world: World) -> list[Page]:
    from localtrace.cases.models import Case
    from localtrace.cases.queue import release
    from localtrace.contacts.models import Contact

    case_ids = list(Case.objects.filter(area_id=world.bench_area).values_list("pk", flat=True))
    contact_ids = list(Contact.objects.filter(area_id=world.bench_area).values_list("pk", flat=True))

    def check(response: Any, expect: int = 200) -> Any:
        if response.status_code != expect:
            raise SystemExit(f"{response.request['PATH_INFO']} answered {response.status_code}, not {expect}")
        return response

    def get_next(client: Any, rng: random.Random) -> Any:
        response = check(client.post("/cases/next/"), 302)
        return response

    def after_get_next(response: Any) -> None:
        location = response["Location"].rstrip("/")
        if not location.startswith("/cases/") or not location.rsplit("/", 1)[-1].isdigit():
            raise SystemExit(f"get next went to {location}, not a case: has the queue drained?")
        release(Case(pk=int(location.rsplit("/", 1)[-1])))

    pages = [
        Page("case_queue", "case queue   GET /cases/", "tracer", lambda c, r: check(c.get("/cases/"))),
        Page("contact_queue", "contact queue GET /contacts/", "tracer", lambda c, r: check(c.get("/contacts/"))),
        Page("case", "case page    GET /cases/<pk>/", "tracer",
             lambda c, r: check(c.get(f"/cases/{r.choice(case_ids)}/"))),
        Page("contact", "contact page GET /contacts/<pk>/", "tracer",
             lambda c, r: check(c.get(f"/contacts/{r.choice(contact_ids)}/"))),
        Page("get_next", "get next     POST /cases/next/", "tracer", get_next),
        Page("team", "team page    GET /team/", "lead", lambda c, r: check(c.get("/team/"))),
    ]  # fmt: skip
    AFTER["get_next"] = after_get_next
    return pages


AFTER: dict[str, Callable[[Any], None]] = {}


def select_one(_client: Any, _rng: random.Random) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def run_round(
    world: World, pages: list[Page], concurrency: int, requests_per_thread: int, seed: int
) -> tuple[dict[str, list[float]], dict[str, float], dict[str, float]]:
    """Every thread does its share of each page in turn: timings (ms), wall seconds and CPU ms per request per page."""
    from django.db import connection

    timings: dict[str, list[float]] = {p.name: [] for p in pages}
    walls: dict[str, float] = {}
    cpu: dict[str, float] = {}  # the process's CPU ms per request: the Python side alone, at concurrency 1
    clients = [
        (signed_in_client(world.tracers[t]), signed_in_client(world.leads[t])) for t in range(concurrency)
    ]  # fmt: skip
    barrier = threading.Barrier(concurrency + 1)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(t: int) -> None:
        rng = random.Random(seed * 1000 + t)
        try:
            for page in pages:
                client = clients[t][0] if page.who == "tracer" else clients[t][1]
                for _ in range(3):  # warm up this thread's connection and caches
                    response = page.request(client, rng)
                    if page.name in AFTER:
                        AFTER[page.name](response)
                barrier.wait()
                mine: list[float] = []
                cpu_began = time.process_time()
                for _ in range(requests_per_thread):
                    began = time.perf_counter()
                    response = page.request(client, rng)
                    mine.append((time.perf_counter() - began) * 1000)
                    if page.name in AFTER:
                        AFTER[page.name](response)
                with lock:
                    timings[page.name].extend(mine)
                    cpu[page.name] = (time.process_time() - cpu_began) * 1000 / requests_per_thread
                barrier.wait()
        except BaseException as error:
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(concurrency)]
    for thread in threads:
        thread.start()
    try:
        for page in pages:
            barrier.wait()
            began = time.perf_counter()
            barrier.wait()
            walls[page.name] = time.perf_counter() - began
    except threading.BrokenBarrierError:
        pass
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"A worker failed: {errors[0]!r}")
    return timings, walls, cpu


def count_queries(world: World, pages: list[Page]) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    rng = random.Random(0)
    tracer, lead = signed_in_client(world.tracers[0]), signed_in_client(world.leads[0])
    for page in pages:
        client = tracer if page.who == "tracer" else lead
        page.request(client, rng)
        response = None
        with CaptureQueriesContext(connection) as captured:
            response = page.request(client, rng)
        if page.name in AFTER:
            AFTER[page.name](response)
        counts[page.name] = len(captured.captured_queries)
    return counts


def profile_page(world: World, pages: list[Page], name: str, requests: int, seed: int) -> None:
    """Profile one page in process: the functions where its server time goes.

    With pyinstrument installed (`pip install pyinstrument`; a sampling profiler, so the shares are close to
    an unprofiled run) it prints its call tree; otherwise cProfile's tables, which inflate small calls.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = next((p for p in pages if p.name == name), None)
    if page is None:
        raise SystemExit(f"No page {name!r}: choose from {', '.join(p.name for p in pages)}")
    rng = random.Random(seed)
    client = signed_in_client(world.tracers[0] if page.who == "tracer" else world.leads[0])
    after = AFTER.get(page.name, lambda _r: None)
    for _ in range(5):  # warm the connection, templates and caches
        after(page.request(client, rng))
    sql_ms, began = 0.0, time.perf_counter()
    for _ in range(requests):  # unprofiled, for the SQL share
        with CaptureQueriesContext(connection) as captured:
            response = page.request(client, rng)
        sql_ms += sum(float(q["time"]) * 1000 for q in captured.captured_queries)
        after(response)
    wall_ms = (time.perf_counter() - began) * 1000 / requests
    print(f"\n== the {len(captured.captured_queries)} queries of the last request (ms, start of the SQL):")
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:6.2f}  {query['sql'][:160]}")
    print(f"\n== {page.label}: {requests} requests, {wall_ms:.1f} ms each, {sql_ms / requests:.1f} ms of it in SQL "
          f"(as Django's cursor wrapper times it, round trips included)", flush=True)  # fmt: skip
    import cProfile
    import pstats

    counter = cProfile.Profile()  # a measure of the Python work that the machine's load does not move
    for _ in range(20):
        counter.enable()
        response = page.request(client, rng)
        counter.disable()
        after(response)
    calls = pstats.Stats(counter).total_calls  # type: ignore[attr-defined]  # set at run time, missing from typeshed
    print(f"   Python function calls per request (cProfile, 20 requests): {calls / 20:,.0f}")
    try:
        from pyinstrument import Profiler
    except ImportError:
        profiler = cProfile.Profile()
        for _ in range(requests):
            profiler.enable()
            response = page.request(client, rng)
            profiler.disable()
            after(response)
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return
    sampler = Profiler(interval=0.001)
    for _ in range(requests):
        sampler.start()
        response = page.request(client, rng)
        sampler.stop()
        after(response)
    print(sampler.output_text(unicode=True, show_all=False))
    print("Where the time is spent itself (the functions at the leaves):")
    print("\n".join(sampler.output_text(unicode=True, flat=True, show_all=True).splitlines()[:70]))


def report(
    concurrency: int, timings: dict[str, list[float]], walls: dict[str, float], pages: list[Page],
    queries: dict[str, int], cpu: dict[str, float],
) -> dict[str, dict[str, float]]:  # fmt: skip
    one = timings["select_1"]
    floor = percentile(one, 0.5)
    print(f"\n  concurrency {concurrency} ({len(one):,} requests per page; load average {os.getloadavg()[0]:.1f})")
    # At concurrency 1 the process's CPU time per request is the Python side alone, which a busy machine
    # disturbs far less than the wall-clock times.
    print(
        f"  {'':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'req/s':>7} {'queries':>8} {'p50 ÷ queries×SELECT 1':>23}"
        + (f" {'CPU ms':>7}" if concurrency == 1 else "")
    )
    print(
        f"  {'SELECT 1 round trip (the limit)':34} {floor:8.2f} {percentile(one, 0.95):8.2f} {max(one):8.2f}"
        f" {len(one) / walls['select_1']:7.0f}"
    )
    figures: dict[str, dict[str, float]] = {"select_1": {"p50": floor, "p95": percentile(one, 0.95), "max": max(one)}}
    for page in pages:
        values = timings[page.name]
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        figures[page.name] = {
            "min": min(values), "p50": p50, "p95": p95, "max": max(values), "rps": len(values) / walls[page.name]
        }  # fmt: skip
        if concurrency == 1:
            figures[page.name]["cpu_ms"] = cpu[page.name]
        print(
            f"  {page.label:34} {p50:8.1f} {p95:8.1f} {max(values):8.1f} {figures[page.name]['rps']:7.0f}"
            f" {queries[page.name]:8d} {p50 / (queries[page.name] * floor):23.1f}"
            + (f" {cpu[page.name]:7.1f}" if concurrency == 1 else "")
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--contacts-per-case", type=int, default=3)
    parser.add_argument("--areas", type=int, default=50)
    parser.add_argument("--days", type=float, default=30, help="cases are opened over this many days up to now")
    parser.add_argument("--postcodes-per-area", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300, help="requests per page at concurrency 1")
    parser.add_argument("--requests-per-thread", type=int, default=25, help="requests per page per thread at 16")
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--quick", action="store_true", help="20,000 cases and fewer requests: a smoke run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        help="instead of timing, profile one page (case_queue, contact_queue, case, contact, get_next, team) "
        "over --requests requests with cProfile and print where the time goes",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database an earlier run filled (see LOCALTRACE_PG_KEEP)"
    )
    args = parser.parse_args()
    if args.quick:
        args.cases, args.requests, args.requests_per_thread = 20_000, 40, 5
    levels = [int(c) for c in args.concurrency.split(",")]
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from localtrace.cases.models import Case

    call_command("migrate", verbosity=0)
    contacts = args.cases * args.contacts_per_case
    if args.reuse and Case.objects.exists():
        world = existing_world(max(levels))
        print(f"Reusing the filled database: {Case.objects.count():,} cases", flush=True)
        # An interrupted run may have left a claim taken by "get next": give it back.
        Case.objects.filter(claimed_by__in=world.tracers).update(claimed_by=None, claimed_at=None)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # statistics for any index a new migration added
    else:
        if Case.objects.exists():
            raise SystemExit(
                "The database already has cases: run in an empty one (scripts/with-postgres.sh makes one)."
            )
        print(
            f"Filling PostgreSQL: {args.cases:,} cases, {contacts:,} contacts, {args.areas} areas, "
            f"{args.cases + contacts:,} people, {args.cases:,} results …",
            flush=True,
        )
        # 16 bench users at least, so that a kept database can later be measured at concurrency 16.
        world = make_areas(args.areas, args.postcodes_per_area, max(16, *levels))
        filled = fill(world, args.cases, args.contacts_per_case, args.days, args.seed)
        print(
            f"  {filled['rows']:,.0f} rows copied in {filled['copy_s']:.0f} s ({filled['rows'] / filled['copy_s']:,.0f} rows/s),"
            f" indexes built in {filled['index_s']:.0f} s, {filled['total_s']:.0f} s with VACUUM ANALYZE"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split()[1]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    in_area = Case.objects.filter(area_id=world.bench_area).count()
    open_in_area = Case.objects.filter(area_id=world.bench_area, status__in=["new", "in_progress", "reached"]).count()
    print(f"  database {size}")
    print(f"\n== PostgreSQL {version}: the measured area has {in_area:,} cases ({open_in_area:,} open)", flush=True)

    pages = pages_for(world)
    if args.profile:
        profile_page(world, pages, args.profile, args.requests, args.seed)
        return
    queries = count_queries(world, pages)
    select = Page("select_1", "SELECT 1", "tracer", select_one)
    results: dict[str, Any] = {"cases": args.cases, "contacts": contacts, "areas": args.areas, "queries": queries}
    for level in levels:
        per_thread = args.requests if level == 1 else args.requests_per_thread
        timings, walls, cpu = run_round(world, [select, *pages], level, per_thread, args.seed + level)
        results[f"concurrency_{level}"] = report(level, timings, walls, pages, queries, cpu)
    if 1 in levels:
        # Issue 5's target covers the tracer's pages (queues, case and contact pages, get next); the team
        # lead's page is measured beside them but has no target of its own.
        targeted = [p for p in pages if p.name in TARGETED_PAGES]
        worst_page = max(targeted, key=lambda p: results["concurrency_1"][p.name]["p95"])
        worst = results["concurrency_1"][worst_page.name]["p95"]
        verdict = "met" if worst <= TARGET_P95_MS else "NOT met"
        print(
            f"\n  target p95 ≤ {TARGET_P95_MS:.0f} ms at concurrency 1 for each of the tracer's pages "
            f"({', '.join(p.name for p in targeted)}): {verdict} (worst {worst_page.name}, {worst:.1f} ms);"
            " the team page has no target"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
