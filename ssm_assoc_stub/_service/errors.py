"""Service errors, named after their AWS error codes (pure core).

The backend raises these; the glue turns them into the error response botocore
parses into ``client.exceptions.<Code>``.  Nothing here imports botocore.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AssociationAlreadyExists",
    "AssociationDoesNotExist",
    "AssociationExecutionDoesNotExist",
    "AssociationLimitExceeded",
    "AssociationVersionLimitExceeded",
    "DuplicateInstanceId",
    "InternalServerError",
    "InvalidAssociation",
    "InvalidAssociationVersion",
    "InvalidCommandId",
    "InvalidDocument",
    "InvalidDocumentVersion",
    "InvalidFilter",
    "InvalidFilterKey",
    "InvalidInstanceId",
    "InvalidInstanceInformationFilterValue",
    "InvalidItemContentException",
    "InvalidNextToken",
    "InvalidOutputLocation",
    "InvalidParameters",
    "InvalidPluginName",
    "InvalidResourceId",
    "InvalidResourceType",
    "InvalidSchedule",
    "InvalidTag",
    "InvalidTarget",
    "InvalidTargetMaps",
    "InvalidUpdate",
    "InvocationDoesNotExist",
    "SERVICE_ERRORS",
    "ServiceError",
    "StatusUnchanged",
    "ThrottlingException",
    "TooManyTagsError",
    "TooManyUpdates",
    "UnsupportedPlatformType",
    "ValidationException",
    "error_for_code",
    "validation_message",
]


class ServiceError(Exception):
    """An error the emulated service answers with.

    ``code`` is the wire error code (the botocore error shape name), ``status``
    the HTTP status AWS sends with it (D-ERR-1).
    """

    code: ClassVar[str] = "ServiceError"
    status: ClassVar[int] = 400
    # The member that carries the text on the wire (a few error shapes say ``message``).
    message_member: ClassVar[str] = "Message"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


def _error(code: str, status: int = 400) -> type[ServiceError]:
    return type(code, (ServiceError,), {"code": code, "status": status})


class ValidationException(ServiceError):
    code = "ValidationException"


class AssociationAlreadyExists(ServiceError):
    code = "AssociationAlreadyExists"


class AssociationDoesNotExist(ServiceError):
    code = "AssociationDoesNotExist"
    status = 404


class AssociationExecutionDoesNotExist(ServiceError):
    code = "AssociationExecutionDoesNotExist"
    status = 404


class AssociationLimitExceeded(ServiceError):
    code = "AssociationLimitExceeded"


class AssociationVersionLimitExceeded(ServiceError):
    code = "AssociationVersionLimitExceeded"


class DuplicateInstanceId(ServiceError):
    code = "DuplicateInstanceId"
    status = 404


class InternalServerError(ServiceError):
    code = "InternalServerError"
    status = 500


class InvalidAssociation(ServiceError):
    code = "InvalidAssociation"


class InvalidAssociationVersion(ServiceError):
    code = "InvalidAssociationVersion"


class InvalidDocument(ServiceError):
    code = "InvalidDocument"
    status = 404


class InvalidDocumentVersion(ServiceError):
    code = "InvalidDocumentVersion"


class InvalidInstanceId(ServiceError):
    code = "InvalidInstanceId"
    status = 404


class InvalidNextToken(ServiceError):
    code = "InvalidNextToken"


class InvalidOutputLocation(ServiceError):
    code = "InvalidOutputLocation"


class InvalidParameters(ServiceError):
    code = "InvalidParameters"


class InvalidSchedule(ServiceError):
    code = "InvalidSchedule"


class InvalidTag(ServiceError):
    code = "InvalidTag"


class InvalidTarget(ServiceError):
    code = "InvalidTarget"


class InvalidTargetMaps(ServiceError):
    code = "InvalidTargetMaps"


class InvalidUpdate(ServiceError):
    code = "InvalidUpdate"


class StatusUnchanged(ServiceError):
    code = "StatusUnchanged"


class ThrottlingException(ServiceError):
    code = "ThrottlingException"


class TooManyUpdates(ServiceError):
    code = "TooManyUpdates"
    status = 429


class UnsupportedPlatformType(ServiceError):
    code = "UnsupportedPlatformType"


class InvalidCommandId(ServiceError):
    code = "InvalidCommandId"
    status = 404


class InvalidFilterKey(ServiceError):
    code = "InvalidFilterKey"


class InvalidInstanceInformationFilterValue(ServiceError):
    code = "InvalidInstanceInformationFilterValue"
    message_member = "message"  # the model spells this one's member in lower case


class InvalidPluginName(ServiceError):
    code = "InvalidPluginName"
    status = 404


class InvalidFilter(ServiceError):
    code = "InvalidFilter"
    status = 441  # the Smithy model's httpResponseCode (D-ERR-1)


class InvalidItemContentException(ServiceError):
    code = "InvalidItemContentException"


class InvalidResourceId(ServiceError):
    code = "InvalidResourceId"


class InvalidResourceType(ServiceError):
    code = "InvalidResourceType"


class InvocationDoesNotExist(ServiceError):
    code = "InvocationDoesNotExist"


class TooManyTagsError(ServiceError):
    code = "TooManyTagsError"


SERVICE_ERRORS: dict[str, type[ServiceError]] = {
    cls.code: cls
    for cls in (
        ValidationException,
        AssociationAlreadyExists,
        AssociationDoesNotExist,
        AssociationExecutionDoesNotExist,
        AssociationLimitExceeded,
        AssociationVersionLimitExceeded,
        DuplicateInstanceId,
        InternalServerError,
        InvalidAssociation,
        InvalidAssociationVersion,
        InvalidDocument,
        InvalidDocumentVersion,
        InvalidInstanceId,
        InvalidNextToken,
        InvalidOutputLocation,
        InvalidParameters,
        InvalidSchedule,
        InvalidTag,
        InvalidTarget,
        InvalidTargetMaps,
        InvalidUpdate,
        StatusUnchanged,
        ThrottlingException,
        TooManyUpdates,
        UnsupportedPlatformType,
        InvalidCommandId,
        InvalidFilterKey,
        InvalidInstanceInformationFilterValue,
        InvalidPluginName,
        InvalidResourceId,
        InvalidResourceType,
        InvocationDoesNotExist,
        TooManyTagsError,
        InvalidFilter,
        InvalidItemContentException,
    )
}


def error_for_code(code: str) -> type[ServiceError]:
    """The class for ``code``; unknown codes get a 400 class made on the fly."""
    known = SERVICE_ERRORS.get(code)
    return known if known is not None else _error(code)


def validation_message(problems: list[str]) -> str:
    """AWS's form: ``1 validation error detected: Value 'x' at 'y' failed ...``.

    Each problem is one ``Value ... at ... failed to satisfy constraint: ...``
    clause; several are joined with ``; `` after a plural count.
    """
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(problems)
