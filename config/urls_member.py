"""A member organisation's site, on <slug>.<base domain> (the member's schema)."""

from django.urls import include, path

from config.urls_common import urlpatterns as common
from tenants import views

urlpatterns = [
    *common,
    path("costs/", include("billing.member_urls")),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/invite/", views.InviteView.as_view(), name="invite"),
    path("credentials/", include("robots.credentials.urls")),
    path("", include("robots.workitems.urls")),
]
