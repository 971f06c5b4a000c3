"""Transactions over the service state: an undo journal (pure core).

Every call the service answers runs inside ``transaction()``.  While one is open,
each change to the service state records how to undo itself in the thread's
current ``Journal``; if the call fails, ``rollback()`` replays the undo entries
newest first, so the state is exactly as it was before the call, whatever the
operation had done when it failed.  Commit is free: the entries are dropped
(or, in a nested transaction, handed to the enclosing one).

Changes are journaled *by construction*, not by the operations remembering to:

* ``TxDict``, ``TxList`` and ``TxDeque`` are ``dict``/``list``/``deque``
  subclasses whose mutating methods journal themselves.  A dict logs one undo
  entry per key written (O(1)); a deletion, a list or a deque change copies the
  container once per transaction (order is restored exactly).  ``TxIndex``, a
  dict only read by key, logs a deletion per key too (O(1)).
* ``journaled_setattr`` is an ``attrs`` ``on_setattr`` hook: the mutable holders
  (``@attrs.define(on_setattr=journaled_setattr)``) log the old value of every
  attribute assigned.
* ``record(undo)`` logs anything else (a scheduled event to cancel, a cancelled
  one to revive), ``snapshot(obj)`` an object's whole attribute state.

Outside a transaction every hook is one thread-local lookup and nothing else.
The rule for new state: keep it in these containers and holders (see the module
docstring of ``service``); ``tests/test_transactions.py`` fails an operation at
every step and checks nothing changed.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import attrs

__all__ = [
    "Journal",
    "TxDeque",
    "TxDict",
    "TxIndex",
    "TxList",
    "current",
    "fresh",
    "journaled_setattr",
    "record",
    "snapshot",
    "transaction",
    "undo_log",
]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_LOCAL = threading.local()
_MISSING = object()


class Journal:
    """The undo entries of one open transaction, oldest first."""

    __slots__ = ("_copied", "_fresh", "_undo")

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._copied: set[int] = set()  # ids of objects saved whole already (or fresh)
        self._fresh: list[Any] = []  # objects made in this transaction, kept alive

    def fresh(self, obj: Any) -> None:
        """``obj`` was made in this transaction: undoing its creation undoes it whole.

        Its own changes need no undo entries (whatever holds it is restored), so
        ``snapshot`` and the hooks skip it.
        """
        self._fresh.append(obj)
        self._copied.add(id(obj))

    def __len__(self) -> int:
        return len(self._undo)

    def record(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def copy_once(self, obj: Any, restore: Callable[[Any], None], saved: Any) -> None:
        """Record ``restore(saved)`` the first time ``obj`` is copied in this transaction."""
        key = id(obj)
        if key in self._copied:
            return
        self._copied.add(key)

        def undo() -> None:
            # ``obj`` stays referenced here, so its id cannot be reused meanwhile.
            assert obj is not None
            restore(saved)

        self._undo.append(undo)

    def rollback(self) -> None:
        """Undo every change, newest first (hooks are off while undoing)."""
        undo, self._undo = self._undo, []
        self._copied.clear()
        self._fresh.clear()
        previous = getattr(_LOCAL, "journal", None)
        _LOCAL.journal = None
        failure: BaseException | None = None
        try:
            for step in reversed(undo):
                try:
                    step()
                except Exception as error:  # undo the rest anyway; raise the first after
                    failure = failure or error
        finally:
            _LOCAL.journal = previous
        if failure is not None:
            raise RuntimeError("ssm_assoc_stub could not undo a failed call") from failure

    def absorb(self, inner: Journal) -> None:
        """A nested transaction committed: its changes now belong to this one."""
        if not self._undo and not self._copied:
            self._undo, self._copied, self._fresh = inner._undo, inner._copied, inner._fresh
            return
        self._undo.extend(inner._undo)
        self._copied.update(inner._copied)
        self._fresh.extend(inner._fresh)


def current() -> Journal | None:
    """The open transaction's journal in this thread, if any."""
    return getattr(_LOCAL, "journal", None)


