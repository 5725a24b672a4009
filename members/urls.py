"""Office console pages of the member lifecycle (mounted at /members/)."""

from members.data import urls as data

app_name = "members"
urlpatterns = [*data.urlpatterns]
