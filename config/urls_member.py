"""A member organisation's site, on <slug>.<base domain> (the member's schema)."""

from django.urls import include, path

from config.urls_common import urlpatterns as common
from tenants import views

urlpatterns = [
    *common,
    path("costs/", include("billing.member_urls")),
    path("data/", include("members.data.member_urls")),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/invite/", views.InviteView.as_view(), name="invite"),
    path("credentials/", include("robots.credentials.urls")),
    path("", include("robots.workitems.urls")),
]

# JSON error bodies under /api/, the site's pages elsewhere.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "core.errors.server_error"
