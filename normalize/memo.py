"""A bounded memo for what repeats across the reports of a batch.

A batch's reports share their forms: the same header cells, title lines, table rows and
typed values come back report after report, and working each out once a run is most of
what keeps a text report fast. A backfill of 150 000 reports also brings an endless
trickle of new ones, so each memo forgets everything once it holds its size: memory stays
flat, and the next reports fill it again with what they repeat.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """A dict of at most `size` keys. Read with `get`; `keep` stores a value and returns it."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def keep(self, key: K, value: V) -> V:
        if len(self) >= self.size:
            self.clear()  # a whole clear, not LRU: bookkeeping on every hit cost more than it saved
        self[key] = value
        return value
