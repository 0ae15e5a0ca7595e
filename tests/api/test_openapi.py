"""The OpenAPI document follows the URL map: no route left out by accident, none made up."""

from __future__ import annotations

from election.api.openapi import OPERATIONS, PREFIX, UNDOCUMENTED, view_name


def _api_views(app) -> set[str]:
    return {
        view_name(rule) for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")
    }


def test_every_api_view_is_documented_or_deliberately_left_out(app):
    assert _api_views(app) - UNDOCUMENTED == set(OPERATIONS)
    assert not UNDOCUMENTED & set(OPERATIONS)


def test_the_document_has_one_operation_per_documented_view_with_the_maps_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    summaries = {op["summary"] for path in paths.values() for op in path.values()}
    assert summaries == {op.summary for op in OPERATIONS.values()}
    assert paths["/tallies/{record_id}"]["get"]["parameters"] == [
        {"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert "security" not in paths["/verify/{code}"]["get"]
