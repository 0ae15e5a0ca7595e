"""The OpenAPI document: paths from the app's URL map, bodies from the marshmallow schemas.

What a route cannot tell about itself (summary, bodies, statuses, query parameters) is
kept per view in ``OPERATIONS``; a view the document leaves out is named in ``UNDOCUMENTED``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from werkzeug.routing import Rule

from election.http.access import public
from election.http.routes import Routes
from election.schemas import certification as c
from election.schemas import results as r
from election.schemas import structure as s
from election.schemas import tallies as t

routes = Routes()

PREFIX = "/api/v1"
ERRORS = {
    "400": "Nội dung không hợp lệ (lỗi từng trường)",
    "401": "Thiếu hoặc sai mã truy cập",
    "403": "Ngoài vai trò hoặc phạm vi",
    "404": "Không tìm thấy mã",
    "409": "Xung đột (đã có biên bản, phiên bản cũ, trạng thái không cho phép)",
    "413": "Nội dung quá lớn (JSON: 1 MB; tệp ảnh, PDF: 10 MB)",
    "415": "Kiểu nội dung không được nhận (JSON; tệp: JPEG, PNG hoặc PDF)",
    "422": "Vi phạm quy định",
}
SCHEMAS = (
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
    ("KeyingIn", t.KeyingIn),
    ("UnitCertifyIn", c.UnitCertifyIn),
    ("AreaCertifyIn", c.AreaCertifyIn),
    ("ReturnIn", t.ReturnIn),
    ("Receipt", t.ReceiptOut),
    ("RoundIn", r.RoundIn),
)
OBJECT = {"type": "object"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def _query(name: str, schema: dict, required: bool = False, **more: str) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, **more}


@dataclass(frozen=True)
class Operation:
    """What the URL map cannot tell about an endpoint: its words, bodies and statuses."""

    summary: str
    answer: dict = field(default_factory=lambda: OBJECT)  # the schema of a success
    status: str = "200"
    body: str | None = None  # the schema of a JSON request body
    params: tuple[dict, ...] = ()  # query and header parameters, after the path's own
    errors: tuple[str, ...] = ("401",)
    media: str = "application/json"
    description: str = "OK"
    public: bool = False  # no bearer token needed
    upload: bool = False  # a multipart/form-data body with a file field ``file``


RECEIPT = _ref("Receipt")
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
}
AREA = _query("area", {"type": "string"})
PAGING = (
    _query("after", {"type": "integer", "minimum": 0}),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
)
SCOPE = (
    _query("contest", {"type": "string"}, description="Mã cấp bầu cử (QH, HDND_TINH, …)"),
    _query(
        "scope",
        {"type": "string"},
        True,
        description="Mã khu vực bỏ phiếu, đơn vị bầu cử hoặc khu vực",
    ),
    _query(
        "round",
        {"type": "integer", "minimum": 1},
        description="Vòng bầu cử (mặc định: mới nhất)",
    ),
)
AS_OF = _query(
    "as_of",
    {"type": "integer", "minimum": 0},
    description="Kết quả đúng như ngay sau sự kiện nhật ký số này",
)
WRITE_ERRORS = ("401", "403", "404", "409")
DOWNLOAD = "Tệp tải về"
EXCEL = "Tệp Excel; tiêu đề X-Verification-Codes mang mã xác minh"
# Per view of the API blueprint, in the document's order; the paths, their parameters and
# methods come from the URL map.
OPERATIONS = {
    "submit_tally": Operation(
        "Nộp biên bản kiểm phiếu",
        RECEIPT,
        "201",
        "TallyIn",
        (IDEMPOTENCY,),
        (*WRITE_ERRORS, "422"),
    ),
    "get_tally": Operation("Biên bản và các phiên bản", errors=("401", "403", "404")),
    "correct_tally": Operation(
        "Sửa biên bản (phiên bản mới)",
        RECEIPT,
        "201",
        "CorrectionIn",
        (IDEMPOTENCY,),
        (*WRITE_ERRORS, "422"),
    ),
    "add_evidence": Operation(
        "Đính kèm ảnh hoặc bản quét biên bản giấy (JPEG, PNG, PDF, tối đa 10 MB)",
        {
            "type": "object",
            "properties": {"sha256": {"type": "string"}, "media_type": {"type": "string"}},
        },
        "201",
        errors=WRITE_ERRORS,
        upload=True,
    ),
    "get_evidence": Operation(
        "Tệp ảnh hoặc PDF đã lưu, cho người được xem biên bản",
        {"type": "string", "format": "binary"},
        errors=("401", "403", "404"),
        media="application/octet-stream",
        description="Tệp (image/jpeg, image/png hoặc application/pdf)",
    ),
    "key_tally": Operation(
        "Nhập lại đối chiếu biên bản từ ảnh (không thấy số liệu đã nhập)",
        {
            "type": "object",
            "properties": {
                "match": {"type": "boolean"},
                "differences": {"type": "array", "items": {"type": "string"}},
            },
        },
        "201",
        "KeyingIn",
        errors=WRITE_ERRORS,
    ),
    "certify_unit": Operation(
        "Xác nhận kết quả một vòng bầu cử của đơn vị (mọi biên bản đã có và đã kiểm tra)",
        OBJECT,
        "201",
        "UnitCertifyIn",
        errors=WRITE_ERRORS,
    ),
    "certify_area": Operation(
        "Xác nhận kết quả một cấp bầu cử trên thành phố hoặc địa bàn một Hội đồng nhân dân",
        OBJECT,
        "201",
        "AreaCertifyIn",
        errors=WRITE_ERRORS,
    ),
    "public_results_json": Operation(
        "Kết quả công bố cho công chúng: đơn vị đã xác nhận, còn lại đang tổng hợp",
        OBJECT,
        params=(_query("contest", {"type": "string"}),),
        errors=(),
        public=True,
        description="OK (có ETag; If-None-Match nhận 304)",
    ),
    "certifications": Operation(
        "Các lần xác nhận kết quả, còn hiệu lực hay đã mở lại",
        {"type": "array", "items": OBJECT},
        errors=("401", "403"),
    ),
    "verify_tally": Operation("Xác nhận biên bản", body="VerifyIn", errors=WRITE_ERRORS),
    "return_tally": Operation("Trả lại biên bản", body="ReturnIn", errors=WRITE_ERRORS),
    "area_results": Operation(
        "Kết quả của một khu vực",
        params=(_query("contest", {"type": "string"}, True), AS_OF),
        errors=("401", "403", "404"),
    ),
    "unit_results": Operation(
        "Kết quả của một đơn vị bầu cử", params=(AS_OF,), errors=("401", "403", "404")
    ),
    "open_round": Operation(
        "Mở vòng bầu cử thêm hoặc bầu cử lại",
        status="201",
        body="RoundIn",
        errors=(*WRITE_ERRORS, "422"),
    ),
    # One object per contest: the answer is a list.
    "progress": Operation(
        "Tiến độ nhận biên bản",
        {"type": "array", "items": OBJECT},
        params=(AREA,),
        errors=("401", "403", "404"),
    ),
    "turnout_progress": Operation(
        "Tiến độ cử tri đi bầu", params=(AREA,), errors=("401", "403", "404")
    ),
    "audit_events": Operation("Nhật ký kiểm tra", params=PAGING, errors=("400", "401", "403")),
    "audit_verify": Operation("Kiểm tra chuỗi nhật ký", errors=("401", "403")),
    "contest_triage": Operation(
        "Tình hình các đơn vị bầu cử: đã ngã ngũ hay chưa, vì sao, khu vực bỏ phiếu còn chờ",
        {"type": "array", "items": OBJECT},
        params=(_query("contest", {"type": "string"}, True),),
        errors=("401", "403", "404"),
    ),
    "area_flags": Operation(
        "Dấu hiệu bất thường (thống kê) của các biên bản trong một khu vực; không chặn biên bản",
        {"type": "array", "items": OBJECT},
        params=(_query("area", {"type": "string"}, True),),
        errors=("401", "403", "404"),
    ),
    "whoami": Operation("Người gọi"),
    "root_area": Operation("Khu vực gốc (thành phố)", _ref("Area"), errors=("401", "404")),
    "area": Operation("Một khu vực hành chính", _ref("Area"), errors=("401", "404")),
    "contests": Operation(
        "Các cấp bầu cử và đơn vị bầu cử", {"type": "array", "items": _ref("Contest")}
    ),
    "unit": Operation("Một đơn vị bầu cử", _ref("Unit"), errors=("401", "404")),
    "voting_area": Operation(
        "Một khu vực bỏ phiếu", _ref("VotingArea"), errors=("401", "403", "404")
    ),
    "open_records": Operation(
        "Biên bản kiểm phiếu (CSV)",
        {"type": "string"},
        media="text/csv",
        description=DOWNLOAD,
    ),
    "open_votes": Operation(
        "Số phiếu của người ứng cử (CSV)",
        {"type": "string"},
        media="text/csv",
        description=DOWNLOAD,
    ),
    "open_nist_results": Operation(
        "Kết quả toàn cuộc bầu cử (NIST SP 1500-100)",
        errors=("401", "403", "404"),
        description=DOWNLOAD,
    ),
    "form_export": Operation(
        "Biểu mẫu chính thức (Excel); kind: count-record, unit-record, city-record, "
        "summary-record, statistics",
        {"type": "string", "format": "binary"},
        params=SCOPE,
        errors=("400", "401", "403", "404"),
        media=XLSX,
        description=EXCEL,
    ),
    "ward_form_export": Operation(
        "Mọi biên bản kiểm phiếu của một phường, xã (Excel, mỗi biên bản một trang tính)",
        {"type": "string", "format": "binary"},
        params=SCOPE[:1],
        errors=("400", "401", "403", "404"),
        media=XLSX,
        description=EXCEL,
    ),
    "verify": Operation(
        "Mã xác minh của một biểu mẫu đã xuất còn khớp dữ liệu không (công khai)",
        errors=("400", "404"),
        description="Kết quả kiểm tra",
        public=True,
    ),
}
# Views of the API blueprint the document leaves out: the document itself, and the polling
# teams' turnout report, which it has never listed.
UNDOCUMENTED = frozenset({"openapi_json", "report_turnout"})
# <int(max=…):record_id> → the converter (int) and the name (record_id)
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def build_spec(rules: Iterable[Rule]) -> dict:
    """The OpenAPI 3 document of the URL map's ``rules`` under the API's prefix."""
    spec = APISpec(
        title="Hệ thống tổng hợp kết quả bầu cử — API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        servers=[{"url": PREFIX}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in SCHEMAS:
        spec.components.schema(name, schema=schema)
    by_name = {view_name(rule): rule for rule in rules if rule.rule.startswith(PREFIX + "/")}
    paths: dict[str, dict[str, dict]] = {}
    for name, operation in OPERATIONS.items():
        rule = by_name[name]
        (method,) = sorted(rule.methods - {"HEAD", "OPTIONS"})
        path = ARGUMENT.sub(r"{\2}", rule.rule.removeprefix(PREFIX))
        paths.setdefault(path, {})[method.lower()] = _operation(operation, _path_params(rule))
    for path, operations in paths.items():
        spec.path(path, operations=operations)
    return spec.to_dict()


def view_name(rule: Rule) -> str:
    """The name of a rule's view function, whatever blueprint it is registered under."""
    return rule.endpoint.rsplit(".", 1)[-1]


