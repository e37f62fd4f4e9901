"""Errors as gRPC statuses, mapped the way the REST API maps them to HTTP.

The REST exception handler turns any exception into its status and error body; the
status becomes the gRPC code, the body's ``code`` the ``google.rpc.ErrorInfo`` reason
(the same machine-readable code a REST client gets) and its ``fields`` a
``google.rpc.BadRequest`` with one violation per field and reason.
"""

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from registry.api.exceptions import exception_handler

ERROR_DOMAIN = "cqar"

HTTP_TO_GRPC = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    405: grpc.StatusCode.UNIMPLEMENTED,
    409: grpc.StatusCode.ALREADY_EXISTS,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
}

# A 409 is ALREADY_EXISTS when the write would repeat what exists (a unique constraint,
# named in the error's details, refused it); these conflicts are about the state the
# write meets instead (a self link or a cycle, an object still referred to).
STATE_CONFLICTS = frozenset({"invalid_relationship"})


class RpcError(Exception):
    """An answer other than OK that a method or the call's checks decide on directly."""

    def __init__(
        self, code: grpc.StatusCode, error_code: str, message: str, fields: dict | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = code
        self.error_code = error_code
        self.message = message
        self.fields = fields or {}


def invalid(field: str, reason: str) -> RpcError:
    """INVALID_ARGUMENT naming one request field."""
    return RpcError(
        grpc.StatusCode.INVALID_ARGUMENT, "invalid", f"{field}: {reason}", {field: [reason]}
    )


def not_found(message: str, error_code: str = "not_found") -> RpcError:
    return RpcError(grpc.StatusCode.NOT_FOUND, error_code, message)


def error_of(exc: Exception) -> RpcError:
    """Any exception a method raised as the status to answer with."""
    if isinstance(exc, RpcError):
        return exc
    response = exception_handler(exc, {"view": "grpc"})
    error = response.data["error"]
    code = HTTP_TO_GRPC.get(response.status_code, grpc.StatusCode.INTERNAL)
    details = getattr(exc, "details", {})
    if (
        response.status_code == 409
        and "constraint" not in details
        and (error["code"] in STATE_CONFLICTS or "referrers" in details)
    ):
        code = grpc.StatusCode.FAILED_PRECONDITION
    # REST's If-Match header is the if-match metadata here.
    fields = {
        ("if-match" if name == "If-Match" else name): r for name, r in error["fields"].items()
    }
    return RpcError(code, error["code"], error["message"], fields)


def status_of(error: RpcError) -> grpc.Status:
    """The rich status: ErrorInfo (the error code), BadRequest (the fields)."""
    # Bounded: the status travels in a header, and a caller's long input quoted back
    # must not push it over the header limit (the client would see no status at all).
    details = []
    info = error_details_pb2.ErrorInfo(reason=error.error_code, domain=ERROR_DOMAIN)
    details.append(info)
    if error.fields:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=_bounded(field, 100), description=_bounded(reason, 500)
                    )
                    for field, reasons in list(error.fields.items())[:20]
                    for reason in reasons[:5]
                ]
            )
        )
    packed = []
    for detail in details:
        container = any_pb2.Any()
        container.Pack(detail)
        packed.append(container)
    return rpc_status.to_status(
        status_pb2.Status(
            code=getattr(code_pb2, error.status_code.name),
            message=_bounded(error.message, 1000),
            details=packed,
        )
    )


def _bounded(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
