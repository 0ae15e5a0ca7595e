"""The OpenAPI document, generated from the marshmallow schemas."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from election.api import bp
from election.schemas import structure as s
from election.web.access import public

ERRORS = {
    "401": "Thiếu hoặc sai mã truy cập",
    "403": "Ngoài vai trò hoặc phạm vi",
    "404": "Không tìm thấy mã",
}


def _error_responses(*codes: str) -> dict:
    return {
        c: {
            "description": ERRORS[c],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for c in codes
    }


def _get(
    summary: str, schema: str, many: bool = False, params: list[dict] | None = None, errors=("401",)
):
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {
        "get": {
            "summary": summary,
            "security": [{"bearer": []}],
            "parameters": params or [],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": ref} if many else ref
                        }
                    },
                },
                **_error_responses(*errors),
            },
        }
    }


CODE = [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}]


def build_spec() -> dict:
    spec = APISpec(
        title="Hệ thống tổng hợp kết quả bầu cử — API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": "/api/v1"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in (
        ("Error", s.ErrorOut),
        ("AreaChild", s.AreaChildOut),
        ("Area", s.AreaOut),
        ("UnitSummary", s.UnitSummaryOut),
        ("Contest", s.ContestOut),
        ("Candidate", s.CandidateOut),
        ("Unit", s.UnitOut),
        ("TallyRef", s.TallyRefOut),
        ("VotingAreaContest", s.VotingAreaContestOut),
        ("VotingArea", s.VotingAreaOut),
    ):
        spec.components.schema(name, schema=schema)
    spec.path("/areas", operations=_get("Khu vực gốc (thành phố)", "Area", errors=("401", "404")))
    spec.path(
        "/areas/{code}",
        operations=_get("Một khu vực hành chính", "Area", params=CODE, errors=("401", "404")),
    )
    spec.path("/contests", operations=_get("Các cấp bầu cử và đơn vị bầu cử", "Contest", many=True))
    spec.path(
        "/units/{code}",
        operations=_get("Một đơn vị bầu cử", "Unit", params=CODE, errors=("401", "404")),
    )
    spec.path(
        "/voting-areas/{code}",
        operations=_get(
            "Một khu vực bỏ phiếu", "VotingArea", params=CODE, errors=("401", "403", "404")
        ),
    )
    return spec.to_dict()


@bp.get("/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3 document of this API."""
    cache = current_app.extensions.setdefault("election.openapi", build_spec())
    return cache
