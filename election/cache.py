"""A bounded least-recently-used map for what a worker keeps between requests."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Lru:
    """A bounded map for what a worker keeps between requests; least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> Any:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def setdefault(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for ``key``, or a new one from ``make()`` kept from now on."""
        found = self.get(key)
        return found if found is not None else self.put(key, make())
