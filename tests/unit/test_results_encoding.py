"""The fast encoding of an area's answer is byte for byte the plain encoding of its fields."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

from election.domain import results as algebra
from election.schemas.results import area_result, area_result_json
from election.services.results import AreaResult, CandidateLine

BORN = dt.date(1970, 5, 1)


def view(lines, valid_of_unit):
    result = algebra.Result(
        3, 2, 3000, 2700, 2700, 2690, 2650, 40, tuple((c.code, c.votes) for c in lines)
    )
    return AreaResult(
        "HP01",
        'Quận "Hồng Bàng"',
        "district",
        SimpleNamespace(code="QH"),
        result,
        algebra.shares(result, candidates=False),
        lines,
        1,
        dt.datetime(2026, 5, 24, 20, 15, 3, tzinfo=dt.UTC),
        valid_of_unit,
    )


def plain(v) -> bytes:
    return json.dumps(area_result(v), ensure_ascii=False, separators=(",", ":")).encode()


def test_names_that_need_escaping_and_missing_bases_encode_as_the_plain_json():
    lines = [
        CandidateLine("U1-1", 'Nguyễn "Văn" \\ An\n', "U1", BORN, 1325),
        CandidateLine("U1-2", "</script><b>Bình</b>\u2028", "U1", BORN, 0),
        CandidateLine("U2-1", "Trần Thị Ánh", "U2", BORN, 7),  # U2 has no valid ballots here
    ]
    v = view(lines, {"U1": 2650, "U2": 0})
    assert area_result_json(v) == plain(v)
    decoded = json.loads(area_result_json(v))
    # Worked out by hand: 1325 / 2650 = 50.00 %, 0 / 2650 = 0.00 %, a base of 0 has no share.
    assert [c["pct_of_valid"] for c in decoded["candidates"]] == ["50.00", "0.00", None]
    assert decoded["candidates"][0]["name"] == 'Nguyễn "Văn" \\ An\n'
    assert list(decoded)[-2:] == ["updated_at", "candidates"]


def test_an_area_without_candidates_encodes_an_empty_list():
    v = view([], {})
    assert area_result_json(v) == plain(v)
    assert json.loads(area_result_json(v))["candidates"] == []
