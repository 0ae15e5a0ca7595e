"""The checks of a voting area's tally record (domain.md §5).

``check_tally`` returns every finding at once: hard errors refuse the record,
warnings are stored with it for reviewers. Messages name the rule and the
numbers in Vietnamese format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from election.domain.contests import CONTEST_CODES
from election.domain.numbers import fmt_int, fmt_pct, percent
from election.domain.results import FormCounts

ERROR = "error"
WARNING = "warning"
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
COMPLAINT_LABELS = {
    "complaints_received": "Số đơn khiếu nại, tố cáo nhận được",
    "complaints_settled": "Số đơn khiếu nại, tố cáo đã giải quyết",
    "complaints_forwarded": "Số đơn khiếu nại, tố cáo chuyển đến Ban bầu cử",
}
# (finding, figure, the figure it may not exceed), in the order of the paper form.
NOT_ABOVE = (
    ("voted_exceeds_roll", "voters_voted", "voters_on_roll"),
    ("issued_exceeds_roll", "ballots_issued", "voters_on_roll"),
    ("received_exceeds_issued", "ballots_received", "ballots_issued"),
)
DEFAULT_INVALID_WARNING_PCT = Decimal("10")


@dataclass(frozen=True)
class TallyFigures(FormCounts):
    """What a polling team writes on its count record: the six counts, then the votes."""

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


Rule = Callable[[TallyFigures, TallyContext], Iterator[Finding]]


def check_tally(f: TallyFigures, ctx: TallyContext) -> list[Finding]:
    """Every broken rule and every warning of a record, in the order of the paper form."""
    return [finding for rule in RULES for finding in rule(f, ctx)]


def _counts_not_negative(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """The figures, the votes (in ballot order, then unknown codes) and the breakdown."""
    for name in LABELS:
        if getattr(f, name) < 0:
            yield _error("negative", (name,), f"{_figure(f, name)} phải là số nguyên không âm")
    names = _names(ctx)
    for code in [*names, *(c for c in f.votes if c not in names)]:
        votes = f.votes.get(code)
        if votes is not None and votes < 0:
            yield _error(
                "negative",
                (f"votes.{code}",),
                f"Số phiếu bầu cho {names.get(code, code)} ({fmt_int(votes)}) phải là số nguyên không âm",
            )
    for k, count in enumerate(f.names_kept or (), start=1):
        if count < 0:
            yield _error(
                "negative",
                (f"names_kept.{k}",),
                f"Số phiếu giữ lại {k} tên ({fmt_int(count)}) phải là số nguyên không âm",
            )


def _voters_match_roll(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """A record may differ from the roll only with an explanation in its comment."""
    if ctx.roll_voters is None or f.voters_on_roll == ctx.roll_voters:
        return
    text = (
        f"{_figure(f, 'voters_on_roll')} khác số cử tri trong danh sách cử tri "
        f"({fmt_int(ctx.roll_voters)})"
    )
    if f.comment and f.comment.strip():
        yield _warning(
            "voters_differ_roll", ("voters_on_roll",), text + "; đã có giải trình trong ghi chú"
        )
    else:
        yield _error(
            "voters_differ_roll",
            ("voters_on_roll", "comment"),
            text + "; nếu đúng như vậy, hãy ghi rõ lý do vào phần ghi chú",
        )


def _figures_within_each_other(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """Voted and issued within the roll, received within issued."""
    for code, part, whole in NOT_ABOVE:
        if getattr(f, part) > getattr(f, whole):
            yield _error(
                code,
                (part, whole),
                f"{_figure(f, part)} không được lớn hơn {_lower(_figure(f, whole))}",
            )


def _valid_and_invalid_make_received(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    if f.ballots_valid + f.ballots_invalid != f.ballots_received:
        yield _error(
            "valid_invalid_sum",
            ("ballots_valid", "ballots_invalid", "ballots_received"),
            f"{_figure(f, 'ballots_valid')} + {_lower(_figure(f, 'ballots_invalid'))} phải bằng "
            f"{_lower(_figure(f, 'ballots_received'))}",
        )


def _exactly_the_units_candidates(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    missing = [c for c in ctx.candidates if c.code not in f.votes]
    unknown = _unknown(f, ctx)
    if missing:
        yield _error(
            "candidate_missing",
            tuple(f"votes.{c.code}" for c in missing),
            "Thiếu số phiếu bầu của người ứng cử: " + ", ".join(c.name for c in missing),
        )
    if unknown:
        yield _error(
            "candidate_unknown",
            tuple(f"votes.{code}" for code in unknown),
            "Không có trong danh sách người ứng cử của đơn vị bầu cử: " + ", ".join(unknown),
        )


def _candidate_within_valid(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """No candidate has more votes than there are valid ballots."""
    names = _names(ctx)
    for c in ctx.candidates:
        votes = f.votes.get(c.code)
        if votes is not None and votes > f.ballots_valid:
            yield _error(
                "candidate_exceeds_valid",
                (f"votes.{c.code}",),
                f"Số phiếu bầu cho {names[c.code]} ({fmt_int(votes)}) không được lớn hơn "
                f"số phiếu hợp lệ ({fmt_int(f.ballots_valid)})",
            )


def _votes_within_ballots(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """Each valid ballot keeps from one name to as many names as there are seats."""
    # Only votes for exactly the unit's list can be added up against the ballots.
    if not _complete(f, ctx):
        return
    total = _total(f, ctx)
    if total < f.ballots_valid:
        yield _error(
            "votes_below_valid",
            ("votes", "ballots_valid"),
            f"Tổng số phiếu bầu cho các người ứng cử ({fmt_int(total)}) không được nhỏ hơn "
            f"số phiếu hợp lệ ({fmt_int(f.ballots_valid)}): mỗi phiếu hợp lệ giữ lại "
            "ít nhất một tên",
        )
    most = f.ballots_valid * ctx.seats
    if total > most:
        yield _error(
            "votes_above_seats",
            ("votes", "ballots_valid"),
            f"Tổng số phiếu bầu cho các người ứng cử ({fmt_int(total)}) không được lớn hơn "
            f"số phiếu hợp lệ × số đại biểu được bầu ({fmt_int(f.ballots_valid)} × "
            f"{ctx.seats} = {fmt_int(most)})",
        )


def _names_kept_add_up(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """One row per number of names kept (1 to the seats), summing to the ballots and votes."""
    if f.names_kept is None:
        return
    if len(f.names_kept) != ctx.seats:
        yield _error(
            "names_kept_length",
            ("names_kept",),
            f"Bảng phân loại phiếu hợp lệ phải có đúng {ctx.seats} dòng (giữ lại 1 đến "
            f"{ctx.seats} tên), đang có {len(f.names_kept)}",
        )
        return
    kept = sum(f.names_kept)
    if kept != f.ballots_valid:
        yield _error(
            "names_kept_sum",
            ("names_kept", "ballots_valid"),
            f"Tổng số phiếu theo số tên được giữ lại ({fmt_int(kept)}) phải bằng "
            f"số phiếu hợp lệ ({fmt_int(f.ballots_valid)})",
        )
    # n ballots keeping k names each give n × k votes: as many as the candidates received.
    weighted = sum(k * count for k, count in enumerate(f.names_kept, start=1))
    total = _total(f, ctx)
    if _complete(f, ctx) and weighted != total:
        yield _error(
            "names_kept_votes",
            ("names_kept", "votes"),
            f"Số tên được giữ lại trên các phiếu hợp lệ ({fmt_int(weighted)}) phải bằng "
            f"tổng số phiếu bầu cho các người ứng cử ({fmt_int(total)})",
        )


def _issued_as_voted(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    if f.ballots_issued != f.voters_voted:
        yield _warning(
            "issued_differs_voted",
            ("ballots_issued", "voters_voted"),
            f"{_figure(f, 'ballots_issued')} khác {_lower(_figure(f, 'voters_voted'))}",
        )


def _all_issued_received(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    if f.ballots_received < f.ballots_issued:
        yield _warning(
            "received_below_issued",
            ("ballots_received", "ballots_issued"),
            f"{_figure(f, 'ballots_received')} ít hơn {_lower(_figure(f, 'ballots_issued'))}: "
            f"{fmt_int(f.ballots_issued - f.ballots_received)} phiếu không được bỏ vào hòm",
        )


def _voters_follow_contest_order(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """A higher contest's roll holds everyone of a lower one's at the same voting area."""
    if ctx.contest not in CONTEST_CODES:
        return
    rank = CONTEST_CODES.index(ctx.contest)
    for other, voters in sorted(ctx.other_voters.items(), key=lambda kv: _rank(kv[0])):
        if other not in CONTEST_CODES or other == ctx.contest:
            continue
        upper, lower = (ctx.contest, other) if rank < _rank(other) else (other, ctx.contest)
        upper_n = f.voters_on_roll if upper == ctx.contest else voters
        lower_n = f.voters_on_roll if lower == ctx.contest else voters
        if upper_n < lower_n:
            yield _warning(
                "voters_contest_order",
                ("voters_on_roll",),
                f"Tổng số cử tri bầu {CONTEST_SHORT[upper]} ({fmt_int(upper_n)}) ít hơn "
                f"số cử tri bầu {CONTEST_SHORT[lower]} ({fmt_int(lower_n)}) tại cùng khu vực "
                "bỏ phiếu",
            )


def _turnout_plausible(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    """Half the roll or less voids the unit's election (domain.md §6); all of it is rare."""
    if not (f.voters_on_roll > 0 and 0 <= f.voters_voted <= f.voters_on_roll):
        return
    turnout = Fraction(f.voters_voted, f.voters_on_roll)
    if turnout * 2 <= 1:
        yield _warning(
            "turnout_low",
            ("voters_voted",),
            f"Tỷ lệ cử tri đi bầu {_pct(f.voters_voted, f.voters_on_roll)} không quá "
            "một nửa tổng số cử tri",
        )
    elif turnout == 1:
        yield _warning("turnout_full", ("voters_voted",), "Tỷ lệ cử tri đi bầu đúng 100,00%")


