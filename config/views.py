"""Pages of the project as a whole: the home page is each site's dashboard, made of the
figures of several apps (so it sits above them all, with the URL configuration)."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.generic import TemplateView

from governance import selectors as governance_selectors
from orders import selectors as order_selectors
from robots.workitems.models import WorkItem, WorkQueue
from tenants import selectors
from tenants.views import SiteView

# The dashboards list this many of the reviews that are due; the register has them all.
DUE_REVIEWS_SHOWN = 10


def favicon(request):
    """/favicon.ico, for the browsers and tools that ignore the pages' <link rel="icon">."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


class HomeView(SiteView, TemplateView):
    def get_template_names(self):
        if self.request.tenant.is_office:
            return ["tenants/office_home.html"]
        return ["tenants/member_home.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tenant = self.request.tenant
        context["due_days"] = governance_selectors.DUE_WITHIN_DAYS
        context["due_reviews"] = list(
            governance_selectors.due_reviews(tenant, self.request.user)[:DUE_REVIEWS_SHOWN]
        )
        if tenant.is_office:
            context["counts"] = selectors.organisation_counts()
            context["users_count"] = selectors.users_count()
        else:
            context["awaiting_approval"] = list(
                order_selectors.awaiting_approval(tenant, self.request.user)
            )
            context["people_count"] = selectors.memberships_of(tenant).count()
            context["queue_count"] = WorkQueue.objects.count()
            context["open_items"] = WorkItem.objects.filter(
                status__in=[WorkItem.Status.NEW, WorkItem.Status.IN_PROGRESS]
            ).count()
            context["manual_items"] = WorkItem.objects.filter(
                status__in=WorkItem.HANDED_BACK
            ).count()
        return context
