"""A process building an export killed with SIGKILL halfway leaves no archive that looks
complete (only its temporary file, and an export that is not ready); running the export's
task again removes the temporary file and finishes the archive."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.member_export import fill
from members.data import services as data
from members.models import MemberExport
from tests.conftest import database_url

pytestmark = [pytest.mark.process, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]


def test_a_killed_export_leaves_no_archive_and_a_rerun_finishes(leaver, settings, tmp_path):
    settings.MEMBER_EXPORT_ROOT = tmp_path / "exports"
    fill(leaver.organisation.schema_name, 100_000)
    export = data.request_export(
        actor=leaver.admin, site=leaver.organisation, organisation=leaver.organisation
    )
    folder = settings.MEMBER_EXPORT_ROOT / str(leaver.organisation.pk)
    process = subprocess.Popen(
        [
            *(sys.executable, "manage.py", "shell", "-c"),
            f"from members.data import services; services.build_export({export.pk})",
        ],
        cwd=ROOT,
        env=os.environ
        | {"DATABASE_URL": database_url(), "MEMBER_EXPORT_ROOT": str(settings.MEMBER_EXPORT_ROOT)},
    )
    deadline = time.monotonic() + 60
    while not list(folder.glob(".export-*.partial")) or (
        MemberExport.objects.get(pk=export.pk).progress < 20
    ):
        assert process.poll() is None, "the export finished before it could be killed"
        assert time.monotonic() < deadline, "the export never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()

    export.refresh_from_db()
    assert export.status == MemberExport.Status.RUNNING and not export.sha256
    assert not list(folder.glob("*.zip")) and list(folder.glob(".export-*.partial"))

    done = data.build_export(export.pk)
    assert done.status == MemberExport.Status.READY
    assert [path.name for path in folder.iterdir()] == [Path(done.file_name).name]
    assert done.summary["schema/workitems_workitem.csv"] == 100_003
