"""exports/ and forms/ without a database: template text, the grid, the workbook read back."""

from __future__ import annotations

import io
import itertools
from decimal import Decimal

import openpyxl
import pytest

import forms
from exports import xlsx
from exports.text import DOTS, Lookup, Run, fill, runs, show
from exports.xlsx import grid


def test_fields_are_filled_with_vietnamese_numbers_and_dots_when_unknown():
    values = {"voters": 1234567, "pct": Decimal("99.85"), "name": "Hải Phòng", "nq": None}
    assert fill("{voters} người, {pct} %, {name|upper}, số {nq}", values) == (
        f"1.234.567 người, 99,85 %, HẢI PHÒNG, số {DOTS}"
    )
    assert show(0) == "0"
    assert show(Decimal("0")) == "0,00"
    assert show("") == DOTS


def test_markup_is_read_from_the_template_never_from_the_values():
    values = {"name": "**không đậm** ^(1) *x*"}
    assert runs("**Gồm**^(2) {name}", values) == [
        Run("Gồm", bold=True),
        Run("(2)", superscript=True),
        Run(" **không đậm** ^(1) *x*"),
    ]


def test_an_item_falls_back_to_the_record():
    values = Lookup({"i": 2, "name": "B"}, {"name": "A", "valid": 10})
    assert fill("{i}. {name} {valid}", values) == "2. B 10"


def test_grid_columns_follow_the_widths_and_cover_the_grid():
    spans = grid.allocate([5, 19, 11, 11, 11, 8, 8, 8, 8, 6], 48)
    assert spans[0][0] == 1 and spans[-1][1] == 48
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(spans))
    sizes = [last - first + 1 for first, last in spans]
    # 38 columns shared by weight (95 in all) after one each; the rest by largest remainder.
    assert sizes == [3, 9, 6, 6, 5, 4, 4, 4, 4, 3]
    with pytest.raises(ValueError):
        grid.allocate([1] * 49, 48)


def _definition(blocks: list[dict], form_set: str = "2021") -> forms.Definition:
    return forms.Definition(
        kind="unit-record",
        contest_kind="QH",
        form_set=forms.form_sets()[form_set],
        number="21/HĐBC-QH",
        orientation="portrait",
        body_size=14,
        header={"left": [{"text": "BAN BẦU CỬ", "bold": True}]},
        blocks=blocks,
    )


def _cells(content: bytes) -> dict[str, object]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_typed_text_starting_with_equals_stays_text():
    blocks = [{"type": "each", "items": "people", "text": "{name}"}]
    content = xlsx.render(
        _definition(blocks), {"people": [{"name": '=HYPERLINK("http://x","y")'}]}, "T"
    )
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'


def test_a_table_writes_numbers_as_numbers_with_vietnamese_formats():
    blocks = [
        {
            "type": "table",
            "rows": "rows",
            "header": [[{"text": "Tên"}, {"text": "Số"}, {"text": "Tỷ lệ"}]],
            "columns": [
                {"value": "{name}", "width": 20},
                {"field": "n", "format": "int", "width": 10},
                {"field": "p", "format": "pct_sign", "width": 10},
            ],
            "footer": [
                {
                    "source": "total",
                    "cells": [
                        {"text": "Tổng cộng:", "bold": True},
                        {"field": "n", "format": "int"},
                    ],
                }
            ],
        }
    ]
    values = {
        "rows": [
            {"name": "A", "n": 1234567, "p": Decimal("99.85")},
            {"name": "B", "n": 0, "p": None},
        ],
        "total": {"n": 1234567},
    }
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.render(_definition(blocks), values, "T"))).active
    rows = [
        [c.value for c in row if c.value is not None]
        for row in ws.iter_rows()
        if any(c.value is not None for c in row)
    ]
    assert ["A", 1234567, 99.85] in rows
    assert ["B", 0] in rows
    assert ["Tổng cộng:", 1234567] in rows
    number = next(c for row in ws.iter_rows() for c in row if c.value == 1234567)
    assert number.number_format == "[$-42A]#,##0"
    pct = next(c for row in ws.iter_rows() for c in row if c.value == 99.85)
    assert pct.number_format == '[$-42A]0.00"%"'


