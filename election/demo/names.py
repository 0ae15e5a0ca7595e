"""Vietnamese personal and place names, as precomputed lookup tables."""

from __future__ import annotations

import datetime as dt
import random
import sys
import unicodedata
from functools import cache


def _words(text: str) -> list[str]:
    return text.split()


def parse_weights(text: str) -> dict[str, float]:
    """Parses "Name 3, Other 1.5" into {"Name": 3.0, "Other": 1.5}."""
    pairs = (item.strip().rsplit(" ", 1) for item in text.split(","))
    return {name: float(weight) for name, weight in pairs}


# Rough shares of family names in northern Vietnam (percent).
FAMILY_WEIGHTS = parse_weights(
    """Nguyễn 31, Trần 11, Lê 9, Phạm 7, Hoàng 5, Vũ 5, Đỗ 3, Bùi 3, Đặng 2.5, Ngô 2, Phan 1.5,
    Đinh 1.5, Dương 1.5, Đào 1.2, Đoàn 1.2, Lương 1, Mai 1, Hà 1, Trịnh 0.9, Cao 0.8, Hồ 0.8,
    Tạ 0.6, Tô 0.6, Võ 0.6, Chu 0.5, Lưu 0.5, Phùng 0.5, Đồng 0.4, Kiều 0.3, Lại 0.3,
    Nghiêm 0.3, Quách 0.3, Tăng 0.3, Vương 0.3, Khúc 0.2, Lã 0.2, Nhữ 0.2"""
)
MALE_MIDDLE = parse_weights(
    """Văn 40, Đức 9, Minh 8, Quang 6, Hữu 5, Xuân 4, Thanh 4, Công 4, Ngọc 3, Mạnh 3, Duy 3,
    Tiến 2, Trung 2, Bá 2, Việt 2, Thế 2"""
)
FEMALE_MIDDLE = parse_weights(
    """Thị 50, Thu 7, Ngọc 6, Thanh 6, Minh 4, Phương 4, Hồng 4, Kim 3, Thúy 3, Bích 2, Hoài 2,
    Hải 2, Khánh 2, Lan 2, Diệu 2, Quỳnh 1"""
)
MALE_GIVEN = _words(
    """Anh Bảo Bình Cường Chiến Công Dũng Duy Dương Đạt Định Đông Đức Giang Hải Hào Hiếu Hiệp
    Hòa Hoàng Hùng Hưng Huy Khải Khang Khánh Khoa Khôi Kiên Lâm Linh Long Lộc Luân Mạnh Minh
    Nam Nghĩa Phong Phúc Phương Quân Quang Quý Sơn Tài Tân Thái Thắng Thành Thịnh Thông Tiến
    Toàn Trọng Trung Tú Tuấn Tùng Vinh Việt Vũ"""
)
FEMALE_GIVEN = _words(
    """Anh Ánh Bích Chi Châu Cúc Dung Duyên Giang Hà Hạnh Hằng Hảo Hiền Hoa Hồng Huệ Hương
    Huyền Lan Liên Liễu Linh Loan Lụa Mai My Nga Ngân Ngọc Nhàn Nhung Oanh Phượng Phương
    Quyên Quỳnh Tâm Thảo Thoa Thơm Thu Thủy Thúy Trang Tuyết Uyên Vân Xuân Yến"""
)
# Two-word place names: first and second words, combined where they differ.
PLACE_FIRST = _words(
    """An Bình Cẩm Cao Đại Đông Đức Gia Hải Hòa Hồng Hợp Hưng Kim Lạc Liên Long Lộc Minh Mỹ
    Nam Ngọc Phú Phúc Quang Quảng Sơn Tân Tây Thái Thanh Thạnh Thành Tiên Trung Văn Vĩnh
    Xuân Yên Bắc"""
)
PLACE_SECOND = _words(
    """An Bình Châu Cường Dương Điền Định Đông Đức Giang Hà Hải Hiệp Hòa Hội Hưng Khánh Lâm
    Lập Lộc Lợi Long Minh Mỹ Nghĩa Phong Phú Quang Sơn Tân Tây Thắng Thành Thịnh Thọ Thuận
    Tiến Trung Vinh Xuân"""
)
PLACE_NAMES = tuple(f"{a} {b}" for a in PLACE_FIRST for b in PLACE_SECOND if a != b)

