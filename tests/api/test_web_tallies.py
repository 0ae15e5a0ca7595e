"""The tally pages: entry → review → submit, the record with its versions, the queue, the audit log.

Figures come from tests/factories.py: voting area T1A-1 has 1.000 voters in QH, whose unit QH1
elects 3 of 5 candidates (QH1-1 … QH1-5).
"""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import func, select, update

from election.models import Candidate, TallyRecord, TallyVersion
from tests.api.conftest import PASSWORD

VALID = {
    "voters_on_roll": "1.000",
    "voters_voted": "900",
    "ballots_issued": "900",
    "ballots_received": "900",
    "ballots_valid": "880",
    "ballots_invalid": "20",
    "votes.QH1-1": "700",
    "votes.QH1-2": "600",
    "votes.QH1-3": "500",
    "votes.QH1-4": "400",
    "votes.QH1-5": "300",
    "comment": "",
}
# Ballots issued (905) differ from voters who voted (900): accepted, with a warning.
WITH_WARNING = {
    **VALID,
    "ballots_issued": "905",
    "ballots_received": "905",
    "ballots_invalid": "25",
}


def _for_unit(figures: dict[str, str], unit: str) -> dict[str, str]:
    """The same figures for another contest's unit (its candidates are UNIT-1 … UNIT-5)."""
    return {name.replace("votes.QH1-", f"votes.{unit}-"): v for name, v in figures.items()}


CODE = re.compile(r'<code class="receipt-code">([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})</code>')
SCRIPT = "<script>alert(1)</script>"


def _csrf(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _login(client, who: str) -> None:
    client.post("/logout", data={"csrf_token": _csrf(client)})
    data = {"username": who, "password": PASSWORD, "csrf_token": _csrf(client)}
    assert client.post("/login", data=data).status_code == 302


def _text(response) -> str:
    return response.get_data(as_text=True)


def _messages_of(page: str, field: str) -> list[str]:
    """The messages shown next to one field (its err- box)."""
    box = re.search(rf'<div class="msgs" id="err-{re.escape(field)}"[^>]*>(.*?)</div>', page, re.S)
    return [htmllib.unescape(m) for m in re.findall(r'field-error">([^<]*)<', box.group(1))]


def _hidden(page: str) -> dict[str, str]:
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: htmllib.unescape(value) for name, value in pairs}


def _review(client, contest="QH", figures=VALID, va="T1A-1"):
    """Send the figures to review and follow its 303 to the review page."""
    data = {**figures, "csrf_token": _csrf(client, "/")}
    return client.post(f"/tally/{va}/{contest}/review", data=data, follow_redirects=True)


def _submit(client, contest="QH", figures=VALID) -> int:
    """Enter, review and submit a record as the signed-in officer; its id."""
    review = _review(client, contest, figures)
    assert review.status_code == 200, _text(review)
    response = client.post(f"/tally/T1A-1/{contest}/submit", data=_hidden(_text(review)))
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _post(client, path: str, **data):
    return client.post(path, data={**data, "csrf_token": _csrf(client, "/")})


def _counts(app) -> tuple[int, int]:
    with app.extensions["election.sessions"]() as session:
        return (
            session.scalar(select(func.count()).select_from(TallyRecord)),
            session.scalar(select(func.count()).select_from(TallyVersion)),
        )


def _correction(record_page: str, **changes) -> dict[str, str]:
    """The correction form as the page prefills it, with some fields changed."""
    form = re.search(r'<form method="post" class="tally".*?</form>', record_page, re.S).group(0)
    values = dict(re.findall(r'<input type="text"[^>]*name="([^"]+)" value="([^"]*)"', form))
    values["comment"] = ""
    values.update(_hidden(form))
    values.update(changes)
    return values


