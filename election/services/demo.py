"""Load the synthetic demo election through the same services as real data."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from election import demo as generator
from election.domain.errors import InvalidInput
from election.domain.numbers import fmt_int
from election.services import rolls, setup, users
from election.services.audit import SYSTEM, Actor
from election.services.roll_io import RollRow

DEMO_PASSWORD = "haiphong2021"
# (username, role, scope, full name) of the demo logins; scopes exist in the city demo.
DEMO_USERS = (
    ("quantri", "admin", None, "Quản trị hệ thống"),
    ("uyban", "board", None, "Ủy ban bầu cử thành phố"),
    ("kiemtra", "reviewer", "HP01", "Người kiểm tra quận Hồng Bàng"),
    ("kiemtra.phuong", "reviewer", "HP01-01", "Người kiểm tra phường"),
    ("to.hp01-01-01", "officer", "HP01-01-01", "Tổ bầu cử khu vực số 1"),
)


def load(
    session: Session,
    scale: str = "city",
    seed: int = 2021,
    fill: int | None = None,
    echo: Callable[[str], None] = lambda _line: None,
    roll_voting_areas: list[str] | None = None,
) -> str:
    """Generate, check and store the demo election, its rolls and its logins.

    ``roll_voting_areas`` limits the per-voter rolls to those voting areas (tests).
    """
    if fill:
        raise InvalidInput(
            "Chưa thể dùng --fill: dịch vụ nộp biên bản kiểm phiếu chưa được xây dựng, "
            "nên không có biên bản nào được tạo",
            {"fill": ["Chưa hỗ trợ"]},
        )
    actor = Actor(None, SYSTEM)
    demo = generator.generate(scale, seed)
    setup.store_setup(session, demo.setup, actor)
    echo(setup.summary(demo.setup))
    wanted = demo.roll_voting_areas if roll_voting_areas is None else roll_voting_areas
    if wanted:
        report = rolls.import_rows(
            session, _roll_rows(demo.roll_rows(wanted)), lambda p: p.message, actor, "demo-roll"
        )
        line = f"Danh sách cử tri: {fmt_int(report.voters)} cử tri, " + ", ".join(
            f"{c} {fmt_int(n)}" for c, n in report.totals().items()
        )
        echo(line)
    if scale != "city":
        return "Không tạo tài khoản mẫu cho quy mô toàn quốc."
    for username, role, scope, full_name in DEMO_USERS:
        users.create_user(session, username, role, scope, DEMO_PASSWORD, full_name, actor)
    return f"Tài khoản mẫu: {', '.join(u[0] for u in DEMO_USERS)}"


def _roll_rows(rows: Iterator[dict]) -> Iterator[RollRow]:
    for number, row in enumerate(rows, start=2):
        yield RollRow(row=number, **row)


def logins_text() -> str:
    """The demo logins, as `make run` prints them."""
    lines = ["Tài khoản dùng thử (mật khẩu chung: " + DEMO_PASSWORD + "):"]
    for username, role, scope, full_name in DEMO_USERS:
        where = f", phạm vi {scope}" if scope else ""
        lines.append(f"  {username:<16} {users.ROLE_NAMES[role]}{where} — {full_name}")
    return "\n".join(lines)
