"""The checks of a voting area's tally record (domain.md §5).

``check_tally`` returns every finding at once: hard errors refuse the record,
warnings are stored with it for reviewers. Messages name the rule and the
numbers in Vietnamese format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from election.domain.numbers import fmt_int, fmt_pct, percent

ERROR = "error"
WARNING = "warning"
CONTEST_ORDER = ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA")
CONTEST_SHORT = {
    "QH": "đại biểu Quốc hội",
    "HDND_TINH": "HĐND cấp tỉnh",
    "HDND_HUYEN": "HĐND cấp huyện",
    "HDND_XA": "HĐND cấp xã",
}
LABELS = {
    "voters_on_roll": "Tổng số cử tri",
    "voters_voted": "Số cử tri đã tham gia bỏ phiếu",
    "ballots_issued": "Số phiếu phát ra",
    "ballots_received": "Số phiếu thu vào",
    "ballots_valid": "Số phiếu hợp lệ",
    "ballots_invalid": "Số phiếu không hợp lệ",
}
DEFAULT_INVALID_WARNING_PCT = Decimal("10")


@dataclass(frozen=True)
class TallyFigures:
    """What a polling team writes on its count record."""

    voters_on_roll: int
    voters_voted: int
    ballots_issued: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int
    votes: Mapping[str, int]
    names_kept: tuple[int, ...] | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str


@dataclass(frozen=True)
class TallyContext:
    """What the record is checked against: the unit's list, the roll, the other contests."""

    contest: str
    seats: int
    candidates: tuple[Candidate, ...]  # in ballot order
    roll_voters: int | None
    # voters on roll of this voting area in the other contests (their records or rolls)
    other_voters: Mapping[str, int] = field(default_factory=dict)
    invalid_warning_pct: Decimal = DEFAULT_INVALID_WARNING_PCT


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    fields: tuple[str, ...]
    message: str


