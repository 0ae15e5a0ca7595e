"""Issue 6, hostile input: hundreds of malformed and hostile requests, never a 5xx.

Every case is built by a generator below and runs against a fresh database that
holds the small election and one submitted record (id 1). A refused request
must answer 4xx with the error envelope and a Vietnamese message, and must leave
no record, version, vote, round or audit row behind. A few inputs are legitimate
(an injection string in a free-text field): those are stored verbatim.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from election.models import (
    ApiToken,
    AuditEvent,
    Evidence,
    IdempotencyKey,
    TallyEvidence,
    TallyKeying,
    TallyRecord,
    TallyVersion,
    TallyVote,
    TurnoutReport,
    UnitRound,
)
from tests.api.conftest import PASSWORD, tally_body
from tests.api.test_tallies_api import QH
from tests.api.test_web_board import _login
from tests.api.test_web_tallies import VALID

COUNTED = (AuditEvent, TallyRecord, TallyVersion, TallyVote, TurnoutReport, UnitRound)
COUNTED += (IdempotencyKey, Evidence, TallyEvidence, TallyKeying)
ENVELOPE = {"code", "message", "errors", "id", "problems"}
# Record 1, which corrections, verify and return act on.
RECORD = tally_body("T1A-1", "HDND_TINH")
FIGURES = {k: v for k, v in RECORD.items() if k not in ("voting_area", "contest")}


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = "application/json"
    who: str | None = "officer"
    headers: dict = field(default_factory=dict)
    expect: tuple[int, ...] = (400,)
    # For accepted inputs: (field in GET /tallies/1, expected stored text).
    stored: tuple[str, str] | None = None


def raw(template: dict, name: str, literal: str) -> bytes:
    """``template`` as JSON with ``name`` set to the raw JSON text ``literal``."""
    text = json.dumps({**template, name: "@@HOLE@@"}, ensure_ascii=False)
    return text.replace('"@@HOLE@@"', literal).encode("utf-8")


def dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# Values that are never a count: as raw JSON text, so 1e309 and huge integers reach the parser.
NOT_COUNTS = {
    "true": "true",
    "false": "false",
    "float": "880.5",
    "float_whole": "880.0",
    "exponent": "1e3",
    "1e309": "1e309",
    "minus_1": "-1",
    "ten_million": str(10**7),
    "2pow63": str(2**63),
    "2pow64_neg": str(-(2**64)),
    "5000_digits": "9" * 5000,
    "string": '"880"',
    "fullwidth": '"１２３"',
    "arabic_indic": '"١٢٣"',
    "null": "null",
    "list": "[880]",
    "object": '{"value": 880}',
    "empty_string": '""',
}
COUNT_FIELDS = (
    "voters_on_roll",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)

SQL = "'; DROP TABLE tally_records; --"
INJECTIONS = {
    "sql": SQL,
    "sql_union": "T1A-1' UNION SELECT password_hash FROM users --",
    "html": "<script>alert('x')</script>",
    "template": "{{ config.SECRET_KEY }}{% print(7*7) %}",
    "format": "%s%s%n{0.__class__}",
    "nul": "T1A-1\x00",
    "rtl": "\u202et1a-1",
    "emoji": "🗳️",
}


def tally_type_cases() -> list[Case]:
    cases = []
    for name in (*COUNT_FIELDS, "complaints_received", "expected_vote"):
        for label, literal in NOT_COUNTS.items():
            if name == "expected_vote":
                body = raw(QH, "votes", '{"QH1-1": ' + literal + "}")
            else:
                body = raw(QH, name, literal)
            cases.append(Case(f"tally-{name}-{label}", "POST", "/api/v1/tallies", body))
    for label, literal in (
        ("number", "5"),
        ("null", "null"),
        ("list", '["T1A-1"]'),
        ("object", '{"code": "T1A-1"}'),
        ("true", "true"),
    ):
        for name in ("voting_area", "contest", "votes", "comment", "names_kept"):
            if name == "comment" and label == "null":
                continue  # a null comment is allowed
            if name == "names_kept" and label in ("null", "list"):
                continue
            cases.append(
                Case(f"tally-{name}-{label}", "POST", "/api/v1/tallies", raw(QH, name, literal))
            )
    return cases


def tally_text_cases() -> list[Case]:
    cases = []
    for label, text in INJECTIONS.items():
        # In a code it is simply an unknown (or over-long, or foreign) voting area or contest.
        for name in ("voting_area", "contest"):
            cases.append(
                Case(
                    f"code-{name}-{label}",
                    "POST",
                    "/api/v1/tallies",
                    dumps({**QH, name: text}),
                    expect=(400, 403, 404),
                )
            )
        cases.append(
            Case(
                f"vote-key-{label}",
                "POST",
                "/api/v1/tallies",
                dumps({**QH, "votes": {**QH["votes"], text: 1}}),
                expect=(400, 404, 422),
            )
        )
    for label, text in (
        ("fullwidth_code", "Ｔ1A-1"),
        ("long_code", "T" * 10_000),
        ("lone_surrogate", "\ud800"),
        ("unicode_contest", "QH\u0301"),
    ):
        body = json.dumps({**QH, "voting_area": text}).encode()  # ascii escapes
        cases.append(
            Case(
                f"code-voting_area-{label}", "POST", "/api/v1/tallies", body, expect=(400, 403, 404)
            )
        )
    cases.append(
        Case(
            "tally-unknown-field",
            "POST",
            "/api/v1/tallies",
            dumps({**QH, "id": 99, "status": "verified"}),
        )
    )
    cases.append(
        Case(
            "tally-nested-unknown",
            "POST",
            "/api/v1/tallies",
            dumps({**QH, "__proto__": {"admin": True}}),
        )
    )
    cases.append(
        Case(
            "tally-too-many-candidates",
            "POST",
            "/api/v1/tallies",
            dumps({**QH, "votes": {f"X{i}": 0 for i in range(500)}}),
        )
    )
    return cases


# Where each POST route's body goes, who may call it, and a valid body to spoil.
POSTS = {
    "tallies": ("/api/v1/tallies", "officer", QH),
    "corrections": (
        "/api/v1/tallies/1/corrections",
        "officer",
        {**FIGURES, "reason": "Sửa lỗi", "expected_version": 1},
    ),
    "verify": ("/api/v1/tallies/1/verify", "reviewer", {"expected_version": 1}),
    "return": ("/api/v1/tallies/1/return", "reviewer", {"reason": "Sai số"}),
    "rounds": ("/api/v1/units/QH1/rounds", "board", {"kind": "additional"}),
    "turnout": (
        "/api/v1/turnout",
        "officer",
        {"voting_area": "T1A-1", "contest": "QH", "time": "10:00", "voters_voted": 100},
    ),
}

MALFORMED: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b"   \n",
    "null": b"null",
    "array": b"[]",
    "number": b"1",
    "string": b'"x"',
    "unclosed": b"{",
    "trailing_garbage": b'{"expected_version": 1} x',
    "two_documents": b"{}{}",
    "bom": b"\xef\xbb\xbf{}",
    "invalid_utf8": b'{"reason": "\xff\xfe"}',
    "overlong_utf8": b'{"reason": "\xc0\xaf"}',
    "utf16": '{"reason": "x"}'.encode("utf-16"),
    "nan": b'{"expected_version": NaN}',
    "infinity": b'{"expected_version": -Infinity}',
    "single_quotes": b"{'expected_version': 1}",
    "comment": b'{"expected_version": 1 /* x */}',
    "deep_arrays": b"[" * 10_000 + b"]" * 10_000,
    "deep_objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "duplicate_keys": b'{"reason": "a", "reason": "b", "expected_version": 1}',
    "nested_duplicate": b'{"votes": {"QH1-1": 1, "QH1-1": 2}}',
}


# A whole-number field of each route (rounds has none).
NUMERIC = {
    "tallies": "voters_voted",
    "corrections": "ballots_valid",
    "verify": "expected_version",
    "return": "expected_version",
    "turnout": "voters_voted",
}


def malformed_cases() -> list[Case]:
    cases = []
    for route, (path, who, _valid) in POSTS.items():
        for label, body in MALFORMED.items():
            cases.append(Case(f"{route}-{label}", "POST", path, body, who=who))
        # Fields this route does not know, and the wrong type for the whole body.
        cases.append(
            Case(f"{route}-unknown-field", "POST", path, dumps({**_valid, "x": 1}), who=who)
        )
        name = NUMERIC.get(route)
        for label, value in (("1e309", "1e309"), ("2pow63", str(2**63)), ("fullwidth", '"１"')):
            if name:
                cases.append(
                    Case(
                        f"{route}-{name}-first-{label}",
                        "POST",
                        path,
                        raw(_valid, name, value),
                        who=who,
                    )
                )
    for label, literal in NOT_COUNTS.items():
        for route in ("verify", "corrections"):
            path, who, valid = POSTS[route]
            cases.append(
                Case(
                    f"{route}-expected_version-{label}",
                    "POST",
                    path,
                    raw(valid, "expected_version", literal),
                    who=who,
                )
            )
    for label, literal in (
        ("null", "null"),
        ("number", "1"),
        ("blank", '"  "'),
        ("long", '"' + "x" * 2001 + '"'),
    ):
        path, who, valid = POSTS["return"]
        cases.append(
            Case(f"return-reason-{label}", "POST", path, raw(valid, "reason", literal), who=who)
        )
    for label, literal in (("unknown", '"forever"'), ("number", "1"), ("sql", json.dumps(SQL))):
        path, who, valid = POSTS["rounds"]
        cases.append(
            Case(f"rounds-kind-{label}", "POST", path, raw(valid, "kind", literal), who=who)
        )
    for label, literal in (
        ("25h", '"25:00"'),
        ("seconds", '"10:00:00"'),
        ("fullwidth", '"１０:００"'),
        ("newline", '"10:00\\n"'),
        ("number", "1000"),
    ):
        path, who, valid = POSTS["turnout"]
        cases.append(
            Case(
                f"turnout-time-{label}",
                "POST",
                path,
                raw(valid, "time", literal),
                who=who,
                expect=(400, 422),
            )
        )
    return cases


def transport_cases() -> list[Case]:
    cases = []
    for route, (path, who, valid) in POSTS.items():
        body = dumps(valid)
        for label, content_type in (
            ("text_plain", "text/plain"),
            ("form", "application/x-www-form-urlencoded"),
            ("multipart", "multipart/form-data; boundary=x"),
            ("xml", "application/xml"),
            ("none", None),
        ):
            cases.append(
                Case(f"{route}-ct-{label}", "POST", path, body, content_type, who, expect=(415,))
            )
        big = b'{"reason": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        cases.append(Case(f"{route}-2MB", "POST", path, big, who=who, expect=(413,)))
        cases.append(
            Case(
                f"{route}-GET", "GET" if route != "turnout" else "PUT", path, who=who, expect=(405,)
            )
        )
    return cases


PATH_TRICKS = {
    "dotdot_encoded": "..%2F..%2Fetc%2Fpasswd",
    "nul": "T1%00",
    "long": "A" * 5000,
    "unicode": "T%EF%BC%91",  # full-width 1
    "bad_percent": "%ff%fe",
    "overlong_slash": "%c0%af",
    "sql": "T1'%20OR%20'1'='1",
    "html": "%3Cscript%3E",
    "template": "%7B%7B7*7%7D%7D",
    "space": "%20",
}
CODE_ROUTES = {
    "areas": "/api/v1/areas/{}",
    "units": "/api/v1/units/{}",
    "voting_areas": "/api/v1/voting-areas/{}",
    "results_areas": "/api/v1/results/areas/{}?contest=QH",
    "results_units": "/api/v1/results/units/{}",
    "forms_kind": "/api/v1/forms/{}?contest=QH&scope=T1A-1",
    "forms_ward": "/api/v1/forms/ward/{}?contest=QH",
    "verify_code": "/api/v1/verify/{}",
    "tallies": "/api/v1/tallies/{}",
}


def path_cases() -> list[Case]:
    cases = []
    for route, pattern in CODE_ROUTES.items():
        for label, code in PATH_TRICKS.items():
            cases.append(
                Case(
                    f"{route}-{label}",
                    "GET",
                    pattern.format(code),
                    None,
                    None,
                    "board",
                    expect=(400, 404),
                )
            )
    for label, code in PATH_TRICKS.items():
        cases.append(
            Case(
                f"rounds-{label}",
                "POST",
                f"/api/v1/units/{code}/rounds",
                b'{"kind": "additional"}',
                who="board",
                expect=(400, 404),
            )
        )
    cases.append(
        Case(
            "results-areas-dotdot",
            "GET",
            "/api/v1/results/areas/../../etc",
            None,
            None,
            "board",
            expect=(404,),
        )
    )
    cases.append(
        Case(
            "open-dotdot",
            "GET",
            "/api/v1/open/..%2Fopenapi.json",
            None,
            None,
            "board",
            expect=(404,),
        )
    )
    cases.append(
        Case("tallies-negative", "GET", "/api/v1/tallies/-1", None, None, "board", expect=(404,))
    )
    cases.append(
        Case(
            "tallies-2pow63", "GET", f"/api/v1/tallies/{2**63}", None, None, "board", expect=(404,)
        )
    )
    cases.append(
        Case(
            "tallies-fullwidth",
            "GET",
            "/api/v1/tallies/%EF%BC%91",
            None,
            None,
            "board",
            # Werkzeug's int converter reads any Unicode digit: "１" is record 1. Harmless.
            expect=(200, 404),
        )
    )
    return cases


QUERY_TRICKS = {
    "empty": "",
    "sql": "QH'%20OR%201=1--",
    "fullwidth": "%EF%BC%91%EF%BC%92",
    "arabic": "%D9%A1%D9%A2",
    "superscript": "%C2%B2",
    "huge": "9" * 5000,
    "2pow63": str(2**63),
    "minus": "-1",
    "float": "1.5",
    "nul": "%00",
    "bad_percent": "%ff",
}
QUERY_ROUTES = {
    "results_contest": "/api/v1/results/areas/T1?contest={}",
    "progress_area": "/api/v1/progress?area={}",
    "turnout_area": "/api/v1/turnout?area={}",
    "audit_after": "/api/v1/audit?after={}",
    "audit_limit": "/api/v1/audit?limit={}",
    "forms_round": "/api/v1/forms/unit-record?contest=QH&scope=QH1&round={}",
    "forms_contest": "/api/v1/forms/count-record?contest={}&scope=T1A-1",
    "forms_scope": "/api/v1/forms/count-record?contest=QH&scope={}",
    "ward_contest": "/api/v1/forms/ward/T1A?contest={}",
}


def query_cases() -> list[Case]:
    return [
        Case(
            f"{route}-{label}",
            "GET",
            pattern.format(value),
            None,
            None,
            "board",
            # An empty argument means "not given" (the city, the latest round).
            expect=(200, 400, 404, 422) if label == "empty" else (400, 404, 422),
        )
        for route, pattern in QUERY_ROUTES.items()
        for label, value in QUERY_TRICKS.items()
    ]


AUTH_TRICKS = {
    "missing": None,
    "basic": "Basic b2ZmaWNlcjpwdw==",
    "bearer_only": "Bearer",
    "bearer_blank": "Bearer    ",
    "wrong_token": "Bearer not-a-token",
    "huge_token": "Bearer " + "x" * 100_000,
    "token_sql": f"Bearer {SQL}",
    "token_unicode": "Bearer tôken-giả",
    "digest": 'Digest username="admin"',
    "two_schemes": "Bearer a, Basic b",
}
AUTH_ROUTES = {
    "whoami": ("GET", "/api/v1/whoami"),
    "tallies": ("POST", "/api/v1/tallies"),
    "audit": ("GET", "/api/v1/audit"),
    "open_records": ("GET", "/api/v1/open/records.csv"),
    "nist": ("GET", "/api/v1/open/nist-results.json"),
}


def header_cases() -> list[Case]:
    cases = []
    for route, (method, path) in AUTH_ROUTES.items():
        for label, header in AUTH_TRICKS.items():
            headers = {} if header is None else {"Authorization": header}
            body = dumps(QH) if method == "POST" else None
            cases.append(
                Case(
                    f"{route}-{label}", method, path, body, who=None, headers=headers, expect=(401,)
                )
            )
    for label, key in (("blank", " "), ("huge", "k" * 10_000)):
        cases.append(
            Case(
                f"idempotency-{label}",
                "POST",
                "/api/v1/tallies",
                dumps(QH),
                headers={"Idempotency-Key": key},
            )
        )
    # Roles outside their rights.
    cases.append(
        Case("audit-as-officer", "GET", "/api/v1/audit", None, None, "officer", expect=(403,))
    )
    cases.append(
        Case(
            "nist-as-officer",
            "GET",
            "/api/v1/open/nist-results.json",
            None,
            None,
            "officer",
            expect=(403,),
        )
    )
    cases.append(
        Case(
            "rounds-as-officer",
            "POST",
            "/api/v1/units/QH1/rounds",
            b'{"kind": "additional"}',
            expect=(403,),
        )
    )
    cases.append(
        Case(
            "turnout-as-board",
            "POST",
            "/api/v1/turnout",
            dumps(POSTS["turnout"][2]),
            who="board",
            expect=(403,),
        )
    )
    return cases


BOUNDARY = "hostile-boundary"


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = BOUNDARY) -> bytes:
    """A multipart/form-data body of (field, filename or None, content) parts."""
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def _png_header(width: int, height: int) -> bytes:
    """A PNG signature and an IHDR chunk claiming ``width`` × ``height``, and nothing else."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def evidence_cases() -> list[Case]:
    """Uploads that are not a photo or scan of a record: 415, 400 or 413, nothing stored."""
    path = "/api/v1/tallies/1/evidence"
    form = f"multipart/form-data; boundary={BOUNDARY}"
    files = {
        "svg-script": (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            415,
        ),
        "html": (b"<!doctype html><script>alert(1)</script>", 415),
        "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 415),
        "elf": (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, 415),
        "zip": (b"PK\x03\x04" + b"\x00" * 60, 415),
        "empty": (b"", 415),
        "jpeg-truncated": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", 415),
        "png-truncated": (_png_header(10, 10), 415),
        "png-bomb-dimensions": (_png_header(100_000, 100_000), 415),
        "pdf-no-objects": (b"%PDF-1.4\n%%EOF\n", 415),
        "pdf-garbage": (b"%PDF-1.7\n" + b"\x00\xff" * 200, 415),
        "text-as-jpeg": (b"just some text pretending", 415),
    }
    cases = [
        Case(
            f"evidence-{name}",
            "POST",
            path,
            multipart([("file", "anh.jpg", data)]),
            form,
            expect=(status,),
        )
        for name, (data, status) in files.items()
    ]
    cases += [
        Case(
            f"evidence-name-{i}",
            "POST",
            path,
            multipart([("file", name, b"GIF89a")]),
            form,
            expect=(415,),
        )
        for i, name in enumerate(("../../etc/passwd", "a\x00.jpg", "x" * 5000, "", "anh.php.jpg"))
    ]
    cases += [
        Case("evidence-no-file-field", "POST", path, multipart([("other", None, b"x")]), form),
        Case("evidence-file-as-text", "POST", path, multipart([("file", None, b"\xff\xd8")]), form),
        Case("evidence-json", "POST", path, b"{}", "application/json", expect=(415,)),
        Case(
            "evidence-no-boundary", "POST", path, b"--x\r\n", "multipart/form-data", expect=(400,)
        ),
        Case(
            "evidence-wrong-boundary",
            "POST",
            path,
            multipart([("file", "a.jpg", b"GIF89a")], "other"),
            form,
            expect=(400,),
        ),
        Case(
            "evidence-too-large",
            "POST",
            path,
            multipart([("file", "a.jpg", b"\xff" * (11 << 20))]),
            form,
            expect=(413,),
        ),
        Case(
            "evidence-board",
            "POST",
            path,
            multipart([("file", "a.jpg", b"GIF89a")]),
            form,
            who="board",
            expect=(403,),
        ),
        Case(
            "evidence-anonymous",
            "POST",
            path,
            multipart([("file", "a.jpg", b"GIF89a")]),
            form,
            who=None,
            expect=(401,),
        ),
        Case("evidence-get-short-hash", "GET", "/api/v1/evidence/abc", None, None, expect=(404,)),
        Case(
            "evidence-get-unknown", "GET", "/api/v1/evidence/" + "f" * 64, None, None, expect=(404,)
        ),
        Case(
            "evidence-get-traversal",
            "GET",
            "/api/v1/evidence/..%2F..%2Fetc%2Fpasswd",
            None,
            None,
            expect=(404,),
        ),
    ]
    keyings = "/api/v1/tallies/1/keyings"
    cases += [
        Case("keying-not-required", "POST", keyings, dumps(FIGURES), who="reviewer", expect=(409,)),
        Case("keying-officer", "POST", keyings, dumps(FIGURES), expect=(403,)),
        Case("keying-malformed", "POST", keyings, b"{", who="reviewer"),
        Case(
            "keying-negative",
            "POST",
            keyings,
            dumps({**FIGURES, "ballots_valid": -1}),
            who="reviewer",
        ),
        Case("keying-unknown-field", "POST", keyings, dumps({**FIGURES, "x": 1}), who="reviewer"),
    ]
    return cases


