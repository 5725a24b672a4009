"""The main menu: a few sections of links, what the user's role may open on this site.

base.html draws it twice from the same list: as DKFDS's desktop menu (a section with more
than one link is a dropdown) and inside the mobile drawer. The link of the page shown is
marked ``aria-current="page"``; on a page below it (a job under "Kørsler") the link is
marked ``aria-current="true"``, and its section is active in both menus.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from tenants.permissions import Capability


@dataclass
class Link:
    label: str
    url: str
    current: str = ""  # "page" on the page itself, "true" below it


@dataclass
class Section:
    label: str
    links: list[Link] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(link.current for link in self.links)


def _url(name: str) -> str | None:
    """The link's URL on this site, or none where the site has no such page."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _plan(is_office: bool, can) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """(section, [(url name, label, shown)]) in the order the menu shows them."""
    billing = can(Capability.VIEW_BILLING)
    return [
        (_("Overview"), [("home", _("Overview"), True)]),
        (
            _("Operations"),
            [
                ("operations", _("Operations"), True),
                ("jobs", _("Runs"), True),
                ("alerts", _("Alerts"), True),
                ("workitems:queue_list", _("Work queues"), not is_office),
                ("workitems:manual", _("Manual handling"), not is_office),
                ("runners", _("Runners"), is_office and can(Capability.OPERATE_ROBOTS)),
            ],
        ),
        (
            _("Robots"),
            [
                ("catalog:robot_list", _("Catalog"), True),
                ("orders:order_list", _("Orders"), True),
                ("deployments", _("Deployments"), True),
                ("intake:idea_list", _("Ideas"), True),
                ("governance:record_list", _("Governance"), True),
            ],
        ),
        (
            _("Finance"),
            [
                ("insight:dashboard", _("Value and cost"), billing),
                ("billing:period_list", _("Invoicing"), is_office and billing),
                ("billing:costs", _("Costs"), not is_office and billing),
            ],
        ),
        (
            _("Administration"),
            [
                ("organisation_list", _("Organisations"), is_office),
                ("members:member_list", _("Members"), is_office and billing),
                ("members:register", _("Data-processing register"), is_office and billing),
                (
                    "members:data_list",
                    _("Members' data"),
                    is_office and can(Capability.EXPORT_MEMBER_DATA),
                ),
                (
                    "member_data:data",
                    _("Our data"),
                    not is_office and can(Capability.EXPORT_MEMBER_DATA),
                ),
                ("people", _("People"), not is_office),
                (
                    "accessibility_statement_edit",
                    _("Accessibility statement"),
                    is_office and can(Capability.MANAGE_ORGANISATIONS),
                ),
                (
                    "credentials:credential_list",
                    _("Credentials"),
                    not is_office and can(Capability.MANAGE_CREDENTIALS),
                ),
                ("audit_trail", _("Audit trail"), True),
                ("api_tokens", _("API tokens"), True),
                ("mfa_index", _("Two-factor authentication"), True),
            ],
        ),
    ]


def main_menu(path: str, is_office: bool, can) -> list[Section]:
    """The sections for a user who ``can(capability)`` on this site, at ``path``."""
    sections = []
    for label, entries in _plan(is_office, can):
        links = [
            Link(str(text), url)
            for name, text, shown in entries
            if shown and (url := _url(name)) is not None
        ]
        if links:
            sections.append(Section(str(label), links))
    # The deepest link the page is at or below is the current one.
    below = [
        link
        for section in sections
        for link in section.links
        if path == link.url or (link.url != "/" and path.startswith(link.url))
    ]
    if below:
        deepest = max(below, key=lambda link: len(link.url))
        deepest.current = "page" if path == deepest.url else "true"
    return sections
