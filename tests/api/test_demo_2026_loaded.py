"""The 2026 demo city loaded through the services, read and exported through the API and pages.

Hải Phòng 2026 has no district level: its 114 wards, communes and special zones sit under
the city (HP001 … HP114, in the official order; HP049 = Đặc khu Cát Hải, HP050 = Đặc khu
Bạch Long Vĩ, which has two voting areas and one commune council unit, XA-HP050-01).
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from election.models import Contest, TallyRecord, VotingArea
from election.services.identity import users
from election.services.setup import demo
from tests.api.conftest import PASSWORD
from tests.api.test_web_board import _login

ISLAND = ("HP050-01", "HP050-02")


@pytest.fixture
def city(app):
    """The 2026 demo with rolls for the island's two voting areas, and their records."""
    with app.extensions["election.sessions"]() as session:
        demo.load(session, "city", year=2026, roll_voting_areas=list(ISLAND))
        demo.fill_tallies(session, 2021, 0, voting_areas=list(ISLAND))
        users.create_user(session, "ubbc", "board", None, PASSWORD)
        token = users.create_user(
            session, "api-board", "board", password=PASSWORD, token_label="cli"
        ).token
    return {"Authorization": f"Bearer {token}"}


def _texts(client, headers, path: str) -> list[str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_the_city_has_its_114_communes_directly_under_it(client, city):
    body = client.get("/api/v1/areas", headers=city).get_json()
    assert (body["code"], body["name"], body["voting_areas"]) == ("HP", "Thành phố Hải Phòng", 2577)
    children = body["children"]
    assert len(children) == 114
    assert {c["level"] for c in children} == {"ward"}
    assert [c["name"] for c in children[47:51]] == [
        "Xã Việt Khê",
        "Đặc khu Cát Hải",
        "Đặc khu Bạch Long Vĩ",
        "Phường Hải Dương",
    ]
    contests = {c["code"]: c for c in client.get("/api/v1/contests", headers=city).get_json()}
    assert list(contests) == ["QH", "HDND_TINH", "HDND_XA"]
    assert [u["seats"] for u in contests["QH"]["units"]] == [3, 3, 3, 3, 3, 2, 2]
    assert sum(u["candidates"] for u in contests["QH"]["units"]) == 33


def test_the_board_page_names_the_level_as_the_setup_does(client, city):
    _login(client, "ubbc")
    html = client.get("/results/HP?contest=QH").get_data(as_text=True)
    assert "Xã, phường, đặc khu thuộc Thành phố Hải Phòng" in html
    assert "thị trấn" not in html.lower()


def test_the_island_exports_with_the_2026_forms_provisional_until_certified(app, client, city):
    count = _texts(client, city, "/api/v1/forms/count-record?contest=QH&scope=HP050-01")
    assert "Mẫu số 18/HĐBC-QH" in count
    assert "Xã/Phường/Đặc khu: Đặc khu Bạch Long Vĩ" in count
    assert not any("Huyện/Quận" in t for t in count)

    path = "/api/v1/forms/unit-record?contest=HDND_XA&scope=XA-HP050-01"
    unit = _texts(client, city, path)
    assert "Mẫu số 24/HĐBC-HĐND" in unit
    assert "TẠM TÍNH" in unit  # both records are in, neither is verified yet
    # The council of the special zone, named as the setup names it.
    assert "ĐẶC KHU BẠCH LONG VĨ(1)" in unit
    assert any(
        t.startswith("Theo Nghị quyết") and "Ủy ban bầu cử(1) đặc khu Bạch Long Vĩ" in t
        for t in unit
    )

    with app.extensions["election.sessions"]() as session:
        ids = session.scalars(
            select(TallyRecord.id)
            .join(Contest, Contest.id == TallyRecord.contest_id)
            .join(VotingArea, VotingArea.id == TallyRecord.voting_area_id)
            .where(Contest.code == "HDND_XA", VotingArea.code.in_(ISLAND))
        ).all()
    assert len(ids) == 2
    for record_id in ids:
        done = client.post(
            f"/api/v1/tallies/{record_id}/verify", json={"expected_version": 1}, headers=city
        )
        assert done.status_code == 200, done.get_json()
    assert "TẠM TÍNH" in _texts(client, city, path)  # verified, not yet certified (#17)
    certified = client.post("/api/v1/units/XA-HP050-01/certify", json={"round": 1}, headers=city)
    assert certified.status_code == 201, certified.get_json()
    unit = _texts(client, city, path)
    assert "TẠM TÍNH" not in unit
    statistics = _texts(client, city, "/api/v1/forms/statistics?scope=HP")
    assert "Mẫu số 28/HĐBC" in statistics
    assert any(re.search(r"KHÓA\s+XVI", t) for t in statistics)
