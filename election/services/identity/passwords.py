"""Password and token hashing."""

from __future__ import annotations

import hashlib
import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's defaults (RFC 9106 low-memory profile). Test suites
# may set ELECTION_FAST_PASSWORD_HASH=1 for a cheap profile; never in production.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if os.environ.get("ELECTION_FAST_PASSWORD_HASH") == "1"
    else PasswordHasher()
)
# Generated passwords carry ~79 random bits: no guessing gets near them whatever the hash
# costs, so a lighter profile lets one request hash the passwords of a few hundred polling
# teams within a worker's time limit. Chosen passwords always get the full cost.
_generated_hasher = (
    _hasher
    if os.environ.get("ELECTION_FAST_PASSWORD_HASH") == "1"
    else PasswordHasher(time_cost=1, memory_cost=19 * 1024, parallelism=1)
)
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "hp_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# A real hash to verify against when the user does not exist or has no usable password
# (a team account not yet handed out), so every failed login costs the same argon2 work and
# its time does not tell which names exist.
DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def check_password(stored: str, password: str) -> bool:
    usable = stored.startswith("$argon2")  # not "!", the disabled password of a team account
    try:
        matched = _hasher.verify(stored if usable else DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and usable


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is a safe stored form."""
    return hashlib.sha256(token.encode()).hexdigest()


# No 0/o, 1/l/i: a password printed on a slip is typed on a phone by someone reading it.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password() -> str:
    """Four groups of four characters, ``k7mq-3xna-p2wd-h9rt`` (about 79 random bits)."""
    return "-".join("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))


def hash_generated_password(password: str) -> str:
    """The stored form of a password from ``generate_password`` (a lighter argon2id)."""
    return _generated_hasher.hash(password)
