"""Certification in and out of the API (CONTRACT §6.4)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from election.domain.numbers import iso_utc
from election.schemas.tallies import Text, VietnameseSchema

SIGNERS = Text(
    allow_none=True,
    validate=validate.Length(max=1000, error="Tối đa 1.000 ký tự"),
    metadata={"description": "Họ tên những người ký (Ban bầu cử / Ủy ban bầu cử)"},
)


class UnitCertifyIn(VietnameseSchema):
    round = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(1, 100, error="Phải là số vòng bầu cử (số nguyên dương)"),
        error_messages={
            "invalid": "Phải là số nguyên",
            "required": "Bắt buộc phải có",
            "null": "Không được để trống (null)",
        },
    )
    signers = SIGNERS


class AreaCertifyIn(VietnameseSchema):
    contest = Text(
        required=True,
        validate=validate.Length(1, 20, error="Mã dài 1–20 ký tự"),
        error_messages={"required": "Bắt buộc phải có", "null": "Không được để trống (null)"},
    )
    signers = SIGNERS


class CertifiedOut(Schema):
    id = fields.Integer()
    unit = fields.Function(lambda c: c.scope if c.level == "unit" else None)
    area = fields.Function(lambda c: c.scope if c.level != "unit" else None)
    contest = fields.String()
    round = fields.Integer(allow_none=True)
    digest = fields.String()
    audit_seq = fields.Integer()
    audit_hash = fields.String()
    certified_at = fields.Function(lambda c: iso_utc(c.certified_at))
    by = fields.String()
    signers = fields.String(allow_none=True)


def _reopened(c) -> dict | None:
    if c.valid:
        return None
    return {"seq": c.reopened_seq, "reason": c.reopened_reason}


class CertificationOut(CertifiedOut):
    level = fields.String()
    valid = fields.Boolean()
    reopened = fields.Function(_reopened)


def unit_certification(c) -> dict | None:
    """The ``certification`` of a unit's result (CONTRACT §6.4)."""
    if c is None:
        return None
    return {
        "round": c.round,
        "digest": c.digest,
        "certified_at": iso_utc(c.certified_at),
        "by": c.by,
        "valid": c.valid,
        "reopened": _reopened(c),
        "audit_seq": c.audit_seq,
        "audit_hash": c.audit_hash,
        "signers": c.signers,
    }


def public_results(view) -> dict:
    """The public answer (CONTRACT §6.4): certified units in full, the others as pending."""
    from election.schemas.results import pct

    def unit(u) -> dict:
        out = {
            "unit": u.code,
            "name": u.name,
            "seats": u.seats,
            "status": "certified" if u.certified else "pending",
            "voting_areas": u.voting_areas,
            "voting_areas_reported": u.reported,
        }
        if u.certified:
            out.update(
                {
                    "certified_at": iso_utc(u.certified_at),
                    "digest": u.digest,
                    "voters_on_roll": u.voters,
                    "voters_voted": u.voted,
                    "turnout_pct": pct(u.turnout_pct),
                    "ballots_valid": u.valid,
                    "ballots_invalid": u.invalid,
                    "winners": [
                        {
                            "name": w.name,
                            "votes": w.votes,
                            "pct_of_valid": pct(w.pct),
                            "round": w.round,
                        }
                        for w in u.winners
                    ],
                }
            )
        return out

    return {
        "contest": view.contest,
        "name": view.contest_name,
        "status": view.status,
        "snapshot": view.snapshot,
        "units": [unit(u) for u in view.units],
        "changes": [
            {"snapshot": s.seq, "at": iso_utc(s.at), "changes": s.changes} for s in view.snapshots
        ],
    }