def test_a_repeated_column_per_candidate_and_its_total():
    blocks = [
        {
            "type": "table",
            "rows": "areas",
            "header": [[{"text": "Tên"}, {"text": "Ghi chú"}]],
            "columns": [
                {"value": "{name}", "width": 18},
                {
                    "repeat": "candidates",
                    "repeat_header": "Số phiếu bầu cho\n{name}",
                    "field": "votes",
                    "format": "int",
                    "width": 10,
                },
                {"value": "", "width": 16},
            ],
            "footer": [
                {
                    "source": "total",
                    "cells": [
                        {"text": "Tổng cộng:"},
                        {"repeat": "candidates", "field": "votes", "format": "int"},
                    ],
                }
            ],
        }
    ]
    values = {
        "candidates": [{"name": "An"}, {"name": "Bình"}],
        "areas": [{"name": "Quận Một", "votes": [3, 4]}, {"name": "Huyện Hai", "votes": [5, 6]}],
        "total": {"votes": [8, 10]},
    }
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.render(_definition(blocks), values, "T"))).active
    rows = [[c.value for c in row if c.value is not None] for row in ws.iter_rows()]
    assert ["Tên", "Số phiếu bầu cho\nAn", "Số phiếu bầu cho\nBình", "Ghi chú"] in rows
    assert ["Quận Một", 3, 4] in rows
    assert ["Huyện Hai", 5, 6] in rows
    assert ["Tổng cộng:", 8, 10] in rows


def test_page_setup_is_a4_fitted_to_width_in_times_new_roman():
    blocks = [{"type": "para", "text": "Nội dung"}]
    stamp = xlsx.Stamp("ABCD-EFGH-IJKL-MNOP", "Mã xác minh: ABCD-EFGH-IJKL-MNOP")
    ws = openpyxl.load_workbook(
        io.BytesIO(xlsx.render(_definition(blocks), {}, "Đơn vị: số 1?", stamp))
    ).active
    assert ws.title == "Đơn vị- số 1-"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1
    assert ws.print_area is not None
    assert "ABCD-EFGH-IJKL-MNOP" in ws.oddFooter.center.text
    values = _cells(xlsx.render(_definition(blocks), {}, "T", stamp))
    assert "Mẫu số 21/HĐBC-QH" in values.values()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in values.values()
    assert "Mã xác minh: ABCD-EFGH-IJKL-MNOP" in values.values()
    fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts == {"Times New Roman"}


@pytest.mark.parametrize(
    ("form_set", "numbers"),
    [
        (
            "2021",
            [
                "20/HĐBC-QH",
                "25/HĐBC-HĐND",
                "21/HĐBC-QH",
                "26/HĐBC-HĐND",
                "22/HĐBC-QH",
                "27/HĐBC-HĐND",
                "30/HĐBC",
                "32/HĐBC",
            ],
        ),
        (
            "2026",
            [
                "18/HĐBC-QH",
                "23/HĐBC-HĐND",
                "19/HĐBC-QH",
                "24/HĐBC-HĐND",
                "20/HĐBC-QH",
                "25/HĐBC-HĐND",
                "28/HĐBC",
                "30/HĐBC",
            ],
        ),
    ],
)
def test_the_form_set_gives_the_numbers_of_domain_md_section_8(form_set, numbers):
    loaded = [
        forms.load("count-record", "QH", form_set).number,
        forms.load("count-record", "HDND", form_set).number,
        forms.load("unit-record", "QH", form_set).number,
        forms.load("unit-record", "HDND", form_set).number,
        forms.load("city-record", "QH", form_set).number,
        forms.load("summary-record", "HDND", form_set).number,
        forms.load("statistics", None, form_set, "preliminary").number,
        forms.load("statistics", None, form_set, "official").number,
    ]
    assert loaded == numbers


def test_variants_choose_the_set_and_drop_the_others():
    data = {
        "block": [
            {"type": "para", "text": "KHÓA XVI", "text_2021": "KHÓA XV"},
            {"type": "para", "text": "chỉ 2026", "sets": ["2026"]},
            {"type": "para", "text": "chính thức", "stages": ["official"]},
        ]
    }
    assert forms._resolve(data, "2021", "preliminary") == {
        "block": [{"type": "para", "text": "KHÓA XV"}]
    }
    assert forms._resolve(data, "2026", "official") == {
        "block": [
            {"type": "para", "text": "KHÓA XVI"},
            {"type": "para", "text": "chỉ 2026"},
            {"type": "para", "text": "chính thức"},
        ]
    }


def test_unknown_forms_are_refused():
    with pytest.raises(forms.UnknownForm):
        forms.load("ballot-paper", "QH", "2021")
    with pytest.raises(forms.UnknownForm):
        forms.load("city-record", "HDND", "2021")
    with pytest.raises(forms.UnknownForm):
        forms.load("unit-record", "QH", "2016")
