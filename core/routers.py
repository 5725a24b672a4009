"""The API's routers: ids in paths are numbers, so ``/ideas/abc/join/`` is a 404 at the URL
resolver instead of reaching a view (or a query) with ``"abc"`` as an id; no ``.json``
suffixes, which reached actions that take no ``format`` argument (500)."""

from rest_framework import routers


class NumericIdsMixin:
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        if lookup_field not in ("pk", "id") or hasattr(viewset, "lookup_value_regex"):
            return super().get_lookup_regex(viewset, lookup_prefix)
        kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        return f"(?P<{lookup_prefix}{kwarg}>[0-9]+)"


class SimpleRouter(NumericIdsMixin, routers.SimpleRouter):
    pass


class DefaultRouter(NumericIdsMixin, routers.DefaultRouter):
    """With the API's root view, and no format suffixes (``/deployments.json``): every answer
    is JSON, and the apps' routers have none either."""

    include_format_suffixes = False
