from django.urls import path

from insight import api

urlpatterns = [path("insight/", api.InsightView.as_view(), name="api-insight")]