def _invalid_share_plausible(f: TallyFigures, ctx: TallyContext) -> Iterator[Finding]:
    if not (f.ballots_received > 0 and 0 <= f.ballots_invalid <= f.ballots_received):
        return
    share = Fraction(f.ballots_invalid * 100, f.ballots_received)
    if share > Fraction(ctx.invalid_warning_pct):
        yield _warning(
            "invalid_high",
            ("ballots_invalid",),
            f"Tỷ lệ phiếu không hợp lệ {_pct(f.ballots_invalid, f.ballots_received)} "
            f"vượt ngưỡng {fmt_pct(ctx.invalid_warning_pct)}",
        )


# The rules in the order of the paper form, which is the order of the findings.
RULES: tuple[Rule, ...] = (
    _counts_not_negative,
    _voters_match_roll,  # against the roll
    # within the record
    _figures_within_each_other,
    _valid_and_invalid_make_received,
    # the candidates
    _exactly_the_units_candidates,
    _candidate_within_valid,
    _votes_within_ballots,
    _names_kept_add_up,  # the optional breakdown n1…n_seats of valid ballots by names kept
    # warnings
    _issued_as_voted,
    _all_issued_received,
    _voters_follow_contest_order,
    _turnout_plausible,
    _invalid_share_plausible,
)


