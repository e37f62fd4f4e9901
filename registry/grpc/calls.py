"""The methods of the AssetRegistry service and what every call of one goes through.

An app registers each method it answers with ``register_rpc(name, handler,
permission=…)`` from its ``rpcs.register()``. A call then, as the middleware and DRF
do for a REST request:

- takes the caller's request id (``x-request-id`` metadata, or a new one) into the log
  context and answers it as a trailer;
- authenticates the ``authorization`` metadata with REST's tokens and schemes
  (``Bearer <token>`` or ``Token <token>``), from the database; a hot read (``hot=``)
  reads the caller the hot path remembers together with its cached answer, in one
  Redis round trip, as /api/v1/resolve/ does;
- checks the method's Django permission (its REST twin's) and REST's rate limits (a hot
  read counts against the account's ``resolve`` limit, as /api/v1/resolve/, in the same
  round trip as its read);
- runs the method as the caller (the actor of its writes, ``service:<account>`` via
  ``grpc``), in a replica request context, with the database connection handled as
  Django handles it around a request;
- answers any error as the status REST's status maps to (registry.grpc.errors), and
  logs and counts the call.
"""

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import grpc
import structlog
from django.conf import settings
from django.db import close_old_connections, reset_queries
from google.protobuf.message import DecodeError, Message
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled

from registry import cache, timeline
from registry.actors import acting_as, actor_id
from registry.api.authentication import SCHEMES_HINT, AuthorizationError, token_of
from registry.api.fastauth import (
    Caller,
    auth_key_of_header,
    authenticate_header,
    read_remembered,
)
from registry.api.throttling import RegistryScopedThrottle, count_hot_lookups
from registry.api.viewsets import VERSION_MAX
from registry.exceptions import StaleVersionError
from registry.grpc.errors import RpcError, error_of, invalid, status_of
from registry.metrics import count_cache_lookups
from registry.numbers import ascii_integer
from registry.pb.cqc.services.v1 import asset_registry_pb2
from registry.replicas import read_on_replica, request_context
from registry.requestlog import accepted_request_id, new_request_id

logger = structlog.get_logger(__name__)

SERVICE = asset_registry_pb2.DESCRIPTOR.services_by_name["AssetRegistry"]
SERVICE_NAME = SERVICE.full_name  # cqc.services.v1.AssetRegistry

# Metadata keys of the conventions the contract's messages have no field for.
REQUEST_ID_KEY = "x-request-id"
IF_MATCH_KEY = "if-match"  # the version a write expects, as REST's If-Match
ETAG_KEY = "etag"  # the version of the object an answer shows, as REST's ETag
# A hot read's moment, as REST's as_of and known_at (registry.timeline).
TIME_KEYS = {"as-of": "as_of", "known-at": "known_at"}


class Call:
    """One call of a method, as its handler sees it."""

    def __init__(self, context: grpc.ServicerContext, metadata: dict[str, str]) -> None:
        self.context = context
        self.metadata = metadata
        self.caller: Caller | None = None
        self.repeated: set[str] = set()  # metadata keys sent more than once
        # A hot read's answer, when the caller and the answer were both in Redis.
        self.cached: cache.Answer | None = None
        self.hot_counted = False  # the hot read was counted against the caller's account
        self._trailers: list[tuple[str, str]] = []

    def expected_version(self) -> int | None:
        """The version named by ``if-match`` metadata (``"3"`` or ``3``); None when the
        write is unconditional."""
        value = self.metadata.get(IF_MATCH_KEY, "").strip()
        if not value or value == "*":
            return None
        version = ascii_integer(value.removeprefix("W/").strip('"'), minimum=1, maximum=VERSION_MAX)
        if version is None:
            raise StaleVersionError(
                'if-match names no version of this object; send its etag, e.g. "3".'
            )
        return version

    def moment(self) -> timeline.Moment | None:
        """The moment the ``as-of`` and ``known-at`` metadata ask about; None: now."""
        for key in (*TIME_KEYS, *TIME_KEYS.values()):
            if key in TIME_KEYS.values() and key in self.metadata:  # as_of: REST's spelling
                raise invalid(key, f"the metadata keys are {' and '.join(TIME_KEYS)}.")
            if key in self.repeated:
                raise invalid(key, "given more than once; send one.")
        params = {
            name: self.metadata[key] for key, name in TIME_KEYS.items() if key in self.metadata
        }
        try:
            return timeline.moment_of(params)
        except ValueError as error:
            name, _, reason = str(error).partition(": ")
            key = next(key for key, value in TIME_KEYS.items() if value == name)
            raise invalid(key, reason) from None

    def show_version(self, instance) -> None:
        """Answer the object's version as ``etag`` trailing metadata (REST's ETag)."""
        self._trailers.append((ETAG_KEY, f'"{instance.version}"'))


