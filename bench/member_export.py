"""Exporting a member's data (``members.data.archive``: every table of its schema streamed
with ``COPY … TO STDOUT`` into a zip, with the rows about it in ``public`` and a manifest)
vs ``pg_dump --schema=<its schema>`` of the same schema, in the same run: time, and the
export's peak memory (the peak resident size of a process of its own, over what that process
held before the export began).

``BENCH_MEMBER_EXPORT_ITEMS`` sets the work items (default 50,000; the figure in
docs/performance.md is for 1,000,000); each item has a payload and one history event."""

import os
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django_tenants.utils import schema_context

from bench import fresh_database, members, server
from robots.workitems.models import WorkItem, WorkItemEvent, WorkQueue

SLUG_PREFIX = "benchexport-"
DEFAULT_ITEMS = 50_000


@dataclass
class Result:
    items: int
    export_seconds: float
    export_bytes: int
    baseline_rss_kb: int
    peak_rss_kb: int
    dump_seconds: float
    dump_bytes: int

    @property
    def extra_rss_mb(self) -> float:
        return (self.peak_rss_kb - self.baseline_rss_kb) / 1024


def items_wanted() -> int:
    return int(os.environ.get("BENCH_MEMBER_EXPORT_ITEMS", DEFAULT_ITEMS))


def _copy_rows(cursor, table: str, template_id: int, replace: dict[str, str], source: str):
    """Insert copies of one row, with ``replace`` (column → SQL expression over ``g``)."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
        [table],
    )
    columns = [name for (name,) in cursor.fetchall()]
    values = ", ".join(replace.get(name, f't."{name}"') for name in columns)
    names = ", ".join(f'"{name}"' for name in columns)
    cursor.execute(
        f'INSERT INTO "{table}" ({names}) SELECT {values} FROM "{table}" t '
        f"CROSS JOIN {source} WHERE t.id = %s",
        [template_id],
    )


def fill(schema: str, items: int) -> None:
    """``items`` work items with a payload and one event each, in bulk in SQL."""
    with schema_context(schema), connection.cursor() as cursor:
        queue = WorkQueue.objects.create(name="Benchmark")
        item = WorkItem.objects.create(queue=queue, reference="B-1", payload={"n": 1})
        event = WorkItemEvent.objects.create(item=item, to_status="new", message="added")
        _copy_rows(
            cursor,
            WorkItem._meta.db_table,
            item.pk,
            {
                "reference": "'B-' || g",
                "payload": "jsonb_build_object('n', g, 'cpr', lpad((g %% 3112) :: text, 6, '0')"
                " || '-' || lpad((g %% 9999) :: text, 4, '0'), 'tekst', repeat('x', 40))",
            },
            f"generate_series(2, {items}) g",
        )
        _copy_rows(
            cursor,
            WorkItemEvent._meta.db_table,
            event.pk,
            {"item_id": "i.id"},
            f"(SELECT id FROM {WorkItem._meta.db_table} WHERE id <> {item.pk}) i",
        )
        cursor.execute(f"ANALYZE {WorkItem._meta.db_table}")


def pg_dump_binary() -> str:
    """pg_dump of the server's major version or newer: the embedded server's own, or the
    one on PATH."""
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    return shutil.which("pg_dump") or "pg_dump"


def dump(schema: str, target: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [pg_dump_binary(), f"--schema={schema}", "--file", str(target), server.database_url()],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def child(arguments: dict) -> dict:
    """The export of one member in this (fresh) process: its time and peak memory."""
    from members.data import archive
    from tenants.models import Organisation

    organisation = Organisation.objects.get(pk=arguments["organisation"])
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    archive.write_archive(organisation, Path(arguments["target"]), lambda *_: None)
    return {
        "seconds": time.perf_counter() - started,
        "baseline_rss_kb": baseline,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def run(items: int | None = None) -> Result:
    items = items or items_wanted()
    members.remove(SLUG_PREFIX)
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        organisation = members.provision(SLUG_PREFIX, 0, cvr_start=43000000)
        fill(organisation.schema_name, items)
        dump_file, archive_file = folder / "dump.sql", folder / "export.zip"
        dump_seconds = dump(organisation.schema_name, dump_file)
        measured = fresh_database.run_in(
            server.database_url(),
            "member_export",
            {"organisation": organisation.pk, "target": str(archive_file)},
        )
        return Result(
            items=items,
            export_seconds=measured["seconds"],
            export_bytes=archive_file.stat().st_size,
            baseline_rss_kb=measured["baseline_rss_kb"],
            peak_rss_kb=measured["peak_rss_kb"],
            dump_seconds=dump_seconds,
            dump_bytes=dump_file.stat().st_size,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        members.remove(SLUG_PREFIX)


def report(result: Result) -> str:
    ratio = result.export_seconds / result.dump_seconds
    return "\n".join(
        [
            f"Exporting a member with {result.items:,} work items (and as many events)",
            f"  {'pg_dump --schema (baseline)':<30}{result.dump_seconds:>10.2f} s"
            f"  ({result.dump_bytes / 1e6:.1f} MB of SQL)",
            f"  {'export archive (ours)':<30}{result.export_seconds:>10.2f} s"
            f"  ({result.export_bytes / 1e6:.1f} MB zip)",
            f"  {'ratio export / pg_dump':<30}{ratio:>10.2f} ×",
            f"  {'export peak memory':<30}{result.peak_rss_kb / 1024:>10.1f} MB"
            f"  (+{result.extra_rss_mb:.1f} MB over the process before the export)",
        ]
    )
