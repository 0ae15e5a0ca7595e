"""Each official form, rendered by LibreOffice as a printer would: A4, the right way round,
the labels and figures readable, no cell too narrow for its number (###).

.ci/run installs LibreOffice and sets REQUIRE_LIBREOFFICE=1, so there this test cannot skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

FORMS = {
    "count-qh": (
        "/api/v1/forms/count-record?contest=QH&scope=T1A-1",
        "portrait",
        ["Mẫu số 20/HĐBC-QH", "882 phiếu/882 phiếu hợp lệ"],
    ),
    "count-hdnd": (
        "/api/v1/forms/count-record?contest=HDND_XA&scope=T1A-1",
        "portrait",
        ["Mẫu số 25/HĐBC-HĐND", "Tổng số cử tri của khu vực bỏ phiếu: 993"],
    ),
    "unit-qh": (
        "/api/v1/forms/unit-record?contest=QH&scope=QH1",
        "portrait",
        ["Mẫu số 21/HĐBC-QH", "2.912", "49,97%", "Tổng cộng:"],
    ),
    "unit-hdnd": (
        "/api/v1/forms/unit-record?contest=HDND_XA&scope=XA1",
        "portrait",
        ["Mẫu số 26/HĐBC-HĐND", "còn thiếu"],
    ),
    "city": (
        "/api/v1/forms/city-record?contest=QH&scope=T",
        "portrait",
        ["Mẫu số 22/HĐBC-QH", "3.300", "2.970", "90,00"],
    ),
    "summary": (
        "/api/v1/forms/summary-record?contest=HDND_TINH&scope=T",
        "portrait",
        ["Mẫu số 27/HĐBC-HĐND", "TỔNG KẾT"],
    ),
    "statistics": (
        "/api/v1/forms/statistics?scope=T",
        "landscape",
        ["Mẫu số 30/HĐBC", "SƠ BỘ", "3.300"],
    ),
}


@pytest.fixture
def soffice():
    found = shutil.which("soffice")
    if found is None or shutil.which("pdftotext") is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) and poppler-utils (pdftotext) are required here")
        pytest.skip("LibreOffice or poppler-utils is not installed")
    return found


def test_every_form_prints_on_a4_with_its_labels_and_figures(app, client, three, soffice, tmp_path):
    from election.services.identity import users

    with app.extensions["election.sessions"]() as session:
        token = users.create_user(
            session, "to-xa", "officer", "T1A-1", "mat-khau-dai-du", token_label="cli"
        ).token
    xa = {
        "voting_area": "T1A-1",
        "contest": "HDND_XA",
        "voters_on_roll": 993,
        "voters_voted": 900,
        "ballots_issued": 900,
        "ballots_received": 900,
        "ballots_valid": 880,
        "ballots_invalid": 20,
        "votes": {"XA1-1": 800, "XA1-2": 300, "XA1-3": 200, "XA1-4": 100, "XA1-5": 50},
    }
    # The officer of T1A-1 already sent the QH record; a second team account sends HĐND xã.
    sent = client.post("/api/v1/tallies", json=xa, headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code == 201, sent.get_json()
    for name, (path, _, _) in FORMS.items():
        response = client.get(path, headers=three.headers("board"))
        assert response.status_code == 200, (name, response.get_data(as_text=True)[:200])
        (tmp_path / f"{name}.xlsx").write_bytes(response.data)
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *sorted(str(p) for p in tmp_path.glob("*.xlsx")),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    for name, (_, orientation, wanted) in FORMS.items():
        pdf = tmp_path / f"{name}.pdf"
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        size = next(line for line in info.splitlines() if line.startswith("Page size:"))
        width, height = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
        assert sorted((round(width), round(height))) == [595, 842], (name, size)  # A4
        assert (width < height) == (orientation == "portrait"), (name, size)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for label in (*wanted, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Mã xác minh"):
            assert label in text, (name, label)
        assert "###" not in text, name
