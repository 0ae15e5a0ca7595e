"""The contests of a general election, from the National Assembly down to the commune."""

from __future__ import annotations

# In the law's order, which is also the order of every listing and of the checks that
# compare one contest's figures with a higher one's.
CONTEST_CODES = ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA")


def law_rank(code: str) -> int:
    """A contest's place in the law's order: QH first, then the councils from the top down."""
    return CONTEST_CODES.index(code) if code in CONTEST_CODES else len(CONTEST_CODES)
