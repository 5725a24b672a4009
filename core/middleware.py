"""Pages and API answers are never kept by a browser or a shared cache.

Almost every response here carries personal data — people's names and e-mails, work items
and their payloads, run logs, invoices — so every response Django renders is sent with
``Cache-Control: no-store, private``: no back-button copy on a shared computer in a town
hall, no copy in a proxy. Static files (WhiteNoise, placed before this middleware) and the
health probes (answered before it) keep their own caching.
"""

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
