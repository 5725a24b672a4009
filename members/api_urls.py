"""API of the member lifecycle (mounted at /api/v1/members/)."""

urlpatterns = []
