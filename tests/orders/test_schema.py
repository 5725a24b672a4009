"""The order, deployment and notification endpoints are in the OpenAPI document, without
warnings."""

from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator


def test_order_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        "/api/v1/orders/",
        "/api/v1/orders/{id}/",
        "/api/v1/orders/{id}/act/",
        "/api/v1/orders/{id}/configure/",
        "/api/v1/orders/{id}/comments/",
        "/api/v1/deployments/",
        "/api/v1/deployments/{id}/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
    ):
        assert path in schema["paths"]
    listed = schema["paths"]["/api/v1/orders/"]["get"]["parameters"]
    assert {"status", "robot__slug"} <= {parameter["name"] for parameter in listed}
    ours = ("Order", "order", "Deployment", "deployment", "Notification", "notification")
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(word in message for word in ours)
    ]
    assert problems == []
