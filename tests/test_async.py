"""aiobotocore clients are bound exactly like botocore ones, with the same state.

Real aiobotocore clients (``async with AioSession().create_client("ssm", ...)``),
driven with ``asyncio.run`` inside sync tests.  Skipped only when aiobotocore is
not installed: the ``test`` extra leaves it out (it holds botocore back), the ``async``
extra and tox's ``aio`` env install it.
"""

from __future__ import annotations

import asyncio
import threading
import unittest
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import boto3
import pytest

aiobotocore_session = pytest.importorskip(
    "aiobotocore.session",
    reason="aiobotocore is not installed: the async tests run in `tox -e aio` "
    '(or after `pip install -e ".[test,async]"`)',
)

from aiobotocore.awsrequest import AioAWSResponse  # noqa: E402
from aiobotocore.client import AioClientCreator  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402

from ssm_assoc_stub import AssociationStub, CallError, StubStateError, current_stub  # noqa: E402

from .test_binding import (  # noqa: E402
    ReachedSend,
    _raise_reached_send,
    assert_no_hooks,
    stub_handler_ids,
)

REGION = "eu-west-1"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
FAKE_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
ORIGINAL_AIO_CREATE_CLIENT = AioClientCreator.create_client

_T = TypeVar("_T")


def aio_ssm(**kwargs: Any) -> Any:
    """The async context manager that makes an aiobotocore SSM client."""
    return aiobotocore_session.AioSession().create_client("ssm", region_name=REGION, **kwargs)


def run(make: Callable[[], Awaitable[_T]]) -> _T:
    return asyncio.run(make())  # type: ignore[arg-type]


async def describe_unknown(client: Any) -> Any:
    with pytest.raises(client.exceptions.AssociationDoesNotExist) as info:
        await client.describe_association(AssociationId=UNKNOWN_ID)
    return info.value


async def create(client: Any) -> str:
    answer = await client.create_association(Name="AWS-HelloWorld")
    return str(answer["AssociationDescription"]["AssociationId"])


def test_a_client_made_inside_the_block_is_bound_and_answered() -> None:
    async def scenario() -> Any:
        async with aio_ssm() as ssm:
            assert stub_handler_ids(ssm.meta.events) == [
                "ssm_assoc_stub.answer",
                "ssm_assoc_stub.capture",
            ]
            error = await describe_unknown(ssm)
            association_id = await create(ssm)
            described = await ssm.describe_association(AssociationId=association_id)
        return ssm, error, association_id, described

    with AssociationStub() as stub:
        ssm, error, association_id, described = run(scenario)
    assert error.response["Error"]["Code"] == "AssociationDoesNotExist"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert described["AssociationDescription"]["AssociationId"] == association_id
    assert described["AssociationDescription"]["Name"] == "AWS-HelloWorld"
    assert [(c.operation, c.ok, c.region) for c in stub.calls] == [
        ("DescribeAssociation", False, REGION),
        ("CreateAssociation", True, REGION),
        ("DescribeAssociation", True, REGION),
    ]
    assert stub.calls[0].error == CallError(
        "AssociationDoesNotExist", error.response["Error"]["Message"]
    )
    assert stub.calls[2].params == {"AssociationId": association_id}
    assert_no_hooks(ssm)


def test_async_and_sync_clients_share_the_stubs_state() -> None:
    with AssociationStub() as stub:
        sync_ssm = boto3.client("ssm", region_name=REGION)
        made_sync = sync_ssm.create_association(Name="AWS-HelloWorld")
        sync_id = made_sync["AssociationDescription"]["AssociationId"]

        async def scenario() -> str:
            async with aio_ssm() as ssm:
                seen = await ssm.describe_association(AssociationId=sync_id)
                fields = ("AssociationId", "Name", "AssociationVersion", "Date")
                for field in fields:
                    got = seen["AssociationDescription"][field]
                    assert got == made_sync["AssociationDescription"][field]
                return await create(ssm)

        async_id = run(scenario)
        listed = sync_ssm.list_association_versions(AssociationId=async_id)
    assert [v["AssociationVersion"] for v in listed["AssociationVersions"]] == ["1"]
    assert len(stub.calls) == 4


def test_async_clients_made_earlier_are_answered_passed_in_or_not() -> None:
    async def scenario() -> None:
        async with aio_ssm(**FAKE_KEYS) as lent, aio_ssm(**FAKE_KEYS) as other:
            for client in (lent, other):
                client.meta.events.register("before-send", _raise_reached_send)
            with AssociationStub(clients=[lent]) as stub:
                await describe_unknown(lent)
                await describe_unknown(other)  # made earlier, not passed in: answered
            assert len(stub.calls) == 2
            with pytest.raises(ReachedSend):  # unbound again once the stub stopped
                await lent.describe_association(AssociationId=UNKNOWN_ID)
            assert_no_hooks(lent, other)

    run(scenario)


