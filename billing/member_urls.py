"""A member's cost page on its own site."""

from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [path("", views.CostsView.as_view(), name="costs")]
