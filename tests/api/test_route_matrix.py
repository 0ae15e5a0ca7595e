"""Every route × every role × in and out of scope: the exact answer each one gets.

The samples lie inside district T1 (reviewer "reviewer"), outside ward T2A (reviewer
"ward_reviewer") and, for area-wide routes, outside the officer's voting area T1A-1.
Allowed: 200 (or the route's own success: 302 after a form, 201, …). Not allowed:
401 on the API and a redirect to /login on the pages without a session; 403 with one.
"""

from __future__ import annotations

import io
import re

import pytest

from tests.api.test_web_board import _login

ROLES = ("anonymous", "officer", "reviewer", "ward_reviewer", "board", "admin")
EVERYONE = ("officer", "reviewer", "ward_reviewer", "board", "admin")
CITY = ("board", "admin")
# Samples inside T1 but outside T2A and outside the officer's own voting area T1A-1.
OUT_OF_SCOPE_AREA = ("officer", "ward_reviewer")
OUT_OF_SCOPE_T1 = ("ward_reviewer",)

# (method, path, roles that get the success status, that status, roles refused for scope)
API = [
    ("GET", "/api/v1/whoami", EVERYONE, 200, ()),
    ("GET", "/api/v1/areas", EVERYONE, 200, ()),
    ("GET", "/api/v1/areas/T1", EVERYONE, 200, ()),
    ("GET", "/api/v1/contests", EVERYONE, 200, ()),
    ("GET", "/api/v1/units/QH1", EVERYONE, 200, ()),
    ("GET", "/api/v1/voting-areas/T1A-1", EVERYONE, 200, OUT_OF_SCOPE_T1),
    ("GET", "/api/v1/voting-areas/T1A-2", EVERYONE, 200, ("officer", "ward_reviewer")),
    ("GET", "/api/v1/results/areas/T1?contest=QH", EVERYONE, 200, OUT_OF_SCOPE_AREA),
    ("GET", "/api/v1/results/areas/T1A-1?contest=QH", EVERYONE, 200, OUT_OF_SCOPE_T1),
    # An officer sees its own voting area only, never a unit's totals (issue 15).
    ("GET", "/api/v1/results/units/QH1", EVERYONE, 200, ("officer",)),
    ("GET", "/api/v1/results/units/TP1", EVERYONE, 200, ("officer", "ward_reviewer")),
    ("GET", "/api/v1/progress?area=T1", EVERYONE, 200, OUT_OF_SCOPE_AREA),
    ("GET", "/api/v1/turnout?area=T1", EVERYONE, 200, OUT_OF_SCOPE_AREA),
    # A reviewer sees the units of their scope (possibly none): never refused for scope.
    ("GET", "/api/v1/triage?contest=QH", ("reviewer", "ward_reviewer", "board"), 200, ()),
    (
        "GET",
        "/api/v1/flags?area=T1",
        ("reviewer", "ward_reviewer", "board"),
        200,
        ("ward_reviewer",),
    ),
    ("GET", "/api/v1/results/units/QH1?as_of=3", EVERYONE, 200, ("officer",)),
    ("GET", "/api/v1/tallies/1", EVERYONE, 200, OUT_OF_SCOPE_T1),
    ("GET", "/api/v1/audit", CITY, 200, ()),
    ("GET", "/api/v1/audit/verify", CITY, 200, ()),
    ("GET", "/api/v1/open/records.csv", EVERYONE, 200, ()),
    ("GET", "/api/v1/open/votes.csv", EVERYONE, 200, ()),
    ("GET", "/api/v1/open/nist-results.json", CITY, 200, ()),
    ("GET", "/api/v1/forms/count-record?contest=QH&scope=T1A-1", EVERYONE, 200, OUT_OF_SCOPE_T1),
    (
        "GET",
        "/api/v1/forms/unit-record?contest=HDND_HUYEN&scope=Q1",
        EVERYONE,
        200,
        ("officer", "ward_reviewer"),
    ),
    ("GET", "/api/v1/forms/city-record?contest=QH&scope=T", CITY, 200, ()),
    ("GET", "/api/v1/forms/statistics?scope=T", CITY, 200, ()),
    (
        "GET",
        "/api/v1/forms/summary-record?contest=HDND_HUYEN&scope=T1",
        EVERYONE,
        200,
        OUT_OF_SCOPE_AREA,
    ),
    ("GET", "/api/v1/forms/ward/T1A?contest=QH", EVERYONE, 200, OUT_OF_SCOPE_AREA),
    ("GET", "/api/v1/openapi.json", ROLES, 200, ()),
    ("GET", "/api/v1/public/results?contest=QH", ROLES, 200, ()),
    ("GET", "/api/v1/certifications", CITY, 200, ()),
    ("GET", "/api/v1/verify/AAAA-BBBB-CCCC-DDDD", ROLES, 404, ()),
]
# The city-wide ones: a district reviewer is refused for its scope, not its role.
CITY_SCOPED = {"/api/v1/forms/city-record?contest=QH&scope=T", "/api/v1/forms/statistics?scope=T"}


