"""What a certification signs, as a digest anyone can recompute (issue #17).

A unit's round: the SHA-256 of each covered record version's content (canonical JSON: the
voting area, contest, round, version, figures, votes, names kept, comment, reason), listed as
``voting_area:hash`` lines in voting-area order, then hashed together. An area's result: the
``unit:digest`` lines of the unit certifications it rests on, hashed the same way. A change
to any covered figure, vote or version changes the digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping


def content_hash(content: Mapping[str, object]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def digest(lines: Iterable[tuple[str, str]]) -> str:
    """The SHA-256 of ``key:hash`` lines, sorted by key (one per line, UTF-8)."""
    text = "\n".join(f"{key}:{value}" for key, value in sorted(lines))
    return hashlib.sha256(text.encode()).hexdigest()
