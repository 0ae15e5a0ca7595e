"""Reading JSON request bodies strictly: one error envelope for every malformed body."""

from __future__ import annotations

import json

from flask import request
from marshmallow import Schema, ValidationError

from election.http.errors import MalformedBody, UnsupportedMediaType


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise MalformedBody(f"Khóa «{key}» xuất hiện hai lần trong JSON", {key: ["Bị lặp lại"]})
        seen[key] = value
    return seen


def _no_constant(name: str) -> object:
    raise MalformedBody(f"JSON không hợp lệ: {name} không phải là số")


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_body() -> object:
    """The parsed body; 415 for another content type, 400 for anything not plain JSON."""
    if not request.is_json:
        raise UnsupportedMediaType()
    raw = request.get_data(cache=True)
    try:
        data = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
        )
        if b"\\u" in raw:
            # A lone surrogate escape ("\ud800") parses but is no text: no database can store it.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
            if b"\\u0000" in raw and _has_nul(data):
                # Nor a NUL ("\u0000"): PostgreSQL refuses it in text.
                raise MalformedBody(
                    "Nội dung chứa ký tự NUL (\\u0000), không được chấp nhận",
                    {"_": ["Không được chứa ký tự NUL"]},
                )
    except MalformedBody:
        raise
    except (UnicodeError, ValueError, RecursionError):
        raise MalformedBody("Nội dung không phải là JSON hợp lệ (UTF-8)") from None
    return data


def flatten(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"votes.A": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = (
                prefix if key == "value" and prefix else f"{prefix}.{key}" if prefix else str(key)
            )
            for k, v in flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list):
        out[prefix or "_"] = [str(m) for m in messages]
    else:
        out[prefix or "_"] = [str(messages)]
    return out


def load(schema: Schema) -> dict:
    """The body validated by ``schema``; 400 with field-level errors otherwise."""
    data = json_body()
    try:
        return schema.load(data)  # type: ignore[arg-type]
    except ValidationError as exc:
        errors = flatten(exc.messages)
        if "_schema" in errors and not isinstance(data, dict):
            errors = {"_": errors.pop("_schema")}
        raise MalformedBody("Dữ liệu gửi lên không hợp lệ; xem lỗi từng trường", errors) from None
