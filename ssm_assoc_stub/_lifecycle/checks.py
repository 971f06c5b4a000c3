"""The checks ``AssociationStub()`` runs on its arguments.

Nothing here imports botocore; the checks only look at what they are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._service.options import Options

__all__ = ["build_options", "check_clients", "check_unknown"]


def check_clients(clients: Iterable[Any] | None) -> tuple[Any, ...]:
    if clients is None:
        return ()
    if isinstance(clients, (str, bytes, Mapping)) or not isinstance(clients, Iterable):
        raise TypeError(f"clients= takes a list of SSM clients, got {clients!r}")
    checked = tuple(clients)
    for client in checked:
        meta = getattr(client, "meta", None)
        service_model = getattr(meta, "service_model", None)
        name = getattr(service_model, "service_name", None)
        if name == "ssm":
            continue
        if hasattr(client, "__aenter__") and name is None:  # aiobotocore's ClientCreatorContext
            raise TypeError(
                f"clients= takes clients, got {client!r}, which makes one. Enter it first: "
                "`async with session.create_client('ssm') as ssm:`, then pass ssm."
            )
        what = f"a {name!r} client" if name is not None else repr(client)
        raise TypeError(
            f"clients= takes SSM clients only, got {what}. Pass clients made with "
            "boto3.client('ssm', ...); clients of other services are never bound."
        )
    return checked


def check_unknown(options: Mapping[str, Any], known: Sequence[str]) -> None:
    """A clear TypeError for option names ``AssociationStub()`` does not take."""
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(
            f"ssm_assoc_stub.AssociationStub() got unknown option(s) {', '.join(unknown)}; "
            f"the options are {', '.join(known)} (the same keywords in "
            "@pytest.mark.ssm_assoc_stub(...) for the fixture)"
        )


def build_options(**options: Any) -> Options:
    from .._service.options import Options

    return Options(**options)
