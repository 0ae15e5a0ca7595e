"""The audit log page (issue #20 item 6): newest first, a jump to a number or a time, and
every action, field and number as people read them."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from election.domain.clock import VIETNAM_TIME, utcnow
from election.domain.numbers import fmt_int
from election.models import AuditEvent
from election.services import tallies
from election.services.audit import chain as audit
from election.services.audit.chain import Actor
from election.services.identity import users
from tests.api.conftest import PASSWORD
from tests.api.test_web_tallies import VALID, _login, _submit, _text


def _tbody(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.search(r"<tbody>(.*?)</tbody>", _text(response), re.S).group(1)


def _seqs(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="e-(\d+)"', page)]


def _newest(app) -> int:
    with app.extensions["election.sessions"]() as session:
        return session.scalar(select(func.max(AuditEvent.seq)))


def test_the_audit_page_filters_by_action_and_by_voting_area(app, client, logins):
    _login(client, "officer")
    _submit(client)
    with app.extensions["election.sessions"]() as session:
        users.create_user(session, "officer2", "officer", "T1A-2", PASSWORD)
        other = users.require_user(session, "officer2")
        entry = tallies.TallyInput.from_data(
            {
                **{name: int(VALID[name].replace(".", "")) for name in tallies.FIGURES},
                "voters_on_roll": 1100,
                "votes": {f"QH1-{n}": int(VALID[f"votes.QH1-{n}"]) for n in range(1, 6)},
            }
        )
        tallies.submit(session, other, "T1A-2", "QH", entry)
    _login(client, "board")

    body = _tbody(client.get("/audit?action=tally.submit"))
    assert len(_seqs(body)) == 2
    # Newest first, each record named by voting area and contest, not by its id.
    assert body.index("Biên bản T1A-2 · Quốc hội<") < body.index("Biên bản T1A-1 · Quốc hội<")
    assert "Đăng nhập" not in body
    # Fields in Vietnamese and numbers as written elsewhere: no code, no 1000.
    assert "Số liệu: Tổng số cử tri 1.100 · Số cử tri đã tham gia bỏ phiếu 900 · " in body
    assert "Trạng thái" not in body and "voters_on_roll" not in body and "tally.submit" not in body

    body = _tbody(client.get("/audit?voting_area=T1A-1"))
    assert "Biên bản T1A-1 · Quốc hội<" in body and "T1A-2" not in body

    body = _tbody(client.get("/audit?actor=officer2"))
    assert "Tạo người dùng" not in body and "Biên bản T1A-2 · Quốc hội<" in body
    body = _tbody(client.get("/audit?action=user.create"))
    assert "Tên đăng nhập: officer2; Vai trò: Tổ bầu cử; Khu vực phụ trách: T1A-2" in body

    response = client.get("/audit?voting_area=KHONG-CO")
    assert response.status_code == 404
    assert "Không có khu vực bỏ phiếu mã «KHONG-CO»" in _text(response)
    assert client.get("/audit?action=drop").status_code == 400
    options = re.findall(r"<option[^>]*>([^<]*)</option>", _text(client.get("/audit")))
    assert "Nộp biên bản" in options and not any("." in o or "_" in o for o in options)


def test_newest_first_with_pages_older_and_newer(app, client, logins):
    _login(client, "admin")
    with app.extensions["election.sessions"]() as session:
        failed = [
            audit.Event(Actor(None, audit.SYSTEM), "login.failed", "user", f"u{n}")
            for n in range(1000)
        ]
        audit.append_many(session, failed)
        session.commit()
    newest = _newest(app)
    assert newest > 1000
    page = _text(client.get("/audit"))
    assert _seqs(page) == list(range(newest, newest - 100, -1))
    # Numbers as written elsewhere: 1.012, not 1012.
    assert f'<td data-label="Số" class="num">{fmt_int(newest)}</td>' in page
    caption = f"100 sự kiện, mới nhất trước: từ số {fmt_int(newest)} về số {fmt_int(newest - 99)}"
    assert caption in page
    assert f'href="/audit?before={newest - 99}" rel="next">Cũ hơn ›</a>' in page
    assert "Mới hơn" not in page
    older = _text(client.get(f"/audit?before={newest - 99}"))
    assert _seqs(older) == list(range(newest - 100, newest - 200, -1))
    assert f'href="/audit?after={newest - 100}" rel="prev">‹ Mới hơn</a>' in older
    back = _text(client.get(f"/audit?after={newest - 100}"))
    assert _seqs(back) == _seqs(page)
    # The filters ride along in the pager's links.
    filtered = _text(client.get("/audit?action=login.failed"))
    assert re.search(r'href="/audit\?action=login.failed&amp;before=\d+" rel="next"', filtered)
    assert "Chuỗi nhật ký toàn vẹn: đã kiểm tra" in _text(client.get("/audit/verify"))


def test_a_jump_to_a_sequence_number_or_a_time(app, client, logins):
    _login(client, "board")  # signing in is an event too: before the ones stamped tomorrow
    start = utcnow().replace(microsecond=0) + dt.timedelta(days=1)
    with app.extensions["election.sessions"]() as session:
        for hour in (0, 1):
            events = [
                audit.Event(Actor(None, audit.SYSTEM), "login.failed", "user", f"h{hour}-{n}")
                for n in range(2)
            ]
            audit.append_many(session, events, start + dt.timedelta(hours=hour))
        session.commit()
    newest = _newest(app)

    page = _text(client.get("/audit?seq=3"))
    assert _seqs(page) == [3, 2, 1]
    assert '<tr id="e-3" class="target" aria-current="true">' in page
    assert 'id="seq" name="seq" value="3"' in page

    # Half an hour after the first pair, on Vietnam's clocks: the last of that pair.
    moment = (start + dt.timedelta(minutes=30)).astimezone(VIETNAM_TIME)
    page = _text(client.get(f"/audit?at={moment:%Y-%m-%dT%H:%M}"))
    assert _seqs(page)[0] == newest - 2
    assert f'<tr id="e-{newest - 2}" class="target" aria-current="true">' in page
    assert re.search(rf'id="e-{newest - 2}".*?Người dùng h0-1<', page, re.S)

    nothing = client.get("/audit?at=2020-01-01T00:00")
    assert nothing.status_code == 200
    assert "Không có sự kiện nào từ thời điểm này trở về trước" in _text(nothing)

    future = client.get(f"/audit?seq={newest + 1}")
    assert future.status_code == 404
    assert f"Chưa có sự kiện số {newest + 1}: sự kiện mới nhất là số {newest}" in _text(future)


def test_bad_positions_are_refused_with_a_vietnamese_reason(client, logins):
    _login(client, "board")
    for query, message in (
        ("seq=abc", "Tham số seq phải là số thứ tự sự kiện"),
        ("seq=-1", "Tham số seq phải là số thứ tự sự kiện"),
        ("before=1e3", "Tham số before phải là số thứ tự sự kiện"),
        ("after=abc", "Tham số after phải là số thứ tự sự kiện"),
        ("at=h%C3%B4m%20qua", "Thời điểm không hợp lệ"),
        ("at=2026-13-01T10:00", "Thời điểm không hợp lệ"),
        ("seq=1&at=2026-05-23T10:00", "Chỉ chọn một: số sự kiện, thời điểm hoặc trang"),
    ):
        response = client.get(f"/audit?{query}")
        assert response.status_code == 400, query
        assert message in _text(response), query