def accepted_cases() -> list[Case]:
    """Injection strings in free text are data: stored as sent, never interpreted."""
    path, who, valid = POSTS["corrections"]
    cases = [
        Case(
            f"correction-reason-{label}",
            "POST",
            path,
            dumps({**valid, "reason": text}),
            who=who,
            expect=(201,),
            stored=("reason", text),
        )
        for label, text in INJECTIONS.items()
        if label != "nul"
    ]
    cases += [
        Case(
            f"correction-comment-{label}",
            "POST",
            path,
            dumps({**valid, "comment": text}),
            who=who,
            expect=(201,),
            stored=("comment", text),
        )
        for label, text in INJECTIONS.items()
        if label in ("sql", "html", "template")
    ]
    return cases


FAMILIES = {
    "tally-field-types": tally_type_cases(),
    "tally-codes-and-text": tally_text_cases(),
    "malformed-bodies": malformed_cases(),
    "content-types-and-sizes": transport_cases(),
    "path-tricks": path_cases(),
    "query-arguments": query_cases(),
    "headers-and-roles": header_cases(),
    "evidence-and-keying": evidence_cases(),
}
CASES = [case for cases in FAMILIES.values() for case in cases] + accepted_cases()


def test_the_corpus_is_large_and_its_names_are_unique():
    assert len(CASES) >= 200
    assert len({c.id for c in CASES}) == len(CASES)


