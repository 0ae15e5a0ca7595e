"""The forms on the web: the list, the links on the results pages, downloads and the public check."""

from __future__ import annotations

import csv
import io
import re

import openpyxl

from tests.api.test_web_board import _login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_forms_page_links_the_city_forms_and_open_data(client, three):
    _login(client, "board")
    html = client.get("/forms").get_data(as_text=True)
    for href in (
        "/forms/city-record?contest=QH&amp;scope=T",
        "/forms/summary-record?contest=HDND_TINH&amp;scope=T",
        "/forms/statistics?scope=T",
        "/forms/unit-record?contest=QH&amp;scope=QH1",
        "/open/records.csv",
        "/open/nist-results.json",
    ):
        assert f'href="{href}"' in html, href


def test_a_district_reviewer_sees_no_city_forms(client, three):
    _login(client, "reviewer")
    html = client.get("/forms").get_data(as_text=True)
    assert "/forms/city-record" not in html
    assert 'href="/open/nist-results.json"' not in html
    assert client.get("/forms/city-record?contest=QH&scope=T").status_code == 403
    assert client.get("/open/nist-results.json").status_code == 403


def test_results_pages_offer_the_forms_of_their_scope(client, three):
    _login(client, "board")
    ward = client.get("/results/T1A?contest=QH").get_data(as_text=True)
    assert 'href="/forms/ward/T1A?contest=QH"' in ward
    district = client.get("/results/T1?contest=HDND_HUYEN").get_data(as_text=True)
    assert 'href="/forms/summary-record?contest=HDND_HUYEN&amp;scope=T1"' in district
    va = client.get("/results/T1A-1?contest=QH").get_data(as_text=True)
    assert 'href="/forms/count-record?contest=QH&amp;scope=T1A-1"' in va
    unit = client.get("/results/unit/QH1").get_data(as_text=True)
    assert 'href="/forms/unit-record?contest=QH&amp;scope=QH1&amp;round=1"' in unit


def test_a_download_from_the_web_is_the_workbook_and_its_code_checks_out(client, three):
    _login(client, "board")
    response = client.get("/forms/unit-record?contest=QH&scope=QH1")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "bien-ban-xac-dinh-ket-qua-qh1-vong-1.xlsx" in response.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    line = next(
        c.value
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("Mã xác minh")
    )
    code = re.match(r"Mã xác minh: (\S+)\.", line).group(1)
    assert code == response.headers["X-Verification-Codes"]
    assert line.endswith(f"Kiểm tra bản này tại http://localhost/verify/{code}")
    client.get("/logout")
    anonymous = client.get(f"/verify?code={code.lower()}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].endswith(
        f"/verify/{code}"
    )
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Khớp với dữ liệu hiện tại" in page and "Đơn vị bầu cử số 1" in page


def test_an_unknown_form_is_a_vietnamese_error_page_not_a_500(client, three):
    _login(client, "board")
    response = client.get("/forms/ballot?contest=QH&scope=T")
    assert response.status_code == 400
    assert "Không có loại biểu mẫu «ballot»" in response.get_data(as_text=True)


def test_open_data_csv_from_the_web_lists_the_records_in_scope(client, three):
    _login(client, "reviewer")
    response = client.get("/open/records.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["voting_area_code"] for r in rows) == ["T1A-1", "T1A-2", "T1B-1"]
    assert {r["voters_on_roll"] for r in rows} == {"1000", "1100", "1200"}
