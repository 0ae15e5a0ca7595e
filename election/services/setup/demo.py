"""Load the synthetic demo election through the same services as real data."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from election import demo as generator
from election.db import refresh_statistics
from election.demo.tallies import candidate_weights, plausible_tally
from election.domain.numbers import fmt_int
from election.services import tallies
from election.services.audit.chain import SYSTEM, Actor
from election.services.identity import totp, users
from election.services.setup import rolls, setup, structure
from election.services.setup.roll_io import RollRow
from election.services.tallies import bulk

DEMO_PASSWORD = "haiphong2021"
# The demo board and admin sign in with a one-time code from this published TOTP secret
# (docs/SECURITY.md): fine for a demo, never for a real election.
DEMO_TOTP_SECRET = "HAIPHONGDEMOTOTPBAUCUKETQUAAAAAA"
BATCH = 250  # voting areas per transaction when filling
ANALYZE_EVERY = 40  # batches between two refreshes of PostgreSQL's statistics
# What filling records writes to (the teams' accounts included).
FILLED_TABLES = (
    "app_user",
    "tally_record",
    "tally_version",
    "tally_vote",
    "audit_event",
    "result_total",
    "result_vote",
    "result_part",
)
# (username, role, scope, full name) of the demo logins; scopes exist in the city demo.
DEMO_USERS = (
    ("quantri", "admin", None, "Quản trị hệ thống"),
    ("uyban", "board", None, "Ủy ban bầu cử thành phố"),
    ("kiemtra", "reviewer", "HP01", "Người kiểm tra quận Hồng Bàng"),
    ("kiemtra.phuong", "reviewer", "HP01-01", "Người kiểm tra phường"),
    ("to.hp01-01-01", "officer", "HP01-01-01", "Tổ bầu cử khu vực số 1"),
)
# The 2026 city has no districts: the reviewer checks one ward (HP008, phường Hồng Bàng).
DEMO_USERS_2026 = (
    ("quantri", "admin", None, "Quản trị hệ thống"),
    ("uyban", "board", None, "Ủy ban bầu cử thành phố"),
    ("kiemtra", "reviewer", "HP008", "Người kiểm tra phường Hồng Bàng"),
    ("to.hp008-01", "officer", "HP008-01", "Tổ bầu cử khu vực số 1"),
)


def demo_users(year: int = 2021) -> tuple[tuple[str, str, str | None, str], ...]:
    return DEMO_USERS_2026 if year == 2026 else DEMO_USERS


def load(
    session: Session,
    scale: str = "city",
    seed: int = 2021,
    fill: int | None = None,
    echo: Callable[[str], None] = lambda _line: None,
    roll_voting_areas: list[str] | None = None,
    year: int = 2021,
) -> str:
    """Generate, check and store the demo election, its rolls and its logins.

    ``roll_voting_areas`` limits the per-voter rolls to those voting areas (tests).
    """
    actor = Actor(None, SYSTEM)
    demo = generator.generate(scale, seed, year)
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
    if scale == "city":
        logins = demo_users(year)
        for username, role, scope, full_name in logins:
            new = users.create_user(session, username, role, scope, DEMO_PASSWORD, full_name, actor)
            if role in users.TOTP_ROLES:
                users.enroll_totp(session, new.user, DEMO_TOTP_SECRET, actor)
        echo(f"Tài khoản mẫu: {', '.join(u[0] for u in logins)}")
    if fill:
        return fill_tallies(session, seed, fill, echo)
    return "Xong."


def fill_tallies(
    session: Session,
    seed: int,
    percent: int,
    echo: Callable[[str], None] = lambda _line: None,
    voting_areas: list[str] | None = None,
) -> str:
    """Submit plausible records for ``percent`` % of the voting areas, through the tally service.

    Each voting area's records are entered by its polling team's account, so they are
    checked and audited like any other submission. ``voting_areas`` names the voting areas
    instead (tests).
    """
    rng = random.Random(f"demo-fill:{seed}")
    plan = structure.fill_plan(session)
    codes = sorted(plan)
    if voting_areas is not None:
        chosen = sorted(voting_areas)
        percent = round(100 * len(chosen) / len(codes))
    else:
        chosen = sorted(rng.sample(codes, round(len(codes) * percent / 100)))
    teams = users.ensure_team_accounts(session, chosen, Actor(None, SYSTEM))
    weights: dict[str, list[float]] = {}
    stored = 0
    batch: list[bulk.Item] = []
    for n, code in enumerate(chosen, start=1):
        for contest in plan[code]:
            if contest.voters is None:
                continue
            unit_weights = weights.setdefault(
                contest.unit, candidate_weights(seed, contest.unit, len(contest.candidates))
            )
            data = plausible_tally(
                rng, contest.voters, contest.seats, contest.candidates, unit_weights
            )
            batch.append(
                bulk.Item(teams[code], code, contest.contest, tallies.TallyInput.from_data(data))
            )
        if n % BATCH == 0 or n == len(chosen):
            stored += bulk.submit_many(session, batch)
            batch = []
            echo(f"  … {fmt_int(n)}/{fmt_int(len(chosen))} khu vực bỏ phiếu")
            if n % (BATCH * ANALYZE_EVERY) == 0:
                refresh_statistics(session, FILLED_TABLES)  # they keep growing
    refresh_statistics(session, FILLED_TABLES)
    return (
        f"Đã nộp {fmt_int(stored)} biên bản của {fmt_int(len(chosen))} khu vực bỏ phiếu "
        f"({percent}%)."
    )


def _roll_rows(rows: Iterator[dict]) -> Iterator[RollRow]:
    for number, row in enumerate(rows, start=2):
        yield RollRow(row=number, **row)


def logins_text(year: int = 2021) -> str:
    """The demo logins, as `make run` prints them."""
    logins = demo_users(year)
    lines = ["Tài khoản dùng thử (mật khẩu chung: " + DEMO_PASSWORD + "):"]
    for username, role, scope, full_name in logins:
        where = f", phạm vi {scope}" if scope else ""
        lines.append(f"  {username:<16} {users.ROLE_NAMES[role]}{where} — {full_name}")
    enrolled = ", ".join(u[0] for u in logins if u[1] in users.TOTP_ROLES)
    lines += [
        f"Mã xác thực hai bước của {enrolled}: khóa TOTP {DEMO_TOTP_SECRET}",
        "  (thêm vào ứng dụng xác thực, hoặc lấy mã hiện tại bằng"
        " `.venv/bin/python -m election.demo_logins --code`)",
    ]
    return "\n".join(lines)


def current_totp_code() -> str:
    """The demo board's and admin's one-time code right now."""
    return totp.current_code(DEMO_TOTP_SECRET)
