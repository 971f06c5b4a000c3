"""Tags on associations: AddTagsToResource, RemoveTagsFromResource, ListTagsForResource.

Only ``ResourceType="Association"`` is the stub's: every other resource type raises
``NotEmulated`` before anything is read, so the binding sends the request on
unchanged (to moto, or the network with ``passthrough=True``).  The tags are the
ones CreateAssociation was given; they live beside the versions, so UpdateAssociation
neither carries nor resets them (companion spec §2.1).  Decisions where AWS is
silent (docs/behaviour.md):

* D-TAG-1: at most 50 tags per association ("most resources"), counting those given
  at create; an AddTagsToResource that would pass 50 is ``TooManyTagsError`` and
  changes nothing.  A create with more than 50 is ``InvalidTag`` (D-TAG-3, in rules).
* D-TAG-2: keys starting ``aws:`` (any case) are reserved: ``InvalidTag`` at create (as
  before), ``ValidationException`` on AddTagsToResource (which declares no InvalidTag).
  Removing such a key is allowed (it can never be there).
* D-TAG-4: ``TagList`` keeps insertion order; overwriting a key keeps its place;
  removing a key that is not there is a no-op.
* D-TAG-5: an ID that names no association of the Region (never created, deleted,
  malformed, or in another Region) is ``InvalidResourceId``; tags go with DeleteAssociation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidResourceId, TooManyTagsError, ValidationException
from .misuse import NotEmulated

if TYPE_CHECKING:
    from .model import AssociationState
    from .state import State

__all__ = ["MAX_TAGS", "OPERATIONS", "RESERVED_PREFIX"]

Body = Mapping[str, Any]
Operation = Callable[["State", str, Body], dict[str, Any]]

MAX_TAGS = 50  # D-TAG-1
RESERVED_PREFIX = "aws:"  # D-TAG-2
_OURS = "Association"


def _association(backend: State, region: str, operation: str, body: Body) -> AssociationState:
    resource_type = body.get("ResourceType")
    if resource_type != _OURS:
        raise NotEmulated(operation, "for ResourceType Association only")
    resource_id = body.get("ResourceId")
    state = backend.by_id.get(resource_id) if isinstance(resource_id, str) else None
    if state is None or state.region != region or state.deleted:  # D-TAG-5
        raise InvalidResourceId(
            f"The resource ID isn't valid: no association {resource_id} in {region}. "
            "Verify that you entered the correct ID and try again."
        )
    return state


def _tag_pairs(body: Body) -> list[tuple[str, str]]:
    raw = body.get("Tags")
    if not isinstance(raw, list):
        raise ValidationException("The request is malformed: Tags must be a list.")
    pairs: list[tuple[str, str]] = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise ValidationException("The request is malformed: each tag must be an object.")
        key, value = item.get("Key"), item.get("Value")
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValidationException(
                "The request is malformed: each tag needs a string Key and Value."
            )
        pairs.append((key, value))
    return pairs


def add_tags_to_resource(backend: State, region: str, body: Body) -> dict[str, Any]:
    state = _association(backend, region, "AddTagsToResource", body)
    pairs = _tag_pairs(body)
    for key, _ in pairs:
        if key.lower().startswith(RESERVED_PREFIX):  # D-TAG-2
            raise ValidationException(
                f"Tag keys beginning with {RESERVED_PREFIX} are reserved for AWS use: {key}"
            )
    merged = dict(state.tags)  # D-TAG-4: dict keeps insertion order, overwrite in place
    merged.update(pairs)
    if len(merged) > MAX_TAGS:  # D-TAG-1
        raise TooManyTagsError(
            f"An association can have at most {MAX_TAGS} tags; this request would give "
            f"{state.association_id} {len(merged)}."
        )
    state.tags = tuple(merged.items())
    return {}


def remove_tags_from_resource(backend: State, region: str, body: Body) -> dict[str, Any]:
    state = _association(backend, region, "RemoveTagsFromResource", body)
    keys = body.get("TagKeys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ValidationException("The request is malformed: TagKeys must be a list of strings.")
    gone = set(keys)
    state.tags = tuple((k, v) for k, v in state.tags if k not in gone)  # D-TAG-4
    return {}


def list_tags_for_resource(backend: State, region: str, body: Body) -> dict[str, Any]:
    state = _association(backend, region, "ListTagsForResource", body)
    return {"TagList": [{"Key": key, "Value": value} for key, value in state.tags]}


OPERATIONS: dict[str, Operation] = {
    "AddTagsToResource": add_tags_to_resource,
    "RemoveTagsFromResource": remove_tags_from_resource,
    "ListTagsForResource": list_tags_for_resource,
}
