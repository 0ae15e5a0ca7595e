"""A small hand-built election: every figure in the tests is worked out from it."""

from __future__ import annotations

import datetime as dt

from election.domain.setup import (
    AreaDef,
    CandidateDef,
    ContestDef,
    ElectionDef,
    Setup,
    UnitDef,
    VoterCountDef,
    VotingAreaDef,
)

ELECTION_DAY = dt.date(2021, 5, 23)


def small_setup() -> Setup:
    """City T, districts T1 (wards T1A, T1B) and T2 (ward T2A); six voting areas.

    QH: one unit of 3 seats over all six voting areas (5 candidates).
    HDND_TINH: two units of 3 seats, T1 and T2 (5 candidates each).
    HDND_HUYEN: one unit of 3 seats in T1 (5 candidates); T2's voting areas hold none.
    HDND_XA: one unit per ward, 3 seats, 5 candidates.
    """
    areas = [
        AreaDef("T", "Thành phố Thử", "city", None),
        AreaDef("T1", "Quận Một", "district", "T"),
        AreaDef("T2", "Huyện Hai", "district", "T"),
        AreaDef("T1A", "Phường An Biên", "ward", "T1"),
        AreaDef("T1B", "Phường Cát Dài", "ward", "T1"),
        AreaDef("T2A", "Xã Đồng Thái", "ward", "T2"),
    ]
    contests = [
        ContestDef("QH", "Đại biểu Quốc hội khóa XV"),
        ContestDef("HDND_TINH", "Đại biểu HĐND thành phố"),
        ContestDef("HDND_HUYEN", "Đại biểu HĐND quận, huyện"),
        ContestDef("HDND_XA", "Đại biểu HĐND xã, phường"),
    ]
    units = [
        UnitDef("QH1", "QH", "Đơn vị bầu cử số 1", 3),
        UnitDef("TP1", "HDND_TINH", "Đơn vị bầu cử số 1", 3),
        UnitDef("TP2", "HDND_TINH", "Đơn vị bầu cử số 2", 3),
        UnitDef("Q1", "HDND_HUYEN", "Đơn vị bầu cử số 1 quận Một", 3),
        UnitDef("XA1", "HDND_XA", "Đơn vị bầu cử số 1 phường An Biên", 3),
        UnitDef("XB1", "HDND_XA", "Đơn vị bầu cử số 1 phường Cát Dài", 3),
        UnitDef("XC1", "HDND_XA", "Đơn vị bầu cử số 1 xã Đồng Thái", 3),
    ]
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]
    candidates = []
    for u in units:
        for order, name in enumerate(names, start=1):
            candidates.append(
                CandidateDef(
                    f"{u.code}-{order}",
                    u.code,
                    order,
                    name,
                    dt.date(1960 + order, order, 10 + order),
                    "Nữ" if "Thị" in name else "Nam",
                )
            )
    voting_areas = []
    for ward, district_unit, city_unit, xa_unit in (
        ("T1A", "Q1", "TP1", "XA1"),
        ("T1B", "Q1", "TP1", "XB1"),
        ("T2A", None, "TP2", "XC1"),
    ):
        for n in (1, 2):
            units_of = {"QH": "QH1", "HDND_TINH": city_unit}
            if district_unit:
                units_of["HDND_HUYEN"] = district_unit
            units_of["HDND_XA"] = xa_unit
            voting_areas.append(
                VotingAreaDef(f"{ward}-{n}", f"Khu vực bỏ phiếu số {n}", ward, units_of)
            )
    voters = []
    for i, v in enumerate(voting_areas):
        base = 1000 + 100 * i
        for contest in v.units:
            voters.append(
                VoterCountDef(v.code, contest, base - (0 if contest in ("QH", "HDND_TINH") else 7))
            )
    setup = Setup(
        ElectionDef("Bầu cử thử nghiệm", ELECTION_DAY, "2021"),
        areas,
        contests,
        units,
        candidates,
        voting_areas,
        voters,
    )
    for table in (areas, contests, units, candidates, voting_areas, voters):
        for row, item in enumerate(table, start=2):
            item.row = row
    return setup
