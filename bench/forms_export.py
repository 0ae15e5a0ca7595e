"""Exporting official forms, against writing the same cells with bare openpyxl.

Usage: DATABASE_URL=… .venv/bin/python -m bench.forms_export [REPEAT]
On a loaded database (a demo city filled 100 %), times:
  - one ĐBQH unit record (form 21/HĐBC-QH; target under 1 s),
  - a ward's count records for one contest (one sheet per voting area),
  - every unit record of the city (all contests),
each as the whole export (query, values, workbook, verification code) and as the workbook
alone. The floor is bare openpyxl in write-only mode writing the same cell values (no
merges, no styles). Prints medians in ms, each as a multiple of its floor, and the peak
RSS of this process during each export; then one JSON line (``measure(url, repeat)``).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bench._procs import reset_peak, status_kib
from election.db import make_engine, make_sessionmaker
from election.models import Area, AreaLevel, Contest, TallyRecord, Unit
from election.services import forms

TARGETS = {"unit_record": 1000.0}  # ms (issue #7)


def median_ms(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def bare(workbooks: list[bytes]) -> Callable[[], bytes]:
    """The same cell values written by openpyxl's write-only mode: the cheapest workbook."""
    sheets = []
    for content in workbooks:
        for ws in load_workbook(io.BytesIO(content)).worksheets:
            sheets.append([[c.value for c in row] for row in ws.iter_rows()])

    def write() -> bytes:
        book = Workbook(write_only=True)
        for rows in sheets:
            ws = book.create_sheet()
            for row in rows:
                ws.append(
                    [str(v) if v is not None and not isinstance(v, int | float) else v for v in row]
                )
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return write


def report(x: dict) -> None:
    print(
        f"{x['name']:<44} {x['median_ms']:10.1f} ms  {x['ratio']:6.2f}× bare openpyxl "
        f"({x['floor_ms']:.1f} ms)  {x['bytes'] / 1024:8.0f} KiB  peak RSS {x['peak_rss_mib']} MiB"
    )


def _peak_mib() -> float | None:
    kib = status_kib(os.getpid(), "VmHWM")
    return round(kib / 1024, 1) if kib is not None else None


def measure(url: str, repeat: int = 5) -> dict:
    """Every export's median, its floor and ratio, its size and this process's peak RSS.

    The peak (VmHWM) is reset before each export, so it is that export's own peak
    (with the imported modules and the database connection of this process).
    """
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        deepest = session.scalar(select(AreaLevel.id).order_by(AreaLevel.depth.desc()))
        ward = session.scalars(
            select(Area).where(Area.level_id == deepest).order_by(Area.id)
        ).first()
        qh_unit = session.scalars(
            select(Unit).join(Contest).where(Contest.code == "QH").order_by(Unit.id)
        ).first()
        units = [(u.contest.code, u.code) for u in session.scalars(select(Unit).order_by(Unit.id))]
        records = session.scalar(select(func.count()).select_from(TallyRecord))
    assert ward is not None and qh_unit is not None
    ward_code, qh_unit_code = ward.code, qh_unit.code

    def one_unit() -> forms.FormFile:
        with sessions() as session:
            return forms.export(session, None, "unit-record", "QH", qh_unit_code)

    def ward_records() -> forms.FormFile:
        with sessions() as session:
            return forms.export_ward(session, None, "QH", ward_code)

    def every_unit() -> list[forms.FormFile]:
        with sessions() as session:
            return [forms.export(session, None, "unit-record", c, u) for c, u in units]

    exports = []

    def timed(key: str, name: str, action, times: int, contents) -> None:
        reset_peak(os.getpid())
        ms, made = median_ms(action, times)
        peak = _peak_mib()
        floor, _ = median_ms(bare(contents(made)), times)
        exports.append(
            {
                "key": key,
                "name": name(made),
                "median_ms": round(ms, 1),
                "floor_ms": round(floor, 1),
                "ratio": round(ms / floor, 2),
                "bytes": sum(len(c) for c in contents(made)),
                "peak_rss_mib": peak,
                "repeat": times,
                "target_ms": TARGETS.get(key),
                "met": ms < TARGETS[key] if key in TARGETS else None,
            }
        )

    timed(
        "unit_record",
        lambda _m: f"unit record {qh_unit_code} (ĐBQH)",
        one_unit,
        repeat,
        lambda m: [m.content],
    )
    timed(
        "ward_records",
        lambda m: f"count records of {ward_code} ({len(m.codes)} sheets)",
        ward_records,
        repeat,
        lambda m: [m.content],
    )
    timed(
        "every_unit_record",
        lambda m: f"every unit record ({len(m)} files)",
        every_unit,
        max(1, repeat // 5),
        lambda m: [f.content for f in m],
    )
    database = engine.url.get_backend_name()
    engine.dispose()
    return {"database": database, "records": records, "repeat": repeat, "exports": exports}


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    result = measure(os.environ["DATABASE_URL"], repeat)
    print(
        f"Forms export, median of {repeat} (database: {result['database']}, "
        f"{result['records']:,} records)"
    )
    for x in result["exports"]:
        report(x)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
