"""An app loaded with the small election and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from election.services.audit.chain import Actor
from election.services.identity import users
from election.services.setup.setup import store_setup
from tests.factories import small_setup
from tests.integration.test_tally_rules_stored import entry_for

PASSWORD = "mat-khau-thu-nghiem"


@dataclass
class Logins:
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def logins(app) -> Logins:
    with app.extensions["election.sessions"]() as session:
        store_setup(session, small_setup(), Actor(None, "system"))
        tokens = {}
        for name, role, area in (
            ("officer", "officer", "T1A-1"),
            ("reviewer", "reviewer", "T1"),
            ("ward_reviewer", "reviewer", "T2A"),
            ("board", "board", None),
            ("admin", "admin", None),
        ):
            tokens[name] = users.create_user(
                session, name, role, area, PASSWORD, token_label="cli"
            ).token
    return Logins(tokens)


# QH records of three voting areas of district T1; figures in tests/api/test_results_api.py.
THREE = ("T1A-1", "T1A-2", "T1B-1")


def tally_body(va: str, contest: str = "QH") -> dict:
    f = entry_for(va, contest).figures
    return {
        "voting_area": va,
        "contest": contest,
        "voters_on_roll": f.voters_on_roll,
        "voters_voted": f.voters_voted,
        "ballots_issued": f.ballots_issued,
        "ballots_received": f.ballots_received,
        "ballots_valid": f.ballots_valid,
        "ballots_invalid": f.ballots_invalid,
        "votes": dict(f.votes),
    }


@pytest.fixture
def three(app, client, logins):
    """QH records of three voting areas of district T1, each by its own polling team."""
    tokens = {}
    with app.extensions["election.sessions"]() as session:
        for va in THREE:
            tokens[va] = users.create_user(
                session, f"to-{va.lower()}", "officer", va, "mat-khau-dai-du", token_label="cli"
            ).token
    for va in THREE:
        response = client.post(
            "/api/v1/tallies",
            json=tally_body(va),
            headers={"Authorization": f"Bearer {tokens[va]}"},
        )
        assert response.status_code == 201
    return logins
