"""Opaque pagination tokens (pure core, D-PAG-1).

A token names the listing it belongs to and the offset of the next page, and
carries an HMAC so a tampered token, or one used on another listing, is
rejected with ``InvalidNextToken``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from typing import TypeVar

from .errors import InvalidNextToken, ValidationException, validation_message

__all__ = ["DEFAULT_PAGE_SIZE", "Paginator"]

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
        if start > len(items):
            raise InvalidNextToken(_INVALID)
        end = start + size
        token = self.encode(listing, end) if end < len(items) else None
        return list(items[start:end]), token
