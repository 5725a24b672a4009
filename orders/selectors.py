"""Reads of orders, scoped to the caller's organisation: the office sees every member's
orders, a member only its own. Lists are one query whatever their length."""

from django.db.models import Case, QuerySet, Value, When
from django.http import Http404

from catalog.models import Robot, RobotVersion
from orders.models import Order, OrderComment
from tenants.models import Organisation
from tenants.permissions import Capability, can


def orders_for(organisation: Organisation) -> QuerySet[Order]:
    orders = Order.objects.select_related(
        "organisation", "robot", "robot_version", "ordered_by", "process_owner", "deployment"
    )
    if organisation.is_office:
        return orders
    return orders.filter(organisation=organisation)


def order_for(organisation: Organisation, pk) -> Order:
    order = orders_for(organisation).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def comments_of(order: Order) -> QuerySet[OrderComment]:
    return order.comments.select_related("author")


def orderable_versions(robot: Robot) -> QuerySet[RobotVersion]:
    """What a member can order: the robot's versions in production, newest first."""
    return robot.versions.filter(status=RobotVersion.Status.PRODUCTION).order_by(
        "-released_at", "-pk"
    )


def awaiting_approval(organisation: Organisation, user) -> QuerySet[Order]:
    """The member's orders waiting for internal approval, if this person approves orders:
    those naming them as process owner first, oldest first."""
    if organisation.is_office or not can(user, organisation, Capability.APPROVE_ORDERS):
        return Order.objects.none()
    orders = orders_for(organisation).filter(status=Order.Status.SUBMITTED)
    return orders.annotate(
        theirs=Case(When(process_owner=user, then=Value(0)), default=Value(1))
    ).order_by("theirs", "created_at", "pk")
