"""Tally records over JSON: submit, read with history, correct, verify, return."""

from __future__ import annotations

from flask import g, request

from election.api import bp
from election.api.body import BodyError, load
from election.schemas.tallies import CorrectionIn, ReturnIn, TallyIn, TallyOut, VerifyIn
from election.services import tallies
from election.services.tallies.idempotency import MAX_KEY_LENGTH, Key
from election.web.access import token_required
from election.web.context import get_session


def _key(data: dict) -> Key | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_KEY_LENGTH:
        raise BodyError(
            f"Idempotency-Key phải có từ 1 đến {MAX_KEY_LENGTH} ký tự",
            {"Idempotency-Key": ["Không hợp lệ"]},
        )
    return Key.of(value, request.method, request.path, data)


@bp.post("/tallies")
@token_required()
def submit_tally():
    """Submit a voting area's first count record for a contest."""
    data = load(TallyIn())
    status, body = tallies.submit(
        get_session(),
        g.user,
        data["voting_area"],
        data["contest"],
        tallies.TallyInput.from_data(data),
        _key(data),
    )
    return body, status


@bp.get("/tallies/<int(max=2147483647):record_id>")
@token_required()
def get_tally(record_id: int):
    """The current version of a record and its whole history."""
    return TallyOut().dump(tallies.read(get_session(), g.user, record_id))


@bp.post("/tallies/<int(max=2147483647):record_id>/corrections")
@token_required()
def correct_tally(record_id: int):
    """A new version of the record, with a reason; the old versions stay."""
    data = load(CorrectionIn())
    status, body = tallies.correct(
        get_session(),
        g.user,
        record_id,
        tallies.TallyInput.from_data(data),
        data["reason"],
        data["expected_version"],
        _key(data),
        place=(data.get("voting_area"), data.get("contest")),
    )
    return body, status


@bp.post("/tallies/<int(max=2147483647):record_id>/verify")
@token_required()
def verify_tally(record_id: int):
    """A second person confirms the current version."""
    data = load(VerifyIn())
    return tallies.verify(get_session(), g.user, record_id, data["expected_version"])


@bp.post("/tallies/<int(max=2147483647):record_id>/return")
@token_required()
def return_tally(record_id: int):
    """Send the record back to the polling team with a reason."""
    data = load(ReturnIn())
    return tallies.return_(
        get_session(), g.user, record_id, data["reason"], data.get("expected_version")
    )