# A hot read's (lookup type, parameters) for a request and its metadata; ValueError or
# an RpcError when the request cannot name one (the handler then says why).
HotLookup = Callable[[Message, dict[str, str]], tuple[str, dict]]


@dataclass(frozen=True)
class Rpc:
    name: str
    handler: Callable[[Message, Call], Message]
    permission: str  # app_label.codename, as the REST endpoint's model permission
    reads: bool  # a read a PostgreSQL replica may answer (registry.replicas)
    hot: HotLookup | None = None

    @property
    def method(self):
        return SERVICE.methods_by_name[self.name]

    @property
    def scope(self) -> str:
        """ "read" or "write", as REST's rate limits count it: by the permission's kind."""
        return "read" if self.permission.partition(".")[2].startswith("view_") else "write"


_rpcs: dict[str, Rpc] = {}


def register_rpc(
    name: str,
    handler: Callable[[Message, Call], Message],
    *,
    permission: str,
    reads: bool = False,
    hot: HotLookup | None = None,
) -> None:
    """Called from an app's ``rpcs.register()``: ``handler`` answers the method ``name``
    for callers with ``permission``; ``reads``: a replica may answer it; ``hot``: the
    hot lookup whose cached answer it gives, read with the caller in one round trip
    (``call.cached``), as /api/v1/resolve/ does."""
    if name not in SERVICE.methods_by_name:
        raise LookupError(f"{SERVICE_NAME} has no method {name}.")
    if name in _rpcs and _rpcs[name].handler is not handler:
        raise LookupError(f"{name} is already answered by {_rpcs[name].handler}.")
    _rpcs[name] = Rpc(name, handler, permission, reads, hot)


def registered() -> dict[str, Rpc]:
    return dict(_rpcs)


def unanswered() -> list[str]:
    """The service's methods no app answers: UNIMPLEMENTED, logged at start (the suite
    holds that there is none)."""
    return sorted(set(SERVICE.methods_by_name) - set(_rpcs))


# Observers of finished calls: (method, code name, seconds); registry.grpc.server adds
# the metrics.
_observers: list[Callable[[str, str, float], None]] = []


def observe_calls(observer: Callable[[str, str, float], None]) -> None:
    _observers.append(observer)


def _live_caller(header: str) -> Caller | None:
    """The caller by knox, with the permissions the database holds now: what REST's
    authentication gives a write, so a role taken away stops writes at once."""
    token = token_of(header)
    if token is None:
        return None
    try:
        user, _ = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed as error:
        raise AuthorizationError(str(error.detail)) from None
    caller = Caller(actor_id(user), user.get_all_permissions())
    caller.user_pk = user.pk  # the rate limits' key, REST's
    return caller


def _authenticate(metadata: dict[str, str], *, remembered: bool = False) -> Caller:
    """The caller the ``authorization`` metadata names. ``remembered``: as the REST hot
    path, from Redis for up to HOT_AUTH_CACHE_SECONDS (the hot reads); otherwise as the
    REST API, from the database."""
    header = metadata.get("authorization", "")
    try:
        caller = authenticate_header(header) if remembered else _live_caller(header)
    except AuthorizationError as error:
        message = str(error).replace("'Authorization: ", "'metadata authorization: ")
        raise RpcError(grpc.StatusCode.UNAUTHENTICATED, "authentication_failed", message) from None
    if caller is None:
        raise RpcError(
            grpc.StatusCode.UNAUTHENTICATED,
            "not_authenticated",
            f"No credentials; {SCHEMES_HINT.replace('Authorization:', 'metadata authorization:')}.",
        )
    return caller


def _cached_fast_path(method: Rpc, request: Message, call: Call) -> bool:
    """The caller and a hot read's answer in one Redis round trip (one MGET, the read
    counted in it), as registry.api.resolve.cached_fast_path: True when both were there
    and the caller may read it (Throttled when over its rate limit); the full path takes
    over otherwise."""
    auth_key = auth_key_of_header(call.metadata.get("authorization", ""))
    if auth_key is None or any(key in call.metadata for key in (*TIME_KEYS, *TIME_KEYS.values())):
        return False  # a point-in-time read is answered from PostgreSQL
    try:
        lookup_type, params = method.hot(request, call.metadata)
        lookup = cache.lookup(lookup_type)
        key = lookup.key_of(lookup.parse(params))
    except (ValueError, RpcError):
        return False
    read = read_remembered(auth_key, key)
    call.hot_counted = read.counted
    caller, answer = read.caller, read.answer
    if caller is None or not caller.has_perm(method.permission):
        return False  # the full path says why
    if read.refusal is not None:
        call.caller = caller  # the call's log line names whom it refused
        raise read.refusal
    if answer is None or not answer[0]:
        return False
    count_cache_lookups(lookup.family, hits=1)
    call.caller, call.cached = caller, answer
    return True


