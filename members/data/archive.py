"""The export archive of one member, written as a stream: every table of its schema and every
row about it in ``public`` as CSV (PostgreSQL's ``COPY … TO STDOUT``, read chunk by chunk and
never a whole table at once), its invoices as PDF and Peppol UBL XML (billing's renderers),
its files, and ``manifest.json`` describing each file (columns, rows, bytes, SHA-256).

Reads only; the service (``members.services``) decides where the archive goes and records it.
"""

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from billing.exports import pdf, peppol
from billing.exports.documents import file_stem
from billing.models import Adjustment, Invoice, InvoiceLine, MemberTerm, TimeEntry, UsageEntry
from core.models import AuditEvent
from governance.models import GovernanceRecord
from intake.models import Idea, IdeaComment, IdeaParticipant
from orders.models import Order, OrderComment
from robots.models import Deployment, Job
from robots.monitoring.models import Alert
from tenants.models import ApiToken, Domain, Invitation, KeyFigure, Membership, Organisation
from tenants.services import office

CHUNK = 1024 * 1024
FORMAT_VERSION = 1

# Never exported: the secrets themselves (a credential's metadata is), and token hashes.
SECRET_COLUMNS = {
    "credentials_credential": {
        "password_token",
        "api_key_token",
        "certificate_token",
        "certificate_password_token",
    },
}
PUBLIC_EXCLUDED = {"token_hash", "key_hash", "password"}

# The folders under MEDIA_ROOT that hold a member's files, per schema.
MEDIA_FOLDERS = ("workitems", "artifacts")


def media_folders(schema_name: str) -> list[Path]:
    return [Path(settings.MEDIA_ROOT) / folder / schema_name for folder in MEDIA_FOLDERS]


def public_tables(organisation: Organisation) -> dict[str, object]:
    """Name in the archive → queryset of the rows about the member in ``public``."""
    org = organisation
    return {
        "organisation": Organisation.objects.filter(pk=org.pk),
        "domains": Domain.objects.filter(tenant=org),
        "member_term": MemberTerm.objects.filter(organisation=org),
        "key_figures": KeyFigure.objects.filter(organisation=org),
        "memberships": Membership.objects.filter(organisation=org),
        "invitations": Invitation.objects.filter(organisation=org),
        "api_tokens": ApiToken.objects.filter(organisation=org),
        "orders": Order.objects.filter(organisation=org),
        "order_comments": OrderComment.objects.filter(order__organisation=org),
        "ideas": Idea.objects.filter(organisation=org),
        "idea_participants": IdeaParticipant.objects.filter(organisation=org),
        "idea_comments": IdeaComment.objects.filter(idea__organisation=org),
        "governance_records": GovernanceRecord.objects.filter(organisation=org),
        "deployments": Deployment.objects.filter(organisation=org),
        "jobs": Job.objects.filter(organisation=org),
        "alerts": Alert.objects.filter(organisation=org),
        "usage_ledger": UsageEntry.objects.filter(organisation=org),
        "time_entries": TimeEntry.objects.filter(organisation=org),
        "adjustments": Adjustment.objects.filter(organisation=org),
        "invoices": Invoice.objects.filter(organisation=org),
        "invoice_lines": InvoiceLine.objects.filter(invoice__organisation=org),
        "audit_events": AuditEvent.objects.filter(organisation=org),
    }


def public_columns(queryset) -> list[str]:
    return [
        f.column
        for f in queryset.model._meta.concrete_fields
        if f.column not in PUBLIC_EXCLUDED and not f.generated
    ]