def _api_expected(role: str, allowed, success: int, refused: tuple) -> int:
    if role == "anonymous":
        return success if allowed == ROLES else 401
    if role in refused:
        return 403
    return success if role in allowed else 403


@pytest.mark.parametrize(("method", "path", "allowed", "success", "refused"), API)
def test_every_api_route_answers_each_role_as_its_rule_says(
    client, three, method, path, allowed, success, refused
):
    tokens = {**three.tokens}
    answers = {}
    for role in ROLES:
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {tokens[role]}"}
        # CSV and NIST are streamed: read them whole so the request ends.
        response = client.open(path, method=method, headers=headers)
        response.get_data()
        answers[role] = response.status_code
    expected = {role: _api_expected(role, allowed, success, refused) for role in ROLES}
    if path in CITY_SCOPED:
        expected.update({r: 403 for r in ("officer", "reviewer", "ward_reviewer")})
    assert answers == expected


# Posts: whoever the rule refuses gets 401/403 before anything is read or written.
API_POSTS = [
    ("/api/v1/tallies", EVERYONE),
    ("/api/v1/tallies/1/corrections", EVERYONE),
    ("/api/v1/tallies/1/verify", EVERYONE),
    ("/api/v1/tallies/1/return", EVERYONE),
    ("/api/v1/turnout", ("officer",)),
    ("/api/v1/units/QH1/rounds", ("board",)),
]


@pytest.mark.parametrize(("path", "allowed"), API_POSTS)
def test_api_writes_refuse_other_roles_before_reading_the_body(client, three, path, allowed):
    for role in ROLES:
        headers = {} if role == "anonymous" else {"Authorization": f"Bearer {three.tokens[role]}"}
        status = client.post(
            path, data=b"{", content_type="application/json", headers=headers
        ).status_code
        if role == "anonymous":
            assert status == 401, role
        elif role in allowed:
            assert status == 400, role  # the malformed body, read only once the role is right
        else:
            assert status == 403, role


