"""How long "Find a person" takes on a large database, by name, name and date of birth, phone, and reference.

Runs against the database in DATABASE_URL and changes nothing: everything runs in a transaction that is
rolled back (a tracer is made in each case's area when it has none). Use a database with many people,
for example the pages bench's:

    LOCALTRACE_PG_KEEP=/var/tmp/bench-pg bash scripts/with-postgres.sh \\
        env LOCALTRACE_DEBUG=1 .venv/bin/python bench/find.py --searches 100

For cases drawn at random, a tracer of the case's area searches for the case's person each way; the script
prints p50 and p95 in milliseconds for each, and how often the case was missing from what came back.
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
    parser.add_argument("--searches", type=int, default=100, help="Cases to search for (default 100).")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from localtrace.accounts.access import forget_scope
    from localtrace.accounts.models import User
    from localtrace.areas.models import Membership, Role, Team
    from localtrace.cases.models import Case
    from localtrace.people.models import Person
    from localtrace.people.search import find

    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    print(f"{connection.vendor}; {Person.objects.count():,} people; {Case.objects.count():,} cases")
    if not top:
        print("  no cases: nothing to time")
        return
    rng = random.Random(args.seed)
    times: dict[str, list[float]] = {"name": [], "name and date of birth": [], "phone": [], "reference": []}
    missed: dict[str, int] = dict.fromkeys(times, 0)
    with transaction.atomic():
        tracers: dict[int, User] = {}
        done = 0
        while done < args.searches:
            case = Case.objects.filter(pk__gte=rng.randint(1, top)).select_related("person").order_by("pk").first()
            if case is None or case.person.erased_at is not None or not case.person.given_name:
                continue
            if case.area_id not in tracers:
                team = Team.objects.filter(area_id=case.area_id, kind=Team.Kind.LOCAL).first() or Team.objects.create(
                    name=f"Bench team {case.area_id}", kind=Team.Kind.LOCAL, area_id=case.area_id
                )
                user = User.objects.create(
                    username=f"bench-find-{case.area_id}", email=f"bench-find-{case.area_id}@example.org"
                )
                Membership.objects.create(user=user, team=team, role=Role.TRACER)
                forget_scope(user)
                tracers[case.area_id] = user
            person, user = case.person, tracers[case.area_id]
            searches = {
                "name": (f"{person.given_name} {person.family_name}", None),
                "name and date of birth": (person.family_name, person.date_of_birth),
                "phone": (person.phone, None),
                "reference": (case.reference, None),
            }
            for way, (typed, born) in searches.items():
                if not typed or (way == "name and date of birth" and born is None):
                    continue
                started = time.perf_counter()
                found = find(user, typed, born)
                times[way].append((time.perf_counter() - started) * 1000)
                missed[way] += case.pk not in {f.item.pk for f in found if f.kind == "case"}
            done += 1
        transaction.set_rollback(True)
    for way, values in times.items():
        if values:
            print(
                f"  {way:24} p50 {statistics.median(values):6.1f} ms   p95 {percentile(values, 0.95):6.1f} ms   "
                f"case missing {missed[way]} of {len(values)}"
            )


if __name__ == "__main__":
    main()