class _Transaction:
    """``with transaction():`` (a class, not a generator: several run per call)."""

    __slots__ = ("_journal", "_outer")

    def __enter__(self) -> Journal:
        self._outer = getattr(_LOCAL, "journal", None)
        journal = self._journal = Journal()
        _LOCAL.journal = journal
        return journal

    def __exit__(self, kind: type[BaseException] | None, error: object, trace: object) -> None:
        outer = self._outer
        _LOCAL.journal = outer
        if kind is not None:
            self._journal.rollback()  # then the exception propagates
        elif outer is not None:
            outer.absorb(self._journal)


def transaction() -> AbstractContextManager[Journal]:
    """Run a block all-or-nothing: any exception rolls its changes back, then propagates."""
    return _Transaction()


def undo_log(obj: Any) -> Journal | None:
    """The open journal, if a change to ``obj`` needs an undo entry of its own.

    None outside a transaction, and when ``obj`` was saved whole (``copy_once``)
    or made in this transaction: restoring it undoes every later change anyway.
    """
    journal: Journal | None = getattr(_LOCAL, "journal", None)
    if journal is None or id(obj) in journal._copied:
        return None
    return journal


def fresh(obj: Any) -> None:
    """Mark ``obj`` as made in the open transaction (see ``Journal.fresh``)."""
    journal = getattr(_LOCAL, "journal", None)
    if journal is not None:
        journal.fresh(obj)


def record(undo: Callable[[], None]) -> None:
    """Log ``undo`` in the open transaction (nothing happens outside one)."""
    journal = getattr(_LOCAL, "journal", None)
    if journal is not None:
        journal.record(undo)


