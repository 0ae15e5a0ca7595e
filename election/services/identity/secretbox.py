"""TOTP secrets sealed at rest: AES-256-GCM under a key derived from SECRET_KEY (or TOTP_KEY).

The server needs the secret itself to compute codes, so a hash will not do; sealed, a copy
of the database (a backup, a dump, a stolen disk) no longer gives away anyone's second
factor. The user's id is bound in as associated data, so a sealed secret copied onto another
user's row does not open there.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

PREFIX = "v1:"
# Where a session keeps the key: the app's sessionmaker puts it in ``Session.info``.
INFO_KEY = "totp_key"


class SealError(Exception):
    """A sealed secret that this key cannot open (another key, or altered)."""


def derive_key(material: str) -> bytes:
    """The 256-bit sealing key from a configured secret (SECRET_KEY or TOTP_KEY)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"election totp secrets v1"
    ).derive(material.encode())


def seal(key: bytes, user_id: int, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), _bound(user_id))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_sealed(key: bytes, user_id: int, stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise SealError("not a sealed secret")
    try:
        raw = base64.urlsafe_b64decode(stored[len(PREFIX) :])
        return AESGCM(key).decrypt(raw[:12], raw[12:], _bound(user_id)).decode()
    except (InvalidTag, ValueError) as exc:
        raise SealError("the secret does not open with this key") from exc


def key_of(session: Session) -> bytes:
    """The sealing key of the app that opened ``session``."""
    key = session.info.get(INFO_KEY)
    if not isinstance(key, bytes):
        raise RuntimeError("no TOTP sealing key: open the session with the app's sessionmaker")
    return key


def _bound(user_id: int) -> bytes:
    return f"totp:{user_id}".encode()
