"""A polling team on an island loses its connection after opening the entry page: it types the
record and takes the photo offline, reloads, and the record goes out when the network is back —
exactly one record with one version, with the photo, even when the first answer is lost.

Voting area T1B-2, contest HDND_HUYEN (unit Q1 elects 3 of 5): 1.293 voters on the roll;
1.150 voted, issued and received, 1.130 valid, 20 invalid; votes 900, 800, 700, 600, 300.
A record the server refuses: T2A-2, HDND_XA.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.request

from PIL import Image

from tests.e2e.conftest import expect

VA, CONTEST = "T1B-2", "HDND_HUYEN"
FIGURES = {
    "voters_voted": "1.150",
    "ballots_issued": "1.150",
    "ballots_received": "1.150",
    "ballots_valid": "1.130",
    "ballots_invalid": "20",
    "votes.Q1-1": "900",
    "votes.Q1-2": "800",
    "votes.Q1-3": "700",
    "votes.Q1-4": "600",
    "votes.Q1-5": "300",
}


def _photo() -> bytes:
    """A small PNG, as a phone's camera would give a (much larger) JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (120, 160), (245, 245, 235)).save(out, "PNG")
    return out.getvalue()


def _tally_of(server, va: str, contest: str) -> dict | None:
    """The voting area's record of the contest as the API lists it: {id, version, status}."""
    status, body = server.api("GET", f"/voting-areas/{va}", va)
    assert status == 200, body
    return next(c for c in body["contests"] if c["contest"] == contest)["tally"]


def _tally(server) -> dict | None:
    return _tally_of(server, VA, CONTEST)