PAGES = [
    ("/", EVERYONE, ()),
    ("/results", EVERYONE, ()),
    # Query keys that are url_for's own arguments (issue 15): a redirect, never a 500.
    ("/results?code=HP02", EVERYONE, ()),
    ("/results?contest=QH&_method=POST", EVERYONE, ()),
    ("/results/T1?contest=QH", EVERYONE, OUT_OF_SCOPE_AREA),
    ("/results/T1.json?contest=QH", EVERYONE, OUT_OF_SCOPE_AREA),
    ("/results/units?contest=QH", EVERYONE, ()),
    ("/results/unit/TP1", EVERYONE, ("officer", "ward_reviewer")),
    ("/results/unit/TP1.json", EVERYONE, ("officer", "ward_reviewer")),
    ("/tally/record/1", EVERYONE, OUT_OF_SCOPE_T1),
    ("/tally/T1A-1/QH", ("officer",), ()),
    # The review page of a contest with nothing sent to review: back to its entry form.
    ("/tally/T1A-1/HDND_TINH/review", ("officer",), ()),
    ("/tally/T1A-2/QH/review", ("officer",), ("officer",)),
    ("/review", ("reviewer", "ward_reviewer", "board"), ()),
    # The queue's filters (issue #20): district T1 lies outside the ward reviewer's T2A.
    (
        "/review?status=all&contest=QH&area=T1&warnings=1&q=T1A&page=1",
        ("reviewer", "ward_reviewer", "board"),
        ("ward_reviewer",),
    ),
    ("/situation?contest=QH", ("reviewer", "ward_reviewer", "board"), ()),
    ("/turnout", ("reviewer", "ward_reviewer", "board", "admin"), ()),
    ("/turnout/report", ("officer",), ()),
    ("/audit", CITY, ()),
    # The audit log's positions (issue #20): a number, a time, older and newer pages.
    ("/audit?seq=1", CITY, ()),
    ("/audit?at=2026-05-23T10:00&action=tally.submit", CITY, ()),
    ("/audit?before=5", CITY, ()),
    ("/audit?after=1&actor=officer", CITY, ()),
    ("/certifications", CITY, ()),
    ("/results/unit/QH1/certify?round=1", ("board",), ()),
    ("/audit/verify", CITY, ()),
    ("/forms", EVERYONE, ()),
    ("/forms/unit-record?contest=QH&scope=QH1", EVERYONE, ("officer",)),
    ("/forms/ward/T1A?contest=QH", EVERYONE, OUT_OF_SCOPE_AREA),
    ("/open/records.csv", EVERYONE, ()),
    ("/open/nist-results.json", CITY, ()),
    ("/admin/tokens", ("admin",), ()),
    ("/admin/users", ("admin",), ()),
    ("/admin/users?q=to&role=officer&area=T1&page=1", ("admin",), ()),
    ("/tokens", EVERYONE, ()),  # each user's own tokens (issue 15)
    ("/setup/template.xlsx", ("admin",), ()),
    ("/admin/setup", ("admin",), ()),
    ("/password", EVERYONE, ()),
    ("/healthz", ROLES, ()),
    ("/verify", ROLES, ()),
    ("/login", ROLES, ()),
    ("/sw.js", ROLES, ()),
]


# Allowed, with a redirect as the answer: the results of a user's own area rather than the
# city's; the officer's record page, since T1A-1's QH record is already sent.
REDIRECTS = {
    *(
        (role, path)
        for role in ("officer", "reviewer", "ward_reviewer")
        for path in ("/results", "/results?code=HP02", "/results?contest=QH&_method=POST")
    ),
    ("officer", "/tally/T1A-1/QH"),
    ("officer", "/tally/T1A-1/HDND_TINH/review"),
}


def test_every_page_answers_each_role_as_its_rule_says(app, client, three):
    answers: dict[tuple[str, str], int] = {}
    expected: dict[tuple[str, str], int] = {}
    for role in ROLES:
        if role != "anonymous":
            client.get("/logout")
            _login(client, role)
        else:
            client.get("/logout")
        for path, allowed, refused in PAGES:
            response = client.get(path)
            response.get_data()
            status = response.status_code
            if status == 302 and "/login" in response.headers["Location"]:
                status = "login"
            answers[(role, path)] = status
            if role == "anonymous":
                expected[(role, path)] = 200 if allowed == ROLES else "login"
            elif role in refused or role not in allowed:
                expected[(role, path)] = 403
            else:
                expected[(role, path)] = 302 if (role, path) in REDIRECTS else 200
        client.get("/logout")
    wrong = {k: (answers[k], expected[k]) for k in expected if answers[k] != expected[k]}
    assert wrong == {}, repr(sorted(wrong.items()))


def test_page_posts_refuse_other_roles(client, three):
    for role in ("officer", "ward_reviewer", "board", "admin"):
        client.get("/logout")
        _login(client, role)
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/password").get_data(as_text=True)
        ).group(1)
        posts = {
            "/tally/record/1/verify": ("reviewer", "board"),
            "/tally/record/1/return": ("reviewer", "board"),
            "/tally/record/1/correct": ("officer", "reviewer"),
            "/admin/tokens": ("admin",),
            "/admin/service-accounts": ("admin",),
            # The users page (issue 20); user 1 is the officer. Admin goes last of the roles.
            "/admin/users": ("admin",),
            "/admin/users/teams": ("admin",),
            "/admin/users/1/reset": ("admin",),
            "/admin/users/1/unlock": ("admin",),
            "/admin/users/1/deactivate": ("admin",),
            "/admin/users/1/reactivate": ("admin",),
            "/admin/users/1/scope": ("admin",),
            "/tokens": ("officer", "reviewer", "ward_reviewer", "board", "admin"),
            "/tally/T1A-1/QH/submit": ("officer",),
            "/tally/T1A-1/HDND_TINH/review": ("officer",),
            "/turnout/report": ("officer",),
            "/tally/T1A-1/QH/send": ("officer",),
            "/tally/record/1/evidence/send": ("officer", "reviewer"),
            "/results/unit/QH1/rounds": ("board",),
            # Without confirm=1 a revoke only asks (issue #20): nobody's token ends here.
            "/admin/tokens/1/revoke": ("admin",),
            "/tokens/1/revoke": ("officer", "reviewer", "ward_reviewer", "board", "admin"),
            # Without a file: the admin gets the field's error (400), nobody else gets so far.
            "/admin/setup/workbook": ("admin",),
            "/admin/setup/rolls": ("admin",),
            "/admin/setup/jobs/1/apply": ("admin",),
        }
        for path, allowed in posts.items():
            status = client.post(path, data={"csrf_token": token}).status_code
            # Record 1 is T1A-1's, outside the ward reviewer's T2A.
            out_of_scope = role == "ward_reviewer" and path.startswith("/tally/record/1")
            if role not in allowed or out_of_scope:
                assert status == 403, (role, path, status)
            else:
                assert status not in (401, 403, 500), (role, path, status)


