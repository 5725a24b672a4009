"""Office console pages of the member lifecycle (mounted at /members/)."""

app_name = "members"
urlpatterns = []
