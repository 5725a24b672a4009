"""Every page, as every role of the demo partnership, with identifiers above 10000.

The crawl signs in as each demo login, starts at the site's front page and follows every
link and GET form a page shows (each kind of URL a few times), and fails on:

- a link that does not answer (403, 404, 500: a page must not offer what it refuses);
- an identifier or number printed through localisation where software reads it back: in a
  link, a form's action, a form value or a data attribute ("47.200" is not an id);
- a static file (stylesheet, script, icon) that is not there;
- a status in a list (a cell with ``data-status``) not shown as the shared badge
  (``{% status_badge %}``: colour and text);
- what a reader sees (text and the title, aria-label, placeholder, alt and data-confirm
  attributes) that is not Danish: a word of the English UI or of stored values
  (``ENGLISH_WORDS``: "Trigger", "municipality", "ended", "None", ...), an audit event's
  code ("governance.record.created"), a Python repr ({'…': …}, datetime(…)) or an id shown
  as a number ("#47.201"). The pages show stored values through ``core.display``.

The sequences of ``public`` and of the template schema the members are cloned from are
moved past 10000 first, so every id the demo makes has five digits.
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import demo as billing_demo
from catalog import demo as catalog_demo
from intake import demo as intake_demo
from members.lifecycle import demo as members_demo
from orders import demo as orders_demo
from robots.models import Deployment, Job
from robots.workitems import demo as workitems_demo
from robots.workitems import services as workitems
from robots.workitems.models import WorkItem
from tenants import demo as tenants_demo
from tenants import schemas, services
from tenants.models import Membership, Organisation, Role

pytestmark = pytest.mark.django_db

FIRST_ID = 47_200
# The demo (manage.py load_demo) but for its half year of run history and closed months,
# which take most of its time and add no page of their own.
DEMO_PARTS = [
    tenants_demo,
    catalog_demo,
    orders_demo,
    intake_demo,
    workitems_demo,
    billing_demo,
    members_demo,
]
# Each kind of URL (digits replaced, the query's keys kept) is visited this many times.
VISITS_PER_KIND = 1
# Not followed: files, the language switch, sign-out, the JSON API and downloads that render
# a PDF (WeasyPrint takes a second a page; their views have tests of their own).
NOT_FOLLOWED = ("/static/", "/i18n/", "/accounts/logout/", "/api/v1/", "/api/schema/")
SLOW_DOWNLOAD = re.compile(r"pdf|report", re.IGNORECASE)
# A number with a thousands separator: a dot or comma between digits, then exactly 3 digits.
GROUPED = re.compile(r"\d[.,\u00a0]\d{3}(?!\d)")
# An amount in a money field, shown as typed ("160.000,00"): billing.forms.KronerField reads
# it back the Danish way, so it is no identifier.
DANISH_AMOUNT = re.compile(r"-?\d{1,3}(\.\d{3})*,\d+")
# Words of the English UI, of stored codes and of Python that no Danish page shows (the
# demo's content is Danish; a robot's English summary is shown as such, so words common in
# prose are left out).
ENGLISH_WORDS = re.split(
    r"\s+",
    """
    ended exit code Trigger municipality housing created updated deleted pending running
    failed succeeded cancelled rejected draft active inactive Save Cancel Delete
    Edit Search Filter Next Previous Download Submit Resubmit Payload None True False null
    true false error warning invoice queued Welcome Sign Settings Back
