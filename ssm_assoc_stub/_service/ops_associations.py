"""The operations in API form: parse the request, apply the rules, answer.

Every function takes the backend (under its lock), the Region and the decoded
request body, and returns the response dict.  All checks run before the first
change, so a rejected call leaves the state exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from .errors import (
    AssociationLimitExceeded,
    AssociationVersionLimitExceeded,
    DuplicateInstanceId,
    InvalidAssociationVersion,
    InvalidUpdate,
    ServiceError,
    StatusUnchanged,
    ValidationException,
)
from .model import (
    CREATING,
    AssociationSpec,
    AssociationState,
    AssociationVersion,
    LegacyStatus,
)
from .rules import check_not_duplicate, check_spec, check_tags
from .wire import FIELD_TO_MEMBER, description, spec_fields_from_api, version_info

if TYPE_CHECKING:
    from .state import State

__all__ = ["OPERATIONS"]

Body = Mapping[str, Any]
Operation = Callable[["State", str, Body], dict[str, Any]]


def _parse_spec(body: Body) -> AssociationSpec:
    try:
        return AssociationSpec(**spec_fields_from_api(body))
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ValidationException(f"The request is malformed: {exc}") from None


def _parse_tags(body: Body) -> tuple[tuple[str, str], ...]:
    try:
        return tuple((str(t["Key"]), str(t["Value"])) for t in body.get("Tags") or ())
    except (TypeError, KeyError) as exc:
        raise ValidationException(f"The request is malformed: Tags {exc}") from None


def _describe(
    backend: State,
    state: AssociationState,
    version: AssociationVersion | None = None,
    *,
    answer: bool = False,
) -> dict[str, Any]:
    """The description; ``answer``: what a create or update answers, before anything has
    begun, so ``Pending``/``Creating`` (D-ST-1; legacy ones too, as the golden creates show)."""
    overview = CREATING if answer else backend.overview(state)
    return description(state, version or state.latest, overview)


def _check_limit(backend: State, region: str, adding: int) -> None:
    if len(backend.associations(region)) + adding > backend.options.association_limit:
        raise AssociationLimitExceeded(  # D-LIM-1
            f"You can have at most {backend.options.association_limit} active associations."
        )


def _create(
    backend: State, region: str, spec: AssociationSpec, tags: tuple[tuple[str, str], ...]
) -> AssociationState:
    now = backend.clock.now
    state = AssociationState(
        association_id=backend.new_id(),
        region=region,
        created=now,
        versions=[AssociationVersion(1, now, spec)],
        last_update=now,
        history_limit=backend.options.history_limit,
        tags=tags,
    )
    if spec.instance_id is not None:  # D-ST-2
        state.legacy_status = LegacyStatus(now, "Associated", f"Associated with {spec.name}")
    backend.store(state)
    _plan(backend, state, created=True)
    return state


def _plan(backend: State, state: AssociationState, *, created: bool) -> None:
    at_passed = backend.scheduler.plan(state, created=created)
    if at_passed or not state.spec.applies_only_at_cron_interval:
        backend.trigger(state)


def create_association(backend: State, region: str, body: Body) -> dict[str, Any]:
    spec = check_spec(backend, region, _parse_spec(body))
    tags = _parse_tags(body)
    check_tags(tags)
    check_not_duplicate(backend, region, spec)
    _check_limit(backend, region, 1)
    state = _create(backend, region, spec, tags)
    return {"AssociationDescription": _describe(backend, state, answer=True)}


def create_association_batch(backend: State, region: str, body: Body) -> dict[str, Any]:
    """D-BAT-1: per-entry faults become ``Failed`` entries; ``Successful`` keeps request order."""
    entries = body.get("Entries") or []
    role = body.get("AssociationDispatchAssumeRole")
    accepted: list[AssociationSpec] = []
    failed: list[dict[str, Any]] = []
    seen_legacy: set[tuple[str, str]] = set()
    for entry in entries:
        merged = dict(entry)
        if role is not None:
            merged.setdefault("AssociationDispatchAssumeRole", role)
        try:
            spec = check_spec(backend, region, _parse_spec(merged))
            check_not_duplicate(backend, region, spec)
        except ServiceError as error:
            failed.append({"Entry": dict(entry), "Message": error.message, "Fault": "Client"})
            continue
        if spec.instance_id is not None:
            key = (spec.name, spec.instance_id)
            if key in seen_legacy:
                raise DuplicateInstanceId(
                    f"Instance {spec.instance_id} is named in more than one association "
                    f"of {spec.name} in this request."
                )
            seen_legacy.add(key)
        accepted.append(spec)
    _check_limit(backend, region, len(accepted))
    successful = [
        _describe(backend, _create(backend, region, spec, ()), answer=True) for spec in accepted
    ]
    return {"Successful": successful, "Failed": failed}


def describe_association(backend: State, region: str, body: Body) -> dict[str, Any]:
    state = backend.lookup(region, body)
    version = backend.version_of(state, body.get("AssociationVersion"))
    return {"AssociationDescription": _describe(backend, state, version)}


def list_association_versions(backend: State, region: str, body: Body) -> dict[str, Any]:
    state = backend.get(region, body["AssociationId"])
    page, token = backend.paginator.page(  # D-VER-2: ascending
        f"versions:{state.association_id}",
        state.versions,
        max_results=body.get("MaxResults"),
        next_token=body.get("NextToken"),
    )
    response: dict[str, Any] = {"AssociationVersions": [version_info(state, v) for v in page]}
    if token is not None:
        response["NextToken"] = token
    return response


_SPEC_FIELDS = tuple(attrs.fields_dict(AssociationSpec))

# Members an update keeps when they are not sent, whatever the semantics (D-UPD-1).
_ALWAYS_KEPT = ("name", "targets", "instance_id")


def update_association(backend: State, region: str, body: Body) -> dict[str, Any]:
    state = backend.get(region, body["AssociationId"])
    expected = body.get("AssociationVersion")
    if expected is not None and expected != "$LATEST" and expected != str(state.latest.version):
        raise InvalidAssociationVersion(
            f"Association version {expected} is not the latest version "
            f"({state.latest.version}) of association {state.association_id}."
        )
    if len(state.versions) >= backend.options.version_limit:  # D-VER-1
        raise AssociationVersionLimitExceeded(
            f"Association {state.association_id} has reached the limit of "
            f"{backend.options.version_limit} versions."
        )
    sent = _parse_spec({"Name": state.spec.name, **body})
    sent_fields = {f for f in _SPEC_FIELDS if _sent(body, f)}
    old = state.spec
    if state.is_legacy:
        if "name" in sent_fields and sent.name != old.name:  # D-UPD-2
            raise InvalidUpdate(
                "The document of an association created with InstanceId cannot be changed."
            )
        if "targets" in sent_fields:
            raise InvalidUpdate(
                "Targets cannot be added to an association created with InstanceId."
            )
    changes: dict[str, Any] = {}
    for field in _SPEC_FIELDS:
        if field in sent_fields:
            changes[field] = getattr(sent, field)
        elif field in _ALWAYS_KEPT or backend.options.update_semantics == "merge":
            changes[field] = getattr(old, field)
        else:
            changes[field] = None  # the documented null-overwrite (D-UPD-1)
    spec = check_spec(
        backend,
        region,
        AssociationSpec(**changes),
        creating=False,
        targets_sent="targets" in sent_fields,
    )
    now = backend.clock.now
    state.versions.append(AssociationVersion(len(state.versions) + 1, now, spec))  # D-VER-3
    state.last_update = now
    state.overview_execution = None
    _plan(backend, state, created=False)
    return {"AssociationDescription": _describe(backend, state, answer=True)}


def _sent(body: Body, field: str) -> bool:
    member = FIELD_TO_MEMBER[field]
    return member in body and body[member] is not None


def update_association_status(backend: State, region: str, body: Body) -> dict[str, Any]:
    name, instance_id = body["Name"], body["InstanceId"]
    raw = body["AssociationStatus"]
    state = backend.lookup(region, {"Name": name, "InstanceId": instance_id})
    try:
        date = datetime.fromtimestamp(int(float(raw["Date"])), tz=timezone.utc)  # whole seconds
        status = LegacyStatus(
            date, str(raw["Name"]), str(raw["Message"]), raw.get("AdditionalInfo")
        )
    except (TypeError, ValueError, KeyError, OverflowError, OSError) as exc:
        raise ValidationException(f"The request is malformed: AssociationStatus {exc}") from None
    current = state.legacy_status
    if current is not None and (current.name, current.message, current.additional_info) == (
        status.name,
        status.message,
        status.additional_info,
    ):
        raise StatusUnchanged("The updated status is the same as the current status.")  # D-ST-3
    state.legacy_status = status  # D-ST-2
    state.last_update = backend.clock.now
    return {"AssociationDescription": _describe(backend, state)}


OPERATIONS: dict[str, Operation] = {
    "CreateAssociation": create_association,
    "CreateAssociationBatch": create_association_batch,
    "DescribeAssociation": describe_association,
    "ListAssociationVersions": list_association_versions,
    "UpdateAssociation": update_association,
    "UpdateAssociationStatus": update_association_status,
}
