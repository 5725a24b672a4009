"""A fresh, never-analyzed database on the same server, for benchmarks that must also hold on
a young installation: a copy of a migrated template database, whose tables no one has
analyzed or vacuumed, with autovacuum kept off them while the benchmark runs; and a way to run
a benchmark's function in a process of its own against it.

The template (``<database>_bench_template``) is made and migrated the first time (a minute or
two) and migrated forward on later runs; the copy is made for the run and dropped after it.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from django.db import connection

from bench import server

# The tables a claim reads; autovacuum would analyze them a minute after the set-up's burst.
CLAIM_TABLES = ("robots_job", "robots_deployment", "robots_runner", "tenants_organisation")


def _url(name: str) -> str:
    base, _, query = server.database_url().partition("?")
    base = base.rsplit("/", 1)[0] + "/" + quote(name, safe="")
    return f"{base}?{query}" if query else base


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate_all", "--verbosity", "0"],
        cwd=server.ROOT,
        env=os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
    )


@contextmanager
def never_analyzed() -> Iterator[str]:
    """Yields the URL of a new database, migrated and never analyzed; drops it after."""
    own = connection.settings_dict["NAME"]
    template, fresh = f"{own}_bench_template", f"{own}_bench_fresh"
    with connection.cursor() as cursor:
        if not _exists(cursor, template):
            cursor.execute(f'CREATE DATABASE "{template}"')
    _migrate(_url(template))
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{fresh}" TEMPLATE "{template}"')
    try:
        yield _url(fresh)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def keep_unanalyzed() -> list[dict]:
    """In the fresh database: autovacuum off the claim's tables; returns their statistics'
    state (never analyzed: no last analyze, ``reltuples`` -1)."""
    with connection.cursor() as cursor:
        for table in CLAIM_TABLES:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        return statistics_state(cursor)


def statistics_state(cursor=None) -> list[dict]:
    def read(cursor) -> list[dict]:
        cursor.execute(
            "SELECT c.relname, c.reltuples, s.last_analyze IS NULL AND s.last_autoanalyze IS NULL"
            " FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid"
            " WHERE c.relname = ANY(%s) ORDER BY c.relname",
            [list(CLAIM_TABLES)],
        )
        return [
            {"table": table, "reltuples": tuples, "never_analyzed": never}
            for table, tuples, never in cursor.fetchall()
        ]

    if cursor is not None:
        return read(cursor)
    with connection.cursor() as cursor:
        return read(cursor)


def run_in(url: str, name: str, arguments: dict) -> dict:
    """``python -m bench <name> --json '<arguments>'`` against the database at ``url``: the
    benchmark's ``child(arguments)``, whose JSON it returns."""
    finished = subprocess.run(
        [sys.executable, "-m", "bench", name, "--json", json.dumps(arguments)],
        cwd=server.ROOT,
        env=os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"{name} failed on the fresh database:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])
