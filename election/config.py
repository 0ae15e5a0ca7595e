"""Configuration: defaults, overridden by the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in instance/ so sessions survive restarts."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def totp_key(config: dict) -> bytes:
    """The key that seals TOTP secrets: from TOTP_KEY if set, else from SECRET_KEY.

    Set TOTP_KEY to keep the secrets readable across a change of SECRET_KEY.
    """
    from election.services.identity.secretbox import derive_key

    return derive_key(config.get("TOTP_KEY") or config["SECRET_KEY"])


def _roles(text: str) -> tuple[str, ...]:
    return tuple(r.strip() for r in text.split(",") if r.strip())


def _hosts(text: str) -> list[str]:
    return [h.strip().lower() for h in text.split(",") if h.strip()]


def from_environment() -> dict:
    """The settings of a running service."""
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'election.db'}"),
        "SECRET_KEY": _secret_key(),
        # Seals the TOTP secrets in the database (docs/SECURITY.md); empty: from SECRET_KEY.
        "TOTP_KEY": os.environ.get("TOTP_KEY", ""),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        # A page session ends after this many minutes without a request, and this many hours
        # after sign-in whatever happens (docs/SECURITY.md).
        "SESSION_IDLE_SECONDS": 60 * int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_SECONDS": 3600 * int(os.environ.get("SESSION_MAX_HOURS", "12")),
        "JSON_SORT_KEYS": False,
        # Printed on exported forms before /verify/<code>; set it in production. Empty: the
        # address the request came to when its host is one of VERIFY_HOSTS, else the path alone.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").rstrip("/"),
        "VERIFY_HOSTS": _hosts(os.environ.get("VERIFY_HOSTS", "localhost,127.0.0.1")),
        # Roles that must enrol a one-time code (TOTP) at their next page sign-in, e.g.
        # "board,admin", the default (docs/SECURITY.md); "none" turns it off. Users already
        # enrolled always give a code.
        "TOTP_REQUIRED_ROLES": _roles(os.environ.get("TOTP_REQUIRED_ROLES", "board,admin")),
        # At most this many accounts per "teams of an area" request on the users page: a
        # district at a time, not the city at once (each password is hashed in the request).
        "USER_BATCH_LIMIT": int(os.environ.get("USER_BATCH_LIMIT", "300")),
        # PostgreSQL connections each worker process keeps open: a sync worker serves one
        # request at a time, with one session; two leave room for a streamed download.
        # Hosts × workers × (pool + overflow) must stay under the server's max_connections.
        "DATABASE_POOL_SIZE": int(os.environ.get("DATABASE_POOL_SIZE", "2")),
        # A PostgreSQL streaming replica for the reads that tolerate a few seconds of lag
        # (public and board results); empty: every read on DATABASE_URL (docs/SCALING.md).
        "DATABASE_REPLICA_URL": os.environ.get("DATABASE_REPLICA_URL", ""),
        # A replica replaying further behind than this is skipped for the primary.
        "REPLICA_MAX_LAG_SECONDS": float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5")),
        # On PostgreSQL a write's audit events get their numbers, and the city's, the
        # country's and the province-wide units' totals its figures, in a step after its
        # commit that one thread per worker runs this many milliseconds later, for all the
        # writes of that spell at once; 0: right after each commit, in the request
        # (docs/SCALING.md). Its ward's and district's totals are updated in the write.
        "SETTLE_DELAY_MS": int(os.environ.get("SETTLE_DELAY_MS", "100")),
        # Photos and scans of the signed records (docs/SCALING.md: which store when).
        "EVIDENCE_STORE": os.environ.get("EVIDENCE_STORE", "directory"),
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR", str(INSTANCE / "evidence")),
        # Setup workbooks and voter rolls uploaded on /admin/setup, kept until applied (a
        # directory every web worker shares), their size limits in MB, how long an upload not
        # applied is kept, and after how long without a heartbeat an import counts as dead.
        "IMPORT_DIR": os.environ.get("IMPORT_DIR", str(INSTANCE / "imports")),
        "SETUP_UPLOAD_MAX_MB": int(os.environ.get("SETUP_UPLOAD_MAX_MB", "20")),
        "ROLL_UPLOAD_MAX_MB": int(os.environ.get("ROLL_UPLOAD_MAX_MB", "300")),
        "UPLOAD_EXPIRY_HOURS": int(os.environ.get("UPLOAD_EXPIRY_HOURS", "24")),
        "IMPORT_STALE_SECONDS": int(os.environ.get("IMPORT_STALE_SECONDS", "60")),
    }
