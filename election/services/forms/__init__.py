"""Official forms: build a record's values, render it with exports/, stamp a verification code.

The code is derived from a digest of every value printed on the record and from the
audit log's position when it was made. It is stored, so ``verify`` can later say
whether a printed or e-mailed copy still matches the data.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import forms
from election.db import begin_write
from election.domain.clock import in_vietnam, utcnow
from election.domain.errors import Forbidden, InvalidInput, NotFound
from election.models import (
    Area,
    AuditHead,
    Certification,
    Contest,
    FormExport,
    Unit,
    User,
    VotingArea,
)
from election.services import scope
from election.services.audit import chain as audit
from election.services.forms import committee, records
from election.services.forms.common import Basics, basics, lower_first
from election.services.results import require_unit_scope
from election.services.settle import settle_now
from exports import xlsx

KINDS = forms.KINDS
KIND_NAMES = {
    "count-record": "Biên bản kết quả kiểm phiếu của Tổ bầu cử",
    "unit-record": "Biên bản xác định kết quả bầu cử ở đơn vị bầu cử",
    "city-record": "Biên bản xác định kết quả bầu cử đại biểu Quốc hội ở thành phố",
    "summary-record": "Biên bản tổng kết cuộc bầu cử đại biểu Hội đồng nhân dân",
    "statistics": "Biểu thống kê kết quả cuộc bầu cử",
}
CODE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")


@dataclass(frozen=True)
class FormFile:
    """An exported workbook and what to call it."""

    filename: str
    content: bytes
    codes: list[str]


@dataclass(frozen=True)
class _Built:
    definition: forms.Definition
    values: dict[str, Any]
    title: str
    stem: str  # file name without extension, ASCII
    round_no: int | None


def export(
    session: Session,
    user: User | None,
    kind: str,
    contest_code: str | None,
    scope_code: str,
    round_no: int | None = None,
    verify_url: str = "/verify/",
) -> FormFile:
    """One official record as an .xlsx; ``user`` None is the command line (the whole city)."""
    settle_now(session)  # the anchor it prints holds every write committed before
    base = basics(session)
    built = _build(session, base, user, kind, contest_code, scope_code, round_no)
    code, head = _register(session, user, kind, contest_code, scope_code, built)
    stamp = _stamp(code, head, built.values, verify_url)
    content = xlsx.render(built.definition, built.values, built.title, stamp)
    return FormFile(f"{built.stem}.xlsx", content, [code])


def export_ward(
    session: Session,
    user: User | None,
    contest_code: str | None,
    ward_code: str,
    verify_url: str = "/verify/",
) -> FormFile:
    """Every count record of a ward's voting areas for a contest, one sheet each."""
    settle_now(session)
    base = basics(session)
    ward = session.scalar(select(Area).where(Area.code == ward_code))
    if ward is None:
        raise NotFound(f"Không có khu vực hành chính mã «{ward_code}»")
    if user is not None and not scope.area_inside(user, ward):
        raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    contest = _contest(session, contest_code)
    areas = session.scalars(
        select(VotingArea).where(VotingArea.area_id == ward.id).order_by(VotingArea.id)
    ).all()
    built: list[_Built] = []
    for va in areas:
        try:
            built.append(_build(session, base, None, "count-record", contest.code, va.code, None))
        except NotFound:
            continue  # not reported yet, or the contest is not held there
    if not built:
        raise NotFound(f"{ward.name} chưa có biên bản kiểm phiếu nào của cấp bầu cử này")
    sheets, codes = [], []
    for item in built:
        scope_code = item.values["scope_code"]
        code, head = _register(session, user, "count-record", contest.code, scope_code, item)
        codes.append(code)
        sheets.append(
            xlsx.Sheet(
                item.definition,
                item.values,
                item.title,
                _stamp(code, head, item.values, verify_url),
            )
        )
    stem = f"bien-ban-kiem-phieu-{_ascii(contest.code)}-{_ascii(ward.code)}"
    return FormFile(f"{stem}.xlsx", xlsx.render_many(sheets), codes)


CHANGED_AFTER_CERTIFICATION = "đã có thay đổi sau khi xác nhận"


@dataclass(frozen=True)
class Verification:
    """What a verification code stands for and whether the data still says the same."""

    code: str
    kind_name: str
    scope_name: str
    contest_name: str | None
    created_at: dt.datetime
    audit_seq: int
    audit_seq_now: int
    matches: bool
    # Why it no longer matches, when the system knows: printed under a certification that a
    # later change reopened (issue #17).
    reason: str | None = None


