"""Flask commands: flask --app wsgi COMMAND."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from election.domain.errors import Conflict, DomainError, NotFound
from election.domain.numbers import fmt_seconds

db_cli = AppGroup("db", help="Lược đồ cơ sở dữ liệu (Alembic).")
T = TypeVar("T")


def _session():
    return current_app.extensions["election.sessions"]()


def _fail(exc: DomainError) -> NoReturn:
    click.echo(f"Lỗi: {exc.message}", err=True)
    for field, messages in exc.errors.items():
        for m in messages:
            click.echo(m if field in ("file", "_") else f"  {field}: {m}", err=True)
    sys.exit(1)


def _stop(message: str) -> NoReturn:
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(1)


def _call(service: Callable[..., T], *args: Any) -> T:
    """``service(session, *args)`` in a session of its own; a domain error ends the command."""
    with _session() as session:
        try:
            return service(session, *args)
        except DomainError as exc:
            _fail(exc)


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema of DATABASE_URL (safe to run again)."""
    from election import migrate
    from election.config import totp_key

    url = current_app.config["DATABASE_URL"]
    if (url.startswith("sqlite:///") and not url.startswith("sqlite:////")) or url.startswith(
        "sqlite:////"
    ):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(url, revision, totp_key(current_app.config))
    click.echo("Lược đồ cơ sở dữ liệu đã ở phiên bản mới nhất.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION."""
    from election import migrate
    from election.config import totp_key

    migrate.downgrade(current_app.config["DATABASE_URL"], revision, totp_key(current_app.config))


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (developers)."""
    from election import migrate

    migrate.revision(current_app.config["DATABASE_URL"], message)


@click.command("demo")
@with_appcontext
@click.option("--scale", type=click.Choice(["city", "nation"]), default="city", show_default=True)
@click.option("--seed", type=int, default=2021, show_default=True)
@click.option(
    "--year",
    type=click.Choice(["2021", "2026"]),
    default="2021",
    show_default=True,
    help="Thành phố Hải Phòng năm 2021 (có cấp huyện) hoặc 2026 (sau hợp nhất, không có cấp huyện).",
)
@click.option(
    "--fill",
    type=click.IntRange(0, 100),
    default=None,
    help="Phần trăm khu vực bỏ phiếu có biên bản.",
)
@click.option("--if-empty", is_flag=True, help="Không làm gì nếu cơ sở dữ liệu đã có cuộc bầu cử.")
def demo_command(scale: str, seed: int, year: str, fill: int | None, if_empty: bool) -> None:
    """Load a synthetic election into an empty database."""
    from election.services.setup import demo, structure

    with _session() as session:
        if if_empty and structure.election(session) is not None:
            click.echo("Cơ sở dữ liệu đã có cuộc bầu cử; không nạp dữ liệu mẫu.")
            return
        if scale == "nation" and year != "2021":
            _stop("Dữ liệu mẫu cả nước chỉ có cho năm 2021 (--year 2021)")
        started = time.perf_counter()
        try:
            report = demo.load(
                session, scale=scale, seed=seed, fill=fill, echo=click.echo, year=int(year)
            )
        except DomainError as exc:
            _fail(exc)
        click.echo(report)
        click.echo(f"Thời gian: {fmt_seconds(time.perf_counter() - started)}")


@click.command("create-user")
@with_appcontext
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["officer", "reviewer", "board", "admin"]))
@click.option(
    "--area",
    "area",
    default=None,
    help="Mã khu vực bỏ phiếu (officer) hoặc khu vực hành chính (reviewer).",
)
@click.option(
    "--password",
    default=None,
    help="Bỏ trống để sinh mật khẩu ngẫu nhiên (phải đổi khi đăng nhập).",
)
@click.option("--full-name", default="", help="Họ và tên.")
@click.option(
    "--token",
    "token_label",
    default=None,
    help="Cũng cấp một mã truy cập API với ghi chú này (in ở dòng cuối). Bỏ trống: không cấp.",
)
def create_user_command(
    name: str,
    role: str,
    area: str | None,
    password: str | None,
    full_name: str,
    token_label: str | None,
) -> None:
    """Create a user; an API token only with --token LABEL, printed on the last line."""
    from election.services.identity import users

    new = _call(
        users.create_user,
        name,
        role,
        area,
        password,
        full_name,
        users.SYSTEM_ACTOR,
        False,
        token_label,
    )
    click.echo(f"Đã tạo người dùng {name} ({role}).")
    if new.generated_password:
        click.echo(f"Mật khẩu tạm thời: {new.password}")
    if new.token is not None:
        click.echo(new.token)


@click.command("create-service")
@with_appcontext
@click.argument("name")
@click.option(
    "--role",
    default=None,
    type=click.Choice(["officer", "reviewer", "board", "admin"]),
    help="Bỏ trống: tài khoản chỉ được đọc.",
)
@click.option("--area", "area", default=None, help="Mã khu vực, như create-user.")
@click.option("--full-name", default="", help="Mô tả hệ thống dùng tài khoản.")
def create_service_command(name: str, role: str | None, area: str | None, full_name: str) -> None:
    """Create a service account (no password); its API token is printed on the last line."""
    from election.services.identity import users

    new = _call(
        users.create_user, name, role, area, None, full_name, users.SYSTEM_ACTOR, True, "cli"
    )
    click.echo(f"Đã tạo tài khoản dịch vụ {name} ({role or 'chỉ đọc'}).")
    click.echo(new.token)


@click.command("import-setup")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_setup_command(file: Path) -> None:
    """Load a whole election definition from a setup workbook, or nothing."""
    from election.services.setup import setup

    summary = _call(setup.import_workbook, file.read_bytes())
    click.echo(summary)


@click.command("export-setup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_setup_command(file: Path) -> None:
    """Write the election definition as a setup workbook."""
    from election.services.setup import setup

    with _session() as session:
        file.write_bytes(setup.export_workbook(session))
    click.echo(f"Đã ghi {file}")


@click.command("export")
@with_appcontext
@click.option("--form", "kind", required=True, help="count-record, unit-record, city-record, …")
@click.option("--contest", default=None, help="Mã cấp bầu cử: QH, HDND_TINH, …")
@click.option("--scope", required=True, help="Mã khu vực bỏ phiếu, đơn vị bầu cử hoặc khu vực")
@click.option(
    "--round", "round_no", type=int, default=None, help="Vòng bầu cử (mặc định: mới nhất)"
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_command(
    kind: str, contest: str | None, scope: str, round_no: int | None, out: Path
) -> None:
    """Write an official form as Excel (CONTRACT §2 export)."""
    from election.services import forms

    made = _call(forms.export, None, kind, contest, scope, round_no)
    out.write_bytes(made.content)
    click.echo(f"Đã ghi {out} (mã xác minh {', '.join(made.codes)})")


def _backup_step(step: Callable[[str, str], object], source: str, target: str) -> None:
    """``step(source, target)``, a backup or a restore; its failure ends the command."""
    from election.services.audit.backup import BackupError

    try:
        step(source, target)
    except BackupError as exc:
        _stop(str(exc))


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def backup_command(file: str) -> None:
    """Back up the whole database of DATABASE_URL to FILE (SQLite file copy or pg_dump)."""
    from election.services.audit import backup

    _backup_step(backup.backup, current_app.config["DATABASE_URL"], file)
    click.echo(f"Đã sao lưu cơ sở dữ liệu vào {file}")
    copied = backup.backup_evidence(current_app.extensions["election.evidence"], file)
    if copied:
        click.echo(f"Đã sao lưu {copied} tệp ảnh biên bản vào {backup.evidence_archive(file)}")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore_command(file: str) -> None:
    """Replace the whole database of DATABASE_URL with the backup FILE."""
    from election.services.audit import backup

    current_app.extensions["election.engine"].dispose()
    _backup_step(backup.restore, file, current_app.config["DATABASE_URL"])
    click.echo(f"Đã khôi phục cơ sở dữ liệu từ {file}")
    try:
        restored = backup.restore_evidence(current_app.extensions["election.evidence"], file)
    except backup.BackupError as exc:
        _stop(str(exc))
    if restored:
        click.echo(f"Đã khôi phục {restored} tệp ảnh biên bản từ {backup.evidence_archive(file)}")


@click.command("tokens")
@with_appcontext
def tokens_command() -> None:
    """List every API token with its owner, label and last use (never the token)."""
    from election.services.identity import tokens

    with _session() as session:
        rows = tokens.listing(session, None)
    for t in reversed(rows):  # oldest first
        used = t.last_used_at.isoformat() if t.last_used_at else "chưa dùng"
        state = f"thu hồi {t.revoked_at.isoformat()}" if t.revoked_at else "còn hiệu lực"
        click.echo(f"{t.id}\t{t.username}\t{t.label}\tdùng lần cuối: {used}\t{state}")


@click.command("revoke-token")
@with_appcontext
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke an API token at once (as the system, audited)."""
    from election.services.identity import tokens

    with _session() as session:
        try:
            tokens.revoke(session, None, token_id)
        except (NotFound, Conflict):
            _stop(f"không có mã truy cập số {token_id} còn hiệu lực")
    click.echo(f"Đã thu hồi mã truy cập số {token_id}")


@click.command("import-roll")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_roll_command(file: Path) -> None:
    """Load voter rolls (.csv or .xlsx) and print the per-contest counts."""
    from election.services.setup import rolls

    started = time.perf_counter()
    report = _call(rolls.import_file, file)
    click.echo(report.text())
    click.echo(f"Thời gian: {fmt_seconds(time.perf_counter() - started)}")


def _anchor(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    from election.services.audit import chain

    if value is None:
        return None
    mark = chain.parse_anchor(value)
    if mark is None:
        raise click.BadParameter(f"«{value}» không phải mốc neo dạng {chain.ANCHOR_FORMAT}")
    return mark


@click.command("verify-audit")
@with_appcontext
@click.option(
    "--anchor",
    callback=_anchor,
    default=None,
    help="SEQ:HASH in ra trước đó (trên biểu mẫu, trang Ủy ban, audit-head).",
)
def verify_audit_command(anchor: Any) -> None:
    """Check the audit chain (against an anchor kept outside it) and the running totals."""
    from election.services.audit import check as audit_check
    from election.services.results import recompute
    from election.services.settle import settle_now

    with _session() as session:
        settle_now(session)
        report = audit_check.verify(session, anchor)
        totals = recompute.compare(session) if report.ok else None
    if not report.ok:
        click.echo(f"FAIL: sự kiện số {report.first_bad_seq}: {report.reason}", err=True)
        sys.exit(1)
    if totals is not None and not totals.ok:
        click.echo(
            f"FAIL: tổng số đang lưu khác với tổng tính lại từ biên bản "
            f"({len(totals.differences)} chỗ khác): {totals.differences[0]}",
            err=True,
        )
        sys.exit(1)
    click.echo(f"OK {report.events} events")


@click.command("audit-head")
@with_appcontext
def audit_head_command() -> None:
    """Print SEQ HASH of the newest audit event: copy it somewhere outside the database."""
    from election.services.audit import chain
    from election.services.settle import settle_now

    with _session() as session:
        settle_now(session)
        head = chain.anchor(session)
    click.echo(f"{head.seq} {head.hash}")


@click.command("settle")
@with_appcontext
def settle_command() -> None:
    """Chain the audit events and fold the totals that writes left pending (after a crash)."""
    from election.services.settle import settle_now

    with _session() as session:
        settled = settle_now(session)
    click.echo(f"Đã xử lý {settled} lần ghi còn chờ")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    for command in (
        demo_command,
        export_command,
        backup_command,
        restore_command,
        tokens_command,
        revoke_token_command,
        create_user_command,
        create_service_command,
        import_setup_command,
        export_setup_command,
        import_roll_command,
        verify_audit_command,
        audit_head_command,
        settle_command,
    ):
        app.cli.add_command(command)
