"""The request id, and one log line per request.

Every request gets an id: the caller's ``X-Request-ID`` when it is a plausible id (at
most 128 letters, digits and ``-_.:+=/``), otherwise a new UUID, so a hostile header can
neither forge log lines nor bloat them. The id is returned in the ``X-Request-ID``
response header of every answer Django gives (API, hot lookups, admin, 404s, errors),
bound to the log context, so every line logged while the request is served carries it,
recorded in the outbox events its writes make (``registry.actors.current_request_id``)
and carried into the Celery tasks they schedule (django-structlog).

When the response is ready one line says how the request went: ``method``, ``route``
(the URL pattern's name, or ``unmatched``), ``path``, ``status``, ``duration_ms``, the
``actor`` (who the caller authenticated as, when it did) and the ``request_id``.

django-structlog's own RequestMiddleware was measured and not used: it logs two lines
per request (started, finished), has no duration, takes ``X-Request-ID`` unchecked, does
not answer with the id, and costs three times what this does on the cached lookups
(docs/PERFORMANCE.md, "Request logs").
"""

import logging
import re
import time
import uuid

import structlog
from django.utils.functional import SimpleLazyObject, empty

from registry.actors import actor_id

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9\-_.:+=/]{1,128}")

logger = structlog.get_logger(__name__)


def accepted_request_id(value: str | None) -> str | None:
    """``value`` if it may serve as a request id, else None."""
    if value and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return str(uuid.uuid4())


def route_of(request) -> str:
    """The URL pattern's name (``admin:index``, ``asset-list``,
    ``resolve-venue-symbol``); ``unmatched`` for a path no named pattern serves."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return "unmatched"
    return match.view_name


def actor_of(request) -> str | None:
    """Who the request authenticated as, without asking anything new: the hot lookups'
    remembered caller, the actor a write resolved, or a user someone already loaded."""
    actor = getattr(request, "_cqar_actor", None)
    if actor:
        return actor
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None  # nothing looked at who it was: no session read just for the log
    if not user.is_authenticated:
        return None
    request._cqar_actor = actor_id(user)
    return request._cqar_actor


class RequestLogMiddleware:
    """Outermost middleware: the id in, the id out, and the request's log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = accepted_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id = request_id or new_request_id()
        # bind and reset rather than bound_contextvars(): a third of the cost, every request.
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            if logger.is_enabled_for(level):  # LOG_LEVEL=WARNING: no line, nothing computed
                logger.log(
                    level,
                    "request",
                    method=request.method,
                    route=route_of(request),
                    path=request.path,
                    status=response.status_code,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    actor=actor_of(request),
                )
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
        return response
