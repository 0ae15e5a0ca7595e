"""An app loaded with the small election and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from election.services import users
from election.services.audit import Actor
from election.services.setup import store_setup
from tests.factories import small_setup

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
            tokens[name] = users.create_user(session, name, role, area, PASSWORD).token
    return Logins(tokens)
