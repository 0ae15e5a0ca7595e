"""Errors raised by services; ``election.errors`` maps them to HTTP."""

from __future__ import annotations

from election.domain.problems import Problem


class DomainError(Exception):
    """A request the rules refuse. ``message`` is Vietnamese and shown to users."""

    code = "invalid"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthorized(DomainError):
    code = "unauthorized"


class Conflict(DomainError):
    code = "conflict"

    def __init__(
        self, message: str, errors: dict[str, list[str]] | None = None, **details: object
    ) -> None:
        super().__init__(message, errors)
        self.details = details


class InvalidInput(DomainError):
    """Values of the wrong type or shape (field-level)."""

    code = "invalid_input"


class UnsupportedFile(DomainError):
    """An uploaded file that is not what it must be (a JPEG, PNG or PDF that reads whole)."""

    code = "unsupported_media_type"


class FileTooLarge(DomainError):
    code = "too_large"


class TooManyRequests(DomainError):
    """Refused for a while (throttling); ``retry_after`` is in seconds."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class RuleBroken(DomainError):
    """Well-formed input that breaks a rule of the law; carries every problem."""

    code = "rule_broken"

    def __init__(
        self,
        message: str,
        problems: list[Problem],
        errors: dict[str, list[str]] | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        if errors is None:
            errors = {}
            for p in problems:
                errors.setdefault(p.field or "_", []).append(p.message)
        super().__init__(message, errors)
        self.problems = problems
        self.details = details or {}

    @classmethod
    def single(cls, code: str, message: str, field: str) -> RuleBroken:
        return cls(message, [Problem(code, message, field=field)])


class FileInvalid(DomainError):
    """An uploaded file refused whole; ``lines`` are ``sheet!cell: message``."""

    code = "file_invalid"

    def __init__(self, message: str, lines: list[str]) -> None:
        super().__init__(message, {"file": lines})
        self.lines = lines
