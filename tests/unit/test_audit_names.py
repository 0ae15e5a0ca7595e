"""Every audit action the code writes has a Vietnamese name; events read as people write."""

from __future__ import annotations

import ast
from pathlib import Path

from election.web.audit_names import ACTIONS, describe

ROOT = Path(__file__).resolve().parents[2] / "election"
# Calls whose action is not a literal at the call, and the actions they can write.
INDIRECT = {
    "services/tallies/review.py": {"tally.verify", "tally.return"},
    "services/identity/signin.py": {"login", "login.password", "login.failed", "login.totp_failed"},
    "services/identity/accounts.py": {
        "user.password_reset",
        "user.unlock",
        "user.deactivate",
        "user.reactivate",
        "user.scope_change",
    },
}


def _written() -> tuple[set[str], set[str]]:
    """(the literal actions of every audit.append / audit.Event call, files with others)."""
    literal, indirect = set(), set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and node.func.attr in ("append", "Event")
            ):
                continue
            action = node.args[2 if node.func.attr == "append" else 1]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                literal.add(action.value)
            else:
                indirect.add(path.relative_to(ROOT).as_posix())
    return literal, indirect


def test_every_action_the_code_writes_has_a_vietnamese_name():
    literal, indirect = _written()
    assert indirect == set(INDIRECT), "a new audit call with a computed action: list it here"
    written = literal.union(*INDIRECT.values())
    assert {"tally.submit", "turnout.report", "token.revoke"} <= written  # the scan works
    assert written - set(ACTIONS) == set()


def test_an_event_reads_in_vietnamese_with_grouped_numbers():
    after = {
        "contest": "QH",
        "time": "10:00",
        "voters_voted": 1212,
        "figures": {"voters_on_roll": 1500, "complaints_received": 0},
        "warnings": ["turnout_low"],
        "status": "returned",
        "match": False,
        "counts": {"T1A-1": {"QH": 1212, "HDND_XA": 2}},
        "names_kept": None,
    }
    assert describe(after) == (
        "Cấp bầu cử: Quốc hội; Mốc giờ: 10:00; Số cử tri đã tham gia bỏ phiếu: 1.212; "
        "Số liệu: Tổng số cử tri 1.500 · Số đơn khiếu nại, tố cáo nhận được 0; "
        "Cảnh báo: [tỷ lệ cử tri đi bầu thấp]; Trạng thái: bị trả lại; Khớp: không; "
        "Số cử tri theo khu vực bỏ phiếu: T1A-1 (Quốc hội 1.212 · HĐND cấp xã 2); "
        "Phân loại theo số tên được giữ lại: —"
    )
    assert describe(None) == "—"
