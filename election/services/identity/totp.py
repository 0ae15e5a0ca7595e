"""Time-based one-time codes (RFC 6238) for the second sign-in factor."""

from __future__ import annotations

import hmac
import time

import pyotp

STEP = 30  # seconds per code
DRIFT = 1  # codes accepted either side of the current one
ISSUER = "Bau cu"


def new_secret() -> str:
    return pyotp.random_base32()


def is_secret(secret: str) -> bool:
    """A base32 secret of at least 128 bits, as authenticator apps take it."""
    try:
        return len(secret) >= 26 and len(pyotp.TOTP(secret).byte_secret()) >= 16
    except (ValueError, TypeError):
        return False


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=username, issuer_name=ISSUER)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, interval=STEP).at(step * STEP)


def current_code(secret: str, now: float | None = None) -> str:
    return code_at(secret, current_step(now))


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code is ``code`` (the current one ± DRIFT), or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    step = current_step(now)
    for candidate in range(step - DRIFT, step + DRIFT + 1):
        if hmac.compare_digest(code_at(secret, candidate), code):
            return candidate
    return None


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
