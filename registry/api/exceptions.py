"""One JSON shape for every API error: ``{"error": {"code", "message", "fields"}}``.

``fields`` maps a field name to its reasons (``non_field_errors`` for the object as a
whole); it is empty for errors that are not about input. Domain errors keep their
stable ``code`` and map to the status their meaning calls for.

Everything under /api/ answers in this shape: DRF views through ``exception_handler``;
the plain Django views of the hot path through ``APIErrorMiddleware``
(registry.api.middleware), whatever DEBUG says; a path that names no endpoint through
``api_not_found``, the last URL pattern under /api/; and what middleware raises through
the handlers below (when DEBUG is off; with it on, Django shows its debug page).

A database that cannot be reached (refused, timed out, the connection lost) is a 503
``unavailable`` there, and a plain 503 page elsewhere (the admin): an outage the client
should retry through, logged as one warning line, not a 500 with a traceback.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.http import escape_leading_slashes
from django.views.decorators.csrf import csrf_exempt
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

# What Django raises when it cannot reach PostgreSQL or loses the connection (the hot
# lookups, registry.api.resolve, answer the same code and message).
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
DATABASE_UNAVAILABLE = ("unavailable", "The registry cannot reach its database; retry.")

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


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"


def _request_limit_error(exc: SuspiciousOperation) -> exceptions.APIException:
    """A request Django refused to read (it says so with a SuspiciousOperation) as the
    API's error: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413; too many parameters,
    a Host header ALLOWED_HOSTS does not name, or anything else suspicious, a 400."""
    if isinstance(exc, DisallowedHost):
        # Not the host itself: the client sent it, and the operator is the one to act.
        return BadRequest("Host header not allowed: set ALLOWED_HOSTS.")
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
        )
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ValidationError(
            {
                NON_FIELD_ERRORS: [
                    f"More than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters or fields."
                ]
            }
        )
    return exceptions.ParseError("The request could not be read.")


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error of the API in the one shape."""
    if isinstance(exc, SuspiciousOperation):
        exc = _request_limit_error(exc)
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

    if isinstance(exc, DATABASE_UNREACHABLE):
        set_rollback()
        response = Response(
            error_body(*DATABASE_UNAVAILABLE), status=status.HTTP_503_SERVICE_UNAVAILABLE
        )
        log_database_unreachable(context.get("request"), exc, response)
        return response

    # Anything else is our bug: log it, answer in the same shape, never leak internals.
    logger.exception("Unhandled error in %s", context.get("view"))
    set_rollback()
    return Response(
        error_body("server_error", "The registry failed to answer; the error has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def log_database_unreachable(request, exc: Exception, response: HttpResponse) -> None:
    """One warning line naming the request and the cause (psycopg's message, on one
    line); Django then logs no error line of its own for the 503."""
    cause = " ".join(str(exc).split())[:300]
    path = getattr(request, "path", "?")
    logger.warning("Database unreachable, answered 503 to %s: %s", path, cause)
    response._has_been_logged = True


def database_unavailable_page(request, exc: Exception) -> HttpResponse:
    """The 503 of a page outside the API (the admin): plain text, no traceback."""
    response = HttpResponse(
        "503 Service Unavailable: the registry cannot reach its database; retry shortly.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    log_database_unreachable(request, exc, response)
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def django_error_response(request, exc) -> JsonResponse:
    """The error shape for an exception a plain Django view (or middleware) under /api/
    raised; DRF views answer through ``exception_handler`` instead."""
    response = exception_handler(exc, {"view": request.path, "request": request})
    headers = {
        name: response[name] for name in ("WWW-Authenticate", "Retry-After") if name in response
    }
    answer = JsonResponse(response.data, status=response.status_code, headers=headers)
    answer._has_been_logged = getattr(response, "_has_been_logged", False)
    return answer


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: under /api/ the error shape (a client sent a session cookie but
    no CSRF token to a view that is not DRF's), elsewhere Django's page."""
    if is_api_request(request):
        return _json_error(403, "csrf_failed", f"CSRF check failed: {reason}")
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)


@csrf_exempt  # it writes nothing: a missing route is a 404 whatever cookies came with it
def api_not_found(request, exception=None):
    """No endpoint at this path: the API's JSON 404 (the last pattern under /api/, so
    DEBUG's HTML 404 page never answers an API client; also handler404).

    Every API path ends with a slash. Without it, a GET or HEAD is redirected (as
    Django's APPEND_SLASH does); any other method gets a 404 naming the right path,
    since a redirect would turn a POST into a GET.
    """
    if not is_api_request(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    path = request.path_info
    if not path.endswith("/") and _is_endpoint(f"{path}/"):
        with_slash = f"{request.path}/"
        if request.method in ("GET", "HEAD"):
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                escape_leading_slashes(with_slash + (f"?{query}" if query else ""))
            )
        return _json_error(
            404, "not_found", f"No such API endpoint; did you mean {with_slash} (with the slash)?"
        )
    return _json_error(404, "not_found", "No such API endpoint.")


def _is_endpoint(path: str) -> bool:
    try:
        return resolve(path).func is not api_not_found
    except Resolver404:
        return False


def api_bad_request(request, exception=None):
    """handler400: the API's error shape under /api/ (e.g. a disallowed Host)."""
    if is_api_request(request):
        return django_error_response(request, exception or SuspiciousOperation())
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def api_permission_denied(request, exception=None):
    """handler403: the API's error shape under /api/."""
    if is_api_request(request):
        return _json_error(403, "permission_denied", "You do not have permission to do this.")
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def api_server_error(request):
    """handler500: the API's error shape under /api/ (the error is logged by Django).

    A database outage that a middleware met (outside any view, so no process_exception
    saw it) is the 503 it is everywhere else."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNREACHABLE):
        if is_api_request(request):
            return django_error_response(request, exc)
        return database_unavailable_page(request, exc)
    if is_api_request(request):
        return _json_error(
            500, "server_error", "The registry failed to answer; the error has been logged."
        )
    from django.views.defaults import server_error

    return server_error(request)
