from django.urls import path

from governance import views

app_name = "governance"
urlpatterns = [
    path("", views.GovernanceListView.as_view(), name="record_list"),
    path("<int:pk>/", views.GovernanceDetailView.as_view(), name="record_detail"),
    path("<int:pk>/edit/", views.GovernanceEditView.as_view(), name="record_edit"),
    path("<int:pk>/review/", views.GovernanceReviewView.as_view(), name="record_review"),
]
