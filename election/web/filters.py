"""Template filters and names shown on every page."""

from __future__ import annotations

import datetime as dt

from flask import Flask, g

from election.domain.clock import in_vietnam
from election.domain.numbers import fmt_date, fmt_int, fmt_pct
from election.domain.setup import CONTEST_LABELS, LEVELS
from election.http.context import get_session
from election.services.certification import read as certification
from election.services.identity.users import ROLE_NAMES
from election.services.setup import structure

STATUS_NAMES = {"submitted": "Đã nộp", "verified": "Đã xác nhận", "returned": "Bị trả lại"}


class LevelNames:
    """The levels' names as the setup stored them, read once per request and only if shown."""

    def get(self, code: str, default: str | None = None) -> str | None:
        if "level_names" not in g:
            stored = structure.level_names(get_session())
            g.level_names = {**LEVELS, **stored, "voting_area": "Khu vực bỏ phiếu"}
        return g.level_names.get(code, default)


def local_time(at: dt.datetime | None) -> str:
    """A stored UTC time as Vietnam reads it: '21:05 ngày 23/05/2021'."""
    if at is None:
        return ""
    return in_vietnam(at).strftime("%H:%M ngày %d/%m/%Y")


def vn_time(at: dt.datetime | None) -> str:
    """A stored UTC time as Vietnamese local time: '23/05/2021 19:05:03'."""
    if at is None:
        return "—"
    return in_vietnam(at).strftime("%d/%m/%Y %H:%M:%S")


def init_app(app: Flask) -> None:
    app.add_template_filter(lambda n: "" if n is None else fmt_int(n), "num")
    app.add_template_filter(fmt_pct, "pct")
    app.add_template_filter(fmt_date, "date_vn")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(vn_time, "vn_time")

    @app.context_processor
    def names() -> dict:
        return {
            "role_names": ROLE_NAMES,
            "contest_labels": CONTEST_LABELS,
            "level_names": LevelNames(),
            "reopened_certifications": lambda: certification.reopened(get_session()),
            "status_names": STATUS_NAMES,
            "g": g,
        }