def test_officer_enters_reviews_and_submits_a_record_and_gets_a_receipt(client, logins):
    _login(client, "officer")
    home = _text(client.get("/"))
    assert 'href="/tally/T1A-1/QH"' in home

    entry = client.get("/tally/T1A-1/QH")
    page = _text(entry)
    assert entry.status_code == 200
    assert "<h1>Biên bản kết quả kiểm phiếu — Đại biểu Quốc hội khóa XV</h1>" in page
    assert 'value="1.000"' in page  # voters on roll prefilled from the roll
    assert (
        '<label for="f-voters_voted"><span class="no">2.</span> Số cử tri đã tham gia bỏ phiếu'
        in page
    )
    assert 'inputmode="numeric"' in page
    assert "sinh ngày 11/01/1961" in page  # Nguyễn Văn An, first on the ballot
    assert page.index("Nguyễn Văn An") < page.index("Trần Thị Bình") < page.index("Hoàng Văn Em")
    assert "Số phiếu giữ lại 3 tên" in page
    assert "<script>" not in page.replace('<script src="/static/tally.js" defer></script>', "")

    review = _review(client, figures={**VALID, "votes.QH1-1": "7 00"})
    page = _text(review)
    assert review.status_code == 200
    assert "<h1>Xem lại biên bản — Đại biểu Quốc hội khóa XV</h1>" in page
    assert '<td class="num">1.000</td>' in page
    assert '<td class="num">700</td>' in page
    assert "Không có cảnh báo." in page
    assert '<button type="submit">Nộp biên bản</button>' in page
    assert _counts(client.application) == (0, 0)

    response = client.post("/tally/T1A-1/QH/submit", data=_hidden(page))
    assert response.status_code == 303
    assert re.fullmatch(r"/tally/record/\d+", response.headers["Location"])

    receipt = _text(client.get(response.headers["Location"]))
    assert "Đã nộp biên bản, lưu thành phiên bản 1." in receipt
    assert "<dd>Phiên bản 1</dd>" in receipt
    assert '<span class="status status-submitted">Đã nộp</span>' in receipt
    assert "Mã xác nhận" in receipt
    assert CODE.search(receipt)
    assert "Đã nộp" in _text(client.get("/"))


