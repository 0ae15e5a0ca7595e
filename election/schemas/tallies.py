"""Input and output schemas of tally records (CONTRACT §5 "Tally records")."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from election.domain.numbers import fmt_int
from election.domain.numbers import iso_utc as timestamp

# No voting area has a million voters; anything above is a typing slip or an attack.
MAX_COUNT = 1_000_000
COUNT_MESSAGE = f"Phải là số nguyên từ 0 đến {fmt_int(MAX_COUNT)}"


class Count(fields.Integer):
    """A whole count 0…MAX_COUNT given as a JSON integer: no booleans, floats or strings."""

    default_error_messages = {
        "invalid": COUNT_MESSAGE,
        "required": "Bắt buộc phải có",
        "null": "Không được để trống (null)",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(
            strict=True, validate=validate.Range(0, MAX_COUNT, error=COUNT_MESSAGE), **kwargs
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Text(fields.String):
    default_error_messages = {
        "invalid": "Phải là chuỗi ký tự",
        "required": "Bắt buộc phải có",
        "null": "Không được để trống (null)",
    }


class VietnameseSchema(Schema):
    """Unknown fields are refused; messages are Vietnamese."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Trường này không được hỗ trợ",
        "type": "Nội dung phải là một đối tượng JSON",
    }


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Không được để trống")


class FiguresIn(VietnameseSchema):
    voters_on_roll = Count(required=True)
    voters_voted = Count(required=True)
    ballots_issued = Count(required=True)
    ballots_received = Count(required=True)
    ballots_valid = Count(required=True)
    ballots_invalid = Count(required=True)
    votes = fields.Dict(
        keys=Text(validate=validate.Length(1, 40, error="Mã người ứng cử dài 1–40 ký tự")),
        values=Count(required=True),
        required=True,
        error_messages={
            "invalid": "Phải là đối tượng {{mã người ứng cử: số phiếu}}",
            "required": "Bắt buộc phải có",
            "null": "Không được để trống (null)",
        },
    )
    names_kept = fields.List(
        Count(),
        allow_none=True,
        validate=validate.Length(1, 5, error="Có từ 1 đến 5 số (giữ lại 1 đến 5 tên)"),
        error_messages={"invalid": "Phải là danh sách số nguyên"},
    )
    complaints_received = Count(load_default=0)
    complaints_settled = Count(load_default=0)
    complaints_forwarded = Count(load_default=0)
    comment = Text(allow_none=True, validate=validate.Length(max=2000, error="Tối đa 2.000 ký tự"))

    @validates_schema
    def _votes_limit(self, data, **kwargs) -> None:
        if len(data.get("votes", {})) > 100:
            raise ValidationError("Tối đa 100 người ứng cử", "votes")


class TallyIn(FiguresIn):
    voting_area = Text(required=True, validate=validate.Length(1, 40, error="Mã dài 1–40 ký tự"))
    contest = Text(required=True, validate=validate.Length(1, 20, error="Mã dài 1–20 ký tự"))


class CorrectionIn(FiguresIn):
    reason = Text(
        required=True, validate=[validate.Length(max=2000, error="Tối đa 2.000 ký tự"), _not_blank]
    )
    expected_version = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(1, 1_000_000, error="Phải là số phiên bản (số nguyên dương)"),
        error_messages={
            "invalid": "Phải là số nguyên",
            "required": "Bắt buộc phải có",
            "null": "Không được để trống (null)",
        },
    )
    # Clients may repeat where the record belongs; it must then be the record's own place.
    voting_area = Text()
    contest = Text()


class KeyingIn(FiguresIn):
    """A blind second keying: the fields of a submission, keyed from the photo."""

    expected_version = fields.Integer(
        strict=True,
        validate=validate.Range(1, 1_000_000, error="Phải là số phiên bản (số nguyên dương)"),
        error_messages={"invalid": "Phải là số nguyên", "null": "Không được để trống (null)"},
    )
    voting_area = Text()
    contest = Text()


class KeyedOut(Schema):
    match = fields.Boolean(attribute="matches")
    differences = fields.List(fields.String())


class VerifyIn(VietnameseSchema):
    expected_version = CorrectionIn._declared_fields["expected_version"]


class ReturnIn(VietnameseSchema):
    reason = CorrectionIn._declared_fields["reason"]
    expected_version = fields.Integer(
        strict=True,
        validate=validate.Range(1, 1_000_000, error="Phải là số phiên bản (số nguyên dương)"),
        error_messages={"invalid": "Phải là số nguyên", "null": "Không được để trống (null)"},
    )


class WarningOut(Schema):
    code = fields.String()
    message = fields.String()


class ReceiptOut(Schema):
    id = fields.Integer()
    version = fields.Integer()
    status = fields.String()
    warnings = fields.List(fields.Nested(WarningOut))


class DecisionOut(Schema):
    """A record after a verification or a return."""

    id = fields.Integer()
    version = fields.Integer()
    status = fields.String()


FIGURE_NAMES = (
    "voters_on_roll",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
    "complaints_received",
    "complaints_settled",
    "complaints_forwarded",
)


def _figures(version) -> dict:
    return {name: getattr(version, name) for name in FIGURE_NAMES}


def _version(view) -> dict:
    v = view.version
    return {
        "version": v.version,
        "at": timestamp(v.created_at),
        "by": view.actor,
        "reason": v.reason,
        **_figures(v),
        "votes": view.votes,
        "names_kept": v.names_kept,
        "comment": v.comment,
        "warnings": v.warnings,
    }


class TallyOut(Schema):
    """A record: its current version's figures, then every version in order."""

    id = fields.Function(lambda r: r.record.id, metadata={"type": "integer"})
    voting_area = fields.Function(lambda r: r.voting_area.code, metadata={"type": "string"})
    contest = fields.Function(lambda r: r.contest.code, metadata={"type": "string"})
    unit = fields.Function(lambda r: r.unit.code, metadata={"type": "string"})
    round = fields.Function(lambda r: r.record.round_no, metadata={"type": "integer"})
    version = fields.Function(lambda r: r.record.current_version, metadata={"type": "integer"})
    status = fields.Function(lambda r: r.record.status, metadata={"type": "string"})
    warnings = fields.Function(lambda r: r.current.version.warnings, metadata={"type": "array"})
    figures = fields.Function(lambda r: _figures(r.current.version), metadata={"type": "object"})
    votes = fields.Function(lambda r: r.current.votes, metadata={"type": "object"})
    names_kept = fields.Function(lambda r: r.current.version.names_kept, metadata={"type": "array"})
    comment = fields.Function(lambda r: r.current.version.comment, metadata={"type": "string"})
    versions = fields.Function(
        lambda r: [_version(v) for v in r.versions], metadata={"type": "array"}
    )
    awaiting_keying = fields.Function(lambda r: r.awaiting_keying, metadata={"type": "boolean"})

    def dump(self, obj, *args, **kwargs):  # type: ignore[override]
        body = super().dump(obj, *args, **kwargs)
        # CONTRACT lists the figures at the top level of the record.
        body.update(body.pop("figures"))
        if obj.blind:
            _hide(body)
            for version in body["versions"]:
                _hide(version)
        return body


def _hide(body: dict) -> None:
    """What a blind second keyer may not see (CONTRACT §6.3): anything that is or may carry a
    figure."""
    for name in (*FIGURE_NAMES, "votes", "names_kept", "comment", "warnings"):
        if name in body:
            body[name] = None
