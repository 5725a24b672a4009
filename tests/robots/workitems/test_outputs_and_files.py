"""What robots made from an item — its files, its output items and theirs — is shown to the
member's staff on the item's page and in the member API, every file downloadable."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from robots.workitems import services
from robots.workitems.models import WorkItem, WorkItemFile
from tenants import services as tenant_services
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(aarhus):
    """An item a robot worked: a file on the item, two outputs, one with a file."""
    with schema_context(aarhus.schema_name):
        queue = services.create_queue(name="Lejetilbud")
        item = services.add_item(queue, reference="LT-1", payload={"sag": "1"})
        services.reserve_next(queue)
        services.attach_file(item, name="ansøgning.pdf", content=b"%PDF ansoegning")
        letter = services.create_output(item, {"brev": "sendt"})
        services.attach_file(letter, name="brev.txt", content=b"Kvittering for sag 1")
        services.create_output(item, {"journal": "J-77"})
        item = services.release(item, outcome=WorkItem.Status.DONE)
        return item


def test_the_item_page_shows_files_and_output_items_with_downloads(
    aarhus, odense, worked, staff, odense_staff, site_client
):
    browser = site_client(aarhus, staff)
    page = browser.get(f"/queues/items/{worked.pk}/").content.decode()
    assert 'data-testid="item-files"' in page and "ansøgning.pdf" in page
    assert 'data-testid="item-outputs"' in page
    # The output item reads as JSON (the form's own format), never as a Python repr.
    assert "&quot;brev&quot;: &quot;sendt&quot;" in page and "J-77" in page
    with schema_context(aarhus.schema_name):
        files = {f.name: f for f in services_files(worked)}
    for name, content in (
        ("ansøgning.pdf", b"%PDF ansoegning"),
        ("brev.txt", b"Kvittering for sag 1"),
    ):
        link = f"/queues/items/{worked.pk}/files/{files[name].pk}/"
        assert link in page
        download = browser.get(link)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == content
    # Another member's staff get nothing, and a file is only reached through its own item.
    other = site_client(odense, odense_staff)
    assert other.get(f"/queues/items/{worked.pk}/").status_code == 404
    assert other.get(f"/queues/items/{worked.pk}/files/{files['brev.txt'].pk}/").status_code == 404
    with schema_context(aarhus.schema_name):
        stranger = services.add_item(worked.queue, reference="LT-2", payload={})
    assert (
        browser.get(f"/queues/items/{stranger.pk}/files/{files['brev.txt'].pk}/").status_code == 404
    )


def services_files(item):
    return WorkItemFile.objects.filter(item=item) | WorkItemFile.objects.filter(output__parent=item)


def test_the_member_api_carries_files_and_output_items(aarhus, worked, staff):
    _token, key = tenant_services.issue_api_token(user=staff, organisation=aarhus, name="test")
    api = Client(HTTP_HOST=host_of(aarhus), HTTP_AUTHORIZATION=f"Bearer {key}")
    body = api.get(f"/api/v1/work-items/{worked.pk}/").json()
    assert [f["name"] for f in body["files"]] == ["ansøgning.pdf"]
    assert [(o["payload"], [f["name"] for f in o["files"]]) for o in body["outputs"]] == [
        ({"brev": "sendt"}, ["brev.txt"]),
        ({"journal": "J-77"}, []),
    ]
    letter = body["outputs"][0]["files"][0]
    assert letter["size"] == len(b"Kvittering for sag 1")
    download = api.get(letter["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Kvittering for sag 1"
