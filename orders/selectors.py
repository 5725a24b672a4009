"""Reads of orders, scoped to the caller's organisation: the office sees every member's
orders, a member only its own. Lists are one query whatever their length."""

from django.db.models import QuerySet
from django.http import Http404

from catalog.models import Robot, RobotVersion
from orders.models import Order, OrderComment
from tenants.models import Organisation


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
