"""Basic accessibility of every page, on a 1280×800 screen and on a 390 px wide phone:
one h1, headings that do not skip a level, a label for every field, a name for every button
and link, no reference to a missing id, and nothing wider than the screen.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import expect, qh_body

CHECKS = """() => {
  const problems = [];
  const text = (el) => (el.textContent || "").trim();
  const h1 = document.querySelectorAll("h1");
  if (h1.length !== 1 || !text(h1[0])) problems.push(`${h1.length} h1 elements`);
  if (document.documentElement.lang !== "vi") problems.push("the page's language is not vi");
  if (!document.title.trim()) problems.push("no title");
  let last = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push(`${h.tagName} «${text(h)}» follows h${last}`);
    last = level;
  }
  for (const field of document.querySelectorAll("input, select, textarea")) {
    if (field.type === "hidden") continue;
    const labelled = Array.from(field.labels || []).some((label) => text(label))
      || (field.getAttribute("aria-label") || "").trim()
      || field.getAttribute("aria-labelledby");
    if (!labelled) problems.push(`a field without a label: ${field.outerHTML.slice(0, 120)}`);
  }
  for (const el of document.querySelectorAll("button, a[href], summary")) {
    if (!text(el) && !el.getAttribute("aria-label")) {
      problems.push(`no name: ${el.outerHTML.slice(0, 120)}`);
    }
  }
  for (const attr of ["aria-describedby", "aria-labelledby", "for"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      if (attr === "for" && el.tagName !== "LABEL") continue;
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(`${attr}="${id}" names no element`);
      }
    }
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push(`id "${el.id}" twice`);
    seen.add(el.id);
  }
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) {
    const wide = Array.from(document.querySelectorAll("body *"))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((el) => !el.closest(".scroll"))
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
    problems.push(`${width}px wide on a ${window.innerWidth}px screen: ${wide.join(", ")}`);
  }
  return problems;
}"""

# The record of T1B-1 QH (roll 1.200) is this module's own.
PAGES = {
    None: ["/login", "/verify"],
    "officer": [
        "/",
        "/tally/T1A-1/HDND_TINH",
        "/turnout/report",
        "/password",
        "/results/T1A-1?contest=QH",
    ],
    "reviewer": [
        "/",
        "/review?status=all",
        "/tally/record/{record}",
        "/results/T1?contest=QH",
        "/results/T1B?contest=QH",
        "/turnout",
        "/forms",
    ],
    "board": [
        "/",
        "/results",
        "/results?contest=HDND_HUYEN",
        "/results/T1B?contest=QH",
        "/results/T1B-1?contest=QH",
        "/results/unit/QH1",
        "/results/units?contest=QH",
        "/tally/record/{record}",
        "/forms",
        "/audit",
        "/audit/verify",
        "/turnout",
    ],
    "admin": ["/", "/audit", "/admin/users"],
}
# Figures of a valid HĐND thành phố record of T1A-1 (roll 1.000), for the review step.
ENTRY = {
    "1. Tổng số cử tri": "1.000",
    "2. Số cử tri đã tham gia bỏ phiếu": "900",
    "3. Số phiếu phát ra": "900",
    "4. Số phiếu thu vào": "900",
    "5. Số phiếu hợp lệ": "880",
    "6. Số phiếu không hợp lệ": "20",
    "1. Nguyễn Văn An": "700",
    "2. Trần Thị Bình": "600",
    "3. Lê Văn Cường": "500",
    "4. Phạm Thị Dung": "400",
    "5. Hoàng Văn Em": "300",
}


@pytest.fixture(scope="module")
def record(server) -> int:
    return server.submit(qh_body("T1B-1", 1200))["id"]


def _check(page, problems: list[str]) -> None:
    expect(page.locator("h1")).to_be_visible()
    problems.extend(f"{page.url}: {p}" for p in page.evaluate(CHECKS))


@pytest.mark.parametrize("phone", [False, True], ids=["1280x800", "phone-390"])
def test_every_page_has_headings_labelled_fields_and_fits_the_screen(browsing, record, phone):
    problems: list[str] = []
    for who, paths in PAGES.items():
        page = browsing.open(who, phone=phone)
        for path in paths:
            response = page.goto(path.format(record=record))
            assert response.status == 200, path
            _check(page, problems)
            if path == "/tally/T1A-1/HDND_TINH":
                if phone:
                    browsing.shoot(page, "tally-entry-phone")
                for label, value in ENTRY.items():
                    page.get_by_label(label).fill(value)
                page.get_by_role("button", name="Kiểm tra và xem lại").click()
                expect(page.locator("h1")).to_have_text(
                    "Xem lại biên bản — Đại biểu HĐND thành phố"
                )
                _check(page, problems)
    assert problems == []