def _answer(method: Rpc, request, call: Call) -> Message:
    """Authenticate, authorize, read the request and run the handler as the caller."""
    if "authorization" in call.repeated:  # which one would be the caller?
        raise RpcError(
            grpc.StatusCode.UNAUTHENTICATED,
            "authentication_failed",
            "More than one authorization entry in the metadata; send one.",
        )
    hot = method.hot is not None and not isinstance(request, Unreadable)
    call.caller = _authenticate(call.metadata, remembered=hot)
    if not call.caller.has_perm(method.permission):
        raise RpcError(
            grpc.StatusCode.PERMISSION_DENIED,
            "permission_denied",
            "You do not have permission to do this.",
        )
    _throttle(method, call)
    if isinstance(request, Unreadable):
        raise RpcError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "invalid",
            f"The request is not a {request.type_name}: {str(request.error)[:200]}",
        )
    _refuse_nul(request)
    _refuse_moment_unless_answered(method, call)
    with acting_as(call.caller.actor, source="grpc"):
        if method.reads:
            return read_on_replica(lambda: method.handler(request, call))
        return method.handler(request, call)


def answers_for_a_moment(handler):
    """Marks a read handler that answers the ``as-of`` / ``known-at`` metadata (by
    ``call.moment()``); the hot reads do. Any other method refuses them, rather than
    answer the present to a caller who asked about the past."""
    handler.answers_for_a_moment = True
    return handler


def _refuse_moment_unless_answered(method: Rpc, call: Call) -> None:
    asked = [key for key in (*TIME_KEYS, *TIME_KEYS.values()) if key in call.metadata]
    if asked and not (method.hot or getattr(method.handler, "answers_for_a_moment", False)):
        raise invalid(
            asked[0],
            f"{method.name} answers the present only; the reads that answer for a moment "
            "are listed in docs/GRPC.md (Metadata conventions).",
        )


def _answered_from_cache(method: Rpc, request, call: Call) -> bool:
    """A hot read whose caller and answer are both in Redis (one MGET) is answered from
    those bytes alone: no database, so none of a database call's bookkeeping, and no
    change context (a read writes nothing)."""
    return (
        method.hot is not None
        and "authorization" not in call.repeated
        and not isinstance(request, Unreadable)
        and _cached_fast_path(method, request, call)
    )


def _throttle(method: Rpc, call: Call) -> None:
    """REST's rate limits (API_THROTTLE_RATES), on the same counters: a read or a write
    of the account; a hot read, a lookup of its ``resolve`` scope (unless the fast path
    counted it already)."""
    if method.hot is not None:
        if not call.hot_counted and (refusal := count_hot_lookups(call.caller.actor)):
            raise refusal
        return
    user_pk = getattr(call.caller, "user_pk", None)
    if user_pk is None:
        return
    throttle = RegistryScopedThrottle()
    if not throttle.allow(method.scope, f"user:{user_pk}"):
        raise Throttled(throttle.wait())


# The longest text a read's field takes: what REST's URL can carry (gunicorn's request
# line of 4,094 bytes). A longer search term or id only costs the database (a 4 MB
# SearchAssets query took seconds a call): no registry value is that long.
READ_TEXT_MAX_LENGTH = 4_000


def _refuse_long_text(method: Rpc, request) -> None:
    """A read's string field over READ_TEXT_MAX_LENGTH is INVALID_ARGUMENT naming it,
    before anything (the hot path's key, the caller's token) is worked out from it."""
    if method.scope != "read" or isinstance(request, Unreadable):
        return
    for field, value in request.ListFields():
        if field.type == field.TYPE_STRING and len(value) > READ_TEXT_MAX_LENGTH:
            raise invalid(
                field.name,
                f"At most {READ_TEXT_MAX_LENGTH:,} characters (what REST's URL carries); "
                f"this is {len(value):,}.",
            )


def _refuse_nul(request: Message) -> None:
    """A NUL character is in no registry value, and PostgreSQL refuses it in text: a
    field holding one is INVALID_ARGUMENT naming it, not the database's error."""
    for field, value in request.ListFields():
        if field.type == field.TYPE_STRING and "\x00" in value:
            raise invalid(field.name, "Contains a NUL character.")


def _refuse_oversized(response: Message) -> None:
    """An answer over the message limit is refused here, naming the way out, rather
    than failed by grpcio after the call was logged and counted as OK."""
    size = response.ByteSize()
    if size > settings.GRPC_MAX_MESSAGE_BYTES:
        raise RpcError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "answer_too_large",
            f"The answer is {size:,} bytes, over the {settings.GRPC_MAX_MESSAGE_BYTES:,} "
            "of GRPC_MAX_MESSAGE_BYTES: ask for fewer rows (page_size, limit) or narrow "
            "the filters.",
        )


