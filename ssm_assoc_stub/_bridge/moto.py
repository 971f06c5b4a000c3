"""moto as the rest of AWS, read through public AWS calls only.

Where moto can be, for a call from an SSM client whose endpoint is ``E``:

* ``E`` is a loopback URL: a moto server there (``TEST_SERVER_MODE=true`` makes
  boto3 clients point at one; so does ``endpoint_url="http://127.0.0.1:..."``);
* else ``TEST_SERVER_MODE=true``: the server at ``TEST_SERVER_MODE_ENDPOINT`` (or
  ``http://localhost:$MOTO_PORT``, 5000 by default), as moto itself reads them;
* else, once ``moto`` has been imported: in-process ``mock_aws``, if one is active.

Whether moto answers is asked, not read from moto's internals: an STS
``GetCallerIdentity`` through a bridge client (``clients``) either gets moto's answer
or our own last-resort ``418`` (no ``mock_aws`` active; nothing was sent).  The answer
holds for one call of the stub.  One shortcut: in-process, while moto's botocore stubber is
not ``enabled`` (no ``mock_aws`` active), nothing of moto can answer, so nothing is asked.
Everything else is public API too: EC2 ``DescribeInstances`` for the nodes, SSM
``DescribeDocument``, ``ListDocumentVersions`` and ``GetDocument`` for a document the stub
does not know.  Any failure to read moto
counts as "moto does not know" (never a Python exception in the caller's test).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from .._service.documents import external_document
from .._service.sources import ExternalNode
from .clients import bridge_client, unanswered

if TYPE_CHECKING:
    from .._service.documents import Document

__all__ = ["MotoSource", "moto_endpoint"]

_LOOPBACK = frozenset({"localhost", "::1"})
_NOTHING = "nothing"


@functools.lru_cache(maxsize=64)  # asked on every call, for the client's one endpoint
def _is_loopback(url: str | None) -> bool:
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    return host in _LOOPBACK or host.startswith("127.")


def moto_endpoint(calling_endpoint: str | None) -> str | None:
    """Where moto could answer a call from a client at ``calling_endpoint``.

    A URL (a moto server), ``None`` (in-process ``mock_aws``), or ``"nothing"``
    when moto cannot be there at all (not imported, no server configured).
    """
    if _is_loopback(calling_endpoint):
        return calling_endpoint
    if os.environ.get("TEST_SERVER_MODE", "").lower() == "true":
        port = os.environ.get("MOTO_PORT", "5000")
        return os.environ.get("TEST_SERVER_MODE_ENDPOINT", f"http://localhost:{port}")
    if "moto" in sys.modules:
        return None
    return _NOTHING


def _unknown_or_off(endpoint: str | None) -> bool | None:
    """``False`` when moto cannot answer, ``None`` when it has to be asked.

    In-process, moto answers through its botocore stubber, and a stubber that is
    not ``enabled`` (no ``mock_aws`` active) answers nothing: that saves the STS
    question on every call of a suite that imports moto without using it.  If
    moto's layout is not the one expected, the question is asked as before.
    """
    if endpoint == _NOTHING:
        return False
    if endpoint is None:
        stubber = getattr(sys.modules.get("moto.core.models"), "botocore_stubber", None)
        if getattr(stubber, "enabled", None) is False:
            return False
    return None


class MotoSource:
    """``_service.sources.ExternalSource`` for one call, answered by moto."""

    def __init__(self, region: str, calling_endpoint: str | None) -> None:
        self.region = region
        self.endpoint = moto_endpoint(calling_endpoint)
        self._active: bool | None = _unknown_or_off(self.endpoint)
        self._documents: dict[str, Document | None] = {}

    def _client(self, service: str) -> Any:
        return bridge_client(service, self.region, self.endpoint)

    def active(self) -> bool:
        if self._active is None:
            try:
                self._client("sts").get_caller_identity()
                self._active = True
            except ClientError as error:
                self._active = not unanswered(error)  # moto answered, if with an error
            except Exception:  # no server there, or anything else: nothing answers
                self._active = False
        return self._active

    # -- nodes -------------------------------------------------------------------
    def nodes(self) -> Sequence[ExternalNode] | None:
        if not self.active():
            return None
        try:
            pages = self._client("ec2").get_paginator("describe_instances").paginate()
            instances = [
                instance
                for page in pages
                for reservation in page.get("Reservations", ())
                for instance in reservation.get("Instances", ())
            ]
        except Exception:  # whatever reading moto raises: no nodes known
            return None
        return [_node(instance) for instance in instances]

    def renewed(self) -> MotoSource:
        fresh = MotoSource(self.region, None)
        fresh.endpoint = self.endpoint
        fresh._active = _unknown_or_off(self.endpoint)
        return fresh

    # -- commands ------------------------------------------------------------------
    def commands(self, instance_id: str | None) -> list[dict[str, Any]] | None:
        """moto's Run Command commands (ListCommands, every page); None if unreadable."""
        if not self.active():
            return None
        args = {} if instance_id is None else {"InstanceId": instance_id}
        try:
            found: list[dict[str, Any]] = []
            token: str | None = None
            while True:
                page = self._client("ssm").list_commands(
                    **args, **({"NextToken": token} if token else {})
                )
                found += [dict(item) for item in page.get("Commands", ())]
                token = page.get("NextToken")
                if not token:
                    return found
        except Exception:  # moto cannot say: none of its commands are listed
            return None

    # -- documents -----------------------------------------------------------------
    def document(self, name: str) -> Document | None:
        if name not in self._documents:
            self._documents[name] = self._read_document(name) if self.active() else None
        return self._documents[name]

    def _read_document(self, name: str) -> Document | None:
        ssm = self._client("ssm")
        try:
            described = ssm.describe_document(Name=name)["Document"]
            versions = [
                (number, *_content_of(ssm, name, number))
                for number in _version_numbers(ssm, name, described)
            ]
        except Exception:  # whatever moto raises (even NotImplementedError): not known
            return None
        return external_document(
            name=str(described.get("Name", name)),
            document_type=str(described.get("DocumentType", "Command")),
            schema_version=str(described.get("SchemaVersion", "2.2")),
            platforms=[str(p) for p in described.get("PlatformTypes", ())],
            versions=versions,
            default_version=str(described.get("DefaultVersion", "1")),
            owner=str(described.get("Owner", "")),
        )