TABLE_BITS = 12
TABLE_SIZE = 1 << TABLE_BITS


def weighted_table(weights: dict[str, float], size: int = TABLE_SIZE) -> tuple[str, ...]:
    """A tuple of ``size`` items where each appears in proportion to its weight."""
    total = sum(weights.values())
    exact = {k: w * size / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    # Largest remainder, so the table has exactly ``size`` slots.
    by_remainder = sorted(exact, key=lambda k: counts[k] - exact[k])
    for k in by_remainder[: size - sum(counts.values())]:
        counts[k] += 1
    return tuple(k for k in weights for _ in range(counts[k]))


def _middle_given(middles: dict[str, float], givens: list[str]) -> tuple[str, ...]:
    """Weighted " Middle Given" strings (leading space); a name never repeats a word."""
    weights: dict[str, float] = {}
    for middle, w in middles.items():
        options = [g for g in givens if g != middle]
        for given in options:
            weights[f" {middle} {given}"] = w / len(options)
    return weighted_table(weights)


FAMILY_TABLE = weighted_table(FAMILY_WEIGHTS)
# Index 0 = Nam, 1 = Nữ, so one random bit picks the gender and its table.
MIDDLE_GIVEN_TABLES = (
    _middle_given(MALE_MIDDLE, MALE_GIVEN),
    _middle_given(FEMALE_MIDDLE, FEMALE_GIVEN),
)
GENDER_BY_BIT = ("Nam", "Nữ")

_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
# Base letter + mark that make a distinct letter of the alphabet (not a tone).
_LETTERS = dict(
    zip(_words("a\u0306 a\u0302 e\u0302 o\u0302 o\u031b u\u031b"), "ăâêôơư", strict=True)
)
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}


@cache
def _char_key(ch: str) -> tuple[int, int]:
    """(letter rank, tone rank) of one character in Vietnamese alphabetical order."""
    parts = unicodedata.normalize("NFD", ch.lower())
    base, tone = parts[0], 0
    for mark in parts[1:]:
        if base + mark in _LETTERS:
            base = _LETTERS[base + mark]
        else:
            tone = _TONES.get(mark, tone)
    rank = _ALPHABET.find(base)
    return (rank if rank >= 0 else 100 + ord(base), tone)


@cache
def vn_key(word: str) -> tuple:
    """Sort key for Vietnamese text: letters first, tones only to break ties."""
    keys = [_char_key(ch) for ch in word]
    return (tuple(k[0] for k in keys), tuple(k[1] for k in keys))


def ballot_key(full_name: str) -> tuple:
    """Official ballot order: by given name, then family and middle names."""
    words = full_name.split(" ")
    return (vn_key(words[-1]), tuple(vn_key(w) for w in words[:-1]))


def person_name(rng: random.Random) -> tuple[str, str]:
    """A random (full_name, gender)."""
    bits = rng.getrandbits(1 + 2 * TABLE_BITS)
    sex = bits & 1
    family = FAMILY_TABLE[(bits >> 1) & (TABLE_SIZE - 1)]
    rest = MIDDLE_GIVEN_TABLES[sex][bits >> (1 + TABLE_BITS)]
    return family + rest, GENDER_BY_BIT[sex]


@cache
def _date(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


def candidates(
    rng: random.Random, count: int, election_day: dt.date
) -> list[tuple[str, dt.date, str]]:
    """``count`` distinct (full_name, date_of_birth, gender) aged 25–65, in ballot order."""
    # Ages 25..65 on election day: born after (day - 66 years) and by (day - 25 years).
    oldest = election_day.replace(year=election_day.year - 66).toordinal() + 1
    youngest = election_day.replace(year=election_day.year - 25).toordinal()
    people: dict[str, tuple[str, dt.date, str]] = {}
    while len(people) < count:
        name, gender = person_name(rng)
        if name not in people:
            # Shared strings and dates: a nationwide setup has a quarter million candidates.
            people[name] = (sys.intern(name), _date(rng.randint(oldest, youngest)), gender)
    return sorted(people.values(), key=lambda p: ballot_key(p[0]))
