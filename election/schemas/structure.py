"""Output schemas of the structure endpoints (CONTRACT §5 "Structure")."""

from __future__ import annotations

from marshmallow import Schema, fields


def _text(getter, **kwargs) -> fields.Function:
    """A read-only string field computed from the dumped object."""
    return fields.Function(getter, metadata={"type": "string"}, **kwargs)


class ErrorOut(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class AreaChildOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)


class AreaOut(Schema):
    code = _text(lambda v: v.area.code, required=True)
    name = _text(lambda v: v.area.name, required=True)
    level = _text(lambda v: v.area.level.code, required=True)
    parent = _text(lambda v: v.parent.code if v.parent else None, allow_none=True)
    children = fields.Function(
        lambda v: [{"code": c, "name": n, "level": lv} for c, n, lv in v.children],
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/AreaChild"}},
    )
    voting_areas = fields.Function(lambda v: v.voting_areas, metadata={"type": "integer"})


class UnitSummaryOut(Schema):
    code = _text(lambda p: p[0].code)
    name = _text(lambda p: p[0].name)
    seats = fields.Function(lambda p: p[0].seats, metadata={"type": "integer"})
    candidates = fields.Function(lambda p: p[1], metadata={"type": "integer"})


class ContestOut(Schema):
    code = _text(lambda p: p[0].code)
    name = _text(lambda p: p[0].name)
    units = fields.Function(
        lambda p: UnitSummaryOut(many=True).dump(p[1]),
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/UnitSummary"}},
    )


class CandidateOut(Schema):
    code = fields.String(required=True)
    name = fields.String(attribute="full_name", required=True)
    date_of_birth = fields.Date(required=True)
    order = fields.Integer(attribute="ballot_order", required=True)


class UnitOut(Schema):
    code = _text(lambda v: v.unit.code)
    name = _text(lambda v: v.unit.name)
    contest = _text(lambda v: v.unit.contest.code)
    seats = fields.Function(lambda v: v.unit.seats, metadata={"type": "integer"})
    candidates = fields.Function(
        lambda v: CandidateOut(many=True).dump(v.candidates),
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/Candidate"}},
    )
    voting_areas = fields.List(fields.String())


class TallyRefOut(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(attribute="current_version", required=True)
    status = fields.String(required=True)


class VotingAreaContestOut(Schema):
    contest = _text(lambda c: c.contest.code)
    unit = fields.Function(
        lambda c: {"code": c.unit.code, "name": c.unit.name, "seats": c.unit.seats},
        metadata={"type": "object"},
    )
    voters_on_roll = fields.Integer(allow_none=True)
    candidates = fields.List(fields.Nested(CandidateOut))
    tally = fields.Nested(TallyRefOut, allow_none=True)


class VotingAreaOut(Schema):
    code = _text(lambda v: v.voting_area.code)
    name = _text(lambda v: v.voting_area.name)
    area = _text(lambda v: v.voting_area.area.code)
    contests = fields.List(fields.Nested(VotingAreaContestOut))