def _version_numbers(ssm: Any, name: str, described: dict[str, Any]) -> list[str]:
    """Every version: ListDocumentVersions, or 1..LatestVersion where moto lacks it."""
    try:
        numbers = [
            str(item["DocumentVersion"])
            for page in ssm.get_paginator("list_document_versions").paginate(Name=name)
            for item in page.get("DocumentVersions", ())
        ]
    except Exception:  # moto 5 does not implement ListDocumentVersions
        latest = str(described.get("LatestVersion", described.get("DocumentVersion", "1")))
        numbers = [str(n) for n in range(1, int(latest) + 1)] if latest.isdigit() else [latest]
    return sorted(numbers, key=lambda n: int(n) if n.isdigit() else 0)


def _content_of(ssm: Any, name: str, number: str) -> tuple[object, str]:
    got = ssm.get_document(Name=name, DocumentVersion=number)
    content = str(got.get("Content", ""))
    return _parsed(content, str(got.get("DocumentFormat", "JSON"))), content


def _parsed(content: str, document_format: str) -> object:
    """A document's content, parsed (JSON, or YAML with PyYAML, which moto needs to
    store a YAML document at all)."""
    try:
        if document_format.upper() == "YAML":
            import yaml

            parsed = yaml.safe_load(content)
        else:
            parsed = json.loads(content)
    except Exception:  # a content moto accepted but we cannot read: no parameters known
        return None
    return parsed


def _platform(instance: dict[str, Any]) -> str:
    if str(instance.get("Platform", "")).lower() == "windows":
        return "Windows"
    if str(instance.get("InstanceType", "")).startswith("mac"):
        return "MacOS"
    return "Linux"


def _node(instance: dict[str, Any]) -> ExternalNode:
    tags = {str(t["Key"]): str(t.get("Value", "")) for t in instance.get("Tags", ())}
    platform = _platform(instance)
    return ExternalNode(
        instance_id=str(instance["InstanceId"]),
        tags=tags,
        platform=platform,
        state=str(instance.get("State", {}).get("Name", "running")),
        ip_address=instance.get("PrivateIpAddress") or None,
        computer_name=instance.get("PrivateDnsName") or None,
        launch_time=instance.get("LaunchTime"),
    )
