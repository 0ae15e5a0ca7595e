"""Blind second keying (CONTRACT §6.3): where a keying of a record differs from its version.

A record's fields, in the order of the paper form: the six figures, the votes in ballot order,
the breakdown by names kept, then the complaints. A field is named as the API names it:
``ballots_valid``, ``votes.QH1-2``, ``names_kept``, ``complaints_received``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from election.domain.results import FIGURES

COMPLAINTS = ("complaints_received", "complaints_settled", "complaints_forwarded")


def differences(
    keyed: Mapping[str, object], stored: Mapping[str, object], ballot: Sequence[str]
) -> list[str]:
    """The fields whose keyed value is not the stored one, in the paper's order.

    Both mappings hold the figures and complaints by name, ``votes`` by candidate code and
    ``names_kept`` (a list, or None when the team did not count it).
    """
    found = [name for name in FIGURES if keyed.get(name) != stored.get(name)]
    keyed_votes = _votes(keyed)
    stored_votes = _votes(stored)
    codes = list(ballot) + sorted(set(keyed_votes) - set(ballot))
    found += [f"votes.{c}" for c in codes if keyed_votes.get(c) != stored_votes.get(c)]
    if _kept(keyed) != _kept(stored):
        found.append("names_kept")
    found += [name for name in COMPLAINTS if (keyed.get(name) or 0) != (stored.get(name) or 0)]
    return found


def _votes(entry: Mapping[str, object]) -> Mapping[str, object]:
    votes = entry.get("votes")
    return votes if isinstance(votes, Mapping) else {}


def _kept(entry: Mapping[str, object]) -> list[object] | None:
    kept = entry.get("names_kept")
    return list(kept) if isinstance(kept, (list, tuple)) else None
