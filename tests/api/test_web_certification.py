"""The board certifies on the pages: what is signed is shown first; a change reopens it and
every page of the board says so (issue #17)."""

from __future__ import annotations

import re

from tests.api.test_certification_api import VOTING_AREAS, body, submit_all, teams, verify  # noqa: F401
from tests.api.test_web_board import _login


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_board_certifies_a_unit_and_sees_it_reopen_everywhere(client, logins, teams):  # noqa: F811
    ids = submit_all(client, teams)
    _login(client, "board")
    page = client.get("/results/unit/QH1").get_data(as_text=True)
    assert "Chưa xác nhận." in page
    confirm = client.get("/results/unit/QH1/certify?round=1").get_data(as_text=True)
    assert (
        "Chưa thể xác nhận vòng 1 của Đơn vị bầu cử số 1: 6 biên bản chưa được kiểm tra xác nhận"
        in confirm
    )
    assert (
        "<button" not in confirm.split("<main>")[1].split("</main>")[0]
        or "Xác nhận kết quả vòng 1</button>" not in confirm
    )
    for record_id in ids.values():
        verify(client, logins, record_id)
    confirm = client.get("/results/unit/QH1/certify?round=1").get_data(as_text=True)
    digest = re.search(r'<code class="digest">([0-9a-f]{64})</code>', confirm).group(1)
    assert "Nguyễn Văn An: 6.617 phiếu (100,00%) — <strong>trúng cử</strong>" in confirm
    done = client.post(
        "/results/unit/QH1/certify",
        data={"csrf_token": _csrf(confirm), "round": "1", "signers": "Nguyễn Văn A"},
    )
    assert done.status_code == 302
    page = client.get("/results/unit/QH1").get_data(as_text=True)
    assert f'<code class="digest">{digest}</code>' in page
    assert "bởi board (Nguyễn Văn A)" in page

    # A reviewer corrects a record: the board's every page carries the banner.
    correction = {k: v for k, v in body("T1A-1").items() if k not in ("voting_area", "contest")}
    sent = client.post(
        f"/api/v1/tallies/{ids['T1A-1']}/corrections",
        json={**correction, "reason": "Đếm lại", "expected_version": 1},
        headers=logins.headers("reviewer"),
    )
    assert sent.status_code == 201
    for path in ("/", "/results", "/results/unit/QH1", "/certifications"):
        html = client.get(path).get_data(as_text=True)
        assert "Có 1 xác nhận kết quả đã bị mở lại do có thay đổi" in html, path
    listing = client.get("/certifications").get_data(as_text=True)
    assert "đính chính biên bản Khu vực bỏ phiếu số 1 (T1A-1), phiên bản 2" in listing
    assert "Đã mở lại" in listing
