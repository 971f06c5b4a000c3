"""Fake credentials while any stub is active, as moto puts its own in place.

Creating a client makes botocore look for credentials; with none in the environment,
the config files or a profile, its chain ends at the instance metadata address
(169.254.169.254).  While a stub is active the environment variables botocore reads
first say there are credentials, so nothing reaches further: not the metadata
service, not a developer's real credentials.  Only what is missing is set
(credentials already in the environment are kept), and exactly that is removed when
the last stub stops, also when the test failed; a value changed meanwhile by the
code under test is left as it is.  ``AWS_EC2_METADATA_DISABLED`` is set the same way,
for a named profile without credentials of its own.

Calls the stub answers are never signed, so the fake keys are never used for them.
"""

from __future__ import annotations

import os
import threading

__all__ = ["FAKE", "put_in_place", "restore"]

FAKE = {
    "AWS_ACCESS_KEY_ID": "ssm-assoc-stub-fake-key",
    "AWS_SECRET_ACCESS_KEY": "ssm-assoc-stub-fake-secret",  # noqa: S105 - not a secret
}
_NO_METADATA = {"AWS_EC2_METADATA_DISABLED": "true"}

_LOCK = threading.Lock()
_ours: dict[str, str] = {}  # what we set, to remove on restore


def put_in_place() -> None:
    with _LOCK:
        wanted = dict(_NO_METADATA)
        if not any(name in os.environ for name in FAKE):
            wanted.update(FAKE)
        for name, value in wanted.items():
            if name not in os.environ:
                os.environ[name] = value
                _ours[name] = value


def restore() -> None:
    with _LOCK:
        for name, value in _ours.items():
            if os.environ.get(name) == value:
                del os.environ[name]
        _ours.clear()
