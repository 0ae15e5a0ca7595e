"""The contests of a general election, from the National Assembly down to the commune."""

from __future__ import annotations

# In the law's order, which is also the order of every listing and of the checks that
# compare one contest's figures with a higher one's.
CONTEST_CODES = ("QH", "HDND_TINH", "HDND_HUYEN", "HDND_XA")
