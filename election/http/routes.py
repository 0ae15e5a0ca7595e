"""Routes declared beside their views, put on a blueprint when the app is built."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint


class Routes:
    """One module's views with their URL rules; ``register`` adds them to a blueprint.

    Several modules share one blueprint (and so the endpoint names ``web.login``,
    ``api.submit_tally``), so none of them can own it; each owns its routes instead.
    """

    def __init__(self) -> None:
        self._rules: list[tuple[str, Callable, dict]] = []

    def route(self, rule: str, **options) -> Callable[[Callable], Callable]:
        """Record ``rule`` for the decorated view, as ``Blueprint.route`` would add it."""

        def decorate(view: Callable) -> Callable:
            self._rules.append((rule, view, options))
            return view

        return decorate

    def get(self, rule: str, **options) -> Callable[[Callable], Callable]:
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options) -> Callable[[Callable], Callable]:
        return self.route(rule, methods=["POST"], **options)

    def register(self, bp: Blueprint) -> None:
        """Add every recorded route to ``bp``, in the order the views were declared."""
        for rule, view, options in self._rules:
            bp.add_url_rule(rule, view_func=view, **options)
