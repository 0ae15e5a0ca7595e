"""The board reads the audit log newest first, in Vietnamese, and jumps to an event by its
number and by a time (issue #20 item 6).

T1B-1's HĐND thành phố record (unit TP1): roll 1.200, voted 1.080, invalid 21, valid 1.059.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from election.db import make_engine
from election.domain.clock import in_vietnam
from election.models import AuditEvent
from tests.e2e.conftest import expect, qh_body, texts

VOTES = {"TP1-1": 1059, "TP1-2": 529, "TP1-3": 353, "TP1-4": 7, "TP1-5": 0}


def _read(server, query):
    engine = make_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


def _seqs(page) -> list[int]:
    ids = page.locator("table.audit tbody tr").evaluate_all("rows => rows.map(r => r.id)")
    return [int(i.removeprefix("e-")) for i in ids]


def test_the_board_reads_the_log_newest_first_and_jumps_by_number_and_time(browsing, server):
    record = server.submit(qh_body("T1B-1", 1200, contest="HDND_TINH", votes=VOTES))["id"]
    page = browsing.open("board")
    page.goto("/audit")
    newest = _read(server, select(func.max(AuditEvent.seq)))
    seqs = _seqs(page)
    assert seqs[0] == newest and seqs == sorted(seqs, reverse=True)
    submitted = page.locator("table.audit tbody tr").filter(
        has=page.locator(f"a[href='/tally/record/{record}']")
    )
    expect(submitted.locator('[data-label="Thao tác"]')).to_have_text("Nộp biên bản")
    expect(submitted.locator('[data-label="Đối tượng"]')).to_have_text(
        "Biên bản T1B-1 · HĐND cấp tỉnh/thành phố"
    )
    expect(submitted.locator('[data-label="Sau"]')).to_contain_text(
        "Số liệu: Tổng số cử tri 1.200 · Số cử tri đã tham gia bỏ phiếu 1.080 · "
    )
    # Every action in Vietnamese: no code such as tally.submit or turnout.report.
    assert not [a for a in texts(page.locator('[data-label="Thao tác"]')) if "." in a or "_" in a]
    browsing.shoot(page, "audit-log", full_page=False)

    page.get_by_label("Đến sự kiện số").fill("5")
    page.get_by_label("Đến sự kiện số").press("Enter")
    page.wait_for_url("**/audit?seq=5")
    assert _seqs(page) == [5, 4, 3, 2, 1]
    expect(page.locator("tr#e-5")).to_have_class("target")
    expect(page.get_by_role("link", name="« Mới nhất")).to_be_visible()

    # A minute after event 3 was written, on Vietnam's clocks: the last event until then.
    third = _read(server, select(AuditEvent.at).where(AuditEvent.seq == 3))
    moment = in_vietnam(third).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    last = _read(
        server,
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.at <= moment.astimezone(dt.UTC).replace(tzinfo=None)
        ),
    )
    page.get_by_label("Đến thời điểm (giờ Việt Nam)").fill(f"{moment:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Đến thời điểm").click()
    page.wait_for_url("**/audit?at=*")
    assert _seqs(page)[0] == last
    expect(page.locator(f"tr#e-{last}")).to_have_class("target")
