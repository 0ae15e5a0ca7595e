"""A gunicorn server on a fresh SQLite database, and Chromium pages that fail the test on any
dialog, console error, Content-Security-Policy violation, script error or server error.

The election is the small one of tests/factories.py, with one candidate named like an XSS probe.
One server and database serve the whole session, so each test writes only its own records:

    officer (keyboard, pages)   T1A-1 QH        exports               T1A-2 QH
    accessibility               T1B-1 QH        hostile names         T1B-2 QH
    board, live updates         T2A-1, T2A-2 QH reviewer              T1B-1 HDND_HUYEN
    offline entry               T1B-2 HDND_HUYEN, T2A-2 HDND_XA
    officer's phone             T1A-1 HDND_XA and its turnout at 11:00, T1A-2 HDND_HUYEN
    audit log                   T1B-1 HDND_TINH
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest

from election import migrate
from election.db import make_engine, make_sessionmaker
from election.services.audit.chain import Actor
from election.services.identity import secretbox, users
from election.services.setup.setup import store_setup
from tests.factories import small_setup

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the fixtures skip (or fail under REQUIRE_BROWSER=1) before any use
    expect = sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "mat-khau-trinh-duyet"
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_CANDIDATE = "QH1-5"
# People who sign in through the pages: username (= role), area.
STAFF = {"officer": "T1A-1", "reviewer": "T1", "board": None, "admin": None}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
VOTING_AREAS = ("T1A-1", "T1A-2", "T1B-1", "T1B-2", "T2A-1", "T2A-2")
GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", "2"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Chromium reports CSP violations to the console itself; this makes each one explicit too.
CSP_PROBE = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""
# The receipt of a stored version (tally_record.html).
RECEIPT_CODE = re.compile(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}")


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and REQUIRE_BROWSER=1 needs the browser tests", pytrace=False)
    pytest.skip(reason)


@dataclass
class Server:
    url: str
    tokens: dict[str, str]  # voting area code → its polling team's API token
    database_url: str = ""  # for the few tests that change an election setting
    # Cookies of each user's first sign-in, so later contexts skip the login form.
    signed_in: dict[str, dict] = field(default_factory=dict)

    def api(self, method: str, path: str, voting_area: str, body: dict | None = None):
        """A JSON API call as the polling team of ``voting_area``: (status, body)."""
        request = urllib.request.Request(
            f"{self.url}/api/v1{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"Bearer {self.tokens[voting_area]}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.load(error)

    def submit(self, body: dict) -> dict:
        """Submit a count record through the API; its receipt."""
        status, reply = self.api("POST", "/tallies", body["voting_area"], body)
        assert status == 201, reply
        return reply


def _load_election(url: str, secret_key: str) -> dict[str, str]:
    """The small election with a hostile candidate name, the staff and one officer per area.

    TOTP secrets are sealed with the key the server derives from ``secret_key``.
    """
    setup = small_setup()  # a fresh copy: changing it leaves other tests' elections alone
    next(c for c in setup.candidates if c.code == HOSTILE_CANDIDATE).full_name = HOSTILE
    engine = make_engine(url)
    try:
        info = {secretbox.INFO_KEY: secretbox.derive_key(secret_key)}
        with make_sessionmaker(engine, info)() as session:
            store_setup(session, setup, Actor(None, "system"))
            for name, area in STAFF.items():
                # A password given here is not a generated one: no forced change at sign-in.
                users.create_user(session, name, name, area, PASSWORD)
                if name in ("board", "admin"):
                    users.enroll_totp(session, name, TOTP_SECRET)
            return {
                va: users.create_user(
                    session, f"to-{va.lower()}", "officer", va, PASSWORD, token_label="cli"
                ).token
                for va in VOTING_AREAS
            }
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer /login within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, through Playwright."""
    if sync_playwright is None:
        _unavailable("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # CI may run as root, where Chromium's sandbox cannot start; /dev/shm may be tiny.
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server(chromium, tmp_path_factory) -> Iterator[Server]:
    """gunicorn serving wsgi:app on a free port, over a fresh database."""
    home = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{home / 'election.db'}"
    migrate.upgrade(url)
    secret_key = secrets.token_hex(32)
    tokens = _load_election(url, secret_key)
    with serve(home, url, secret_key, tokens) as running:
        yield running


@contextmanager
def serve(home: Path, url: str, secret_key: str, tokens: dict[str, str]) -> Iterator[Server]:
    """gunicorn serving wsgi:app on a free port over the database at ``url``, until the end."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secret_key,
        "ELECTION_FAST_PASSWORD_HASH": "1",
        "TOTP_REQUIRED_ROLES": "board,admin",
    }
    log_path = home / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*GUNICORN, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log_path)
        yield Server(base, tokens, url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Browsing:
    """Fresh browser contexts for one test, each watched for problems."""

    def __init__(self, browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list = []
        self.problems: list[str] = []
        self.allowed: list[re.Pattern] = []

    def open(self, who: str | None = None, *, phone: bool = False):
        """A page in a new context, signed in as ``who`` (on their home page) when given."""
        signed_in = self.server.signed_in.get(who) if who else None
        context = self.browser.new_context(
            storage_state=signed_in,
            base_url=self.server.url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_PROBE)
        context.on("dialog", self._dialog)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"script error: {error.error}"))
        context.on("response", self._response)
        self.contexts.append(context)
        page = context.new_page()
        if signed_in:
            page.goto("/")
            expect(page.locator("h1")).to_be_visible()
        elif who is not None:
            login(page, who)
            self.server.signed_in[who] = context.storage_state()
        return page

    def allow(self, pattern: str) -> None:
        """Console errors matching ``pattern`` are expected (e.g. a 422 page the test asks for)."""
        self.allowed.append(re.compile(pattern))

    def shoot(self, page, name: str, full_page: bool = True) -> None:
        """docs/screenshots/NAME.png and the like, when SCREENSHOTS_DIR is set."""
        folder = os.environ.get("SCREENSHOTS_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            # From the top, after two frames: a page captured while scrolled can miss tiles.
            page.evaluate(
                "() => new Promise((done) => { window.scrollTo(0, 0);"
                " requestAnimationFrame(() => requestAnimationFrame(done)); })"
            )
            page.screenshot(
                path=str(Path(folder) / f"{name}.png"), full_page=full_page, animations="disabled"
            )

    def _dialog(self, dialog) -> None:
        self.problems.append(f"a {dialog.type} dialog opened: {dialog.message!r}")
        dialog.dismiss()

    def _console(self, message) -> None:
        if message.type != "error" or any(p.search(message.text) for p in self.allowed):
            return
        where = message.page.url if message.page else "?"
        self.problems.append(f"console error on {where}: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(chromium, server) -> Iterator[Browsing]:
    """Open pages with ``browsing.open(who)``; any dialog or console error fails the test."""
    with watched(chromium, server) as session:
        yield session


@contextmanager
def watched(browser, server: Server) -> Iterator[Browsing]:
    """A ``Browsing`` of ``server``; the test fails on any problem the browser saw."""
    session = Browsing(browser, server)
    yield session
    session.close()
    if session.problems:
        pytest.fail("The browser saw problems:\n" + "\n".join(session.problems), pytrace=False)


def login(page, who: str) -> None:
    """Sign in through the login form; the user lands on their home page."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(who)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    if who in ("board", "admin"):
        # The second factor: the code of the authenticator app, as a board member types it.
        page.wait_for_url("**/totp*")
        page.get_by_label("Mã xác thực").fill(pyotp.TOTP(TOTP_SECRET).now())
        page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("/")
    expect(page.locator("h1")).to_be_visible()


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab")


def texts(locator) -> list[str]:
    """The visible texts of every element of ``locator``, trimmed."""
    return [t.strip() for t in locator.all_inner_texts()]


def qh_body(voting_area: str, voters: int, **changes) -> dict:
    """A valid QH record: 90 % turnout, 2 % invalid, votes as in tests/integration."""
    voted = voters * 9 // 10
    invalid = voted // 50
    valid = voted - invalid
    return {
        "voting_area": voting_area,
        "contest": "QH",
        "voters_on_roll": voters,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": voted,
        "ballots_valid": valid,
        "ballots_invalid": invalid,
        "votes": {"QH1-1": valid, "QH1-2": valid // 2, "QH1-3": valid // 3, "QH1-4": 7, "QH1-5": 0},
        **changes,
    }
