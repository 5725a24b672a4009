from django.urls import path

from robots.credentials import views

app_name = "credentials"
urlpatterns = [
    path("", views.CredentialListView.as_view(), name="credential_list"),
    path("new/", views.CredentialCreateView.as_view(), name="credential_create"),
    path("<int:pk>/", views.CredentialDetailView.as_view(), name="credential_detail"),
    path("<int:pk>/edit/", views.CredentialEditView.as_view(), name="credential_edit"),
]