def _counts(app) -> dict[str, int]:
    with app.extensions["election.sessions"]() as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


@pytest.fixture
def with_record(app, client, logins):
    """The small election with record 1 (HĐND thành phố, T1A-1) submitted by the officer.

    The QH record of T1A-1 is still free, so a hostile tally that got past validation
    would be stored (201) and show up as a failure.
    """
    response = client.post("/api/v1/tallies", json=RECORD, headers=logins.headers("officer"))
    assert response.status_code == 201
    return logins


def _send(client, logins, case: Case):
    headers = dict(logins.headers(case.who)) if case.who else {}
    headers.update(case.headers)
    kwargs: dict = {"headers": headers}
    if case.body is not None:
        kwargs["data"] = case.body
    if case.content_type is not None and case.body is not None:
        kwargs["content_type"] = case.content_type
    return client.open(case.path, method=case.method, **kwargs)


def _is_vietnamese(text: object) -> bool:
    return isinstance(text, str) and bool(text.strip()) and any(ord(ch) > 127 for ch in text)


def _problem(app, client, logins, case: Case) -> str | None:
    """What is wrong with the answer to ``case``, or None."""
    before = _counts(app)
    response = _send(client, logins, case)
    status, head = response.status_code, response.get_data()[:300]
    if status not in case.expect:
        return f"{case.id}: {status} not in {case.expect}: {head!r}"
    if status < 400:
        return None
    body = response.get_json(silent=True)
    if response.mimetype != "application/json" or not isinstance(body, dict):
        return f"{case.id}: not a JSON envelope: {head!r}"
    if not set(body) <= ENVELOPE or not isinstance(body.get("code"), str) or not body["code"]:
        return f"{case.id}: not the error envelope: {body}"
    if not _is_vietnamese(body.get("message")):
        return f"{case.id}: message not Vietnamese: {body.get('message')!r}"
    errors = body.get("errors", {})
    if not isinstance(errors, dict) or not all(isinstance(v, list) for v in errors.values()):
        return f"{case.id}: errors not {{field: [messages]}}: {errors!r}"
    after = _counts(app)
    if after != before:
        return f"{case.id}: rows written by a refused request: {before} -> {after}"
    return None


