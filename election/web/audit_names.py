"""The audit log in Vietnamese: every action, object and field an event carries (#20).

An event stores codes (``turnout.report``, ``voters_on_roll``); people read names and
numbers as they are written elsewhere (1.212).
"""

from __future__ import annotations

from election.domain.numbers import fmt_int
from election.domain.setup import CONTEST_LABELS
from election.domain.tally import COMPLAINT_LABELS, LABELS
from election.services.identity.users import ROLE_NAMES
from election.services.imports.jobs import KIND_TEXT
from election.services.results.rounds import KIND_NAMES
from election.web.filters import STATUS_NAMES

ACTIONS = {
    "login": "Đăng nhập",
    "login.password": "Đăng nhập: đúng mật khẩu, chờ mã hai bước",
    "login.failed": "Đăng nhập thất bại",
    "login.totp_failed": "Mã xác thực hai bước sai",
    "login.throttled": "Đăng nhập bị tạm chặn",
    "logout": "Đăng xuất",
    "user.create": "Tạo người dùng",
    "user.batch_create": "Tạo tài khoản các tổ bầu cử",
    "user.password_reset": "Đặt lại mật khẩu",
    "user.unlock": "Mở khóa tài khoản",
    "user.deactivate": "Vô hiệu hóa tài khoản",
    "user.reactivate": "Kích hoạt lại tài khoản",
    "user.scope_change": "Đổi vai trò, phạm vi",
    "user.totp_enrol": "Đăng ký xác thực hai bước",
    "user.password_change": "Đổi mật khẩu",
    "token.create": "Cấp mã truy cập API",
    "token.revoke": "Thu hồi mã truy cập API",
    "setup.import": "Nạp thiết lập cuộc bầu cử",
    "roll.import": "Nạp danh sách cử tri",
    "tally.submit": "Nộp biên bản",
    "tally.correct": "Sửa biên bản",
    "tally.verify": "Xác nhận biên bản",
    "tally.return": "Trả lại biên bản",
    "tally.key": "Nhập lại đối chiếu biên bản",
    "evidence.add": "Đính kèm ảnh biên bản",
    "turnout.report": "Báo cáo số cử tri đã bỏ phiếu",
    "unit.round_open": "Mở vòng bầu cử mới",
    "certification.create": "Ký xác nhận kết quả",
    "certification.reopen": "Mở lại kết quả đã ký xác nhận",
    "import.upload": "Tải lên tệp để nạp",
    "import.start": "Bắt đầu nạp tệp đã tải lên",
    "import.fail": "Nạp tệp thất bại",
    "import.expire": "Hủy tệp tải lên quá hạn",
}
OBJECTS = {
    "tally": "Biên bản",
    "user": "Người dùng",
    "voting_area": "Khu vực bỏ phiếu",
    "election": "Cuộc bầu cử",
    "roll": "Tệp danh sách cử tri",
    "unit": "Đơn vị bầu cử",
    "api_token": "Mã truy cập API số",
    "city": "Kết quả toàn thành phố",
    "council": "Kết quả Hội đồng nhân dân",
    "import_job": "Lần tải lên số",
    "area": "Khu vực",
}
FIELDS = {
    **LABELS,
    **COMPLAINT_LABELS,
    # user.create, logins, logout, password change
    "username": "Tên đăng nhập",
    "role": "Vai trò",
    "area": "Khu vực phụ trách",
    "full_name": "Họ và tên",
    "service": "Tài khoản dịch vụ",
    "officers": "Tài khoản Tổ bầu cử",
    "address": "Địa chỉ IP",
    "totp": "Có mã hai bước",
    "reason": "Lý do",
    "limit": "Bị chặn theo",
    "epoch": "Lượt phiên đăng nhập",
    "must_change_password": "Phải đổi mật khẩu",
    "locked_seconds": "Thời gian còn bị khóa (giây)",
    "active": "Đang hoạt động",
    "created": "Số tài khoản đã tạo",
    "passwords_given": "Số mật khẩu đã cấp",
    "existing": "Số tài khoản đã có",
    "staff": "Tài khoản người kiểm tra",
    "first_passwords": "Tài khoản nhận mật khẩu lần đầu",
    # tokens
    "user": "Người dùng",
    "label": "Ghi chú",
    "revoked": "Đã thu hồi",
    # setup and rolls
    "name": "Tên",
    "areas": "Số khu vực hành chính",
    "contests": "Số cấp bầu cử",
    "units": "Số đơn vị bầu cử",
    "candidates": "Số người ứng cử",
    "voting_areas": "Số khu vực bỏ phiếu",
    "voters": "Số cử tri",
    "counts": "Số cử tri theo khu vực bỏ phiếu",
    # tally records
    "record": "Biên bản số",
    "voting_area": "Khu vực bỏ phiếu",
    "contest": "Cấp bầu cử",
    "round": "Vòng",
    "version": "Phiên bản",
    "status": "Trạng thái",
    "figures": "Số liệu",
    "votes": "Số phiếu bầu theo mã người ứng cử",
    "names_kept": "Phân loại theo số tên được giữ lại",
    "comment": "Ghi chú",
    "warnings": "Cảnh báo",
    "actor": "Mã người nhập",
    "match": "Khớp",
    "differences": "Ô lệch",
    # evidence
    "sha256": "Mã băm SHA-256",
    "media_type": "Loại tệp",
    "size": "Dung lượng (byte)",
    "captured_at": "Chụp lúc",
    # turnout and rounds
    "time": "Mốc giờ",
    "voters_voted": "Số cử tri đã tham gia bỏ phiếu",
    "kind": "Loại",
    # certification
    "certification": "Bản xác nhận số",
    "level": "Cấp",
    "digest": "Mã băm kết quả",
    "audit_seq": "Sự kiện nhật ký số",
    "audit_hash": "Mã băm nhật ký",
    "signers": "Người ký",
    # uploads to import
    "file": "Tệp",
    "attempt": "Lần chạy",
    "message": "Thông báo",
}
JOB_STATUSES = {
    "ready": "chờ nạp",
    "running": "đang nạp",
    "done": "đã nạp xong",
    "failed": "thất bại",
    "expired": "quá hạn, đã hủy",
}
WARNINGS = {
    "voters_differ_roll": "tổng số cử tri khác danh sách cử tri",
    "issued_differs_voted": "số phiếu phát ra khác số cử tri đã bỏ phiếu",
    "received_below_issued": "số phiếu thu vào ít hơn số phiếu phát ra",
    "voters_contest_order": "tổng số cử tri không theo thứ tự các cấp",
    "turnout_low": "tỷ lệ cử tri đi bầu thấp",
    "turnout_full": "tỷ lệ cử tri đi bầu đúng 100%",
    "invalid_high": "tỷ lệ phiếu không hợp lệ cao",
}
# Values that are codes of a closed list, named by the field that holds them.
VALUES: dict[str, dict[str, str]] = {
    "warnings": WARNINGS,
    "role": ROLE_NAMES,
    "status": {code: name.lower() for code, name in STATUS_NAMES.items()} | JOB_STATUSES,
    "contest": CONTEST_LABELS,
    "kind": {"first": "vòng đầu", **KIND_NAMES, **{k: v.lower() for k, v in KIND_TEXT.items()}},
    "level": {"unit": "đơn vị bầu cử", "city": "thành phố", "council": "Hội đồng nhân dân"},
    "limit": {"address": "địa chỉ IP", "account": "tài khoản"},
    "reason": {"reused": "mã đã dùng", "wrong": "mã sai"},
    "differences": {**LABELS, **COMPLAINT_LABELS},
}


def action_name(code: str) -> str:
    return ACTIONS.get(code, code)


def field_name(code: str) -> str:
    """A field's Vietnamese name; a key that is data (a contest or voting area code) stays."""
    return FIELDS.get(code, CONTEST_LABELS.get(code, code))


def describe(content: object) -> str:
    """An event's before or after as a line: 'Tổng số cử tri: 1.212; Trạng thái: đã nộp'."""
    if content is None:
        return "—"
    if isinstance(content, dict):
        return "; ".join(f"{field_name(k)}: {value_text(k, v)}" for k, v in content.items())
    return value_text("", content)


def value_text(field: str, value: object) -> str:
    """One value as people read it: numbers grouped (1.212), yes/no, codes of lists named."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, int):
        return fmt_int(value)
    if isinstance(value, dict):
        return " · ".join(f"{field_name(k)} {_inner(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(value_text(field, item) for item in value) + "]"
    text = str(value)
    return VALUES.get(field, {}).get(text, text)


def _inner(field: str, value: object) -> str:
    text = value_text(field, value)
    return f"({text})" if isinstance(value, dict) else text
