"""The intake endpoints are in the OpenAPI document, described without warnings."""

from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator


def test_intake_endpoints_are_documented_without_warnings():
    reset_generator_stats()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in (
        "/api/v1/ideas/",
        "/api/v1/ideas/{id}/",
        "/api/v1/ideas/{id}/transition/",
        "/api/v1/ideas/{id}/assess/",
        "/api/v1/ideas/{id}/join/",
        "/api/v1/ideas/{id}/comments/",
        "/api/v1/scoring-weights/",
    ):
        assert path in schema["paths"]
    listed = schema["paths"]["/api/v1/ideas/"]["get"]["parameters"]
    assert {"status", "urgency"} <= {parameter["name"] for parameter in listed}
    ours = ("intake", "Idea", "idea", "ScoringWeights", "scoring")
    problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(word in message for word in ours)
    ]
    assert problems == []