def test_a_double_submit_of_the_review_form_stores_one_record(app, client, logins):
    _login(client, "officer")
    form = _hidden(_text(_review(client)))
    first = client.post("/tally/T1A-1/QH/submit", data=form)
    second = client.post("/tally/T1A-1/QH/submit", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _counts(app) == (1, 1)


def test_a_broken_rule_is_shown_next_to_its_fields_and_nothing_is_stored(app, client, logins):
    _login(client, "officer")
    response = _review(client, figures={**VALID, "ballots_invalid": "21"})
    page = _text(response)
    message = "Số phiếu hợp lệ (880) + số phiếu không hợp lệ (21) phải bằng số phiếu thu vào (900)"
    assert response.status_code == 422
    assert '<div class="error-summary" role="alert"' in page
    # One message for the rule, under the lowest of its fields; the others are marked.
    assert _messages_of(page, "ballots_invalid") == [message]
    for field in ("ballots_valid", "ballots_received"):
        assert _messages_of(page, field) == []
        assert f'aria-describedby="err-{field} err-ballots_invalid" aria-invalid="true"' in page
    assert _messages_of(page, "voters_voted") == []
    assert 'value="21"' in page  # the figures come back as typed
    assert _counts(app) == (0, 0)


def test_the_submit_step_checks_again_and_stores_nothing_broken(app, client, logins):
    _login(client, "officer")
    form = _hidden(_text(_review(client)))
    response = client.post("/tally/T1A-1/QH/submit", data={**form, "votes.QH1-2": "881"})
    page = _text(response)
    assert response.status_code == 422
    assert _messages_of(page, "votes.QH1-2") == [
        "Số phiếu bầu cho Trần Thị Bình (881) không được lớn hơn số phiếu hợp lệ (880)"
    ]
    assert _counts(app) == (0, 0)


@pytest.mark.parametrize("typed", ["12a", "1.48", "-5", "1,480", "٣"])
def test_a_value_that_is_not_a_count_gets_a_field_level_error(client, logins, typed):
    _login(client, "officer")
    response = _review(client, figures={**VALID, "votes.QH1-1": typed})
    page = _text(response)
    assert response.status_code == 400
    assert _messages_of(page, "votes.QH1-1") == [
        "Chỉ nhập chữ số, có thể dùng dấu chấm ngăn cách hàng nghìn (ví dụ 1.480)"
    ]
    assert 'aria-invalid="true"' in page


def test_empty_and_huge_counts_are_refused_by_field(client, logins):
    _login(client, "officer")
    figures = {**VALID, "voters_voted": "", "ballots_issued": "1.000.001", "names_kept.1": "5"}
    page = _text(_review(client, figures=figures))
    assert _messages_of(page, "voters_voted") == ["Hãy nhập số (không có thì ghi 0)"]
    assert _messages_of(page, "ballots_issued") == ["Phải là số nguyên từ 0 đến 1.000.000"]
    assert _messages_of(page, "names_kept.2") == [
        "Hãy nhập đủ các dòng phân loại, hoặc để trống cả bảng"
    ]


def test_the_breakdown_by_names_kept_is_checked(client, logins):
    _login(client, "officer")
    figures = {**VALID, "names_kept.1": "100", "names_kept.2": "400", "names_kept.3": "300"}
    page = _text(_review(client, figures=figures))
    assert _messages_of(page, "names_kept") == [
        "Tổng số phiếu theo số tên được giữ lại (800) phải bằng số phiếu hợp lệ (880)",
        "Số tên được giữ lại trên các phiếu hợp lệ (1.800) phải bằng tổng số phiếu bầu "
        "cho các người ứng cử (2.500)",
    ]


def test_a_post_without_a_csrf_token_is_refused(app, client, logins):
    _login(client, "officer")
    response = client.post("/tally/T1A-1/QH/review", data=VALID)
    assert response.status_code == 400
    assert "mã CSRF" in _text(response)
    assert _counts(app) == (0, 0)


def test_an_officer_cannot_open_another_voting_areas_entry_page(client, logins):
    _login(client, "officer")
    response = client.get("/tally/T1A-2/QH")
    assert response.status_code == 403
    assert "Khu vực bỏ phiếu này nằm ngoài phạm vi của bạn" in _text(response)
    assert _review(client, va="T1A-2").status_code == 403
    assert client.get("/tally/T1A-1/NOPE").status_code == 404


@pytest.mark.parametrize(("who", "path"), [("officer", "/review"), ("officer", "/audit")])
def test_review_and_audit_pages_are_not_for_officers(client, logins, who, path):
    _login(client, who)
    response = client.get(path)
    assert response.status_code == 403
    assert "Vai trò của bạn không được mở trang này" in _text(response)


def test_a_second_record_for_the_same_contest_leads_to_the_existing_one(client, logins):
    _login(client, "officer")
    record_id = _submit(client)
    assert client.get("/tally/T1A-1/QH").headers["Location"] == f"/tally/record/{record_id}"
    review = _review(client)  # another phone of the team: the review leads to the record
    assert review.request.path == f"/tally/record/{record_id}"
    form = {**VALID, "csrf_token": _csrf(client, "/"), "idempotency_key": "khac"}
    response = client.post("/tally/T1A-1/QH/submit", data=form)
    assert response.headers["Location"] == f"/tally/record/{record_id}"
    assert "Khu vực bỏ phiếu đã có biên bản cho cấp bầu cử này" in _text(client.get("/"))


def test_the_back_button_of_the_review_page_keeps_the_figures(client, logins):
    _login(client, "officer")
    form = _hidden(_text(_review(client)))
    page = _text(client.post("/tally/T1A-1/QH", data=form))
    assert 'name="votes.QH1-3" value="500"' in page


def _two_for_the_reviewer(client, second=VALID) -> tuple[int, int]:
    """T1A-1's QH record and its HĐND thành phố record (``second``'s figures); the reviewer in."""
    _login(client, "officer")
    ids = _submit(client, "QH"), _submit(client, "HDND_TINH", _for_unit(second, "TP1"))
    _login(client, "reviewer")
    return ids


def test_the_review_queue_lists_records_with_warnings_first(client, logins):
    plain, warned = _two_for_the_reviewer(client, WITH_WARNING)
    page = _text(client.get("/review"))
    assert "Đã nộp, chờ xác nhận: 2 biên bản" in page
    assert page.index(f"Biên bản số {warned}<") < page.index(f"Biên bản số {plain}<")
    assert "Số phiếu phát ra (905) khác số cử tri đã tham gia bỏ phiếu (900)" in page
    assert "Không có biên bản nào khớp bộ lọc «Đã xác nhận»" in _text(
        client.get("/review?status=verified")
    )
    _login(client, "ward_reviewer")  # ward T2A: outside their scope
    assert "Biên bản số" not in _text(client.get("/review?status=all"))


def test_a_reviewer_verifies_a_record(client, logins):
    _login(client, "officer")
    record_id = _submit(client)
    _login(client, "reviewer")
    page = _text(client.get(f"/tally/record/{record_id}"))
    assert "Xác nhận phiên bản 1" in page
    response = _post(client, f"/tally/record/{record_id}/verify", expected_version="1")
    # Nothing else waits: back to the queue (issue #20), a 303 so a reload does not post again.
    assert (response.status_code, response.headers["Location"]) == (303, "/review")
    assert (
        "Đã xác nhận biên bản T1A-1 · Quốc hội. Không còn biên bản nào khác khớp bộ lọc."
    ) in _text(client.get("/review"))
    page = _text(client.get(f"/tally/record/{record_id}"))
    assert '<span class="status status-verified">Đã xác nhận</span>' in page
    _login(client, "officer")
    page = _text(client.get(f"/tally/record/{record_id}"))
    assert "Sửa biên bản" not in page  # a verified record is closed to its polling team


def test_verify_and_return_go_on_to_the_next_record_under_the_same_filters(app, client, logins):
    qh, tinh = _two_for_the_reviewer(client)
    queue = _text(client.get("/review?status=submitted&q=T1A-1"))
    assert "Trong phạm vi của bạn có <strong>2</strong> biên bản đang chờ xác nhận." in queue
    assert f'href="/tally/record/{qh}?status=submitted&amp;q=T1A-1"' in queue
    page = _text(client.get(f"/tally/record/{qh}?status=submitted&q=T1A-1"))
    # The decision comes before the receipt and the versions; the filters ride along.
    assert page.index('id="decide-title"') < page.index('id="receipt-title"')
    assert f'action="/tally/record/{qh}/verify?status=submitted&amp;q=T1A-1"' in page
    assert "hãy ghi lại mã này" not in page  # the officer's instruction is not the reviewer's
    assert "<h1>Biên bản kết quả kiểm phiếu — Khu vực bỏ phiếu số 1 (T1A-1) · " in page

    # A bad filter is refused before anything is written.
    for query, status in (("status=gone", 400), ("area=T2A", 403), ("contest=XX", 400)):
        response = _post(client, f"/tally/record/{qh}/verify?{query}", expected_version="1")
        assert response.status_code == status, query
    with app.extensions["election.sessions"]() as session:
        assert session.get(TallyRecord, qh).status == "submitted"

    response = _post(
        client, f"/tally/record/{qh}/verify?status=submitted&q=T1A-1", expected_version="1"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/tally/record/{tinh}?status=submitted&q=T1A-1"
    landed = _text(client.get(response.headers["Location"]))
    assert (
        "Đã xác nhận biên bản T1A-1 · Quốc hội. Đây là biên bản tiếp theo trong danh sách."
    ) in landed
    response = _post(
        client,
        f"/tally/record/{tinh}/return?status=submitted&q=T1A-1",
        reason="Thiếu chữ ký",
        expected_version="1",
    )
    assert (response.status_code, response.headers["Location"]) == (
        303,
        "/review?status=submitted&q=T1A-1",
    )
    assert "Trong phạm vi của bạn có <strong>0</strong> biên bản" in _text(
        client.get(response.headers["Location"])
    )


def test_the_officers_instructions_are_not_shown_to_reviewers(client, logins):
    record_id, _ = _two_for_the_reviewer(client)
    returned = _post(
        client, f"/tally/record/{record_id}/return", reason="Thiếu chữ ký", expected_version="1"
    )
    assert returned.status_code == 303
    instructions = ("hãy ghi lại mã này", "rồi lưu bản sửa kèm lý do")
    reviewer_page = _text(client.get(f"/tally/record/{record_id}"))
    assert "Sửa biên bản (tạo phiên bản 2)" in reviewer_page  # the reviewer may correct it
    assert [i for i in instructions if i in reviewer_page] == []
    _login(client, "officer")
    officer_page = _text(client.get(f"/tally/record/{record_id}"))
    assert [i for i in instructions if i in officer_page] == list(instructions)


def test_who_submitted_or_last_corrected_a_record_cannot_verify_it(client, logins):
    _login(client, "officer")
    record_id = _submit(client)
    response = _post(client, f"/tally/record/{record_id}/verify", expected_version="1")
    assert response.status_code == 403
    assert "Vai trò của bạn không được mở trang này" in _text(response)

    _login(client, "reviewer")
    page = _text(client.get(f"/tally/record/{record_id}"))
    fixed = _correction(page, **{"votes.QH1-5": "310", "reason": "Cộng lại phiếu"})
    assert _post(client, f"/tally/record/{record_id}/correct", **fixed).status_code == 303
    response = _post(client, f"/tally/record/{record_id}/verify", expected_version="2")
    assert response.status_code == 403
    assert (
        '<p class="error" role="alert" id="action-message">Không ai được xác nhận biên bản '
        "do chính mình nhập hoặc sửa lần cuối</p>"
    ) in _text(response)

    _login(client, "board")
    response = _post(client, f"/tally/record/{record_id}/verify", expected_version="2")
    assert response.status_code == 303


def test_return_then_correct_shows_both_versions_with_the_changed_cell_marked(client, logins):
    _login(client, "officer")
    record_id = _submit(client)
    _login(client, "reviewer")
    response = _post(client, f"/tally/record/{record_id}/return", reason="", expected_version="1")
    assert response.status_code == 400
    assert _messages_of(_text(response), "return_reason") == ["Hãy ghi lý do trả lại biên bản"]
    reason = "Số phiếu của Hoàng Văn Em chưa khớp biên bản giấy"
    response = _post(
        client, f"/tally/record/{record_id}/return", reason=reason, expected_version="1"
    )
    assert response.status_code == 303

    _login(client, "officer")
    page = _text(client.get(f"/tally/record/{record_id}"))
    assert '<span class="status status-returned">Bị trả lại</span>' in page
    assert f"<q>{reason}</q>" in page
    missing = _correction(page, **{"votes.QH1-5": "310", "reason": " "})
    response = _post(client, f"/tally/record/{record_id}/correct", **missing)
    assert response.status_code == 400
    assert _messages_of(_text(response), "reason") == ["Hãy ghi lý do sửa biên bản"]

    fixed = _correction(page, **{"votes.QH1-5": "290", "reason": "Đếm lại phiếu bầu"})
    response = _post(client, f"/tally/record/{record_id}/correct", **fixed)
    assert response.status_code == 303
    page = _text(client.get(f"/tally/record/{record_id}"))
    assert "Đã lưu bản sửa thành phiên bản 2." in page
    assert '<th scope="col">Phiên bản 1</th>' in page
    assert "Phiên bản 2 <span" in page
    assert '<td class="text">Đếm lại phiếu bầu</td>' in page
    assert re.search(r'<td class="num">300</td>\s*<td class="num changed">290<span', page)
    assert page.count('class="num changed"') == 1
    assert '<span class="status status-submitted">Đã nộp</span>' in page

    stale = _correction(page, **{"reason": "Sửa theo bản cũ", "expected_version": "1"})
    response = _post(client, f"/tally/record/{record_id}/correct", **stale)
    assert response.status_code == 409
    text = _text(response)
    # What changed, by whom and why, not only a version number (issue #20).
    assert "Trong lúc bạn xem phiên bản 1, biên bản đã có phiên bản 2, do officer lưu lúc " in text
    assert (
        ", lý do «Đếm lại phiếu bầu». Đã thay đổi: phiếu bầu cho Hoàng Văn Em: 300 → 290. "
        "Hãy tải lại để xem thay đổi rồi làm lại"
    ) in text


def test_a_script_in_a_candidate_name_or_a_comment_is_shown_escaped(app, client, logins):
    with app.extensions["election.sessions"]() as session:
        session.execute(update(Candidate).where(Candidate.code == "QH1-1").values(full_name=SCRIPT))
        session.commit()
    _login(client, "officer")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for response in (
        client.get("/tally/T1A-1/QH"),
        _review(client, figures={**VALID, "comment": SCRIPT}),
        _review(client, figures={**VALID, "votes.QH1-1": "900", "comment": SCRIPT}),
    ):
        page = _text(response)
        assert SCRIPT not in page
        assert escaped in page
    record_id = _submit(client, figures={**VALID, "comment": SCRIPT})
    _login(client, "board")
    for path in (f"/tally/record/{record_id}", "/audit"):
        page = _text(client.get(path))
        assert SCRIPT not in page
        assert escaped in page


def test_pages_load_no_inline_script_or_style(client, logins):
    _login(client, "officer")
    record_id = _submit(client)
    pages = [
        _text(client.get("/tally/T1A-1/HDND_TINH")),
        _text(client.get(f"/tally/record/{record_id}")),
    ]
    _login(client, "board")
    pages += [_text(client.get("/review?status=all")), _text(client.get("/audit"))]
    for page in pages:
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert not re.search(r"\son[a-z]+=", page)
        assert " style=" not in page


def test_the_review_queue_refuses_bad_filters_with_a_vietnamese_reason(client, logins):
    _login(client, "reviewer")
    for path, status, message in (
        ("/review?page=abc", 400, "Trang không hợp lệ"),
        ("/review?page=9", 400, "Trang không hợp lệ: có 1 trang"),
        ("/review?contest=XX", 400, "Không có cấp bầu cử mã «XX»"),
        ("/review?area=T2A", 403, "Khu vực này nằm ngoài phạm vi của bạn"),
        ("/review?q=" + "x" * 61, 400, "Từ khóa quá dài"),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert message in _text(response), path
