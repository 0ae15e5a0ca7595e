"""The official form definitions (TOML files beside this module) and their loader.

``load`` returns a definition with the wording of one form set already chosen:
``text_2021`` replaces ``text`` for the 2021 set, blocks marked ``sets = [...]``
appear only in those sets, and likewise ``stages`` for the statistics forms.
See README.md for the format.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

KINDS = ("count-record", "unit-record", "city-record", "summary-record", "statistics")
STAGES = ("preliminary", "official")

# (kind, contest kind) → file; the statistics cover every contest at once.
FILES = {
    ("count-record", "QH"): "count_record_qh.toml",
    ("count-record", "HDND"): "count_record_hdnd.toml",
    ("unit-record", "QH"): "unit_record_qh.toml",
    ("unit-record", "HDND"): "unit_record_hdnd.toml",
    ("city-record", "QH"): "city_record.toml",
    ("summary-record", "HDND"): "summary_record.toml",
    ("statistics", None): "statistics.toml",
}


class UnknownForm(ValueError):
    """No definition for that kind, contest kind or form set."""


@dataclass(frozen=True)
class FormSet:
    """The numbering and changing words of one election's forms."""

    name: str
    resolution: str
    khoa: str
    term: str
    commune_kinds: str
    numbers: dict[str, str]


@dataclass(frozen=True)
class Definition:
    """One form, its wording resolved for a form set."""

    kind: str
    contest_kind: str | None
    form_set: FormSet
    number: str  # "21/HĐBC-QH"
    orientation: str
    body_size: int
    header: dict[str, Any]
    blocks: list[dict[str, Any]]


def form_sets() -> dict[str, FormSet]:
    """Every known form set by name ("2021", "2026")."""
    return {name: FormSet(name=name, **data) for name, data in _read("sets.toml")["sets"].items()}


def contest_kind(contest_code: str) -> str:
    """ "QH" for the National Assembly, "HDND" for every council level."""
    return "QH" if contest_code == "QH" else "HDND"


def load(kind: str, contest: str | None, form_set: str, stage: str = "preliminary") -> Definition:
    """The definition of ``kind`` for a contest kind ("QH"/"HDND") in a form set."""
    sets = form_sets()
    if form_set not in sets:
        raise UnknownForm(f"Không có bộ biểu mẫu «{form_set}»")
    if kind not in KINDS:
        raise UnknownForm(f"Không có loại biểu mẫu «{kind}»")
    key = (kind, None if kind == "statistics" else contest)
    if key not in FILES:
        raise UnknownForm(f"Biểu mẫu «{kind}» không dùng cho cấp bầu cử này")
    if stage not in STAGES:
        raise UnknownForm(f"Không có giai đoạn «{stage}»")
    chosen = sets[form_set]
    data = _resolve(_read(FILES[key]), form_set, stage)
    number_key = f"statistics.{stage}" if kind == "statistics" else f"{kind}.{contest}"
    return Definition(
        kind=kind,
        contest_kind=key[1],
        form_set=chosen,
        number=chosen.numbers[number_key],
        orientation=data.get("orientation", "portrait"),
        body_size=data.get("body_size", 14),
        header=data.get("header", {}),
        blocks=data.get("block", []),
    )


@cache
def _read(name: str) -> dict[str, Any]:
    with (HERE / name).open("rb") as f:
        return tomllib.load(f)


def _resolve(value: Any, form_set: str, stage: str) -> Any:
    """A copy of ``value`` with one form set's variants chosen and others dropped."""
    if isinstance(value, list):
        return [
            _resolve(item, form_set, stage)
            for item in value
            if not isinstance(item, dict) or _applies(item, form_set, stage)
        ]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    chosen: dict[str, Any] = {}
    for key, item in value.items():
        base, _, suffix = key.rpartition("_")
        if base and suffix in ("2021", "2026"):
            if suffix == form_set:
                chosen[base] = item
            continue
        if key in ("sets", "stages"):
            continue
        out[key] = item
    out.update(chosen)
    return {key: _resolve(item, form_set, stage) for key, item in out.items()}


def _applies(item: dict[str, Any], form_set: str, stage: str) -> bool:
    return form_set in item.get("sets", [form_set]) and stage in item.get("stages", [stage])
