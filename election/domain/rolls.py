"""Who counts on which roll (domain.md §4)."""

from __future__ import annotations

from collections.abc import Iterable

RESIDENCE_TYPES = {
    "thuong_tru": "Thường trú",
    "tam_tru_12": "Tạm trú từ 12 tháng trở lên",
    "tam_tru_duoi_12": "Tạm trú dưới 12 tháng",
    "tam_giam": "Người bị tạm giam, tạm giữ",
    "quan_nhan": "Quân nhân bỏ phiếu tại đơn vị",
}
NOTES = {
    # On the home roll, voting elsewhere with a certificate: counts nowhere here.
    "bo_phieu_noi_khac": "Bỏ phiếu ở nơi khác",
    # Added here with a certificate from their home roll (an extension of CONTRACT's roll file).
    "den_bo_phieu": "Đến bỏ phiếu theo giấy chứng nhận",
}
FULL_VOTERS = ("thuong_tru", "tam_tru_12")


def contests_of_voter(residence_type: str, note: str | None) -> frozenset[str]:
    """Every contest a voter on this roll may vote in, of those an election can hold.

    What they vote in is this set met with the contests their voting area holds: a district
    council (HDND_HUYEN) only where the setup holds one, as in 2021 (districts were
    abolished in 2025). Nothing here depends on the year or the form set.
    """
    if note == "bo_phieu_noi_khac":
        return frozenset()
    if note == "den_bo_phieu":
        return frozenset({"QH", "HDND_TINH"})
    if residence_type in FULL_VOTERS:
        return frozenset({"QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA"})
    return frozenset({"QH", "HDND_TINH", "HDND_HUYEN"})


def count_roll(
    voters: Iterable[tuple[str, str | None]], contests_held: Iterable[str]
) -> dict[str, int]:
    """Voters per contest held in a voting area, from (residence_type, note) pairs."""
    held = tuple(contests_held)
    counts = dict.fromkeys(held, 0)
    for residence_type, note in voters:
        for contest in contests_of_voter(residence_type, note):
            if contest in counts:
                counts[contest] += 1
    return counts
