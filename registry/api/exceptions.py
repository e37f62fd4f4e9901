"""One JSON shape for every API error: ``{"error": {"code", "message", "fields"}}``.

``fields`` maps a field name to its reasons (``non_field_errors`` for the object as a
whole); it is empty for errors that are not about input. Domain errors keep their
stable ``code`` and map to the status their meaning calls for.
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from registry.exceptions import (
    ConflictError,
    FourEyesError,
    NotFoundError,
    RegistryError,
    StaleVersionError,
)

logger = logging.getLogger(__name__)

DOMAIN_STATUS = [
    (FourEyesError, status.HTTP_403_FORBIDDEN),
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (ConflictError, status.HTTP_409_CONFLICT),
    (StaleVersionError, status.HTTP_412_PRECONDITION_FAILED),
]


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_errors(detail) -> dict:
    """DRF's nested error detail as {field: [reasons]}; nested objects flatten to 'a.b'."""
    if isinstance(detail, dict):
        flat = {}
        for name, value in detail.items():
            name = api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else str(name)
            nested = _field_errors(value)
            if isinstance(value, dict):
                flat.update({f"{name}.{key}": reasons for key, reasons in nested.items()})
            else:
                flat[name] = nested[api_settings.NON_FIELD_ERRORS_KEY]
        return flat
    if isinstance(detail, list):
        reasons = []
        for item in detail:
            if isinstance(item, dict | list):
                reasons.extend(
                    str(reason) for reasons in _field_errors(item).values() for reason in reasons
                )
            else:
                reasons.append(str(item))
        return {api_settings.NON_FIELD_ERRORS_KEY: reasons}
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(detail)]}


def _first_reason(fields: dict) -> str:
    for name, reasons in fields.items():
        if reasons:
            return (
                reasons[0] if name == api_settings.NON_FIELD_ERRORS_KEY else f"{name}: {reasons[0]}"
            )
    return "Invalid input."


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error of the API in the one shape."""
    if isinstance(exc, DataError):
        # A value the database cannot hold that validation let through.
        exc = exceptions.ValidationError({NON_FIELD_ERRORS: ["A value is out of range."]})
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, RegistryError):
        set_rollback()
        code = next(code for error, code in DOMAIN_STATUS if isinstance(exc, error))
        fields = {}
        if isinstance(exc, StaleVersionError):
            fields = {"If-Match": [exc.message]}
        return Response(error_body(exc.code, exc.message, fields), status=code)

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            fields = _field_errors(exc.detail)
            body = error_body("invalid", _first_reason(fields), fields)
        else:
            code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
            body = error_body(code, str(exc.detail))
        return Response(body, status=exc.status_code, headers=headers)

    # Anything else is our bug: log it, answer in the same shape, never leak internals.
    logger.exception("Unhandled error in %s", context.get("view"))
    set_rollback()
    return Response(
        error_body("server_error", "The registry failed to answer; the error has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def api_not_found(request, exception=None):
    """handler404 for paths under /api/: the API's error shape instead of an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
