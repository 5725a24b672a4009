from django.shortcuts import render

from robots import selectors
from tenants.views import SiteView


class DeploymentListView(SiteView):
    """The member's deployments; on the office console every member's."""

    def get(self, request):
        return render(
            request,
            "robots/deployment_list.html",
            {"deployments": selectors.deployments_for(request.tenant)},
        )
