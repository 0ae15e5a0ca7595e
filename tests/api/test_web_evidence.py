"""The photo of the paper record on the record page: attached from the page, shown beside the
figures in the paper's order, refused with the reason next to the file field."""

from __future__ import annotations

import io
import re

from PIL import Image

from tests.api.conftest import tally_body
from tests.api.test_web_board import _login


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 240)).save(out, "PNG")
    return out.getvalue()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _record(client, logins) -> int:
    sent = client.post(
        "/api/v1/tallies", json=tally_body("T1A-1"), headers=logins.headers("officer")
    )
    assert sent.status_code == 201
    return sent.get_json()["id"]


def _upload(client, record_id: int, data: bytes, name: str):
    page = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    return client.post(
        f"/tally/record/{record_id}/evidence",
        data={"csrf_token": _csrf(page), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_officer_attaches_a_photo_and_the_reviewer_sees_it_beside_the_figures(client, logins):
    record_id = _record(client, logins)
    _login(client, "officer")
    page = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    assert "Chưa có ảnh hoặc bản quét của biên bản giấy có chữ ký." in page
    assert 'capture="environment"' in page
    sent = _upload(client, record_id, _png(), "bien-ban.png")
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/tally/record/{record_id}#evidence-title")

    client.post("/logout", data={"csrf_token": _csrf(page)})
    _login(client, "reviewer")
    html = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    src = re.search(r'<img src="(/evidence/[0-9a-f]{64})"[^>]*data-photo', html).group(1)
    photo = client.get(src)
    assert (photo.status_code, photo.mimetype) == (200, "image/png")
    # The figures of the current version in the paper's order, beside the photo:
    # T1A-1 (tests/factories.py): roll 1.000, 900 voted, 900 issued, 900 received, 882 valid.
    fields = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html.split('class="paper-fields"')[1])
    assert [re.sub(r"<[^>]+>", "", dt).strip() for dt, _ in fields[:6]] == [
        "1. Tổng số cử tri",
        "2. Số cử tri đã tham gia bỏ phiếu",
        "3. Số phiếu phát ra",
        "4. Số phiếu thu vào",
        "5. Số phiếu hợp lệ",
        "6. Số phiếu không hợp lệ",
    ]
    assert [dd for _, dd in fields[:6]] == ["1.000", "900", "900", "900", "882", "18"]
    for key in ('data-zoom="in"', 'data-zoom="out"', "data-rotate", "data-reset"):
        assert key in html
    assert 'tabindex="0" role="region"' in html


def test_a_refused_file_is_explained_next_to_the_field(client, logins):
    record_id = _record(client, logins)
    _login(client, "officer")
    refused = _upload(client, record_id, b"GIF89a" + b"\0" * 30, "anh.gif")
    assert refused.status_code == 415
    html = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "Chỉ nhận ảnh JPEG, PNG hoặc tệp PDF của biên bản" in html


def test_the_board_sees_the_photo_but_has_no_upload_form(client, logins):
    record_id = _record(client, logins)
    sent = client.post(
        f"/api/v1/tallies/{record_id}/evidence",
        data={"file": (io.BytesIO(_png()), "a.png")},
        headers=logins.headers("officer"),
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201
    _login(client, "board")
    html = client.get(f"/tally/record/{record_id}").get_data(as_text=True)
    assert "data-photo" in html
    assert "evidence-upload" not in html and 'name="file"' not in html