def _records_in_open_data(server) -> list[dict]:
    request = urllib.request.Request(
        f"{server.url}/api/v1/open/records.csv",
        headers={"Authorization": f"Bearer {server.tokens[VA]}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        rows = csv.DictReader(io.StringIO(response.read().decode("utf-8-sig")))
        return [r for r in rows if VA in r.values() and CONTEST in r.values()]


def test_a_record_typed_offline_arrives_once_with_its_photo(browsing, server):
    # Only the test's own probes fail to load: the fetch that shows the network is cut, and
    # the answer it cuts on purpose. The page itself asks for nothing while offline.
    browsing.allow(r"ERR_CONNECTION_RESET|ERR_INTERNET_DISCONNECTED")
    page = browsing.open(f"to-{VA.lower()}", phone=True)
    context = page.context
    page.goto(f"/tally/{VA}/{CONTEST}")
    expect(page.locator("[data-outbox]")).to_have_attribute("data-offline-ready", "1")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    # The connection drops; the page comes back from the device.
    context.set_offline(True)
    assert page.evaluate("fetch('/login').then(() => 'answered', () => 'no network')") == (
        "no network"
    )
    assert page.reload().from_service_worker
    expect(page.locator("h1")).to_have_text(
        "Biên bản kết quả kiểm phiếu — Đại biểu HĐND quận, huyện"
    )
    outbox = page.locator("[data-outbox]")
    expect(outbox.locator("[data-net]")).to_contain_text("Không có mạng")
    expect(page.get_by_label(re.compile(r"^1\. Tổng số cử tri"))).to_have_value("1.293")

    # A mistake first: checked on the device by the same rules as online, nothing kept.
    for name, value in {**FIGURES, "ballots_invalid": "21"}.items():
        page.locator(f'[id="f-{name}"]').fill(value)
    page.get_by_label(re.compile("Ảnh biên bản giấy")).set_input_files(
        {"name": "bien-ban.png", "mimeType": "image/png", "buffer": _photo()}
    )
    save = page.get_by_role("button", name="Lưu trên máy và gửi khi có mạng")
    save.click()
    summary = page.locator("#outbox-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("li").first).to_have_text(
        "Số phiếu hợp lệ (1.130) + số phiếu không hợp lệ (21) phải bằng số phiếu thu vào (1.150)"
    )
    expect(outbox.locator(".outbox-item")).to_have_count(0)

    # Fixed with the keyboard and kept with Enter.
    page.locator('[id="f-ballots_invalid"]').fill("20")
    page.locator('[id="f-votes.Q1-5"]').press("Enter")
    item = outbox.locator(".outbox-item")
    expect(item.locator(".badge")).to_have_text("Đang chờ gửi")
    expect(item).to_contain_text("Ảnh biên bản (bien-ban.png): đang chờ gửi")
    expect(page.locator("form[data-tally]")).to_be_hidden()
    expect(page.locator("[data-outbox-held]")).to_be_visible()

    # Reloaded offline: the record is still on the device, still waiting, not typed twice.
    assert page.reload().from_service_worker
    expect(item).to_have_count(1)
    expect(item.locator(".badge")).to_have_text("Đang chờ gửi")
    expect(page.locator("form[data-tally]")).to_be_hidden()
    assert _tally(server) is None
    browsing.shoot(page, "tally-offline-waiting")

    # The network comes back, but the first answer is lost after the server stored the record.
    cut = []

    def lose_the_answer(route):
        route.fetch()  # the server gets the record and answers; the phone never hears it
        cut.append(route.request.url)
        route.abort("connectionreset")
        context.unroute("**/send", lose_the_answer)

    context.route("**/send", lose_the_answer)
    context.set_offline(False)
    expect(item.locator(".badge")).to_have_text("Đã gửi")
    expect(item).to_contain_text("Chưa nhận được trả lời của máy chủ")
    assert len(cut) == 1
    stored = _tally(server)
    assert stored is not None and stored["version"] == 1

    # Sent again under the same key: the same record comes back, then the photo goes.
    item.get_by_role("button", name="Gửi ngay").click()
    expect(item.locator(".badge")).to_have_text("Đã được chấp nhận")
    expect(item).to_contain_text("Ảnh biên bản (bien-ban.png): đã được chấp nhận")
    expect(item.get_by_role("link", name="Xem biên bản đã lưu")).to_have_attribute(
        "href", f"/tally/record/{stored['id']}"
    )
    browsing.shoot(page, "tally-offline-accepted")

    assert _tally(server) == stored
    status, record = server.api("GET", f"/tallies/{stored['id']}", VA)
    assert status == 200, record
    assert record["version"] == 1
    assert [v["version"] for v in record["versions"]] == [1]
    assert record["ballots_valid"] == 1130
    assert record["votes"] == {"Q1-1": 900, "Q1-2": 800, "Q1-3": 700, "Q1-4": 600, "Q1-5": 300}
    assert [e["media_type"] for e in record["evidence"]] == ["image/png"]
    assert len(_records_in_open_data(server)) == 1

    # Back online the page leads to the stored record, which lists the team's outbox too.
    page.goto(f"/tally/{VA}/{CONTEST}")
    page.wait_for_url(f"**/tally/record/{stored['id']}")
    expect(page.locator(".outbox-item .badge")).to_have_text("Đã được chấp nhận")


# T2A-2's HDND_XA record (unit XC1 elects 3 of 5): 1.493 voters on the roll.
REFUSED_VA, REFUSED_CONTEST = "T2A-2", "HDND_XA"
REFUSED_FIGURES = {
    "voters_voted": "1.300",
    "ballots_issued": "1.300",
    "ballots_received": "1.300",
    "ballots_valid": "1.280",
    "ballots_invalid": "20",
    "votes.XC1-1": "1.000",
    "votes.XC1-2": "900",
    "votes.XC1-3": "800",
    "votes.XC1-4": "700",
    "votes.XC1-5": "300",
}
# What the server says of 21 invalid ballots beside 1.280 valid and 1.300 received.
SUM_RULE = "Số phiếu hợp lệ (1.280) + số phiếu không hợp lệ (21) phải bằng số phiếu thu vào (1.300)"
# Alter the kept record on the device, as a rule the device could not apply would find it.
SPOIL = """
() => new Promise((done, fail) => {
  const opening = indexedDB.open("election-outbox", 1);
  opening.onerror = () => fail(opening.error);
  opening.onsuccess = () => {
    const tx = opening.result.transaction("records", "readwrite");
    const store = tx.objectStore("records");
    const all = store.getAll();
    all.onsuccess = () => {
      for (const item of all.result) {
        item.fields = item.fields.map(([k, v]) => [k, k === "ballots_invalid" ? "21" : v]);
        store.put(item);
      }
    };
    tx.oncomplete = () => done(all.result.length);
  };
})
"""


def test_a_record_the_server_refuses_comes_back_into_the_form_with_its_messages(browsing, server):
    browsing.allow(r"status of 422")  # the refusal the test asks for
    page = browsing.open(f"to-{REFUSED_VA.lower()}")
    page.goto(f"/tally/{REFUSED_VA}/{REFUSED_CONTEST}")
    expect(page.locator("[data-outbox]")).to_have_attribute("data-offline-ready", "1")
    page.context.set_offline(True)
    expect(page.locator("[data-outbox] [data-net]")).to_contain_text("Không có mạng")
    for name, value in REFUSED_FIGURES.items():
        page.locator(f'[id="f-{name}"]').fill(value)
    page.get_by_role("button", name="Lưu trên máy và gửi khi có mạng").click()
    item = page.locator(".outbox-item")
    expect(item.locator(".badge")).to_have_text("Đang chờ gửi")
    assert page.evaluate(SPOIL) == 1

    page.context.set_offline(False)
    expect(item.locator(".badge")).to_have_text("Bị từ chối")
    expect(item.locator(".field-errors")).to_contain_text(SUM_RULE)
    invalid = page.locator('[id="f-ballots_invalid"]')
    expect(invalid).to_be_visible()
    expect(invalid).to_have_value("21")
    expect(invalid).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[id="err-ballots_invalid"] .field-error')).to_have_text(SUM_RULE)
    assert _tally_of(server, REFUSED_VA, REFUSED_CONTEST) is None

    item.get_by_role("button", name="Sửa lại").click()
    expect(page.locator('[id="f-ballots_valid"]')).to_be_focused()
    invalid.fill("20")
    invalid.press("Enter")
    expect(item).to_have_count(1)
    expect(item.locator(".badge")).to_have_text("Đã được chấp nhận")
    stored = _tally_of(server, REFUSED_VA, REFUSED_CONTEST)
    assert stored is not None and stored["version"] == 1
    status, record = server.api("GET", f"/tallies/{stored['id']}", REFUSED_VA)
    assert (status, record["ballots_invalid"], len(record["versions"])) == (200, 20, 1)