def test_import_job_pages_answer_each_role_as_their_rule_says(app, client, three):
    # A job (id 1) to look at: the admin uploads a roll; it is never applied here.
    _login(client, "admin")
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/admin/setup").get_data(as_text=True)
    ).group(1)
    roll = (
        "voting_area,seq,full_name,date_of_birth,gender,residence,residence_type\n"
        "T1A-1,1,Nguyễn Văn An,1980-01-01,Nam,Tổ 1,thuong_tru\n"
    )
    form = {"csrf_token": token, "file": (io.BytesIO(roll.encode()), "ds.csv")}
    assert client.post("/admin/setup/rolls", data=form).status_code == 302
    for role in ROLES:
        client = app.test_client()  # a fresh cookie jar per role
        if role != "anonymous":
            _login(client, role)
        page = client.get("/admin/setup/jobs/1")
        status = client.get("/admin/imports/1")
        if role == "anonymous":
            assert page.status_code == 302 and "/login" in page.headers["Location"]
            assert status.status_code == 401  # the progress bar's script gets JSON
        elif role == "admin":
            assert (page.status_code, status.status_code) == (200, 200)
            assert status.get_json()["status"] == "ready"
        else:
            assert (page.status_code, status.status_code) == (403, 403), role
            assert status.get_json()["code"] == "forbidden"


def test_every_page_of_every_role_is_kept_by_no_cache(client, three):
    # Issue 15: pages show records; neither a shared browser nor a proxy may keep them.
    for role in EVERYONE:
        _login(client, role)
        for path, _allowed, _refused in PAGES:
            response = client.get(path)
            response.get_data()
            # The service worker's script holds no record: revalidated, not barred (#16).
            expected = "no-cache" if path == "/sw.js" else "no-store"
            assert response.headers.get("Cache-Control") == expected, (role, path)


def test_a_cookie_kept_from_before_logout_opens_no_page_for_any_role(client, three):
    # Issue 15: logout ends the session on the server, not only in the browser.
    for role in EVERYONE:
        _login(client, role)
        kept = client.get_cookie("session").value
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/password").get_data(as_text=True)
        ).group(1)
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302
        client.set_cookie("session", kept)
        for path, allowed, _refused in PAGES:
            if allowed == ROLES:
                continue
            response = client.get(path)
            assert response.status_code == 302, (role, path)
            assert "/login" in response.headers["Location"], (role, path)


def test_no_role_obtains_a_token_that_acts_as_another_person(client, three):
    # Issue 15: the admin page issues tokens for the admin and service accounts only, and
    # the own-tokens page issues the signed-in user's only, whatever the form says.
    for role in EVERYONE:
        _login(client, role)
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/password").get_data(as_text=True)
        ).group(1)
        victim = "board" if role != "board" else "officer"
        form = {"username": victim, "label": "x", "csrf_token": token}
        assert client.post("/admin/tokens", data=form).status_code == 403, role
        own = client.post("/tokens", data=form)
        assert own.status_code == 200, role
        issued = re.search(r'<code id="new-token">([^<]+)</code>', own.get_data(as_text=True))[1]
        me = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {issued}"})
        assert me.get_json()["username"] == role, role
