"""The page frame in the browser: at 320 px the menu and the user bar are behind DKFDS's menu
button, the menu marks the page shown, and a form sent with errors puts the focus on its
error summary, whose links lead to the fields."""

import pytest

from tenants.models import Role
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_at_320_px_the_menu_opens_in_a_drawer_with_the_user_bar(page, site_url, aarhus, make_user):
    make_user("sagsbehandler@aarhus.dk", aarhus, Role.MEMBER)
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, site_url(aarhus, "/accounts/login/"), "sagsbehandler@aarhus.dk")
    page.goto(site_url(aarhus, "/manual/"))
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # The logo link's name is what it shows (label in name).
    logo = page.locator("header a.rk-logo")
    assert logo.is_visible()
    assert "Robotkontor · Aarhus Kommune" in logo.inner_text()
    assert page.get_by_role("link", name="Robotkontor · Aarhus Kommune").count() == 1

    # Nothing of the menu or the user bar takes room before the content: one button.
    drawer = page.get_by_role("dialog", name="Menu")
    assert not drawer.is_visible()
    assert not page.get_by_role("button", name="Log ud").is_visible()
    main_top = page.locator("main").bounding_box()["y"]
    assert main_top < 150

    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    assert drawer.is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Luk"
    # The section of the page shown is open, and the page is marked current.
    current = drawer.locator("a[aria-current=page]")
    assert current.inner_text() == "Manuel behandling"
    assert current.is_visible()
    # The user bar is in the drawer, whole.
    assert drawer.get_by_text("sagsbehandler").is_visible()
    assert drawer.get_by_role("button", name="Log ud").is_visible()
    assert drawer.bounding_box()["x"] >= 0

    # Another section opens on its button; a link leads there and closes the drawer.
    drawer.get_by_role("button", name="Administration").click()
    with page.expect_navigation():
        drawer.get_by_role("link", name="Revisionsspor").click()
    assert page.url == site_url(aarhus, "/audit/")
    assert not page.get_by_role("dialog", name="Menu").is_visible()

    # Escape closes the drawer and gives the focus back to the menu button.
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("dialog", name="Menu").is_visible()
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog", name="Menu").is_visible()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Menu"


def test_at_desktop_width_the_menu_groups_links_and_marks_the_page(
    page, site_url, aarhus, make_user
):
    make_user("admin@aarhus.dk", aarhus, Role.MEMBER_ADMIN)
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, site_url(aarhus, "/accounts/login/"), "admin@aarhus.dk")
    page.goto(site_url(aarhus, "/people/"))
    nav = page.get_by_role("navigation", name="Hovedmenu")
    assert nav.count() == 1  # the drawer's menu is hidden at this width
    sections = nav.locator("ul.mainmenu > li:not(.d-none)")
    assert 4 <= sections.count() <= 7
    administration = nav.locator("li.active")
    assert administration.locator("> .submenu > button").inner_text() == "Administration"
    administration.locator("> .submenu > button").click()
    assert nav.locator("a[aria-current=page]").inner_text() == "Personer"
    assert page.get_by_role("button", name="Log ud").is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()


def test_an_invalid_form_puts_the_focus_on_its_error_summary(page, site_url, office, make_user):
    make_user("admin@robotkontor.dk", office, Role.OFFICE_ADMIN)
    sign_in(page, site_url(office, "/accounts/login/"), "admin@robotkontor.dk")
    page.goto(site_url(office, "/accessibility/edit/"))
    page.fill("input[name=feedback_email]", "ikke-en-adresse")
    page.fill("input[name=prepared_on]", "")
    with page.expect_navigation():
        page.get_by_role("button", name="Gem erklæringen").click()

    summary = page.locator("[data-module=error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.dataset.module") == "error-summary"
    assert summary.get_by_role("link").count() == 2
    summary.get_by_role("link", name="e-mail til feedback", exact=False).click()
    assert page.evaluate("document.activeElement.name") == "feedback_email"
    summary.get_by_role("link", name="erklæringen udarbejdet den", exact=False).click()
    assert page.evaluate("document.activeElement.name") == "prepared_on"
