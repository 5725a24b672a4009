"""Office console pages of the member lifecycle (mounted at /members/)."""

from django.urls import path

from members.data import urls as data
from members.lifecycle import views as lifecycle

app_name = "members"
# The data pages' fixed first segments (data/, exports/, receipts/) go before <slug>/.
urlpatterns = [
    *data.urlpatterns,
    path("", lifecycle.MemberListView.as_view(), name="member_list"),
    path("join/", lifecycle.JoinView.as_view(), name="join"),
    path("register/", lifecycle.RegisterView.as_view(), name="register"),
    path("processors/", lifecycle.ProcessorView.as_view(), name="processor_add"),
    path("processors/<int:pk>/", lifecycle.ProcessorView.as_view(), name="processor"),
    path("<slug:slug>/", lifecycle.MemberDetailView.as_view(), name="member_detail"),
    path("<slug:slug>/term/", lifecycle.TermView.as_view(), name="term"),
    path("<slug:slug>/leave/", lifecycle.LeaveView.as_view(), name="leave"),
    path("<slug:slug>/key-figures/", lifecycle.KeyFigureView.as_view(), name="key_figure"),
    path("<slug:slug>/administrator/", lifecycle.AdministratorView.as_view(), name="administrator"),
    path("<slug:slug>/sso/", lifecycle.SsoView.as_view(), name="sso"),
    path("<slug:slug>/agreements/", lifecycle.AgreementView.as_view(), name="agreement"),
    path(
        "<slug:slug>/agreements/<int:pk>/",
        lifecycle.AgreementDocumentView.as_view(),
        name="agreement_document",
    ),
]