def verify(session: Session, code: str) -> Verification:
    """Recompute the record a code was issued for and compare it with what was printed."""
    code = code.strip().upper()
    if not CODE.match(code):
        raise InvalidInput(
            "Mã xác minh không đúng định dạng", {"code": ["Dạng XXXX-XXXX-XXXX-XXXX"]}
        )
    row = session.get(FormExport, code)
    if row is None:
        raise NotFound("Không có biên bản nào mang mã xác minh này")
    base = basics(session)
    try:
        built = _build(
            session, base, None, row.kind, row.contest_code, row.scope_code, row.round_no
        )
        matches = _digest(built.values) == row.digest
    except NotFound:
        matches = False
        built = None
    reason = None
    if row.certification_id is not None:
        signed = session.get(Certification, row.certification_id)
        if signed is not None and not signed.valid:
            matches = False
            reason = CHANGED_AFTER_CERTIFICATION
    contest = session.scalar(select(Contest).where(Contest.code == row.contest_code))
    return Verification(
        code,
        KIND_NAMES[row.kind],
        _scope_name(session, row.scope_code),
        contest.name if contest else None,
        row.created_at,
        row.audit_seq,
        _audit_seq(session),
        matches,
        reason,
    )


# -- building --------------------------------------------------------------------------------


def _build(
    session: Session,
    base: Basics,
    user: User | None,
    kind: str,
    contest_code: str | None,
    scope_code: str,
    round_no: int | None,
) -> _Built:
    if kind not in KINDS:
        raise InvalidInput(
            f"Không có loại biểu mẫu «{kind}»", {"form": [f"Một trong: {', '.join(KINDS)}"]}
        )
    form_set = base.election.form_set
    if kind == "statistics":
        _only_city(session, base, user, scope_code)
        values = committee.statistics(session, base)
        definition = forms.load(kind, None, form_set, values["stage_key"])
        stem = f"thong-ke-{'chinh-thuc' if values['stage_key'] == 'official' else 'so-bo'}"
        return _done(definition, values, "Thống kê", stem, scope_code, None)
    contest = _contest(session, contest_code)
    family = forms.contest_kind(contest.code)
    if kind == "count-record":
        va = session.scalar(select(VotingArea).where(VotingArea.code == scope_code))
        if va is None:
            raise NotFound(f"Không có khu vực bỏ phiếu mã «{scope_code}»")
        if user is not None:
            scope.require_inside(user, va)
        values, record = records.count_record(session, base, va, contest, round_no)
        definition = forms.load(kind, family, form_set)
        title = f"{va.area.name} - KVBP {values['area_no']}"
        stem = f"bien-ban-kiem-phieu-{_ascii(contest.code)}-{_ascii(va.code)}"
        return _done(definition, values, title, stem, scope_code, record.round_no)
    if kind == "unit-record":
        unit = session.scalar(select(Unit).where(Unit.code == scope_code))
        if unit is None or unit.contest_id != contest.id:
            raise NotFound(f"Không có đơn vị bầu cử mã «{scope_code}» của cấp bầu cử này")
        if user is not None:
            require_unit_scope(session, user, unit)
        values, chosen = records.unit_record(session, base, unit, round_no)
        definition = forms.load(kind, family, form_set)
        stem = f"bien-ban-xac-dinh-ket-qua-{_ascii(unit.code)}-vong-{chosen.round_no}"
        return _done(definition, values, unit.name, stem, scope_code, chosen.round_no)
    area = session.scalar(select(Area).where(Area.code == scope_code))
    if area is None:
        raise NotFound(f"Không có khu vực hành chính mã «{scope_code}»")
    if kind == "city-record":
        if contest.code != "QH":
            raise InvalidInput(
                "Biên bản của thành phố chỉ lập cho bầu cử đại biểu Quốc hội",
                {"contest": ["Phải là QH"]},
            )
        _only_city(session, base, user, scope_code)
    else:
        if family != "HDND":
            raise InvalidInput(
                "Biên bản tổng kết chỉ lập cho bầu cử đại biểu Hội đồng nhân dân",
                {"contest": ["Phải là một cấp Hội đồng nhân dân"]},
            )
        if not committee.council_of(session, base, contest, area):
            raise InvalidInput(
                f"{area.name} không có Ủy ban bầu cử {lower_first(contest.name)}",
                {"scope": ["Chọn khu vực có Hội đồng nhân dân của cấp này"]},
            )
        if user is not None and not scope.area_inside(user, area):
            raise Forbidden("Khu vực này nằm ngoài phạm vi của bạn")
    values = committee.committee_record(session, base, contest, area)
    definition = forms.load(kind, family, form_set)
    stem = f"{'bien-ban-thanh-pho' if kind == 'city-record' else 'bien-ban-tong-ket'}-"
    stem += f"{_ascii(contest.code)}-{_ascii(area.code)}"
    return _done(definition, values, area.name, stem, scope_code, None)