def _answered_from_database(method: Rpc, request, call: Call) -> Message:
    """The full path, with the database connection handled as Django handles it around
    a request (on the thread that holds the connection)."""
    reset_queries()
    close_old_connections()  # as Django does when a request starts and ends
    try:
        with request_context():  # reads after the call's writes stay on the primary
            return _answer(method, request, call)
    finally:
        with contextlib.suppress(Exception):
            close_old_connections()


def invoke(
    method: Rpc,
    request: Message,
    context: grpc.ServicerContext,
    *,
    database_threads: Executor | None = None,
) -> Message:
    """One call of ``method``: everything the module docstring says, around its handler.
    ``database_threads``: where a call that needs the database runs (each thread holds
    its connection); a hot read answered from Redis alone runs where it is."""
    started = time.perf_counter()
    metadata: dict[str, str] = {}
    repeated: set[str] = set()
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str):  # -bin keys carry bytes: none is ours
            key = key.lower()
            if key in metadata:
                repeated.add(key)
            metadata[key] = value
    request_id = accepted_request_id(metadata.get(REQUEST_ID_KEY)) or new_request_id()
    tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
    call = Call(context, metadata)
    call.repeated = repeated
    code = grpc.StatusCode.OK
    error: RpcError | None = None
    response = None
    try:
        try:
            _refuse_long_text(method, request)
            try:
                answered = _answered_from_cache(method, request, call)
            finally:
                if method.hot is not None:
                    # The cache lease, renewed on this (request) thread now and then,
                    # opens a connection here: handled as Django handles a request's, so
                    # one a PostgreSQL restart broke is dropped, not kept for good.
                    close_old_connections()
            if answered:
                response = method.handler(request, call)
            elif database_threads is None:
                response = _answered_from_database(method, request, call)
            else:  # the log context (request id) goes along
                response = database_threads.submit(
                    contextvars.copy_context().run, _answered_from_database, method, request, call
                ).result()
            _refuse_oversized(response)
        except Exception as exc:  # every failure is answered as a status, never raised
            error = error_of(exc)
            code = error.status_code
        try:
            _finish(method, call, request_id, code, time.perf_counter() - started)
        except Exception:  # bookkeeping never turns an answer into grpcio's UNKNOWN
            logger.exception("rpc_bookkeeping_failed", method=method.name)
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
    if error is not None:
        # Not abort_with_status(), which would replace the trailers: the request id goes
        # beside the status details.
        status = status_of(error)
        trailers = [(REQUEST_ID_KEY, request_id), *call._trailers, *status.trailing_metadata]
        context.set_trailing_metadata(trailers)
        context.abort(status.code, status.details)
    return response


def _finish(method: Rpc, call: Call, request_id: str, code, seconds: float) -> None:
    """The trailers, the metrics and the call's log line."""
    call.context.set_trailing_metadata([(REQUEST_ID_KEY, request_id), *call._trailers])
    for observer in _observers:
        observer(method.name, code.name, seconds)
    level = logging.ERROR if code == grpc.StatusCode.INTERNAL else logging.INFO
    if logger.is_enabled_for(level):
        logger.log(
            level,
            "rpc",
            method=method.name,
            code=code.name,
            duration_ms=round(seconds * 1000, 3),
            actor=call.caller.actor if call.caller else None,
        )


def method_handlers(
    database_threads: Executor | None = None,
) -> dict[str, grpc.RpcMethodHandler]:
    """Every registered method as a unary-unary handler, by name; calls that need the
    database run on ``database_threads`` (registry.grpc.server decides which threads
    receive the requests)."""
    handlers = {}
    for name, method in registered().items():
        descriptor = method.method
        request_class = _message_class(descriptor.input_type)
        response_class = _message_class(descriptor.output_type)
        handlers[name] = grpc.unary_unary_rpc_method_handler(
            lambda request, context, method=method: invoke(
                method, request, context, database_threads=database_threads
            ),
            request_deserializer=_parser_of(request_class),
            response_serializer=response_class.SerializeToString,
        )
    return handlers


class Unreadable:
    """A request whose bytes are no message of the method's type (invalid UTF-8 in a
    string, a truncated field): answered INVALID_ARGUMENT like any bad input, where
    grpcio itself would answer INTERNAL."""

    def __init__(self, type_name: str, error: Exception) -> None:
        self.type_name = type_name
        self.error = error


def _parser_of(request_class: type[Message]):
    def parse(data: bytes):
        try:
            return request_class.FromString(data)
        except DecodeError as error:
            return Unreadable(request_class.DESCRIPTOR.full_name, error)

    return parse


def _message_class(descriptor) -> type[Message]:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(descriptor)