""".strip(),
)
ENGLISH = re.compile(r"(?<![\w.@/-])(" + "|".join(map(re.escape, ENGLISH_WORDS)) + r")(?![\w@/-])")
# An audit event's code ("governance.record.created") instead of its title.
EVENT_CODE = re.compile(r"\b[a-z]+\.[a-z_]+\.[a-z_]+\b(?!\.[a-z])")
# An identifier shown as a number ("Kørsel #47.201"): ids are plain digits ("#47201").
GROUPED_ID = re.compile(r"#\d{1,3}[.,\u00a0]\d{3}(?!\d)")
# Python's way of printing a dict, a list of tuples, a date or nothing.
PYTHON_REPR = re.compile(r"\{'[^']*': |\[\('|\bdatetime\.?\w*\(|\bDecimal\(|\bUUID\(")
# Text a reader sees or hears: everything outside these elements, and these attributes.
HIDDEN_TEXT = ("script", "style", "textarea", "pre")
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-confirm")
# Attributes software reads back: a grouped number in them is a bug.
MACHINE_ATTRIBUTES = ("href", "action", "value", "src", "for", "id", "name", "hx-get", "hx-post")
# Data attributes that hold text for people (the confirmation dialog's consequence), where
# Danish numbers and amounts belong.
HUMAN_DATA_ATTRIBUTES = ("data-confirm",)


class Page(HTMLParser):
    """The links, GET forms, static files and machine-read attributes of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.static: list[str] = []
        self.machine_values: list[tuple[str, str, str]] = []
        self._get_form: tuple[str, list[tuple[str, str]]] | None = None
        self.get_forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.text: list[str] = []
        self._hidden = 0
        self.bare_statuses: list[str] = []
        self._status_cell: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in HIDDEN_TEXT:
            self._hidden += 1
        if tag == "td":
            self._status_cell.append(attributes.get("data-status"))
        badge = tag == "span" and "rk-status" in (attributes.get("class") or "").split()
        if badge and self._status_cell:
            self._status_cell[-1] = None
        for name in READ_ATTRIBUTES:
            if attributes.get(name):
                self.text.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.text.append(attributes.get("value") or "")
        for name, value in attrs:
            if value and (
                name in MACHINE_ATTRIBUTES
                or (name.startswith("data-") and name not in HUMAN_DATA_ATTRIBUTES)
            ):
                self.machine_values.append((tag, name, value))
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag in ("link", "script", "img") and (attributes.get("href") or attributes.get("src")):
            url = attributes.get("href") or attributes.get("src")
            if url.startswith(settings.STATIC_URL):
                self.static.append(url)
        if tag == "form" and (attributes.get("method") or "get").lower() == "get":
            self._get_form = (attributes.get("action") or "", [])
        if tag in ("input", "select") and self._get_form is not None:
            kind = attributes.get("type", "text")
            if attributes.get("name") and kind not in ("checkbox", "radio", "submit"):
                self._get_form[1].append((attributes["name"], attributes.get("value") or ""))

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data.strip())

    def handle_endtag(self, tag):
        if tag in HIDDEN_TEXT:
            self._hidden = max(self._hidden - 1, 0)
        if tag == "td" and self._status_cell:
            status = self._status_cell.pop()
            if status:
                self.bare_statuses.append(status)
        if tag == "form" and self._get_form is not None:
            self.get_forms.append(self._get_form)
            self._get_form = None


def kind_of(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def identifiers_localised(page: Page) -> list[str]:
    return [
        f"<{tag} {name}={value!r}>"
        for tag, name, value in page.machine_values
        if GROUPED.search(value)
        and not value.startswith(("mailto:", "tel:"))
        and not (name == "value" and DANISH_AMOUNT.fullmatch(value))
    ]


def not_danish(page: Page) -> list[str]:
    """English words, audit event codes, Python reprs and grouped ids in what the reader
    sees."""
    found = []
    for text in page.text:
        patterns = (ENGLISH, PYTHON_REPR, EVENT_CODE, GROUPED_ID)
        if any(pattern.search(text) for pattern in patterns):
            found.append(text[:120])
    return found


def crawl(client: Client, host: str, label: str, problems: list[str]) -> int:
    """Visit what the site shows this user; return how many pages were read."""
    queue = deque([("/", "(start)")])
    seen: set[str] = {"/"}
    kinds: dict[str, int] = {}
    static_checked: set[str] = set()
    pages = 0
    while queue:
        url, found_on = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302):
            target = urljoin(url, response["Location"])
            if urlsplit(target).path.startswith("/accounts/login/"):
                problems.append(f"{label}: {url} (linked from {found_on}) asks to sign in")
            continue
        if response.status_code != 200:
            problems.append(
                f"{label}: {url} (linked from {found_on}) answers {response.status_code}"
            )
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        page = Page()
        page.feed(response.content.decode())
        problems.extend(f"{label}: {url} prints {shown}" for shown in identifiers_localised(page))
        problems.extend(f"{label}: {url} shows {shown!r}" for shown in not_danish(page))
        problems.extend(
            f"{label}: {url} shows the status {status!r} without its badge"
            for status in set(page.bare_statuses)
        )
        for static_url in set(page.static) - static_checked:
            static_checked.add(static_url)
            if not finders.find(urlsplit(static_url).path.removeprefix(settings.STATIC_URL)):
                problems.append(f"{label}: {url} loads {static_url}, which is not there")
        targets = list(page.links)
        for action, fields in page.get_forms:
            targets.append(f"{action or url.split('?')[0]}?{urlencode(fields)}")
        for target in targets:
            absolute = urljoin(f"http://{host}{url}", target)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen or parts.path.startswith(NOT_FOLLOWED):
                continue
            if SLOW_DOWNLOAD.search(parts.path):
                continue
            kind = kind_of(local)
            if kinds.get(kind, 0) >= VISITS_PER_KIND:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            seen.add(local)
            queue.append((local, url))
    return pages


