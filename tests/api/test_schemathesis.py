"""Issue 6: generated requests from /api/v1/openapi.json find no 5xx and nothing off the spec.

schemathesis reads the OpenAPI document from the app itself (WSGI, no server) and
generates valid and invalid requests for every operation; each is sent with a
board token (every read is allowed) or, for the officer's operations, an officer
token so that some generated bodies get past the role check into validation.
"""

from __future__ import annotations

import contextlib

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from election.services.identity import users

# Per operation and mode (valid, invalid data): 24 operations × 2 × 25 = 1,200 cases at most;
# hypothesis stops early where an operation has fewer distinct inputs.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OFFICER_OPERATIONS = {"/tallies", "/turnout"}


def _summary(exc: BaseException) -> str:
    inner = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
    return "; ".join(f"{type(e).__name__}: {str(e)[:400]}" for e in inner)


def _run(operation, mode, logins, failures: dict[str, str]) -> int:
    """Send ``EXAMPLES`` generated cases of one operation; returns how many were sent."""
    sent = 0
    who = "officer" if operation.path in OFFICER_OPERATIONS else "board"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.generate],
    )
    def send(case):
        nonlocal sent
        sent += 1
        headers = dict(case.headers or {})
        headers.setdefault("Authorization", logins.headers(who)["Authorization"])
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:
            label = f"{operation.method.upper()} {operation.path} ({mode.value})"
            failures.setdefault(label, _summary(exc))

    # Unsatisfiable: nothing invalid to generate (an operation without parameters or body).
    with contextlib.suppress(Unsatisfiable):
        send()
    return sent


def test_generated_requests_get_no_5xx_and_match_the_spec(app, logins):
    with app.extensions["election.sessions"]() as session:
        # A second officer, so that no single user's rate limit is what is being measured.
        users.create_user(session, "officer2", "officer", "T1A-2", "mat-khau-dai-du")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, str] = {}
    sent = sum(
        _run(operation, mode, logins, failures)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )
    print(f"schemathesis: {sent} cases over {len(operations)} operations")
    assert len(operations) >= 24
    assert sent >= 1000
    assert not failures, f"{len(failures)} failing operations:\n" + "\n\n".join(
        f"{label}: {message}" for label, message in failures.items()
    )
