"""Opaque pagination tokens and listings that page in O(page) (pure core, D-PAG-1).

A token names the listing it belongs to and the position of the next page's
first item, and carries an HMAC so a tampered token, or one used on another
listing, is rejected with ``InvalidNextToken``.

A position is a place in the *unfiltered* source, not a count of matches: a
page scans forward from it, so a page costs O(page + items skipped by the
filters) and a full listing is linear in the number of items.  ``Ordered``
gives the associations stable positions (creation sequence numbers), so an
item created or deleted between two pages never makes another one appear
twice or be skipped.
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import hmac
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from .errors import InvalidNextToken, ValidationException, validation_message
from .journal import record, snapshot

__all__ = ["DEFAULT_PAGE_SIZE", "Ordered", "Paginator", "Scan"]

DEFAULT_PAGE_SIZE = 50
T = TypeVar("T")

_INVALID = "The specified token isn't valid."


class Paginator:
    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else os.urandom(16)

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._secret, payload, hashlib.sha256).hexdigest()[:24]

    def encode(self, listing: str, offset: int) -> str:
        payload = json.dumps([listing, offset], separators=(",", ":")).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._sign(payload)}"

    def decode(self, listing: str, token: object) -> int:
        if not isinstance(token, str) or "." not in token:
            raise InvalidNextToken(_INVALID)
        body, _, signature = token.rpartition(".")
        if not (body.isascii() and signature.isascii()):
            raise InvalidNextToken(_INVALID)
        try:
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            raise InvalidNextToken(_INVALID) from None
        if not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidNextToken(_INVALID)
        name, offset = json.loads(payload)
        if name != listing:
            raise InvalidNextToken(_INVALID)
        return int(offset)

    def page(
        self,
        listing: str,
        items: Sequence[T],
        *,
        max_results: object,
        next_token: object,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> tuple[list[T], str | None]:
        """One page of ``items`` and the token for the next, if any."""

        def scan(start: int) -> Iterable[tuple[int, T]]:
            return zip(itertools.count(start), itertools.islice(items, start, None))

        return self.scan(
            listing, scan, len(items), max_results=max_results, next_token=next_token, limit=limit
        )

    def scan(
        self,
        listing: str,
        scan: Scan[T],
        end: int,
        *,
        max_results: object,
        next_token: object,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> tuple[list[T], str | None]:
        """One page from ``scan(start)``, which yields ``(position, item)`` from ``start`` on.

        Positions increase; ``end`` bounds them (a token beyond it is invalid).
        The next token points at the first item of the next page, found by
        looking one item ahead, so the last page never carries a token.
        """
        size = limit if max_results is None else max_results
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= limit:
            raise ValidationException(
                validation_message(
                    [
                        f"Value '{max_results}' at 'maxResults' failed to satisfy constraint: "
                        f"Member must have value less than or equal to {limit}"
                    ]
                )
            )
        start = 0 if next_token is None else self.decode(listing, next_token)
        if start < 0 or start > end:
            raise InvalidNextToken(_INVALID)
        page: list[T] = []
        for position, item in scan(start):
            if len(page) == size:
                return page, self.encode(listing, position)
            page.append(item)
        return page, None


Scan = Callable[[int], Iterable[tuple[int, T]]]


class Ordered(Generic[T]):
    """Items in insertion order under stable, increasing positions.

    ``scan(start)`` finds ``start`` by bisection and walks on, so a page costs
    O(log n + page); removed items leave a hole that is swept once holes
    outnumber the items (amortised O(1) per removal).
    """

    __slots__ = ("_dead", "_items", "_keys", "_next", "_where")

    def __init__(self) -> None:
        self._keys: list[int] = []
        self._items: list[T | None] = []
        self._where: dict[str, int] = {}  # key -> position
        self._next = 0
        self._dead = 0

    def __len__(self) -> int:
        return len(self._where)

    @property
    def end(self) -> int:
        """One past the last position ever given."""
        return self._next

    def add(self, key: str, item: T) -> None:
        self._where[key] = self._next
        self._keys.append(self._next)
        self._items.append(item)
        self._next += 1
        record(functools.partial(self._unadd, key))  # a failed call takes it back

    def _unremove(self, key: str, position: int, index: int, item: T | None) -> None:
        self._where[key] = position
        self._items[index] = item
        self._dead -= 1

    def _unadd(self, key: str) -> None:
        del self._where[key]
        self._keys.pop()
        self._items.pop()
        self._next -= 1

    def remove(self, key: str) -> None:
        position = self._where.get(key)
        if position is None:
            return
        index = bisect.bisect_left(self._keys, position)
        record(functools.partial(self._unremove, key, position, index, self._items[index]))
        del self._where[key]
        self._items[index] = None
        self._dead += 1
        if self._dead > 32 and self._dead * 2 > len(self._keys):
            snapshot(self)  # the sweep below is undone whole
            live = [(k, v) for k, v in zip(self._keys, self._items, strict=True) if v is not None]
            self._keys = [k for k, _ in live]
            self._items = [v for _, v in live]
            self._dead = 0

    def scan(self, start: int) -> Iterator[tuple[int, T]]:
        keys, items = self._keys, self._items
        for index in range(bisect.bisect_left(keys, start), len(keys)):
            item = items[index]
            if item is not None:
                yield keys[index], item
