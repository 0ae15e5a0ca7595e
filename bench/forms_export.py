"""Exporting official forms, against writing the same cells with bare openpyxl.

Usage: DATABASE_URL=… .venv/bin/python -m bench.forms_export [REPEAT]
On a loaded database (a demo city filled 100 %), times:
  - one ĐBQH unit record (form 21/HĐBC-QH; target under 1 s),
  - a ward's count records for one contest (one sheet per voting area),
  - every unit record of the city (all contests),
each as the whole export (query, values, workbook, verification code) and as the workbook
alone. The floor is bare openpyxl in write-only mode writing the same cell values (no
merges, no styles). Prints medians in ms and each as a multiple of its floor.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from election.db import make_engine, make_sessionmaker
from election.models import Area, AreaLevel, Contest, Unit
from election.services import forms


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


def report(name: str, ms: float, floor: float, size: int) -> None:
    print(
        f"{name:<44} {ms:10.1f} ms  {ms / floor:6.2f}× bare openpyxl ({floor:.1f} ms)"
        f"  {size / 1024:8.0f} KiB"
    )


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    engine = make_engine(os.environ["DATABASE_URL"])
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
    assert ward is not None and qh_unit is not None

    def one_unit() -> forms.FormFile:
        with sessions() as session:
            return forms.export(session, None, "unit-record", "QH", qh_unit.code)

    def ward_records() -> forms.FormFile:
        with sessions() as session:
            return forms.export_ward(session, None, "QH", ward.code)

    def every_unit() -> list[forms.FormFile]:
        with sessions() as session:
            return [forms.export(session, None, "unit-record", c, u) for c, u in units]

    print(f"Forms export, median of {repeat} (database: {engine.url.get_backend_name()})")
    ms, made = median_ms(one_unit, repeat)
    floor, _ = median_ms(bare([made.content]), repeat)
    report(f"unit record {qh_unit.code}", ms, floor, len(made.content))
    ms, made = median_ms(ward_records, repeat)
    floor, _ = median_ms(bare([made.content]), repeat)
    report(f"count records of {ward.code} ({len(made.codes)} sheets)", ms, floor, len(made.content))
    ms, files = median_ms(every_unit, max(1, repeat // 5))
    floor, _ = median_ms(bare([f.content for f in files]), max(1, repeat // 5))
    report(f"every unit record ({len(files)} files)", ms, floor, sum(len(f.content) for f in files))
    engine.dispose()


if __name__ == "__main__":
    main()
