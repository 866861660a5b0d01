"""Pages of a long listing, read with keyset (cursor) pagination."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items and the cursor of the next page.

    Attributes
    ----------
    items
        The items of this page, in the listing's order.
    next_cursor
        Opaque string to pass as ``after`` for the next page; ``None`` on the
        last page.
    """

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None
