"""A run's artifacts: the files its robot wrote to its output folder, uploaded by the runner
(size-limited, in the member's schema and its media folder), shown and downloadable on the
job page and in the API."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from robots.agent import artifact_files
from robots.models import Job
from robots.runlogs.models import JobArtifact
from robots.services import jobs
from tenants.services import site_host

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(office, aarhus, make_deployment, make_runner):
    """A job claimed through the runner API, the runner's client and the claim."""
    deployment = make_deployment(aarhus)
    jobs.enqueue(deployment=deployment, trigger=Job.Trigger.MANUAL)
    _runner, token = make_runner()
    client = Client(
        HTTP_HOST=site_host(office),
        HTTP_AUTHORIZATION=f"Runner {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    spec = client.post("/api/v1/runner/claim/").json()
    return Job.objects.get(pk=spec["id"]), client, spec


def upload(client, spec, name, content: bytes):
    return client.post(
        spec["artifacts"]["url"],
        {"name": name, "file": SimpleUploadedFile("x", content)},
    )


def test_the_runner_uploads_artifacts_kept_in_the_members_schema_and_media(aarhus, running):
    job, client, spec = running
    assert spec["artifacts"]["max_bytes"] == 20 * 1024 * 1024
    response = upload(client, spec, "log.html", b"<html>robocorp</html>")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "log.html"
    assert upload(client, spec, "kvitteringer/sag-1.txt", b"Kvittering").status_code == 201
    # The same name again replaces the earlier copy (a retried request).
    assert upload(client, spec, "log.html", b"<html>robocorp 2</html>").status_code == 201
    with schema_context(aarhus.schema_name):
        kept = {a.name: a for a in JobArtifact.objects.filter(job_id=job.pk)}
        assert set(kept) == {"log.html", "kvitteringer/sag-1.txt"}
        assert kept["log.html"].file.read() == b"<html>robocorp 2</html>"
        assert kept["log.html"].file.name.startswith(
            f"artifacts/{aarhus.schema_name}/job-{job.pk}/"
        )


def test_artifacts_over_the_limits_or_outside_the_folder_are_refused(running, settings):
    _job, client, spec = running
    settings.ROBOTS_ARTIFACT_MAX_BYTES = 10
    response = upload(client, spec, "stor.bin", b"x" * 11)
    assert response.status_code == 400
    assert "an artifact may be at most 10" in response.json()["error"]["fields"]["file"][0]
    assert upload(client, spec, "../udenfor.txt", b"x").status_code == 400
    settings.ROBOTS_ARTIFACT_MAX_BYTES = 1000
    settings.ROBOTS_ARTIFACTS_MAX_FILES = 1
    assert upload(client, spec, "a.txt", b"x").status_code == 201
    assert upload(client, spec, "b.txt", b"x").status_code == 400
    settings.ROBOTS_ARTIFACTS_MAX_FILES = 10
    settings.ROBOTS_ARTIFACTS_MAX_BYTES = 5
    assert upload(client, spec, "c.txt", b"x" * 5).status_code == 400


def test_only_the_running_claim_uploads(office, running, make_runner):
    job, client, spec = running
    _other, token = make_runner()
    stranger = Client(HTTP_HOST=site_host(office), HTTP_AUTHORIZATION=f"Runner {token}")
    assert upload(stranger, spec, "log.html", b"x").status_code == 404
    client.post(
        f"/api/v1/runner/jobs/{job.pk}/complete/",
        {"succeeded": True, "token": spec["token"]},
        "application/json",
    )
    assert upload(client, spec, "log.html", b"x").status_code == 409


def test_artifacts_are_shown_and_downloadable_on_the_job_page_and_in_the_api(
    office, aarhus, odense, running, site_client, process_owner, operator, make_user
):
    job, client, spec = running
    upload(client, spec, "log.html", b"<html>robocorp</html>")
    with schema_context(aarhus.schema_name):
        artifact = JobArtifact.objects.get(job_id=job.pk)

    for site, user in ((aarhus, process_owner), (office, operator)):
        browser = site_client(site, user)
        page = browser.get(f"/jobs/{job.pk}/").content.decode()
        link = f"/jobs/{job.pk}/artifacts/{artifact.pk}/"
        assert 'data-testid="job-artifacts"' in page and link in page and "log.html" in page
        download = browser.get(link)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"<html>robocorp</html>"
        assert 'filename="log.html"' in download["Content-Disposition"]

        detail = browser.get(f"/api/v1/jobs/{job.pk}/").json()
        assert [(a["name"], a["size"]) for a in detail["artifacts"]] == [("log.html", 21)]
        api_download = browser.get(detail["artifacts"][0]["url"])
        assert b"".join(api_download.streaming_content) == b"<html>robocorp</html>"

    # Another member sees neither the run nor its artifacts.
    other = site_client(odense, make_user("procesejer@odense.dk", odense, "process_owner"))
    assert other.get(f"/jobs/{job.pk}/artifacts/{artifact.pk}/").status_code == 404
    assert other.get(f"/api/v1/jobs/{job.pk}/").status_code == 404


def test_the_agent_finds_the_output_files_once_each(tmp_path: Path):
    output, package_output = tmp_path / "output", tmp_path / "robot" / "output"
    (output / "sager").mkdir(parents=True)
    package_output.mkdir(parents=True)
    (output / "log.html").write_text("robocorp")
    (output / "sager" / "1.txt").write_text("sag")
    (package_output / "log.html").write_text("not this one")
    (package_output / "report.html").write_text("robot framework")
    (output / "link").symlink_to(tmp_path / "robot" / "output" / "report.html")
    found = artifact_files(output, package_output)
    assert [(name, path.read_text()) for name, path in found] == [
        ("log.html", "robocorp"),
        ("report.html", "robot framework"),
        ("sager/1.txt", "sag"),
    ]