def move_sequences_past(first_id: int, schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s", [schema])
        for (name,) in cursor.fetchall():
            cursor.execute("SELECT setval(%s, %s)", [f'"{schema}"."{name}"', first_id])


@pytest.fixture
def demo_with_large_ids(without_standard_schemas, monkeypatch):
    """The demo partnership, every id in it from 47200 up (in public and in each member's
    schema, moved on as it is cloned)."""
    clone = schemas.clone_template

    def clone_with_large_ids(schema_name):
        clone(schema_name)
        move_sequences_past(FIRST_ID, schema_name)

    monkeypatch.setattr(schemas, "clone_template", clone_with_large_ids)
    move_sequences_past(FIRST_ID, "public")
    for part in DEMO_PARTS:
        part.load()
    # A run that failed as the runner agent reports it (its message stored in English), with
    # parameters, so its pages show a stored message and parameter titles.
    deployment = Deployment.objects.filter(organisation__slug="aarhus").first()
    Job.objects.create(
        deployment=deployment,
        organisation=deployment.organisation,
        trigger=Job.Trigger.MANUAL,
        status=Job.Status.FAILED,
        parameters=dict(deployment.parameters),
        message="The robot ended with exit code 1.",
        exit_code=1,
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    # Cases for manual handling, so that page shows its checkboxes and bulk actions.
    for slug in ("aab", "aarhus"):
        with schema_context(Organisation.objects.get(slug=slug).schema_name):
            queue = workitems.create_queue(name="Sager til manuel behandling")
            for number in range(3):
                workitems.add_item(queue, reference=f"M-{number}", payload={"nr": number})
                item = workitems.reserve_next(queue)
                workitems.release(
                    item, outcome=WorkItem.Status.BUSINESS_EXCEPTION, message="Mangler svar"
                )


def test_every_page_as_every_role_answers_with_ids_as_plain_digits(demo_with_large_ids):
    for slug in ("aab", "aarhus"):
        with schema_context(Organisation.objects.get(slug=slug).schema_name):
            assert WorkItem.objects.filter(pk__gt=FIRST_ID).count() >= 3

    logins = (
        Membership.objects.select_related("user", "organisation")
        .filter(user__email__contains="@")
        .order_by("organisation__slug", "role", "user__email")
    )
    one_per_role = {(m.organisation_id, m.role): m for m in logins}
    # The office and one member of each kind: the other members' pages are the same pages.
    demo_sites = {"aarhus", "aab"}
    problems: list[str] = []
    read = 0
    for membership in one_per_role.values():
        organisation = membership.organisation
        if not (organisation.is_office or organisation.slug in demo_sites):
            continue
        host = services.site_host(organisation)
        client = Client(HTTP_HOST=host)
        client.force_login(membership.user)
        label = f"{organisation.slug} {membership.role} ({membership.user.email})"
        read += crawl(client, host, label, problems)
    assert read > 100
    assert not problems, "\n".join(problems)


def test_a_failed_run_reads_in_danish_with_parameter_titles(demo_with_large_ids):
    job = Job.objects.get(status=Job.Status.FAILED, message__startswith="The robot")
    owner = Membership.objects.get(user__email="procesejer@aarhus.dk").user
    client = Client(HTTP_HOST=services.site_host(job.organisation))
    client.force_login(owner)
    page = Page()
    page.feed(client.get(f"/jobs/{job.pk}/").content.decode())
    text = " ".join(page.text)
    assert "Robotten sluttede med afslutningskode 1." in text
    assert f"#{job.pk}" in text
    schema = job.deployment.robot_version.robot.parameters_schema
    for key in job.parameters:
        title = schema["properties"][key].get("title")
        if title:
            assert f"{title}:" in text and f"{key}:" not in text
    assert not not_danish(page)


def test_favicon_and_api_docs_answer_without_a_network(office, make_user):
    admin = make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    client = Client(HTTP_HOST=services.site_host(office))
    assert client.get("/favicon.ico").status_code == 301
    assert finders.find("favicon.svg")
    client.force_login(admin)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Swagger UI's files are ours (drf-spectacular-sidecar), no CDN.
    assert "cdn.jsdelivr" not in html and "https://" not in html
    page = Page()
    page.feed(html)
    assert page.static
    for url in page.static:
        assert finders.find(urlsplit(url).path.removeprefix(settings.STATIC_URL)), url
    assert '<html lang="da">' in html
