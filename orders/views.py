from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import selectors as catalog_selectors
from catalog.models import Robot
from core import audit
from core.views import flash_errors
from orders import selectors, services
from orders.forms import ActionForm, CommentForm, ConfigureForm, OrderForm
from orders.models import Order
from tenants.views import SiteView

HISTORY_LABELS = {
    "orders.order.placed": gettext_lazy("placed the order"),
    "orders.order.changed": gettext_lazy("changed the status"),
    "orders.order.configured": gettext_lazy("configured the order"),
    "orders.order.commented": gettext_lazy("commented"),
}


def history_of(order: Order) -> list:
    events = list(audit.history(order))
    for event in events:
        event.label = HISTORY_LABELS.get(event.action, event.action)
        status = event.changes.get("status")
        if isinstance(status, list) and status[-1] in Order.Status.values:
            event.label = f"{event.label}: {Order.Status(status[-1]).label}"
        if event.changes.get("reason"):
            event.label = f"{event.label} ({event.changes['reason']})"
    return events


class OrderCreateView(SiteView):
    """A member orders a robot from the catalog: version, parameters, schedule, owner."""

    members_only = True
    template_name = "orders/order_form.html"

    def _robot(self, slug) -> Robot:
        try:
            return catalog_selectors.robot_for(self.request.tenant, slug)
        except Robot.DoesNotExist:
            raise Http404 from None

    def get(self, request, slug):
        robot = self._robot(slug)
        form = OrderForm(robot=robot, organisation=request.tenant)
        return render(request, self.template_name, {"form": form, "robot": robot})

    def post(self, request, slug):
        robot = self._robot(slug)
        form = OrderForm(request.POST, robot=robot, organisation=request.tenant)
        if form.is_valid():
            try:
                order = services.place_order(
                    organisation=request.tenant,
                    actor=request.user,
                    robot_version=form.cleaned_data["robot_version"],
                    process_owner=form.cleaned_data["process_owner"],
                    parameters=form.parameters(),
                    proposed_schedule=form.cleaned_data["proposed_schedule"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.apply_parameter_errors(error)
            else:
                messages.success(request, _("Thank you. Your order now awaits internal approval."))
                return redirect("orders:order_detail", pk=order.pk)
        return render(request, self.template_name, {"form": form, "robot": robot}, status=400)


class OrderListView(SiteView):
    def get(self, request):
        orders = selectors.orders_for(request.tenant)
        status = request.GET.get("status", "")
        if status in Order.Status.values:
            orders = orders.filter(status=status)
        return render(
            request,
            "orders/order_list.html",
            {"orders": orders, "statuses": Order.Status.choices, "status": status},
        )


# The steps that move an order on: the first of them offered is the page's primary button
# ("Aktivér" on an order in test, not "Tilbage til konfiguration").
FORWARD = (
    services.Action.APPROVE,
    services.Action.ACCEPT,
    services.Action.START_TEST,
    services.Action.ACTIVATE,
    services.Action.RESUME,
)


def render_detail(request, order: Order, configure_form=None, status=200):
    allowed = services.allowed_actions(order, request.user, request.tenant)
    actions = sorted(allowed, key=lambda action: action not in FORWARD)
    configurable = order.status in services.CONFIGURABLE_STATUSES
    if configure_form is None and request.tenant.is_office and configurable:
        configure_form = ConfigureForm(order=order)
    context = {
        "order": order,
        "actions": [(action, _(services.ACTION_LABELS[action])) for action in actions],
        "primary_action": actions[0] if actions and actions[0] in FORWARD else None,
        "comments": selectors.comments_of(order),
        "comment_form": CommentForm(),
        "history": history_of(order),
        "configure_form": configure_form,
    }
    return render(request, "orders/order_detail.html", context, status=status)


class OrderDetailView(SiteView):
    def get(self, request, pk):
        return render_detail(request, selectors.order_for(request.tenant, pk))


class OrderActionView(SiteView):
    def post(self, request, pk):
        order = selectors.order_for(request.tenant, pk)
        form = ActionForm(request.POST)
        if form.is_valid():
            try:
                order = services.act_on_order(
                    order=order,
                    action=form.cleaned_data["action"],
                    actor=request.user,
                    site=request.tenant,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(
                    request,
                    _("The order is now: %(status)s.") % {"status": order.get_status_display()},
                )
        return redirect("orders:order_detail", pk=pk)


class OrderConfigureView(SiteView):
    office_only = True

    def post(self, request, pk):
        order = selectors.order_for(request.tenant, pk)
        form = ConfigureForm(request.POST, order=order)
        if form.is_valid():
            try:
                services.configure_order(
                    order=order,
                    actor=request.user,
                    robot_version=form.cleaned_data["robot_version"],
                    parameters=form.parameters(),
                    proposed_schedule=form.cleaned_data["proposed_schedule"],
                )
            except ValidationError as error:
                form.apply_parameter_errors(error)
            else:
                messages.success(request, _("The configuration is saved."))
                return redirect("orders:order_detail", pk=pk)
        return render_detail(request, order, configure_form=form, status=400)


class OrderCommentView(SiteView):
    def post(self, request, pk):
        order = selectors.order_for(request.tenant, pk)
        form = CommentForm(request.POST)
        if form.is_valid():
            services.comment(
                order=order, actor=request.user, site=request.tenant, text=form.cleaned_data["text"]
            )
            messages.success(request, _("Your comment is added."))
        else:
            messages.error(request, _("Write a comment."))
        return redirect("orders:order_detail", pk=pk)