def _path_params(rule: Rule) -> list[dict]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if converter == "int" else "string"},
        }
        for converter, name in ARGUMENT.findall(rule.rule)
    ]


def _operation(op: Operation, path_params: list[dict]) -> dict:
    out: dict = {"summary": op.summary}
    if not op.public:
        out["security"] = [{"bearer": []}]
    out["parameters"] = [*path_params, *op.params]
    errors = op.errors
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
        # Any body may be too large or not JSON.
        errors = (*errors, "413", "415")
    if op.upload:
        upload = {"type": "string", "format": "binary"}
        out["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": upload},
                        "required": ["file"],
                    }
                }
            },
        }
        errors = (*errors, "413", "415")
    out["responses"] = {
        op.status: {"description": op.description, "content": {op.media: {"schema": op.answer}}},
        **_error_responses(*errors),
    }
    return out


def _error_responses(*codes: str) -> dict:
    # Any request may be refused as malformed (e.g. a NUL character in its address): 400.
    codes = tuple(sorted({"400", *codes}))
    return {
        c: {"description": ERRORS[c], "content": {"application/json": {"schema": _ref("Error")}}}
        for c in codes
    }


@routes.get("/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3 document of this API."""
    extensions = current_app.extensions
    if "election.openapi" not in extensions:
        extensions["election.openapi"] = build_spec(current_app.url_map.iter_rules())
    return extensions["election.openapi"]
