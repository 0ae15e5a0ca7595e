"""The board's page "Tình hình" and the unit page's decided / not yet (issue #18)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from election.domain.clock import in_vietnam
from election.models import AuditEvent
from tests.api.test_web_board import _page


def test_the_situation_page_lists_the_undecided_unit_with_its_reason(client, three):
    html = _page(client, "board", "/situation?contest=QH")
    assert "<h1>Tình hình</h1>" in html
    assert "1 đơn vị bầu cử, 1 chưa ngã ngũ." in html
    assert (
        "KV T1B-2, KV T2A-1 và KV T2A-2 (4.200 cử tri) có thể đưa số cử tri đi bầu lên "
        "quá một nửa (3.751/7.500 cử tri; hiện có 2.970)." in html
    )
    assert "KV T1B-2 (1.300), KV T2A-1 (1.400), KV T2A-2 (1.500)" in html
    assert "Không có dấu hiệu bất thường nào." in html


def test_a_past_time_maps_to_the_last_event_before_it(app, client, three):
    with app.extensions["election.sessions"]() as session:
        # The first QH record's event: results as they stood with one voting area in.
        first = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "tally.submit").order_by(AuditEvent.seq)
        ).first()
        seq, at = first.seq, first.at
    local = in_vietnam(at + dt.timedelta(microseconds=0)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    html = _page(client, "board", f"/situation?contest=QH&at={local}")
    assert f"Theo nhật ký đến sự kiện số {seq}" in html
    # T1A-1 alone: roll 1.000, votes 882, 441, 294, 7, 0: the three first lead.
    assert "1/6" in html
    assert "Dẫn đầu: Nguyễn Văn An (882), Trần Thị Bình (441), Lê Văn Cường (294)" in html


def test_a_bad_time_is_a_field_error(client, three):
    from tests.api.test_web_board import _login

    _login(client, "board")
    response = client.get("/situation?contest=QH&at=hôm-qua")
    assert response.status_code == 400
    assert "Nhập ngày giờ dạng 2021-05-23T21:30" in response.get_data(as_text=True)


def test_the_unit_page_says_not_yet_and_why(client, three):
    html = _page(client, "board", "/results/unit/QH1")
    assert "Chưa ngã ngũ" in html
    assert (
        "có thể đưa số cử tri đi bầu lên quá một nửa (3.751/7.500 cử tri; hiện có 2.970)." in html
    )


def _first_submit_local(app) -> tuple[int, str]:
    """The first QH record's event and its Vietnam wall-clock time, as the picker sends it."""
    with app.extensions["election.sessions"]() as session:
        first = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "tally.submit").order_by(AuditEvent.seq)
        ).first()
        return first.seq, in_vietnam(first.at).strftime("%Y-%m-%dT%H:%M:%S.%f")


def test_the_ward_page_at_a_past_time_shows_it_as_it_stood(app, client, three):
    seq, local = _first_submit_local(app)
    live = _page(client, "board", "/results/T1A?contest=QH")
    assert "data-live=" in live
    html = _page(client, "board", f"/results/T1A?contest=QH&at={local}")
    assert f'data-as-of="{seq}"' in html
    assert "data-live=" not in html  # a past moment is not polled
    # Only T1A-1 had reported: 1 of the ward's 2 voting areas, its figures alone.
    assert "1/2" in html
    assert "882" in html and "441" in html and "294" in html
    row = html[html.index('data-code="T1A-2"') :]
    row = row[: row.index("</tr>")]
    assert "Chưa có biên bản" in row  # reported later: not yet at that moment
    assert "Chưa có biên bản" not in live[live.index('data-code="T1A-2"') :].split("</tr>")[0]


def test_the_unit_page_at_a_past_time_hides_what_is_about_now(app, client, three):
    seq, local = _first_submit_local(app)
    html = _page(client, "board", f"/results/unit/QH1?at={local}")
    assert f"theo nhật ký đến sự kiện số {seq}" in html
    assert "1/6" in html  # T1A-1 of the unit's six voting areas
    assert "Chưa ngã ngũ" not in html and "Xác nhận kết quả" not in html
    live = _page(client, "board", "/results/unit/QH1")
    assert "3/6" in live and "Chưa ngã ngũ" in live


def test_a_time_before_the_first_event_is_the_empty_start(client, three):
    html = _page(client, "board", "/results/T1?contest=QH&at=2000-01-01T00:00")
    assert 'data-as-of="0"' in html and "bắt đầu nhật ký" in html
    assert "0/4" in html


def test_a_bad_time_on_the_area_page_is_a_field_error(client, three):
    from tests.api.test_web_board import _login

    _login(client, "board")
    for path in ("/results/T1?contest=QH&at=25:99", "/results/unit/QH1?at=hôm-qua"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "Nhập ngày giờ dạng 2021-05-23T21:30" in response.get_data(as_text=True)
