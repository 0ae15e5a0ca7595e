"""The OpenAPI document, generated from the marshmallow schemas."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from election.http.access import public
from election.http.routes import Routes
from election.schemas import results as r
from election.schemas import structure as s
from election.schemas import tallies as t

routes = Routes()

ERRORS = {
    "400": "Nội dung không hợp lệ (lỗi từng trường)",
    "401": "Thiếu hoặc sai mã truy cập",
    "403": "Ngoài vai trò hoặc phạm vi",
    "404": "Không tìm thấy mã",
    "409": "Xung đột (đã có biên bản, phiên bản cũ, trạng thái không cho phép)",
    "413": "Nội dung quá 1 MB",
    "415": "Nội dung không phải JSON",
    "422": "Vi phạm quy định",
}
OBJECT = {"type": "object"}


def _error_responses(*codes: str) -> dict:
    # Any request may be refused as malformed (e.g. a NUL character in its address): 400.
    codes = tuple(sorted({"400", *codes}))
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
RECORD = [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTEST = [{"name": "contest", "in": "query", "required": True, "schema": {"type": "string"}}]
IDEMPOTENCY = [
    {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
]


def _post(summary: str, body: str, answer: dict, status: str, params=(), errors=()) -> dict:
    return {
        "post": {
            "summary": summary,
            "security": [{"bearer": []}],
            "parameters": list(params),
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}
                },
            },
            "responses": {
                status: {"description": "OK", "content": {"application/json": {"schema": answer}}},
                **_error_responses("400", "401", "413", "415", *errors),
            },
        }
    }


def _get_object(summary: str, params=(), errors=("401",)) -> dict:
    return {
        "get": {
            "summary": summary,
            "security": [{"bearer": []}],
            "parameters": list(params),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": OBJECT}}},
                **_error_responses(*errors),
            },
        }
    }


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
        ("TallyIn", t.TallyIn),
        ("CorrectionIn", t.CorrectionIn),
        ("VerifyIn", t.VerifyIn),
        ("ReturnIn", t.ReturnIn),
        ("Receipt", t.ReceiptOut),
        ("RoundIn", r.RoundIn),
    ):
        spec.components.schema(name, schema=schema)
    receipt = {"$ref": "#/components/schemas/Receipt"}
    spec.path(
        "/tallies",
        operations=_post(
            "Nộp biên bản kiểm phiếu",
            "TallyIn",
            receipt,
            "201",
            IDEMPOTENCY,
            ("403", "404", "409", "422"),
        ),
    )
    spec.path(
        "/tallies/{record_id}",
        operations=_get_object("Biên bản và các phiên bản", RECORD, ("401", "403", "404")),
    )
    spec.path(
        "/tallies/{record_id}/corrections",
        operations=_post(
            "Sửa biên bản (phiên bản mới)",
            "CorrectionIn",
            receipt,
            "201",
            [*RECORD, *IDEMPOTENCY],
            ("403", "404", "409", "422"),
        ),
    )
    spec.path(
        "/tallies/{record_id}/verify",
        operations=_post(
            "Xác nhận biên bản", "VerifyIn", OBJECT, "200", RECORD, ("403", "404", "409")
        ),
    )
    spec.path(
        "/tallies/{record_id}/return",
        operations=_post(
            "Trả lại biên bản", "ReturnIn", OBJECT, "200", RECORD, ("403", "404", "409")
        ),
    )
    spec.path(
        "/results/areas/{code}",
        operations=_get_object("Kết quả của một khu vực", [*CODE, *CONTEST], ("401", "403", "404")),
    )
    spec.path(
        "/results/units/{code}",
        operations=_get_object("Kết quả của một đơn vị bầu cử", CODE, ("401", "403", "404")),
    )
    spec.path(
        "/units/{code}/rounds",
        operations=_post(
            "Mở vòng bầu cử thêm hoặc bầu cử lại",
            "RoundIn",
            OBJECT,
            "201",
            CODE,
            ("403", "404", "409"),
        ),
    )
    area_param = [{"name": "area", "in": "query", "required": False, "schema": {"type": "string"}}]
    progress = _get_object("Tiến độ nhận biên bản", area_param, ("401", "403", "404"))
    # One object per contest: the answer is a list.
    progress["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "array",
        "items": OBJECT,
    }
    spec.path("/progress", operations=progress)
    spec.path(
        "/turnout",
        operations=_get_object("Tiến độ cử tri đi bầu", area_param, ("401", "403", "404")),
    )
    paging = [
        {
            "name": "after",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 0},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
    ]
    spec.path("/audit", operations=_get_object("Nhật ký kiểm tra", paging, ("400", "401", "403")))
    spec.path("/audit/verify", operations=_get_object("Kiểm tra chuỗi nhật ký", (), ("401", "403")))
    spec.path("/whoami", operations=_get_object("Người gọi"))
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
    text = {"type": "string"}
    for path, summary, media, schema, errors in (
        ("/open/records.csv", "Biên bản kiểm phiếu (CSV)", "text/csv", text, ("401",)),
        ("/open/votes.csv", "Số phiếu của người ứng cử (CSV)", "text/csv", text, ("401",)),
        (
            "/open/nist-results.json",
            "Kết quả toàn cuộc bầu cử (NIST SP 1500-100)",
            "application/json",
            OBJECT,
            ("401", "403", "404"),
        ),
    ):
        spec.path(
            path,
            operations={
                "get": {
                    "summary": summary,
                    "security": [{"bearer": []}],
                    "parameters": [],
                    "responses": {
                        "200": {
                            "description": "Tệp tải về",
                            "content": {media: {"schema": schema}},
                        },
                        **_error_responses(*errors),
                    },
                }
            },
        )
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    binary = {"type": "string", "format": "binary"}
    scope_params = [
        {"name": name, "in": "query", "required": required, "schema": schema, "description": d}
        for name, required, schema, d in (
            ("contest", False, {"type": "string"}, "Mã cấp bầu cử (QH, HDND_TINH, …)"),
            ("scope", True, {"type": "string"}, "Mã khu vực bỏ phiếu, đơn vị bầu cử hoặc khu vực"),
            ("round", False, {"type": "integer", "minimum": 1}, "Vòng bầu cử (mặc định: mới nhất)"),
        )
    ]
    for path, summary, params, errors in (
        (
            "/forms/{kind}",
            "Biểu mẫu chính thức (Excel); kind: count-record, unit-record, city-record, "
            "summary-record, statistics",
            [
                {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"}},
                *scope_params,
            ],
            ("400", "401", "403", "404"),
        ),
        (
            "/forms/ward/{code}",
            "Mọi biên bản kiểm phiếu của một phường, xã (Excel, mỗi biên bản một trang tính)",
            [*CODE, scope_params[0]],
            ("400", "401", "403", "404"),
        ),
    ):
        spec.path(
            path,
            operations={
                "get": {
                    "summary": summary,
                    "security": [{"bearer": []}],
                    "parameters": params,
                    "responses": {
                        "200": {
                            "description": "Tệp Excel; tiêu đề X-Verification-Codes mang mã xác minh",
                            "content": {xlsx: {"schema": binary}},
                        },
                        **_error_responses(*errors),
                    },
                }
            },
        )
    spec.path(
        "/verify/{code}",
        operations={
            "get": {
                "summary": "Mã xác minh của một biểu mẫu đã xuất còn khớp dữ liệu không (công khai)",
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "Kết quả kiểm tra",
                        "content": {"application/json": {"schema": OBJECT}},
                    },
                    **_error_responses("400", "404"),
                },
            }
        },
    )
    return spec.to_dict()


@routes.get("/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3 document of this API."""
    cache = current_app.extensions.setdefault("election.openapi", build_spec())
    return cache