def schema_tables(schema_name: str) -> dict[str, list[str]]:
    """Every table of the member's schema → its columns (secrets left out), in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
            [schema_name],
        )
        tables: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            if column not in SECRET_COLUMNS.get(table, ()):
                tables.setdefault(table, []).append(column)
    return tables


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Entry:
    """One file of the archive as the manifest describes it."""

    name: str
    kind: str
    sha256: str
    bytes: int
    columns: list[str] | None = None
    rows: int | None = None
    source: str = ""

    def manifest(self) -> dict:
        described = {"file": self.name, "kind": self.kind, "bytes": self.bytes}
        if self.columns is not None:
            described |= {"columns": self.columns, "rows": self.rows}
        if self.source:
            described["source"] = self.source
        return described | {"sha256": self.sha256}


@dataclass
class Writer:
    """A zip being written entry by entry, each hashed as it streams."""

    archive: zipfile.ZipFile
    entries: list[Entry] = field(default_factory=list)

    def stream(self, name: str, chunks: Iterator[bytes], **described) -> Entry:
        digest, size = hashlib.sha256(), 0
        with self.archive.open(name, "w", force_zip64=True) as target:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
        entry = Entry(name=name, sha256=digest.hexdigest(), bytes=size, **described)
        self.entries.append(entry)
        return entry

    def copy_csv(self, name: str, select_sql: str, columns: list[str], source: str) -> Entry:
        """``COPY (select) TO STDOUT`` as CSV with a header, read chunk by chunk."""
        rows = {}

        def chunks():
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                    yield from copy
                rows["count"] = raw.rowcount

        entry = self.stream(name, chunks(), kind="table", columns=columns, source=source)
        entry.rows = rows["count"]
        return entry


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def steps(organisation: Organisation) -> list[tuple[str, Callable[[Writer], None]]]:
    """What the archive is built of, in order: (what it says while doing it, how)."""
    schema = organisation.schema_name
    work: list[tuple[str, Callable[[Writer], None]]] = []
    for table, columns in schema_tables(schema).items():
        select = "SELECT {} FROM {}.{} ORDER BY 1".format(
            ", ".join(_quoted(c) for c in columns), _quoted(schema), _quoted(table)
        )

        def write(writer, table=table, select=select, columns=columns):
            writer.copy_csv(f"schema/{table}.csv", select, columns, f"{schema}.{table}")

        work.append((f"schema/{table}", write))
    for name, queryset in public_tables(organisation).items():
        columns = public_columns(queryset)
        sql, params = queryset.order_by("pk").values_list(*columns).query.sql_with_params()
        select = connection.ops.compose_sql(sql, params)

        def write(writer, name=name, select=select, columns=columns, table=queryset.model):
            writer.copy_csv(f"public/{name}.csv", select, columns, f"public.{table._meta.db_table}")

        work.append((f"public/{name}", write))
    work.append(("documents", lambda writer: _documents(writer, organisation)))
    work.append(("files", lambda writer: _files(writer, schema)))
    return work


def _documents(writer: Writer, organisation: Organisation) -> None:
    """Each numbered invoice and credit note as PDF and as Peppol UBL XML."""
    invoices = Invoice.objects.filter(organisation=organisation, number__isnull=False).order_by(
        "number"
    )
    supplier = office() if invoices.exists() else None
    for invoice in invoices.select_related("organisation", "period", "credits__period"):
        for render, suffix in ((pdf.document, "pdf"), (peppol.document, "xml")):
            writer.stream(
                f"documents/invoices/{file_stem(invoice)}.{suffix}",
                iter([render(invoice, office=supplier)]),
                kind="document",
            )


def _files(writer: Writer, schema_name: str) -> None:
    media = Path(settings.MEDIA_ROOT)
    for folder in media_folders(schema_name):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(media).as_posix()
            writer.stream(f"files/{relative}", _file_chunks(path), kind="file")


def write_archive(
    organisation: Organisation, target: Path, progress: Callable[[int, str], None]
) -> list[Entry]:
    """Write the member's archive to ``target`` (a temporary file); ``progress(percent,
    what)`` is called before each step. Returns what the manifest lists."""
    work = steps(organisation)
    # Level 1: most of the size win of deflate at a fraction of its time (bench/member_export).
    with zipfile.ZipFile(
        target, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
    ) as archive:
        writer = Writer(archive)
        for number, (what, write) in enumerate(work):
            progress(5 + 90 * number // len(work), what)
            write(writer)
        manifest = {
            "format": "robotkontor-member-export",
            "version": FORMAT_VERSION,
            "organisation": {
                "name": organisation.name,
                "cvr": organisation.cvr,
                "slug": organisation.slug,
                "schema": organisation.schema_name,
            },
            "created_at": timezone.now().isoformat(),
            "csv": "UTF-8, comma-separated, a header row, quoted as RFC 4180 (PostgreSQL COPY)",
            "files": [entry.manifest() for entry in writer.entries],
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    with target.open("rb") as written:
        os.fsync(written.fileno())
    return writer.entries


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()
