"""How long a subject access request's pages take on a large database: the search, and building the copy.

Runs against the database in DATABASE_URL and changes nothing: each request is made inside a transaction
that is rolled back. Use a database with many people, for example the pages bench's:

    LOCALTRACE_PG_KEEP=/var/tmp/bench-pg bash scripts/with-postgres.sh \\
        env LOCALTRACE_DEBUG=1 .venv/bin/python bench/subject_access.py --requests 50

For people drawn at random among those with a case (the ones with the most to put in a copy), it times
`find_records` (the "find their records" page, from name, date of birth, postcode and phone) and
`build_copy` (the free-text page and each download), and prints p50 and p95 in milliseconds, with the
queries each took. A person the search does not find among its candidates counts as a miss.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "localtrace.config.settings")

from timing import percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50, help="Requests to time (default 50).")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from localtrace.accounts.models import User
    from localtrace.audit import subject_access as sa
    from localtrace.cases.models import Case
    from localtrace.people.models import Person

    people = Person.objects.count()
    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    print(f"{connection.vendor}; {people:,} people; {Case.objects.count():,} cases")
    if not top:
        print("  no cases: nothing to time")
        return
    rng = random.Random(args.seed)
    officer = User.objects.filter(deployment_role=User.DeploymentRole.DATA_PROTECTION_OFFICER).first()
    searching: list[float] = []
    building: list[float] = []
    search_queries: list[int] = []
    copy_queries: list[int] = []
    misses = 0
    while len(searching) < args.requests:
        case = Case.objects.filter(pk__gte=rng.randint(1, top)).select_related("person").order_by("pk").first()
        if case is None or case.person.erased_at is not None:
            continue
        person = case.person
        with transaction.atomic():
            sar = sa.SubjectAccessRequest.objects.create(
                received_on=case.result_date, given_name=person.given_name, family_name=person.family_name,
                date_of_birth=person.date_of_birth, postcode=person.postcode, phone=person.phone,
                created_by=officer or User.objects.create(username="bench-dpo"),
            )  # fmt: skip
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                found = sa.find_records(sar)
                searching.append((time.perf_counter() - started) * 1000)
            search_queries.append(len(queries))
            misses += sa.survivor_of(person).pk not in {c.person.pk for c in found}
            sar.people.set([sa.survivor_of(person)])
            sar.records_confirmed_at = sar.created_at
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                sa.build_copy(sar)
                building.append((time.perf_counter() - started) * 1000)
            copy_queries.append(len(queries))
            transaction.set_rollback(True)
    for label, times, counts in (("find_records", searching, search_queries), ("build_copy", building, copy_queries)):
        print(
            f"  {label:12} p50 {statistics.median(times):7.1f} ms   p95 {percentile(times, 0.95):7.1f} ms   "
            f"queries p50 {statistics.median(counts):.0f}, max {max(counts)}"
        )
    print(f"  the person's own record missing from the candidates: {misses} of {len(searching)}")


if __name__ == "__main__":
    main()
