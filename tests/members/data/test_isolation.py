"""Erasing one member touches nothing of any other: every other member's schema (each
table's rows), its files and its rows in ``public`` are byte-for-byte what they were."""

import hashlib

import pytest
from django.db import connection

from members.data import services as data
from robots.models import Job
from tests.members.data.conftest import close_march, fill_schema, make_leaver

pytestmark = pytest.mark.django_db

# Rows of public that name the erased member or its people, by column: left out of the
# comparison (they are what the erasure may change). Tables of the erasure's own records
# (members_*) are left out whole.
NAMING_COLUMNS = {"organisation_id", "tenant_id", "user_id", "recipient_id"}


def table_checksums(schema: str, *, skip_where: dict[str, str] | None = None) -> dict:
    """Each table's rows, as text, sorted, hashed; ``skip_where`` maps a table to an SQL
    condition of the rows to leave out."""
    sums = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY 1",
            [schema],
        )
        for (table,) in cursor.fetchall():
            if table.startswith("members_"):
                continue
            condition = (skip_where or {}).get(table, "false")
            cursor.execute(
                "SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), ''))"
                f' FROM "{schema}"."{table}" t WHERE NOT ({condition})'
            )
            sums[table] = cursor.fetchone()
    return sums


def public_skips(organisation_id: int, user_ids: list[int]) -> dict[str, str]:
    users = ",".join(map(str, user_ids)) or "NULL"
    skips = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        )
        for table, column in cursor.fetchall():
            if column not in NAMING_COLUMNS:
                continue
            value = str(organisation_id) if column in ("organisation_id", "tenant_id") else None
            condition = f"t.{column} = {value}" if value else f"t.{column} IN ({users})"
            skips[table] = f"{skips[table]} OR {condition}" if table in skips else condition
    skips["tenants_organisation"] = f"t.id = {organisation_id}"
    skips["tenants_user"] = f"t.id IN ({users})"
    return skips


def file_checksums(media, erased_schema: str) -> dict[str, str]:
    return {
        path.relative_to(media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media.rglob("*"))
        if path.is_file() and erased_schema not in path.parts
    }


def test_erasing_one_member_leaves_every_other_member_byte_for_byte(
    aarhus, odense, office, office_admin, make_user, orderable, operator, rate_card, settings
):
    leaver = make_leaver(make_user, orderable, operator)
    # Another member that left too (same month, same kind of data), and the two standing.
    others = [make_leaver(make_user, orderable, operator, slug="fsb", cvr="29189900")]
    for member in (aarhus, odense):
        admin = make_user(f"admin@{member.slug}.dk", member, "member_admin")
        fill_schema(member, None, Job.objects.get(organisation=leaver.organisation), admin)
    close_march()
    export = data.build_export(
        data.request_export(
            actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
        ).pk
    )
    data.record_download(export=export, actor=leaver.admin)
    erased_users = [leaver.admin.pk, leaver.staff.pk]
    schemas = [aarhus.schema_name, odense.schema_name, others[0].organisation.schema_name]
    skips = public_skips(leaver.organisation.pk, erased_users)
    media = settings.MEDIA_ROOT

    before = {schema: table_checksums(schema) for schema in schemas}
    public_before = table_checksums("public", skip_where=skips)
    files_before = file_checksums(media, leaver.organisation.schema_name)
    assert all(before[schema]["workitems_workitem"][0] == 3 for schema in schemas)
    assert len(files_before) == 3

    receipt = data.start_erasure(
        actor=office_admin, site=office, organisation=leaver.organisation, confirm="bolig"
    )
    data.erase(receipt.pk)

    assert {schema: table_checksums(schema) for schema in schemas} == before
    assert table_checksums("public", skip_where=skips) == public_before
    assert file_checksums(media, leaver.organisation.schema_name) == files_before
    assert table_checksums(leaver.organisation.schema_name)["workitems_workitem"][0] == 0
