"""Where every id the stub makes comes from: association, execution and command ids, RequestIds.

Pure core, one source per stub (``State.ids``); the botocore binding and the HTTP server take
their RequestIds from it too.  Without a seed every id is a fresh ``uuid4``.  With a seed
(``AssociationStub(seed=...)`` or the plugin's ``ssm_assoc_stub_seed``), each kind of id is
drawn from its own pseudo-random stream seeded by the seed and the kind, so that the same test
makes the same ids on every run, and a call added to a test shifts only the ids of its own
kind.  Seeded ids are still version-4 UUIDs (``xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx``),
and never repeat within one stub: a repeat (odds of 2**-122) is drawn again.
"""

from __future__ import annotations

import os
import random
import threading
import uuid
from typing import Literal

__all__ = ["IdKind", "IdSource", "Seed", "uuid4_text"]

Seed = int | str
IdKind = Literal["association", "execution", "command", "request"]


_VARIANT = "89ab"  # the RFC 4122 variant: the top two bits of byte 8 are 10


def uuid4_text() -> str:
    """What ``str(uuid.uuid4())`` gives, without building a ``UUID`` (less than half the cost)."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


class IdSource:
    """The ids of one stub's run; seeded or not (see the module docstring)."""

    def __init__(self, seed: Seed | None = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, str))):
            raise TypeError(f"seed must be an int or a str, got {seed!r}")
        self.seed = seed
        self._lock = threading.Lock()
        self._streams: dict[str, random.Random] = {}
        self._issued: set[str] = set()

    def new(self, kind: IdKind) -> str:
        """A new id of ``kind``, in uuid form."""
        if self.seed is None:
            return uuid4_text()
        with self._lock:
            stream = self._streams.get(kind)
            if stream is None:
                # str seeds hash with SHA-512 in random.seed: the same on every run
                stream = self._streams[kind] = random.Random(f"ssm_assoc_stub/{self.seed}/{kind}")
            while True:
                made = str(uuid.UUID(int=stream.getrandbits(128), version=4))
                if made not in self._issued:
                    self._issued.add(made)
                    return made

    def request_id(self) -> str:
        """A RequestId for one response (``x-amzn-RequestId``)."""
        return self.new("request")

    def command_id(self) -> str:
        """A CommandId (Run Command) for a run the stub dispatches."""
        return self.new("command")
