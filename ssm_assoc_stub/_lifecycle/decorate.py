"""``@AssociationStub``: what each kind of decorated object gets.

* a function or coroutine function: a fresh run of the stub around each call;
* a generator or async generator function: the stub runs from the first step to
  the last (exhaustion, ``close()``/``aclose()`` or an exception), so the body's
  calls between its ``yield``s are answered, and a pytest yield fixture's test
  sees it; values sent or thrown in reach the body unchanged;
* a ``unittest.TestCase`` class: a fresh run from the start of each test's
  ``setUp`` to its last cleanup.

Anything else is a ``TypeError`` at decoration time.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar, cast

__all__ = ["decorate"]

_T = TypeVar("_T")


class AssociationStub(AbstractContextManager[Any], Protocol):
    """What decorating needs of a stub (``stub.AssociationStub``)."""

    def start(self) -> Any: ...

    def stop(self) -> None: ...


def decorate(stub: AssociationStub, target: _T) -> _T:
    if isinstance(target, type):
        import unittest

        if not issubclass(target, unittest.TestCase):
            raise TypeError(
                f"ssm_assoc_stub.AssociationStub() can decorate a function or a "
                f"unittest.TestCase class, not the class {target.__qualname__}; "
                "use `with AssociationStub():` inside it, or the ssm_assoc_stub fixture"
            )
        return cast("_T", _testcase(stub, target))
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        raise TypeError(
            f"ssm_assoc_stub.AssociationStub() can decorate a function or a "
            f"unittest.TestCase class, not {target!r}; use `with AssociationStub():` "
            "around the code instead, or the ssm_assoc_stub fixture in a test"
        )
    func = cast("Callable[..., Any]", target)
    if inspect.isasyncgenfunction(func):
        return cast("_T", _async_generator(stub, func))
    if inspect.isgeneratorfunction(func):
        return cast("_T", _generator(stub, func))
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with stub:
                return await func(*args, **kwargs)

        return cast("_T", run_async)

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with stub:
            return func(*args, **kwargs)

    return cast("_T", run)


def _generator(stub: AssociationStub, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def run_generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        with stub:
            return (yield from func(*args, **kwargs))

    return run_generator


def _async_generator(stub: AssociationStub, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    async def run_async_generator(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        with stub:
            inner = func(*args, **kwargs)
            try:
                item = await inner.__anext__()
            except StopAsyncIteration:
                return
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    await inner.aclose()
                    raise
                except BaseException as thrown:
                    step = inner.athrow(thrown)
                else:
                    step = inner.asend(sent)
                try:
                    item = await step
                except StopAsyncIteration:
                    return

    return run_async_generator


def _testcase(stub: AssociationStub, case_class: type[Any]) -> type[Any]:
    """Run the stub from the start of each test's ``setUp`` to its cleanups."""
    original = case_class.setUp

    @functools.wraps(original)
    def setUp(case: Any) -> None:
        stub.start()
        case.addCleanup(stub.stop)  # after tearDown and the test's own cleanups
        original(case)

    case_class.setUp = setUp
    return case_class