def _done(
    definition: forms.Definition,
    values: dict[str, Any],
    title: str,
    stem: str,
    scope_code: str,
    round_no: int | None,
) -> _Built:
    values = {**values, "form_no": definition.number, "scope_code": scope_code}
    return _Built(definition, values, title, stem, round_no)


def _contest(session: Session, code: str | None) -> Contest:
    if not code:
        raise InvalidInput("Thiếu mã cấp bầu cử", {"contest": ["Bắt buộc phải có"]})
    contest = session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        raise NotFound(f"Không có cấp bầu cử mã «{code}»", {"contest": ["Mã không tồn tại"]})
    return contest


def _only_city(session: Session, base: Basics, user: User | None, scope_code: str) -> None:
    if scope_code != base.root.code:
        raise InvalidInput(
            f"Biểu mẫu này lập cho cả {lower_first(base.root.name)}",
            {"scope": [f"Phải là {base.root.code}"]},
        )
    if user is not None and not scope.area_inside(user, base.root):
        raise Forbidden("Chỉ Ủy ban bầu cử thành phố được xuất biểu mẫu này")


def _scope_name(session: Session, code: str) -> str:
    for model in (VotingArea, Unit, Area):
        found = session.scalar(select(model).where(model.code == code))
        if found is not None:
            if isinstance(found, VotingArea):
                return f"{found.name}, {found.area.name}"
            return found.name
    return code


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# -- the verification code -------------------------------------------------------------------


def _digest(values: dict[str, Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _audit_seq(session: Session) -> int:
    return session.scalar(select(AuditHead.seq)) or 0


def _register(
    session: Session,
    user: User | None,
    kind: str,
    contest_code: str | None,
    scope_code: str,
    built: _Built,
) -> tuple[str, audit.Anchor]:
    """The record's code, stored once; the same data at the same audit position gives the same code.

    Also the audit chain's head it was made at, printed on the form as its anchor.
    """
    digest = _digest(built.values)
    head = audit.anchor(session)
    seq = head.seq
    form_set = built.definition.form_set.name
    identity = f"{kind}|{contest_code}|{scope_code}|{built.round_no}|{form_set}|{digest}|{seq}"
    raw = base64.b32encode(hashlib.sha256(identity.encode()).digest()).decode()[:16]
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    begin_write(session)
    if session.get(FormExport, code) is None:
        session.add(
            FormExport(
                code=code,
                kind=kind,
                contest_code=contest_code if kind != "statistics" else None,
                scope_code=scope_code,
                round_no=built.round_no,
                form_set=form_set,
                digest=digest,
                audit_seq=seq,
                created_at=dt.datetime.now(dt.UTC),
                created_by=user.id if user is not None else None,
                certification_id=built.values.get("certification_id"),
            )
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # the same export at the same moment: the code is already stored
    else:
        session.commit()
    return code, head


def _stamp(code: str, head: audit.Anchor, values: dict[str, Any], verify_url: str) -> xlsx.Stamp:
    seq = head.seq
    now = in_vietnam(utcnow()).strftime("%H:%M ngày %d/%m/%Y")
    progress = ""
    if "voting_areas" in values:
        progress = (
            f" Số liệu gồm {values.get('reported', 0)}/{values['voting_areas']} khu vực bỏ phiếu "
            f"đã báo cáo, {values.get('verified', 0)} đã kiểm tra."
        )
    if values.get("status"):
        status = {"submitted": "chờ kiểm tra", "verified": "đã kiểm tra", "returned": "bị trả lại"}
        progress = (
            f" Biên bản phiên bản {values.get('version')}, "
            f"{status.get(values['status'], values['status'])}."
        )
    if values.get("round_note"):
        progress += f" {values['round_note']}."
    line = (
        f"Mã xác minh: {code}. Xuất lúc {now} từ dữ liệu đến sự kiện nhật ký số {seq}.{progress} "
        f"Kiểm tra bản này tại {verify_url}{code}"
    )
    return xlsx.Stamp(code, line, str(head))
