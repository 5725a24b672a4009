"""WCAG 2.1 AA on every main page, for every role, at 1366 px and at 320 px.

The demo partnership is made once; each demo login of the office and of Aarhus signs in once
in Chromium. The pages a role can reach are found by following its links (as
tests/test_pages.py does, each kind of URL once), then each is opened in the browser and
checked by axe-core (node_modules/axe-core, read from disk: no network) at
desktop width and again at 320 px, where nothing may scroll sideways either (WCAG 1.4.10,
reflow). A page already checked for an earlier role on the same site is checked again only
if it is in this role's navigation: every role's main pages, every other page once.
"""

from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tenants import demo as tenants_demo
from tenants import services
from tenants.models import Membership
from tests.e2e.conftest import sign_in
from tests.test_pages import DEMO_PARTS, NOT_FOLLOWED, SLOW_DOWNLOAD, Page, kind_of

pytestmark = pytest.mark.browser

# Evaluated in the page rather than added as a <script>: the pages' Content-Security-Policy
# (script-src 'self') rightly refuses an inline script, and Playwright's evaluation is not a
# script of the page.
AXE = (Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (1366, 320)
# The demo logins checked: the office's and one member's (the other members' pages are the
# same pages).
SITES = ("office", "aarhus")
# Not ours to make accessible: the API documentation is Swagger UI, a developer tool whose
# markup nests controls (axe's nested-interactive). The accessibility statement names it as
# non-accessible content, with the OpenAPI document (/api/schema/) as the alternative.
NOT_CHECKED = ("/api/docs/",)
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map(v => v.id + ": " + v.help + " — " +
    v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""
NEXT_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
SIDEWAYS = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > root.clientWidth + 1))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  return root.scrollWidth + " px wide (" + wide.join(", ") + ")";
}"""


def pages_of(client: Client, host: str) -> tuple[list[str], set[str]]:
    """The HTML pages a signed-in user reaches from the front page (each kind of URL once),
    and the ones its navigation links to."""
    queue, seen, kinds, found, navigation = deque(["/"]), {"/"}, set(), [], set()
    while queue:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        found.append(url)
        html = response.content.decode()
        if url == "/":
            nav = Page()
            nav.feed(html[html.find("<nav") : html.find("</header>")])
            navigation = {urlsplit(link).path for link in nav.links}
        page = Page()
        page.feed(html)
        for link in page.links:
            parts = urlsplit(urljoin(f"http://{host}{url}", link))
            if parts.netloc != host or parts.path.startswith((*NOT_FOLLOWED, *NOT_CHECKED)):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            kind = kind_of(local)
            if local in seen or kind in kinds or SLOW_DOWNLOAD.search(parts.path):
                continue
            kinds.add(kind)
            seen.add(local)
            queue.append(local)
    return found, navigation


def problems_on(page, url: str) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # Two frames: the page has seen the resize (the table containers re-measure on it).
        page.evaluate(NEXT_FRAMES)
        if not page.evaluate("() => window.axe !== undefined"):
            page.evaluate(AXE)
        problems += [f"{url} at {width} px: {v}" for v in page.evaluate(RUN_AXE, WCAG_TAGS)]
        if width == 320 and (sideways := page.evaluate(SIDEWAYS)):
            problems.append(f"{url} at 320 px scrolls sideways: {sideways}")
    return problems


# Some 200 pages, each checked twice: longer than the suite's default limit of 10 minutes on
# a busy two-core machine.
@pytest.mark.timeout(1800)
def test_every_main_page_meets_wcag_2_1_aa_for_every_role_at_1366_and_320_px(
    without_standard_schemas, live_server, page, site_url
):
    for part in DEMO_PARTS:
        part.load()
    logins = (
        Membership.objects.select_related("user", "organisation")
        .filter(organisation__slug__in=SITES, user__email__contains="@")
        .order_by("-organisation__kind", "role", "user__email")
    )
    one_per_role = {(m.organisation.slug, m.role): m for m in logins}
    assert len(one_per_role) >= 8
    problems: list[str] = []
    checked: set[tuple[str, str]] = set()
    pages = 0
    for membership in one_per_role.values():
        organisation = membership.organisation
        host = services.site_host(organisation)
        client = Client(HTTP_HOST=host)
        client.force_login(membership.user)
        urls, navigation = pages_of(client, host)
        page.context.clear_cookies()
        sign_in(
            page,
            site_url(organisation, "/accounts/login/"),
            membership.user.email,
            tenants_demo.DEMO_PASSWORD,
        )
        label = f"{organisation.slug} {membership.role}"
        for url in urls:
            key = (organisation.slug, kind_of(url))
            if key in checked and urlsplit(url).path not in navigation:
                continue
            checked.add(key)
            page.goto(site_url(organisation, url))
            pages += 1
            problems += [f"{label}: {problem}" for problem in problems_on(page, url)]
    # The sign-in page and the accessibility statement, without signing in.
    page.context.clear_cookies()
    for organisation in {m.organisation for m in one_per_role.values()}:
        for url in ("/accounts/login/", "/accessibility/"):
            page.goto(site_url(organisation, url))
            problems += [f"anonymous: {problem}" for problem in problems_on(page, url)]
    assert pages > 100
    assert not problems, "\n".join(problems)