def snapshot(obj: Any) -> None:
    """Save ``obj``'s attributes (containers copied shallowly) once per transaction."""
    journal = getattr(_LOCAL, "journal", None)
    if journal is None:
        return
    if id(obj) in journal._copied:
        return
    names = _attribute_names(obj)
    saved = {name: copy.copy(getattr(obj, name)) for name in names}

    def restore(state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(obj, name, value)

    journal.copy_once(obj, restore, saved)


def _attribute_names(obj: Any) -> list[str]:
    kind = type(obj)
    if attrs.has(kind):
        return [field.name for field in attrs.fields(kind)]
    if hasattr(obj, "__dict__"):
        return list(vars(obj))
    slots = [
        name
        for klass in kind.__mro__
        for name in getattr(klass, "__slots__", ())
        if name not in ("__weakref__", "__dict__")
    ]
    return [name for name in slots if hasattr(obj, name)]


def journaled_setattr(instance: Any, attribute: Any, value: T) -> T:
    """``attrs`` ``on_setattr`` hook: log the attribute's old value, then set ``value``."""
    journal = getattr(_LOCAL, "journal", None)
    if journal is not None and id(instance) not in journal._copied:
        name = attribute.name
        old = getattr(instance, name, _MISSING)
        if old is not _MISSING:
            journal.record(lambda: object.__setattr__(instance, name, old))
    return value


class TxDict(dict[K, V]):
    """A ``dict`` whose changes are journaled in the open transaction."""

    __slots__ = ()

    def _note_key(self, key: K) -> None:
        journal = getattr(_LOCAL, "journal", None)
        if journal is None or id(self) in journal._copied:
            return
        old = dict.get(self, key, _MISSING)
        if old is _MISSING:
            journal.record(lambda: dict.pop(self, key, None))
        else:
            journal.record(lambda: dict.__setitem__(self, key, old))  # type: ignore[misc]

    def _note_all(self) -> None:
        journal = getattr(_LOCAL, "journal", None)
        if journal is not None:
            journal.copy_once(self, self._restore, dict(self))

    def _restore(self, saved: dict[K, V]) -> None:
        dict.clear(self)
        dict.update(self, saved)

    def __setitem__(self, key: K, value: V) -> None:
        self._note_key(key)
        dict.__setitem__(self, key, value)

    def setdefault(self, key: K, default: V = None) -> V:  # type: ignore[assignment]
        if key not in self:
            self._note_key(key)
        return dict.setdefault(self, key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        # One copy of the whole dict per transaction (at C speed) rather than an
        # undo entry per key: an execution's end updates a row per target.
        self._note_all()
        dict.update(self, *args, **kwargs)

    def __ior__(self, other: Any) -> TxDict[K, V]:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __delitem__(self, key: K) -> None:
        self._note_all()
        dict.__delitem__(self, key)

    def pop(self, key: K, *default: Any) -> Any:
        if key in self:
            self._note_all()
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[K, V]:
        self._note_all()
        return dict.popitem(self)

    def clear(self) -> None:
        self._note_all()
        dict.clear(self)


class TxIndex(TxDict[K, V]):
    """A ``TxDict`` read by key only: a deletion logs one undo entry (O(1)).

    ``TxDict`` copies itself once per transaction on a deletion, so a rollback
    restores its order exactly; an index that nobody iterates in order does not
    need that, and a deletion from a large one (a command forgotten as its
    execution leaves the history) then costs O(1) instead of O(size).  After a
    rollback a restored key may come back in another position.
    """

    __slots__ = ()

    def __delitem__(self, key: K) -> None:
        if key in self:
            self._note_key(key)
        dict.__delitem__(self, key)

    def pop(self, key: K, *default: Any) -> Any:
        if key in self:
            self._note_key(key)
        return dict.pop(self, key, *default)


class TxList(list[T]):
    """A ``list`` whose changes are journaled (copied once per transaction)."""

    __slots__ = ()

    def _note(self) -> None:
        journal = getattr(_LOCAL, "journal", None)
        if journal is not None:
            journal.copy_once(self, self._restore, list(self))

    def _restore(self, saved: list[T]) -> None:
        list.__init__(self, saved)

    def append(self, item: T) -> None:
        self._note()
        list.append(self, item)

    def extend(self, items: Any) -> None:
        self._note()
        list.extend(self, items)

    def insert(self, index: Any, item: T) -> None:
        self._note()
        list.insert(self, index, item)

    def pop(self, index: Any = -1) -> T:
        self._note()
        return list.pop(self, index)

    def remove(self, item: T) -> None:
        self._note()
        list.remove(self, item)

    def clear(self) -> None:
        self._note()
        list.clear(self)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._note()
        list.sort(self, *args, **kwargs)

    def reverse(self) -> None:
        self._note()
        list.reverse(self)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._note()
        list.__setitem__(self, index, value)

    def __delitem__(self, index: Any) -> None:
        self._note()
        list.__delitem__(self, index)

    def __iadd__(self, items: Any) -> TxList[T]:  # type: ignore[override,misc]
        self.extend(items)
        return self


class TxDeque(deque[T]):
    """A ``deque`` whose changes are journaled (copied once per transaction)."""

    def _note(self) -> None:
        journal = getattr(_LOCAL, "journal", None)
        if journal is not None:
            journal.copy_once(self, self._restore, list(self))

    def _restore(self, saved: list[T]) -> None:
        deque.clear(self)
        deque.extend(self, saved)

    def append(self, item: T) -> None:
        self._note()
        deque.append(self, item)

    def appendleft(self, item: T) -> None:
        self._note()
        deque.appendleft(self, item)

    def extend(self, items: Any) -> None:
        self._note()
        deque.extend(self, items)

    def pop(self) -> T:  # type: ignore[override]
        self._note()
        return deque.pop(self)

    def popleft(self) -> T:
        self._note()
        return deque.popleft(self)

    def clear(self) -> None:
        self._note()
        deque.clear(self)

    def remove(self, item: T) -> None:
        self._note()
        deque.remove(self, item)
