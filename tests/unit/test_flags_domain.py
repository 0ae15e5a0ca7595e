"""Statistical flags (CONTRACT §6.5), each worked out by hand."""

from __future__ import annotations

from fractions import Fraction

from election.domain.flags import RecordFigures, chi2_survival, flags


def rec(va: str, voted: int, roll: int = 1000, invalid: int = 13, votes=(401, 333, 257), ward="W"):
    received = voted
    return RecordFigures(va, ward, "QH", roll, voted, received, received - invalid, invalid, votes)


def test_plausible_records_raise_nothing():
    records = [rec(f"A{i}", 900 + 7 * i) for i in range(6)]
    assert flags(records) == []


def test_turnout_far_from_the_ward_is_flagged_with_its_numbers():
    # Others 90,0 / 91,0 / 92,0 / 90,0 %: median 90,5 %, MAD 0,5 point → scale 0,7413 point;
    # 60 % is 30,5 points off: z = 30,5 / 0,7413 = 41,14.
    records = [rec("A1", 900), rec("A2", 910), rec("A3", 920), rec("A4", 903), rec("A5", 600)]
    records[3] = rec("A4", 900)
    (flag,) = flags(records)
    assert (flag.voting_area, flag.kind, flag.score) == ("A5", "turnout", 41.14)
    assert flag.explanation == (
        "KV A5: tỷ lệ cử tri đi bầu 60,00%, trong khi 4 khu vực khác của W ở mức 90,50% "
        "(trung vị), chênh 30,50 điểm phần trăm."
    )


def test_a_ward_too_small_says_nothing_about_outliers():
    records = [rec("A1", 900), rec("A2", 910), rec("A3", 920), rec("A5", 300)]
    assert flags(records) == []


def test_full_turnout_and_round_figures():
    full = rec("B1", 500, roll=500)
    round_ = RecordFigures("B2", "W", "QH", 1000, 900, 900, 880, 20, (500, 300, 80))
    found = {f.kind: f for f in flags([full, round_])}
    assert found["full_turnout"].explanation == (
        "KV B1: 100% cử tri đi bầu (500/500); có thể đúng, nên đối chiếu danh sách cử tri."
    )
    # Non-zero figures: voted 900, valid 880, invalid 20, votes 500, 300, 80: six, all round.
    assert found["round_figures"].score == 6.0
    assert found["round_figures"].explanation == (
        "KV B2: cả 6 con số khác 0 của biên bản đều tròn chục "
        "(nếu ngẫu nhiên, khả năng là 1 trên 1.000.000)."
    )


def test_last_digits_far_from_uniform_are_flagged_only_with_enough_figures():
    # 15 records × (3 votes + valid) = 60 figures, every one ending in 7.
    many = [
        RecordFigures(f"C{i}", "W", "QH", 1000, 900, 900, 887, 13, (407, 317, 167))
        for i in range(15)
    ]
    digits = [f for f in flags(many) if f.kind == "last_digits"]
    assert [(f.voting_area, f.area) for f in digits] == [(None, "W")]
    assert "Chữ số cuối của 60 con số trong các biên bản của phường, xã W" in digits[0].explanation
    assert digits[0].explanation.endswith("chữ số 7 xuất hiện 60 lần, kỳ vọng khoảng 6.")
    assert digits[0].score > 50
    assert [f for f in flags(many[:12]) if f.kind == "last_digits"] == []  # 48 figures: silent


def test_chi_square_survival_matches_the_tables():
    # The 5 %, 1 % and 0,1 % critical values of χ² with 9 degrees of freedom.
    assert round(chi2_survival(16.919, 9), 4) == 0.05
    assert round(chi2_survival(21.666, 9), 4) == 0.01
    assert round(chi2_survival(27.877, 9), 5) == 0.001


def test_a_jump_from_the_previous_round_is_flagged():
    r = RecordFigures("D1", "W", "QH", 1000, 500, 500, 487, 13, (301, 222), 9, Fraction(9, 10))
    (flag,) = flags([r])
    assert (flag.kind, flag.score, flag.record_id) == ("turnout_vs_previous_round", 2.0, 9)
    assert flag.explanation == "KV D1: tỷ lệ cử tri đi bầu 50,00%, vòng trước 90,00%."