@pytest.mark.parametrize("family", FAMILIES)
def test_hostile_requests_get_4xx_and_the_envelope_and_write_nothing(
    app, client, with_record, family
):
    problems = [_problem(app, client, with_record, case) for case in FAMILIES[family]]
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} of {len(FAMILIES[family])}:\n" + "\n".join(problems)


@pytest.mark.parametrize("case", accepted_cases(), ids=lambda c: c.id)
def test_injection_strings_in_free_text_are_stored_verbatim(app, client, with_record, case):
    response = _send(client, with_record, case)
    assert response.status_code == 201, response.get_json()
    name, text = case.stored
    record = client.get("/api/v1/tallies/1", headers=with_record.headers("board")).get_json()
    assert record["versions"][-1][name] == text
    assert record[name if name != "reason" else "comment"] == (text if name == "comment" else None)


def _streamed(path: str, body: bytes, headers: dict) -> dict:
    """A WSGI environ as gunicorn makes for a chunked body: no CONTENT_LENGTH, input terminated."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, method="POST", headers=headers).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.input_terminated"] = True
    return environ


def _run(app, environ) -> tuple[int, bytes]:
    from werkzeug.test import run_wsgi_app

    chunks, status, _headers = run_wsgi_app(app, environ)
    return int(status.split()[0]), b"".join(chunks)


def test_a_chunked_body_over_the_limit_is_refused_not_cut(app, with_record):
    # Issue 15: Werkzeug cut such a body at 1 MB and handed the rest on to the parser.
    before = _counts(app)
    body = json.dumps({**tally_body("T1A-1"), "comment": "x" * (1024 * 1024)}).encode()
    headers = {**with_record.headers("officer"), "Content-Type": "application/json"}
    status, answer = _run(app, _streamed("/api/v1/tallies", body, headers))
    assert status == 413
    assert json.loads(answer)["code"] == "too_large"
    assert _counts(app) == before


def test_a_chunked_body_within_the_limit_is_read_whole(app, client, with_record):
    body = json.dumps(tally_body("T1A-1")).encode()
    headers = {**with_record.headers("officer"), "Content-Type": "application/json"}
    status, answer = _run(app, _streamed("/api/v1/tallies", body, headers))
    assert status == 201, answer
    assert json.loads(answer)["version"] == 1


# Issue 20: the setup page's uploads (a page session, a CSRF token in the body).
CSRF_HOLE = b"@@CSRF@@"
ROLL_HEADER = b"voting_area,seq,full_name,date_of_birth,gender,residence,residence_type,note\n"


def upload_cases() -> list[Case]:
    """Setup workbooks and rolls that must not be kept: 4xx, a Vietnamese page, no job."""
    form = f"multipart/form-data; boundary={BOUNDARY}"
    rolls, workbook = "/admin/setup/rolls", "/admin/setup/workbook"

    def body(name: str | None, data: bytes, field: str = "file") -> bytes:
        return multipart([("csrf_token", None, CSRF_HOLE), (field, name, data)])

    files = {
        "pdf-named": ("ds.pdf", b"%PDF-1.4\n%%EOF\n", 415),
        "zip-as-xlsx": ("ds.xlsx", b"PK\x03\x04" + b"\x00" * 60, 415),
        "binary-csv": ("ds.csv", b"\xff\xfe\x00\x00" * 50, 415),
        "no-name-suffix": ("danh-sach", ROLL_HEADER, 415),
        "empty": ("ds.csv", b"", 422),
        "header-only": ("ds.csv", ROLL_HEADER, 422),
        "missing-columns": ("ds.csv", b"voting_area,seq\nT1A-1,1\n", 422),
        "unknown-area": ("ds.csv", ROLL_HEADER + b"T9-9,1,A,1980-01-01,Nam,x,thuong_tru,\n", 422),
        "sql-area": (
            "ds.csv",
            ROLL_HEADER + SQL.encode() + b",1,A,1980-01-01,Nam,x,thuong_tru,\n",
            422,
        ),
        "bad-seq": ("ds.csv", ROLL_HEADER + b"T1A-1,-1,A,1980-01-01,Nam,x,thuong_tru,\n", 422),
        "bad-date": ("ds.csv", ROLL_HEADER + b"T1A-1,1,A,1980-02-30,Nam,x,thuong_tru,\n", 422),
        "traversal-name": (
            "../../etc/passwd.csv",
            ROLL_HEADER + b"T9-9,1,A,1980-01-01,Nam,x,x,\n",
            422,
        ),
        "nul-name": ("a\x00.csv", ROLL_HEADER, 422),
        "long-name": ("x" * 5000 + ".csv", ROLL_HEADER, 422),
    }
    cases = [
        Case(f"roll-{label}", "POST", rolls, body(name, data), form, who="admin", expect=(status,))
        for label, (name, data, status) in files.items()
    ]
    cases += [
        # The election is loaded: a setup workbook is refused before it is read.
        Case(
            "setup-into-loaded",
            "POST",
            workbook,
            body("tl.xlsx", b"x"),
            form,
            "admin",
            expect=(409,),
        ),
        Case("roll-no-file-field", "POST", rolls, body(None, b"x", "other"), form, "admin"),
        Case("roll-file-as-text", "POST", rolls, body(None, ROLL_HEADER), form, "admin"),
        Case(
            "roll-no-csrf",
            "POST",
            rolls,
            multipart([("file", "ds.csv", ROLL_HEADER)]),
            form,
            "admin",
        ),
        Case("roll-json", "POST", rolls, b"{}", "application/json", "admin"),
        Case("roll-no-boundary", "POST", rolls, b"--x\r\n", "multipart/form-data", "admin"),
        Case(
            "roll-too-large",
            "POST",
            rolls,
            body("ds.csv", b"x" * (2 << 20)),
            form,
            "admin",
            expect=(413,),
        ),
        Case(
            "roll-officer",
            "POST",
            rolls,
            body("ds.csv", ROLL_HEADER),
            form,
            "officer",
            expect=(403,),
        ),
        Case(
            "roll-board", "POST", rolls, body("ds.csv", ROLL_HEADER), form, "board", expect=(403,)
        ),
        Case(
            "setup-reviewer",
            "POST",
            workbook,
            body("tl.xlsx", b"x"),
            form,
            "reviewer",
            expect=(403,),
        ),
        Case(
            "apply-unknown",
            "POST",
            "/admin/setup/jobs/7/apply",
            body(None, b"", "x"),
            form,
            "admin",
            expect=(404,),
        ),
        Case(
            "apply-huge-id",
            "POST",
            "/admin/setup/jobs/99999999999/apply",
            body(None, b"", "x"),
            form,
            "admin",
            expect=(404,),
        ),
        Case("job-negative-id", "GET", "/admin/setup/jobs/-1", None, None, "admin", expect=(404,)),
        Case("status-unknown", "GET", "/admin/imports/7", None, None, "admin", expect=(404,)),
        Case(
            "status-traversal",
            "GET",
            "/admin/imports/..%2F..%2Fetc",
            None,
            None,
            "admin",
            expect=(404,),
        ),
        Case("status-officer", "GET", "/admin/imports/7", None, None, "officer", expect=(403,)),
    ]
    return cases


UPLOAD_CASES = upload_cases()


def test_upload_case_names_are_unique():
    assert len({c.id for c in UPLOAD_CASES}) == len(UPLOAD_CASES) >= 30


def test_hostile_uploads_on_the_setup_page_get_4xx_and_keep_nothing(app, client, with_record):
    from pathlib import Path

    from election.models import ImportJob, Voter
    from tests.api.test_web_board import _login

    app.config["ROLL_UPLOAD_MAX_MB"] = 1
    counted = (*COUNTED, ImportJob, Voter)

    def counts() -> dict[str, int]:
        with app.extensions["election.sessions"]() as session:
            return {
                m.__name__: session.scalar(select(func.count()).select_from(m)) for m in counted
            }

    problems = []
    for who in ("admin", "officer", "board", "reviewer"):
        client.get("/logout")
        _login(client, who)
        page = client.get("/password").get_data(as_text=True)
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0].encode()
        for case in (c for c in UPLOAD_CASES if c.who == who):
            before = counts()
            kwargs: dict = {}
            if case.body is not None:
                kwargs = {
                    "data": case.body.replace(CSRF_HOLE, token),
                    "content_type": case.content_type,
                }
            response = client.open(case.path, method=case.method, **kwargs)
            text = response.get_data(as_text=True)
            if response.status_code not in case.expect:
                problems.append(f"{case.id}: {response.status_code} not in {case.expect}")
            elif not _is_vietnamese(text):
                problems.append(f"{case.id}: no Vietnamese message")
            elif counts() != before:
                problems.append(f"{case.id}: rows written: {before} -> {counts()}")
    assert not problems, "\n".join(problems)
    assert list(Path(app.config["IMPORT_DIR"]).glob("*")) == []  # nothing kept on disk either


# The officer's web forms (issue #20 item 4): hostile values in the fields of the review step
# and of the turnout form get a 4xx page with a Vietnamese message, write nothing, and keep
# no figures in the session for the review page.
WEB_FIELD_VALUES = {
    # '"880"' is a JSON string; in a form field 880 is a count like any other.
    **{f"not-count-{k}": v.strip('"') for k, v in NOT_COUNTS.items() if k != "string"},
    **{f"injection-{label}": text for label, text in INJECTIONS.items()},
    "dotted-wrong": "1.00",
    "comma": "1,000",
    "leading-dot": ".900",
    "over-max": "1.000.001",
    "nbsp": "9\u00a000\u00a0000",
}
REVIEW = "/tally/T1A-1/QH/review"


def _web_officer(client) -> str:
    """Sign in as the officer through the login form; the CSRF token of its pages."""

    def token(page: str) -> str:
        html = client.get(page).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    form = {"username": "officer", "password": PASSWORD, "csrf_token": token("/login")}
    assert client.post("/login", data=form).status_code == 302
    return token("/")


def _web_cases() -> list[tuple[str, str, dict[str, str], str]]:
    """(id, path, form, the field the hostile value is in)."""
    base = VALID  # a valid QH record of T1A-1 as typed in the form
    cases = []
    for label, value in WEB_FIELD_VALUES.items():
        for name in ("voters_voted", "votes.QH1-2"):
            cases.append((f"review-{name}-{label}", REVIEW, {**base, name: value}, name))
        if value:  # an empty form is refused as a whole (test_web_officer_phone.py)
            name = "voters_voted.QH"
            form = {"time": "11:00", name: value}
            cases.append((f"turnout-{label}", "/turnout/report", form, name))
    for label, value in INJECTIONS.items():
        form = {"time": value, "voters_voted.QH": "100"}
        cases.append((f"turnout-time-{label}", "/turnout/report", form, "time"))
    return cases


WEB_CASES = _web_cases()


def test_hostile_values_in_the_officers_web_forms_get_a_field_error_and_write_nothing(
    app, client, with_record
):
    csrf = _web_officer(client)
    problems = []
    for case_id, path, form, name in WEB_CASES:
        before = _counts(app)
        response = client.post(path, data={**form, "csrf_token": csrf})
        page = response.get_data(as_text=True)
        if not 400 <= response.status_code < 500:
            problems.append(f"{case_id}: {response.status_code}")
        elif 'class="error-summary"' not in page or not re.search(
            rf'name="{re.escape(name)}"[^>]*aria-invalid="true"', page
        ):
            problems.append(f"{case_id}: no message for the field {name}")
        elif _counts(app) != before:
            problems.append(f"{case_id}: rows written")
        elif path.endswith("/review") and client.get(path).status_code != 302:
            problems.append(f"{case_id}: figures kept for the review page")
    assert len(WEB_CASES) > 80
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("trick", list(PATH_TRICKS))
def test_path_tricks_on_the_review_page_get_4xx(client, with_record, trick):
    _web_officer(client)
    response = client.get(f"/tally/{PATH_TRICKS[trick]}/QH/review")
    assert 400 <= response.status_code < 500, response.status_code


# The admin's users page (issue 20): HTML forms behind a session and a CSRF token, so its
# cases are sent by the signed-in admin with the page's token. Refused, each answers a 4xx
# page with a Vietnamese message and leaves no user, token, audit event or login failure.
@dataclass(frozen=True)
class PageCase:
    id: str
    path: str
    form: dict = field(default_factory=dict)
    # (filename, content) of the teams form's sheet upload, sent as multipart/form-data.
    sheet: tuple[str, bytes] | None = None
    expect: tuple[int, ...] = (400,)


USERS = "/admin/users"
TEAMS = "/admin/users/teams"
SHEET_HEADER = b"username,full_name,role,area\n"


def users_page_cases() -> list[PageCase]:
    cases = []
    for label, text in INJECTIONS.items():
        cases += [
            PageCase(f"user-username-{label}", USERS, {"username": text, "role": "board"}),
            PageCase(f"user-role-{label}", USERS, {"username": "kt.moi", "role": text}),
            PageCase(
                f"user-area-{label}",
                USERS,
                {"username": "kt.moi", "role": "officer", "area": text},
                expect=(400, 404),
            ),
            PageCase(f"teams-area-{label}", TEAMS, {"team_area": text}, expect=(400, 404)),
            PageCase(
                f"scope-area-{label}",
                f"{USERS}/2/scope",
                {"role": "reviewer", "area": text},
                expect=(400, 404),
            ),
            PageCase(
                f"sheet-username-{label}",
                TEAMS,
                {"team_area": "T1A"},
                ("ds.csv", SHEET_HEADER + f"{text},Tên,reviewer,T1A\n".encode()),
            ),
        ]
    cases += [
        PageCase("user-username-newline", USERS, {"username": "kt.\nmoi", "role": "board"}),
        PageCase("user-username-5000", USERS, {"username": "a" * 5000, "role": "board"}),
        PageCase(
            "user-full-name-nul",
            USERS,
            {"username": "kt.moi", "role": "board", "full_name": "A\x00"},
        ),
        PageCase("user-empty", USERS, {}),
        PageCase("user-duplicate", USERS, {"username": "officer", "role": "board"}, expect=(409,)),
        PageCase("teams-no-area", TEAMS, {}, expect=(404,)),
        PageCase("teams-area-5000", TEAMS, {"team_area": "T" * 5000}, expect=(404,)),
        PageCase("scope-no-role", f"{USERS}/2/scope", {}),
        PageCase("scope-admin-self", f"{USERS}/5/scope", {"role": "board"}, expect=(409,)),
        PageCase("deactivate-self", f"{USERS}/5/deactivate", expect=(409,)),
        PageCase("reactivate-active", f"{USERS}/2/reactivate", expect=(409,)),
        PageCase("service-reset", f"{USERS}/6/reset", expect=(409,)),
        PageCase("service-scope", f"{USERS}/6/scope", {"role": "board"}, expect=(409,)),
    ]
    cases += [
        PageCase(
            f"{action}-{label}", f"{USERS}/{number}/{action}", {"role": "board"}, expect=(404,)
        )
        for action in ("reset", "unlock", "deactivate", "reactivate", "scope")
        for label, number in (("zero", "0"), ("negative", "-1"), ("huge", "9" * 12), ("text", "x"))
    ]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\x00" * (64 << 20))
    sheets = {
        "zip-bomb.xlsx": bomb.getvalue(),
        "zip-garbage.xlsx": b"PK\x03\x04" + b"\x00" * 200,
        "not-zip.xlsx": b"just text",
        "pdf.csv": b"%PDF-1.4\n\xff\xfe\x00\x01",
        "utf16.csv": "username,full_name,role,area\n".encode("utf-16"),
        "script.html": b"<script>alert(1)</script>",
        "../../etc/passwd": SHEET_HEADER + b"kt.a,A,reviewer,T1A\n",
        "no-columns.csv": b"a,b,c\n1,2,3\n",
        "empty.csv": b"",
        "nul-name.csv": SHEET_HEADER + b"kt.a,A\x00B,reviewer,T1A\n",
        "nul-area.csv": SHEET_HEADER + b"kt.a,A,reviewer,T1A\x00\n",
        "long-area.csv": SHEET_HEADER + b"kt.a,A,reviewer," + b"T" * 5000 + b"\n",
        "admin-role.csv": SHEET_HEADER + b"kt.a,A,admin,\n",
        "outside.csv": SHEET_HEADER + b"kt.a,A,reviewer,T2A\n",
        "too-many-rows.csv": SHEET_HEADER
        + b"".join(b"kt.%d,A,reviewer,T1A\n" % n for n in range(2001)),
        "quote-open.csv": SHEET_HEADER + b'"kt.a,A,reviewer,T1A\n',
    }
    cases += [
        PageCase(f"sheet-{name}", TEAMS, {"team_area": "T1A"}, (name, data))
        for name, data in sheets.items()
    ]
    cases += [
        PageCase(
            "sheet-too-large", TEAMS, {"team_area": "T1A"}, ("big.csv", b"x" * (2 << 20)), (413,)
        ),
    ]
    return cases


USERS_PAGE_CASES = users_page_cases()


def _page_counts(app) -> dict[str, int]:
    from election.models import ApiToken, LoginFailure, User

    with app.extensions["election.sessions"]() as session:
        return {
            m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (User, ApiToken, AuditEvent, LoginFailure)
        }


def _page_problem(app, client, token: str, case: PageCase) -> str | None:
    import re

    before = _page_counts(app)
    # A body built here, not by the test client, which leaves a large one's spooled file open.
    parts = [(k, None, str(v).encode()) for k, v in {"csrf_token": token, **case.form}.items()]
    if case.sheet is not None:
        name, content = case.sheet
        parts.append(("sheet", name, content))
    response = client.post(
        case.path,
        data=multipart(parts),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    status, html = response.status_code, response.get_data(as_text=True)
    if status not in case.expect:
        return f"{case.id}: {status} not in {case.expect}"
    message = re.search(r'<p class="error" role="alert">([^<]+)</p>', html)
    if response.mimetype != "text/html" or message is None or not _is_vietnamese(message[1]):
        return f"{case.id}: no Vietnamese error on the page: {html[:300]!r}"
    if _page_counts(app) != before:
        return f"{case.id}: rows written by a refused request: {before} -> {_page_counts(app)}"
    return None


def test_the_users_page_corpus_is_large_and_its_names_are_unique():
    assert len(USERS_PAGE_CASES) >= 80
    assert len({c.id for c in USERS_PAGE_CASES}) == len(USERS_PAGE_CASES)


def test_hostile_posts_to_the_users_page_get_4xx_in_vietnamese_and_write_nothing(
    app, client, logins
):
    from election.services.identity import users
    from tests.api.test_web import _csrf, _login

    with app.extensions["election.sessions"]() as session:
        assert users.create_user(session, "bao-chi", None, service=True).user.id == 6
    _login(client, "admin")
    token = _csrf(client, USERS)
    problems = [_page_problem(app, client, token, case) for case in USERS_PAGE_CASES]
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} of {len(USERS_PAGE_CASES)}:\n" + "\n".join(problems)


def test_a_formula_in_a_sheet_is_printed_on_the_slip_never_evaluated(client, logins):
    from openpyxl import load_workbook

    from tests.api.test_web import _csrf, _login

    _login(client, "admin")
    formula = '=HYPERLINK("http://evil.example","Bấm vào đây")'
    sheet = SHEET_HEADER + f'kt.a,"{formula.replace(chr(34), chr(34) * 2)}",reviewer,T1A\n'.encode()
    response = client.post(
        TEAMS,
        data={
            "csrf_token": _csrf(client, USERS),
            "team_area": "T1A",
            "sheet": (io.BytesIO(sheet), "ds.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(response.data)).active.iter_rows() for c in row]
    named = [c for c in cells if c.value == formula]
    assert len(named) == 1 and named[0].data_type == "s"


# The reviewer's queue and the audit log on the pages (issue #20): hostile query values.
WEB_QUERY_ROUTES = {
    "review_status": "/review?status={}",
    "review_contest": "/review?contest={}",
    "review_area": "/review?area={}",
    "review_q": "/review?q={}",
    "review_warnings": "/review?warnings={}",
    "review_page": "/review?page={}",
    "audit_seq": "/audit?seq={}",
    "audit_at": "/audit?at={}",
    "audit_before": "/audit?before={}",
    "audit_after": "/audit?after={}",
}
# Filters that, given any of the tricks, must refuse a decision before it is made.
DECISION_FILTERS = ("status", "contest", "area")


def _web_login(client, who: str) -> str:
    """Sign ``who`` in on the pages; a CSRF token for their posts."""
    _login(client, who)
    page = client.get("/password").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_hostile_queue_and_audit_queries_on_the_pages_never_fail(app, client, with_record):
    _web_login(client, "board")
    before = _counts(app)
    wrong = []
    for route, pattern in WEB_QUERY_ROUTES.items():
        for label, value in QUERY_TRICKS.items():
            response = client.get(pattern.format(value))
            response.get_data()
            # A search or a flag takes any text; the others refuse what they cannot read.
            if response.status_code not in (200, 400, 403, 404):
                wrong.append((route, label, response.status_code))
    assert wrong == []
    assert _counts(app) == before


def test_a_decision_with_a_hostile_filter_is_refused_and_writes_nothing(app, client, with_record):
    token = _web_login(client, "board")
    before = _counts(app)
    for name in DECISION_FILTERS:
        for label, value in QUERY_TRICKS.items():
            if label == "empty":
                continue  # no filter: the decision would be made
            for action, extra in (("verify", {}), ("return", {"reason": "Thiếu chữ ký"})):
                response = client.post(
                    f"/tally/record/1/{action}?{name}={value}",
                    data={"csrf_token": token, "expected_version": "1", **extra},
                )
                assert response.status_code in (400, 403, 404), (name, label, action)
    assert _counts(app) == before


@pytest.mark.parametrize("confirm", ["", "0", "yes", "true", "1 ", "%00", "１"])
def test_a_revoke_without_confirm_1_revokes_nothing(app, client, with_record, confirm):
    token = _web_login(client, "admin")
    with app.extensions["election.sessions"]() as session:
        revoked = session.scalar(select(func.count()).where(ApiToken.revoked_at.is_not(None)))
    before = _counts(app)
    for path in ("/admin/tokens/1/revoke", "/tokens/1/revoke"):
        response = client.post(path, data={"csrf_token": token, "confirm": confirm})
        assert response.status_code in (200, 404), (path, response.status_code)
    assert _counts(app) == before
    with app.extensions["election.sessions"]() as session:
        assert (
            session.scalar(select(func.count()).where(ApiToken.revoked_at.is_not(None))) == revoked
        )