def check_tally(f: TallyFigures, ctx: TallyContext) -> list[Finding]:
    """Every broken rule and every warning of a record, in the order of the paper form."""
    out: list[Finding] = []

    def error(code: str, fields: tuple[str, ...], message: str) -> None:
        out.append(Finding(code, ERROR, fields, message))

    def warn(code: str, fields: tuple[str, ...], message: str) -> None:
        out.append(Finding(code, WARNING, fields, message))

    def n(name: str) -> str:
        return f"{LABELS[name]} ({fmt_int(getattr(f, name))})"

    for name in LABELS:
        if getattr(f, name) < 0:
            error("negative", (name,), f"{n(name)} phải là số nguyên không âm")
    names = {c.code: c.name for c in ctx.candidates}
    for code in [*names, *(c for c in f.votes if c not in names)]:
        votes = f.votes.get(code)
        if votes is not None and votes < 0:
            error(
                "negative",
                (f"votes.{code}",),
                f"Số phiếu bầu cho {names.get(code, code)} ({fmt_int(votes)}) phải là số nguyên không âm",
            )
    for k, count in enumerate(f.names_kept or (), start=1):
        if count < 0:
            error(
                "negative",
                (f"names_kept.{k}",),
                f"Số phiếu giữ lại {k} tên ({fmt_int(count)}) phải là số nguyên không âm",
            )

    # -- against the roll
    if ctx.roll_voters is not None and f.voters_on_roll != ctx.roll_voters:
        text = (
            f"{n('voters_on_roll')} khác số cử tri trong danh sách cử tri "
            f"({fmt_int(ctx.roll_voters)})"
        )
        if f.comment and f.comment.strip():
            warn(
                "voters_differ_roll", ("voters_on_roll",), text + "; đã có giải trình trong ghi chú"
            )
        else:
            error(
                "voters_differ_roll",
                ("voters_on_roll", "comment"),
                text + "; nếu đúng như vậy, hãy ghi rõ lý do vào phần ghi chú",
            )

    # -- within the record
    if f.voters_voted > f.voters_on_roll:
        error(
            "voted_exceeds_roll",
            ("voters_voted", "voters_on_roll"),
            f"{n('voters_voted')} không được lớn hơn {_lower(n('voters_on_roll'))}",
        )
    if f.ballots_issued > f.voters_on_roll:
        error(
            "issued_exceeds_roll",
            ("ballots_issued", "voters_on_roll"),
            f"{n('ballots_issued')} không được lớn hơn {_lower(n('voters_on_roll'))}",
        )
    if f.ballots_received > f.ballots_issued:
        error(
            "received_exceeds_issued",
            ("ballots_received", "ballots_issued"),
            f"{n('ballots_received')} không được lớn hơn {_lower(n('ballots_issued'))}",
        )
    if f.ballots_valid + f.ballots_invalid != f.ballots_received:
        error(
            "valid_invalid_sum",
            ("ballots_valid", "ballots_invalid", "ballots_received"),
            f"{n('ballots_valid')} + {_lower(n('ballots_invalid'))} phải bằng "
            f"{_lower(n('ballots_received'))}",
        )

    # -- the candidates
    official = [c.code for c in ctx.candidates]
    missing = [c for c in ctx.candidates if c.code not in f.votes]
    unknown = [code for code in f.votes if code not in official]
    if missing:
        error(
            "candidate_missing",
            tuple(f"votes.{c.code}" for c in missing),
            "Thiếu số phiếu bầu của người ứng cử: " + ", ".join(c.name for c in missing),
        )
    if unknown:
        error(
            "candidate_unknown",
            tuple(f"votes.{code}" for code in unknown),
            "Không có trong danh sách người ứng cử của đơn vị bầu cử: " + ", ".join(unknown),
        )
    for c in ctx.candidates:
        votes = f.votes.get(c.code)
        if votes is not None and votes > f.ballots_valid:
            error(
                "candidate_exceeds_valid",
                (f"votes.{c.code}",),
                f"Số phiếu bầu cho {names[c.code]} ({fmt_int(votes)}) không được lớn hơn "
                f"số phiếu hợp lệ ({fmt_int(f.ballots_valid)})",
            )
    total = sum(v for code, v in f.votes.items() if code in names)
    if not missing and not unknown:
        if total < f.ballots_valid:
            error(
                "votes_below_valid",
                ("votes", "ballots_valid"),
                f"Tổng số phiếu bầu cho các người ứng cử ({fmt_int(total)}) không được nhỏ hơn "
                f"số phiếu hợp lệ ({fmt_int(f.ballots_valid)}): mỗi phiếu hợp lệ giữ lại "
                "ít nhất một tên",
            )
        most = f.ballots_valid * ctx.seats
        if total > most:
            error(
                "votes_above_seats",
                ("votes", "ballots_valid"),
                f"Tổng số phiếu bầu cho các người ứng cử ({fmt_int(total)}) không được lớn hơn "
                f"số phiếu hợp lệ × số đại biểu được bầu ({fmt_int(f.ballots_valid)} × "
                f"{ctx.seats} = {fmt_int(most)})",
            )

    # -- the optional breakdown n1…n_seats of valid ballots by names kept
    if f.names_kept is not None:
        if len(f.names_kept) != ctx.seats:
            error(
                "names_kept_length",
                ("names_kept",),
                f"Bảng phân loại phiếu hợp lệ phải có đúng {ctx.seats} dòng (giữ lại 1 đến "
                f"{ctx.seats} tên), đang có {len(f.names_kept)}",
            )
        else:
            kept = sum(f.names_kept)
            if kept != f.ballots_valid:
                error(
                    "names_kept_sum",
                    ("names_kept", "ballots_valid"),
                    f"Tổng số phiếu theo số tên được giữ lại ({fmt_int(kept)}) phải bằng "
                    f"số phiếu hợp lệ ({fmt_int(f.ballots_valid)})",
                )
            weighted = sum(k * count for k, count in enumerate(f.names_kept, start=1))
            if not missing and not unknown and weighted != total:
                error(
                    "names_kept_votes",
                    ("names_kept", "votes"),
                    f"Số tên được giữ lại trên các phiếu hợp lệ ({fmt_int(weighted)}) phải bằng "
                    f"tổng số phiếu bầu cho các người ứng cử ({fmt_int(total)})",
                )

    # -- warnings
    if f.ballots_issued != f.voters_voted:
        warn(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            f"{n('ballots_issued')} khác {_lower(n('voters_voted'))}",
        )
    if f.ballots_received < f.ballots_issued:
        warn(
            "received_below_issued",
            ("ballots_received", "ballots_issued"),
            f"{n('ballots_received')} ít hơn {_lower(n('ballots_issued'))}: "
            f"{fmt_int(f.ballots_issued - f.ballots_received)} phiếu không được bỏ vào hòm",
        )
    rank = CONTEST_ORDER.index(ctx.contest) if ctx.contest in CONTEST_ORDER else None
    for other, voters in sorted(ctx.other_voters.items(), key=lambda kv: _rank(kv[0])):
        if rank is None or other not in CONTEST_ORDER or other == ctx.contest:
            continue
        upper, lower = (ctx.contest, other) if rank < _rank(other) else (other, ctx.contest)
        upper_n = f.voters_on_roll if upper == ctx.contest else voters
        lower_n = f.voters_on_roll if lower == ctx.contest else voters
        if upper_n < lower_n:
            warn(
                "voters_contest_order",
                ("voters_on_roll",),
                f"Tổng số cử tri bầu {CONTEST_SHORT[upper]} ({fmt_int(upper_n)}) ít hơn "
                f"số cử tri bầu {CONTEST_SHORT[lower]} ({fmt_int(lower_n)}) tại cùng khu vực "
                "bỏ phiếu",
            )
    if f.voters_on_roll > 0 and 0 <= f.voters_voted <= f.voters_on_roll:
        turnout = Fraction(f.voters_voted, f.voters_on_roll)
        if turnout * 2 <= 1:
            warn(
                "turnout_low",
                ("voters_voted",),
                f"Tỷ lệ cử tri đi bầu {_pct(f.voters_voted, f.voters_on_roll)} không quá "
                "một nửa tổng số cử tri",
            )
        elif turnout == 1:
            warn("turnout_full", ("voters_voted",), "Tỷ lệ cử tri đi bầu đúng 100,00%")
    if f.ballots_received > 0 and 0 <= f.ballots_invalid <= f.ballots_received:
        share = Fraction(f.ballots_invalid * 100, f.ballots_received)
        if share > Fraction(ctx.invalid_warning_pct):
            warn(
                "invalid_high",
                ("ballots_invalid",),
                f"Tỷ lệ phiếu không hợp lệ {_pct(f.ballots_invalid, f.ballots_received)} "
                f"vượt ngưỡng {fmt_pct(ctx.invalid_warning_pct)}",
            )
    return out


def errors(findings: list[Finding]) -> list[Finding]:
    return [x for x in findings if x.severity == ERROR]


def warnings(findings: list[Finding]) -> list[Finding]:
    return [x for x in findings if x.severity == WARNING]


def _rank(contest: str) -> int:
    return CONTEST_ORDER.index(contest) if contest in CONTEST_ORDER else len(CONTEST_ORDER)


def _lower(text: str) -> str:
    """'Số phiếu…' → 'số phiếu…' when a label continues a sentence."""
    return text[:1].lower() + text[1:]


def _pct(part: int, whole: int) -> str:
    return fmt_pct(percent(part, whole))
