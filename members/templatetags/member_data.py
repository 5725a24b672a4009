from django import template

from members.data import selectors

register = template.Library()


@register.simple_tag
def member_data_history(organisation) -> list[dict]:
    """The export and erasure history of one member (``members/register_history.html``)."""
    return selectors.history(organisation)