def test_a_client_made_in_an_earlier_block_does_not_see_its_state_later() -> None:
    async def scenario() -> None:
        with AssociationStub():
            async with aio_ssm(**FAKE_KEYS) as ssm:
                ssm.meta.events.register("before-send", _raise_reached_send)
                association_id = await create(ssm)
                with AssociationStub():
                    await describe_unknown(ssm)  # still the first stub's client
                lender = AssociationStub(clients=[ssm])
                with lender, pytest.raises(ssm.exceptions.AssociationDoesNotExist):
                    await ssm.describe_association(AssociationId=association_id)
                await ssm.describe_association(AssociationId=association_id)
        with AssociationStub(), pytest.raises(StubStateError, match="has stopped"):
            await ssm.describe_association(AssociationId=association_id)

    run(scenario)


def test_responses_are_aiobotocores_own_response_class() -> None:
    types: list[type[Any]] = []

    def record(http_response: Any, **kwargs: Any) -> None:
        types.append(type(http_response))

    async def scenario() -> None:
        async with aio_ssm() as ssm:
            ssm.meta.events.register("after-call.ssm", record)
            await describe_unknown(ssm)
            await create(ssm)

    with AssociationStub():
        run(scenario)
        boto3_client = boto3.client("ssm", region_name=REGION)
        boto3_client.meta.events.register("after-call.ssm", record)
        with pytest.raises(boto3_client.exceptions.AssociationDoesNotExist):
            boto3_client.describe_association(AssociationId=UNKNOWN_ID)
    assert types == [AioAWSResponse, AioAWSResponse, AWSResponse]


def test_injected_errors_raise_the_modelled_class_on_an_async_client() -> None:
    async def scenario() -> Any:
        async with aio_ssm() as ssm:
            current_stub().inject_error("UpdateAssociation", "TooManyUpdates", "slow down")
            with pytest.raises(ssm.exceptions.TooManyUpdates) as info:
                await ssm.update_association(AssociationId=UNKNOWN_ID)
            return info.value.response

    with AssociationStub() as stub:
        response = run(scenario)
    assert response["Error"] == {"Code": "TooManyUpdates", "Message": "slow down"}
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert stub.calls[0].error == ("TooManyUpdates", "slow down")


def test_the_async_paginator_walks_the_stubs_pages() -> None:
    async def scenario() -> list[str]:
        async with aio_ssm() as ssm:
            association_id = await create(ssm)
            for _ in range(2):
                await ssm.update_association(AssociationId=association_id)
            paginator = ssm.get_paginator("list_association_versions")
            pages = paginator.paginate(
                AssociationId=association_id, PaginationConfig={"PageSize": 2}
            )
            return [
                v["AssociationVersion"] async for page in pages for v in page["AssociationVersions"]
            ]

    with AssociationStub() as stub:
        versions = run(scenario)
    assert sorted(versions) == ["1", "2", "3"]
    assert [c.operation for c in stub.calls].count("ListAssociationVersions") == 2


def test_aiobotocore_is_never_patched() -> None:
    with AssociationStub():
        assert AioClientCreator.create_client is ORIGINAL_AIO_CREATE_CLIENT
    assert AioClientCreator.create_client is ORIGINAL_AIO_CREATE_CLIENT


def test_the_decorator_on_a_coroutine_function_binds_async_clients() -> None:
    @AssociationStub()
    async def job() -> int:
        async with aio_ssm() as ssm:
            await describe_unknown(ssm)
        return len(current_stub().calls)

    assert run(job) == 1
    assert_no_hooks()


def test_an_event_loop_in_a_worker_thread_binds_to_the_stub() -> None:
    async def scenario() -> str:
        async with aio_ssm() as ssm:
            return await create(ssm)

    result: list[str] = []
    with AssociationStub() as stub:
        worker = threading.Thread(target=lambda: result.append(run(scenario)))
        worker.start()
        worker.join()
        described = boto3.client("ssm", region_name=REGION).describe_association(
            AssociationId=result[0]
        )
    assert described["AssociationDescription"]["AssociationId"] == result[0]
    assert len(stub.calls) == 2


def test_an_isolated_asyncio_testcase_binds_clients_made_in_async_setup() -> None:
    seen: list[int] = []

    @AssociationStub()
    class Case(unittest.IsolatedAsyncioTestCase):
        async def asyncSetUp(self) -> None:
            context = aio_ssm()  # enterAsyncContext is Python 3.11+
            self.ssm = await context.__aenter__()
            self.addAsyncCleanup(context.__aexit__, None, None, None)

        async def test_one(self) -> None:
            await describe_unknown(self.ssm)
            seen.append(len(current_stub().calls))

        async def test_two(self) -> None:
            await describe_unknown(self.ssm)
            seen.append(len(current_stub().calls))

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)
    assert result.wasSuccessful(), result.errors + result.failures
    assert seen == [1, 1]  # bound, with fresh state for each test
    assert_no_hooks()


def test_passing_the_client_context_instead_of_the_client_is_a_clear_type_error() -> None:
    context = aio_ssm(**FAKE_KEYS)
    with pytest.raises(TypeError) as info:
        AssociationStub(clients=[context])

    async def close() -> None:
        async with context:  # so that its coroutine is awaited
            pass

    run(close)
    assert str(info.value).startswith("clients= takes clients, got <aiobotocore.session.")
    assert str(info.value).endswith(
        ", which makes one. Enter it first: "
        "`async with session.create_client('ssm') as ssm:`, then pass ssm."
    )
