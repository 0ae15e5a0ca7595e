"""Every route declares who may open it (election/web/access.py)."""

from __future__ import annotations


def test_every_route_declares_its_access_rule(app):
    missing = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "access")
    ]
    assert missing == []


def test_the_rules_are_known_roles_or_public(app):
    roles = {"officer", "reviewer", "board", "admin"}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        assert view.access == "public" or set(view.access) <= roles, endpoint
