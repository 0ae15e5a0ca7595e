"""Tally records over JSON: submit, read with history, correct, verify, return."""

from __future__ import annotations

from flask import g, request

from election.api.body import load
from election.http.access import token_required
from election.http.context import get_session
from election.http.errors import MalformedBody
from election.http.routes import Routes
from election.schemas.evidence import EvidenceOut
from election.schemas.tallies import (
    CorrectionIn,
    DecisionOut,
    KeyedOut,
    KeyingIn,
    ReceiptOut,
    ReturnIn,
    TallyIn,
    TallyOut,
    VerifyIn,
)
from election.services import evidence, tallies
from election.services.tallies import keying
from election.services.tallies.idempotency import MAX_KEY_LENGTH, Key

routes = Routes()
# Built once: a marshmallow schema costs more to build than to load a record with.
TALLY_IN = TallyIn()
RECEIPT_OUT = ReceiptOut()


def _key(data: dict) -> Key | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_KEY_LENGTH:
        raise MalformedBody(
            f"Idempotency-Key phải có từ 1 đến {MAX_KEY_LENGTH} ký tự",
            {"Idempotency-Key": ["Không hợp lệ"]},
        )
    return Key.of(value, request.method, request.path, data)


@routes.post("/tallies")
@token_required()
def submit_tally():
    """Submit a voting area's first count record for a contest."""
    data = load(TALLY_IN)
    receipt = tallies.submit(
        get_session(),
        g.user,
        data["voting_area"],
        data["contest"],
        tallies.TallyInput.from_data(data),
        _key(data),
    )
    return RECEIPT_OUT.dump(receipt), 201


@routes.get("/tallies/<int(max=2147483647):record_id>")
@token_required()
def get_tally(record_id: int):
    """The current version of a record, its whole history and its evidence."""
    session = get_session()
    body = TallyOut().dump(tallies.read(session, g.user, record_id))
    body["evidence"] = EvidenceOut(many=True).dump(
        evidence.of_records(session, [record_id])[record_id]
    )
    return body


@routes.post("/tallies/<int(max=2147483647):record_id>/corrections")
@token_required()
def correct_tally(record_id: int):
    """A new version of the record, with a reason; the old versions stay."""
    data = load(CorrectionIn())
    receipt = tallies.correct(
        get_session(),
        g.user,
        record_id,
        tallies.TallyInput.from_data(data),
        data["reason"],
        data["expected_version"],
        _key(data),
        place=(data.get("voting_area"), data.get("contest")),
    )
    return RECEIPT_OUT.dump(receipt), 201


@routes.post("/tallies/<int(max=2147483647):record_id>/keyings")
@token_required()
def key_tally(record_id: int):
    """Key the current version again, blind, from the photo of the paper record."""
    data = load(KeyingIn())
    keyed = keying.key(
        get_session(),
        g.user,
        record_id,
        tallies.TallyInput.from_data(data),
        data.get("expected_version"),
    )
    return KeyedOut().dump(keyed), 201


@routes.post("/tallies/<int(max=2147483647):record_id>/verify")
@token_required()
def verify_tally(record_id: int):
    """A second person confirms the current version."""
    data = load(VerifyIn())
    decision = tallies.verify(get_session(), g.user, record_id, data["expected_version"])
    return DecisionOut().dump(decision)


@routes.post("/tallies/<int(max=2147483647):record_id>/return")
@token_required()
def return_tally(record_id: int):
    """Send the record back to the polling team with a reason."""
    data = load(ReturnIn())
    decision = tallies.return_(
        get_session(), g.user, record_id, data["reason"], data.get("expected_version")
    )
    return DecisionOut().dump(decision)
