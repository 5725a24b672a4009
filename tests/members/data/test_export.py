"""A member's export: one zip of its schema and what public holds about it, described by a
manifest whose checksums and row counts match the files; never a secret; written whole or
not at all."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import schema_context

from core.models import AuditEvent
from members.data import services as data
from members.models import MemberExport
from robots.workitems.services import items, queues
from tests.members.data.conftest import SECRET

pytestmark = pytest.mark.django_db


def export_now(leaver, actor=None, site=None) -> MemberExport:
    export = data.request_export(
        actor=actor or leaver.admin,
        site=site or leaver.organisation,
        organisation=leaver.organisation,
    )
    return data.build_export(export.pk)


def rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


def test_the_archive_holds_every_table_and_the_manifest_describes_each_file(leaver):
    export = export_now(leaver)

    assert export.status == MemberExport.Status.READY and export.progress == 100
    path = data.export_path(export)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == export.sha256
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        described = {entry["file"]: entry for entry in manifest["files"]}
        assert set(described) == set(archive.namelist()) - {"manifest.json"}
        for name, entry in described.items():
            content = archive.read(name)
            assert hashlib.sha256(content).hexdigest() == entry["sha256"]
            assert len(content) == entry["bytes"]
            if entry["kind"] == "table":
                table = list(csv.reader(io.StringIO(content.decode())))
                assert table[0] == entry["columns"]
                assert len(table) - 1 == entry["rows"]
        items = rows(archive, "schema/workitems_workitem.csv")
        assert sorted(item["reference"] for item in items) == ["S-1", "S-2", "S-3"]
        assert '"cpr": "010101-1234"' in items[0]["payload"]
        assert described["schema/workitems_workitemevent.csv"]["rows"] >= 3
        assert rows(archive, "schema/runlogs_joblogline.csv")[0]["text"] == "Behandler sag S-1"
        assert rows(archive, "public/jobs.csv")[0]["organisation_id"] == str(leaver.organisation.pk)
        assert rows(archive, "public/usage_ledger.csv")
        invoice = rows(archive, "public/invoices.csv")[0]
        stem = f"documents/invoices/faktura-{invoice['number']}"
        assert archive.read(f"{stem}.pdf")[:4] == b"%PDF"
        assert b"<Invoice" in archive.read(f"{stem}.xml")
        files = [name for name in archive.namelist() if name.startswith("files/workitems/")]
        assert len(files) == 1 and archive.read(files[0]) == b"%PDF-svar"
        assert manifest["organisation"]["cvr"] == leaver.organisation.cvr


def test_credentials_are_exported_as_metadata_never_their_secrets(leaver):
    export = export_now(leaver)

    with zipfile.ZipFile(data.export_path(export)) as archive:
        credential = rows(archive, "schema/credentials_credential.csv")[0]
        assert credential["name"] == "Fagsystem" and credential["username"] == "robot@bolig.dk"
        assert not any(column.endswith("_token") for column in credential)
        for name, hashed in (("api_tokens", "key_hash"), ("invitations", "token_hash")):
            header = archive.read(f"public/{name}.csv").decode().splitlines()[0]
            assert hashed not in header.split(",")
        for name in archive.namelist():
            assert SECRET.encode() not in archive.read(name)


def test_creation_and_download_are_audited(leaver):
    export = export_now(leaver)
    data.record_download(export=export, actor=leaver.admin)

    export.refresh_from_db()
    assert export.first_downloaded_at is not None and export.downloads == 1
    actions = list(
        AuditEvent.objects.filter(organisation=leaver.organisation, action__startswith="members.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "members.export_requested",
        "members.export_created",
        "members.export_downloaded",
    ]


def test_a_worker_stopped_mid_export_leaves_no_archive_and_a_new_request_finishes(leaver):
    export = data.request_export(
        actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
    )

    def stop_halfway(percent, _what):
        if percent > 50:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        data.build_export(export.pk, progress=stop_halfway)

    export.refresh_from_db()
    assert export.status == MemberExport.Status.FAILED and not export.sha256
    folder = data.export_root() / str(leaver.organisation.pk)
    assert list(folder.iterdir()) == []

    again = export_now(leaver)
    assert again.pk != export.pk and again.status == MemberExport.Status.READY
    assert [path.name for path in folder.iterdir()] == [again.file_name.split("/")[-1]]


def test_a_stale_partial_file_is_replaced_and_a_ready_export_is_not_built_again(leaver):
    export = data.request_export(
        actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
    )
    folder = data.export_root() / str(leaver.organisation.pk)
    folder.mkdir(parents=True)
    (folder / f".export-{export.pk}-dead.partial").write_bytes(b"PK half")

    built = data.build_export(export.pk)
    assert [path.suffix for path in folder.iterdir()] == [".zip"]
    assert data.build_export(export.pk).sha256 == built.sha256
    assert len(list(folder.iterdir())) == 1


def test_only_administrators_of_the_member_or_the_office_may_export(
    leaver, aarhus, make_user, office_admin, office
):
    with pytest.raises(PermissionDenied):
        data.request_export(
            actor=leaver.staff, site=leaver.organisation, organisation=leaver.organisation
        )
    other_admin = make_user("admin@aarhus.dk", aarhus, "member_admin")
    with pytest.raises(PermissionDenied):
        data.request_export(actor=other_admin, site=aarhus, organisation=leaver.organisation)
    assert not MemberExport.objects.exists()
    export = data.request_export(actor=office_admin, site=office, organisation=leaver.organisation)
    assert export.organisation == leaver.organisation


def test_the_export_reads_only_this_members_schema(leaver, aarhus):
    with schema_context(aarhus.schema_name):
        items.add_item(queues.create_queue(name="Aarhus-sager"), reference="AARHUS-1")
    export = export_now(leaver)
    with zipfile.ZipFile(data.export_path(export)) as archive:
        assert "AARHUS-1" not in archive.read("schema/workitems_workitem.csv").decode()
        assert {row["organisation_id"] for row in rows(archive, "public/deployments.csv")} == {
            str(leaver.organisation.pk)
        }
