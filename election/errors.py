"""The one place where exceptions become HTTP responses.

API paths get the JSON envelope ``{code, message, errors}``; pages get a
Vietnamese error page with the same status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from election.domain.errors import (
    Conflict,
    DomainError,
    FileInvalid,
    FileTooLarge,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleBroken,
    TooManyRequests,
    Unauthorized,
    UnsupportedFile,
)
from election.http.errors import UnsupportedMediaType

log = logging.getLogger(__name__)

STATUS = {
    UnsupportedMediaType: 415,
    UnsupportedFile: 415,
    FileTooLarge: 413,
    NotFound: 404,
    Forbidden: 403,
    Unauthorized: 401,
    Conflict: 409,
    InvalidInput: 400,
    RuleBroken: 422,
    FileInvalid: 422,
    TooManyRequests: 429,
}

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ"),
    401: ("unauthorized", "Chưa đăng nhập hoặc mã truy cập không hợp lệ"),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này"),
    404: ("not_found", "Không tìm thấy"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ"),
    409: ("conflict", "Xung đột dữ liệu"),
    413: ("too_large", "Dữ liệu gửi lên quá lớn (tối đa 1 MB)"),
    415: ("unsupported_media_type", "Kiểu dữ liệu không được hỗ trợ; hãy gửi JSON"),
    422: ("rule_broken", "Dữ liệu vi phạm quy định"),
    429: ("too_many_requests", "Quá nhiều yêu cầu; hãy thử lại sau"),
    500: ("internal_error", "Lỗi hệ thống; sự cố đã được ghi lại"),
    503: ("unavailable", "Hệ thống tạm thời không truy cập được cơ sở dữ liệu; hãy thử lại sau"),
}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a refusal, also for pages that show it in place of an error page."""
    return next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)


def answers_json(view: Callable) -> Callable:
    """Mark a page route called by the pages' own scripts: its refusals are the JSON envelope
    too (a CSRF or scope refusal as well as a broken rule), never an HTML error page."""
    view.answers_json = True  # type: ignore[attr-defined]
    return view


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "answers_json", False)


def error_response(
    status: int,
    code: str,
    message: str,
    errors: dict | None = None,
    headers: dict | None = None,
    extra: dict | None = None,
) -> Response:
    if wants_json():
        body = {"code": code, "message": message}
        if errors:
            body["errors"] = errors
        body.update(extra or {})
        response = jsonify(body)
    else:
        response = Response(
            render_template("error.html", status=status, message=message, errors=errors or {}),
            mimetype="text/html",
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _domain(exc: DomainError) -> Response:
    _discard_session()
    status = status_of(exc)
    extra = getattr(exc, "details", {})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(status, exc.code, exc.message, exc.errors, headers, extra)


def _http(exc: HTTPException) -> Response:
    status = exc.code or 500
    code, message = HTTP_MESSAGES.get(status, ("http_error", exc.name))
    if status == 400 and getattr(exc, "description", None) and "CSRF" in str(exc.description):
        code, message = "csrf", "Phiên làm việc đã hết hạn hoặc thiếu mã CSRF; hãy tải lại trang"
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    retry = getattr(exc, "retry_after", None)
    if retry:
        headers["Retry-After"] = str(retry)
    return error_response(status, code, message, headers=headers)


def _discard_session() -> None:
    """Roll the request's session back so the error page can still read (e.g. the user)."""
    session = g.get("db")
    if session is not None:
        try:
            session.rollback()
        except DBAPIError:
            log.warning("rollback failed", exc_info=True)


def _database(exc: DBAPIError) -> Response:
    log.warning("database unavailable: %s", exc)
    _discard_session()
    code, message = HTTP_MESSAGES[503]
    return error_response(503, code, message, headers={"Retry-After": "5"})


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    _discard_session()
    code, message = HTTP_MESSAGES[500]
    return error_response(500, code, message)


def _refuse_nul() -> None:
    """No address may carry a NUL character: PostgreSQL refuses it in any text it compares."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        raise InvalidInput(
            "Địa chỉ yêu cầu chứa ký tự NUL (%00), không được chấp nhận",
            {"_": ["Không được chứa ký tự NUL"]},
        )


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.register_error_handler(DomainError, _domain)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(OperationalError, _database)
    app.register_error_handler(Exception, _unexpected)
