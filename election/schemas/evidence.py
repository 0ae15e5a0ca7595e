"""Evidence of a tally record as the API shows it."""

from __future__ import annotations

from marshmallow import Schema, fields


class AttachedOut(Schema):
    sha256 = fields.String()
    media_type = fields.String()


class EvidenceOut(Schema):
    sha256 = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    captured_at = fields.DateTime(allow_none=True)
    at = fields.DateTime()
    by = fields.String()
    version = fields.Integer()