def errors(findings: list[Finding]) -> list[Finding]:
    return [x for x in findings if x.severity == ERROR]


def warnings(findings: list[Finding]) -> list[Finding]:
    return [x for x in findings if x.severity == WARNING]


def _error(code: str, fields: tuple[str, ...], message: str) -> Finding:
    return Finding(code, ERROR, fields, message)


def _warning(code: str, fields: tuple[str, ...], message: str) -> Finding:
    return Finding(code, WARNING, fields, message)


def _figure(f: TallyFigures, name: str) -> str:
    """'Số phiếu phát ra (1.234)': a figure of the record with its label."""
    return f"{LABELS[name]} ({fmt_int(getattr(f, name))})"


def _names(ctx: TallyContext) -> dict[str, str]:
    """The unit's candidates, code → name, in ballot order."""
    return {c.code: c.name for c in ctx.candidates}


def _unknown(f: TallyFigures, ctx: TallyContext) -> list[str]:
    """Codes of the record that are not on the unit's list, as written."""
    official = {c.code for c in ctx.candidates}
    return [code for code in f.votes if code not in official]


def _complete(f: TallyFigures, ctx: TallyContext) -> bool:
    """The record gives votes for exactly the unit's candidates."""
    return all(c.code in f.votes for c in ctx.candidates) and not _unknown(f, ctx)


def _total(f: TallyFigures, ctx: TallyContext) -> int:
    names = _names(ctx)
    return sum(v for code, v in f.votes.items() if code in names)


def _rank(contest: str) -> int:
    return CONTEST_CODES.index(contest) if contest in CONTEST_CODES else len(CONTEST_CODES)


def _lower(text: str) -> str:
    """'Số phiếu…' → 'số phiếu…' when a label continues a sentence."""
    return text[:1].lower() + text[1:]


def _pct(part: int, whole: int) -> str:
    return fmt_pct(percent(part, whole))
