"""/metrics: what an operator alarms on, in Prometheus' text format.

Counted by each process as it works:

- ``cqar_http_requests_total{route,method,status}`` and
  ``cqar_http_request_duration_seconds{route,method}``: every request, by the name of the
  URL pattern it matched (never the raw path: one series per endpoint, not per ticker),
  ``unmatched`` when none did, ``static`` for the files WhiteNoise serves.
- ``cqar_cache_lookups_total{family,result}``: hot lookups answered from Redis (``hit``)
  or from PostgreSQL (``miss``), per key family; the hit ratio is
  ``rate(…{result="hit"}) / rate(…)``.
- ``cqar_cache_breaker_open``: 1 while a process leaves Redis alone after a failure
  (registry/cache.py); ``cqar_cache_errors_total{operation}``,
  ``cqar_throttle_failed_open_total{scope}``, ``cqar_cache_fenced_writes_total``.
- ``cqar_outbox_renumbered_events_total``: events the publisher renumbered above the
  stream's numbers after finding the outbox behind it (a restored database; the worker's).
- ``cqar_celery_tasks_total{task,outcome}`` (success, failure, retry) and
  ``cqar_celery_task_duration_seconds{task}``: in the worker, which serves them itself on
  ``CELERY_METRICS_PORT`` (it has no web server).
- ``cqar_grpc_calls_total{method,code}`` and ``cqar_grpc_call_duration_seconds{method}``:
  every call of the gRPC server (``manage.py grpcserver``), which serves them itself on
  ``GRPC_METRICS_BIND``; each method's OK, INTERNAL and UNAVAILABLE series exist from
  its start.
- ``cqar_ready{component}``: the last /readyz answer, 1 or 0 per component and
  ``overall`` (1: it answered 200).

Read from PostgreSQL at scrape time: the outbox gauges (alarm on
``cqar_outbox_events{status="FAILED"} > 0`` or ``{status="REJECTED"} > 0``, and on
``cqar_outbox_oldest_unpublished_seconds`` above a few sweep intervals),
``cqar_cache_pending_invalidations`` (keys writes could not delete from Redis) and
``cqar_db_connections{state}`` (this database's connections in pg_stat_activity).

Under gunicorn (``config/gunicorn.py``) and in a Celery worker with
``CELERY_METRICS_PORT`` (``config/celery.py``) every process writes its values to files
in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up, so it sees the whole server.

Nobody else reads them: with ``METRICS_TOKEN`` set a scrape must send
``Authorization: Bearer <METRICS_TOKEN>``; without it /metrics is open only with DEBUG
on (``make run``).
"""

import hmac
import logging
import os
import socket
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

# No cqar_…_created series beside each counter: in one process only, and noise there.
disable_created_metrics()

# Not registered anywhere by default: _registry below exposes them, from this process or
# from every process's files.
CACHE_ERRORS = Counter(
    "cqar_cache_errors",
    "Redis calls that failed (the process then leaves Redis alone for CACHE_RETRY_SECONDS).",
    ["operation"],
    registry=None,
)
THROTTLE_FAILED_OPEN = Counter(
    "cqar_throttle_failed_open",
    "Requests let through without a rate limit because the cache could not count them.",
    ["scope"],
    registry=None,
)
CACHE_FENCED_WRITES = Counter(
    "cqar_cache_fenced_writes",
    "Writes that could not reach Redis and fenced the cache off until their keys are gone.",
    registry=None,
)
OUTBOX_RENUMBERED = Counter(
    "cqar_outbox_renumbered_events",
    "Unpublished events renumbered above the stream's because the outbox was behind it "
    "(the database restored from a backup).",
    registry=None,
)
CACHE_LOOKUPS = Counter(
    "cqar_cache_lookups",
    "Hot lookups answered from Redis (hit) or from PostgreSQL (miss), by key family.",
    ["family", "result"],
    registry=None,
)
# The highest of the live processes: 1 while any of them leaves Redis alone.
CACHE_BREAKER_OPEN = Gauge(
    "cqar_cache_breaker_open",
    "1 while a process leaves Redis alone after a failure (its circuit breaker is open).",
    registry=None,
    multiprocess_mode="livemax",
)
HTTP_REQUESTS = Counter(
    "cqar_http_requests",
    "Requests answered, by URL pattern name, method and status.",
    ["route", "method", "status"],
    registry=None,
)
# From half a millisecond (a cached hot lookup) to the 30 s gunicorn allows a request.
HTTP_DURATION = Histogram(
    "cqar_http_request_duration_seconds",
    "Time from a request reaching Django to its response, by URL pattern name and method.",
    ["route", "method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,
)
CELERY_TASKS = Counter(
    "cqar_celery_tasks",
    "Celery task runs by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
    registry=None,
)
CELERY_TASK_DURATION = Histogram(
    "cqar_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
    registry=None,
)
GRPC_CALLS = Counter(
    "cqar_grpc_calls",
    "gRPC calls answered, by method of cqc.services.v1.AssetRegistry and status code.",
    ["method", "code"],
    registry=None,
)
GRPC_DURATION = Histogram(
    "cqar_grpc_call_duration_seconds",
    "Time from a gRPC call reaching its method to its answer, by method.",
    ["method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,
)
# The last answer any live process gave, so a scrape sees the latest probe.
READY = Gauge(
    "cqar_ready",
    "1 if the component was ready at the last /readyz (overall: it answered 200), else 0.",
    ["component"],
    registry=None,
    multiprocess_mode="livemostrecent",
)
PROCESS_METRICS = (
    CACHE_ERRORS,
    THROTTLE_FAILED_OPEN,
    CACHE_FENCED_WRITES,
    OUTBOX_RENUMBERED,
    CACHE_LOOKUPS,
    CACHE_BREAKER_OPEN,
    HTTP_REQUESTS,
    HTTP_DURATION,
    CELERY_TASKS,
    CELERY_TASK_DURATION,
    GRPC_CALLS,
    GRPC_DURATION,
    READY,
)
# Every series known in advance exists from the start (at 0), so a rate() sees the
# first failure. (cqar_cache_lookups_total's families: registry/cache.py.)
for _operation in ("read", "store", "auth", "invalidate", "throttle"):
    CACHE_ERRORS.labels(_operation)
for _scope in ("read", "write", "login", "resolve"):
    THROTTLE_FAILED_OPEN.labels(_scope)

# labels() takes a lock and builds a key on every call; the hot path looks its series up
# in these instead (a race only creates the same series twice).
_lookup_series: dict[tuple[str, str], object] = {}


def count_cache_lookups(family: str, *, hits: int = 0, misses: int = 0) -> None:
    """Count hot lookups of ``family`` answered from Redis (hits) or PostgreSQL."""
    if not settings.METRICS_ENABLED:
        return
    for result, count in (("hit", hits), ("miss", misses)):
        if count:
            series = _lookup_series.get((family, result))
            if series is None:
                series = _lookup_series[family, result] = CACHE_LOOKUPS.labels(family, result)
            series.inc(count)


# The codes whose series exist from the start for every method the server answers: OK
# and the server's own failures, which the alerts take a rate() of (deploy/monitoring).
GRPC_CODES_FROM_THE_START = ("OK", "INTERNAL", "UNAVAILABLE")
# The hot path's series, looked up without labels() (as _lookup_series).
_grpc_calls: dict[tuple[str, str], object] = {}
_grpc_durations: dict[str, object] = {}


def grpc_methods_served(methods) -> None:
    """The series of every method the gRPC server answers, at 0 before any call."""
    for method in methods:
        _grpc_durations[method] = GRPC_DURATION.labels(method)
        for code in GRPC_CODES_FROM_THE_START:
            _grpc_calls[method, code] = GRPC_CALLS.labels(method, code)


def observe_grpc_call(method: str, code: str, seconds: float) -> None:
    """Count one finished gRPC call (registry.grpc.calls reports each)."""
    if not settings.METRICS_ENABLED:
        return
    counted = _grpc_calls.get((method, code))
    if counted is None:
        counted = _grpc_calls[method, code] = GRPC_CALLS.labels(method, code)
    timed = _grpc_durations.get(method)
    if timed is None:
        timed = _grpc_durations[method] = GRPC_DURATION.labels(method)
    counted.inc()
    timed.observe(seconds)


# --- requests ---------------------------------------------------------------------------

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Counts and times every request by route, method and status. First in MIDDLEWARE,
    so the time is the whole of Django's (the rest of the middleware included)."""

    def __init__(self, get_response):
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed("METRICS_ENABLED is off")
        self.get_response = get_response
        # Files WhiteNoise serves never reach the URL patterns.
        static = urlsplit(settings.STATIC_URL or "")
        self.static_prefix = None
        if static.path and not static.netloc:
            self.static_prefix = "/" + static.path.lstrip("/")
        self._counted: dict[tuple[str, str, str], object] = {}
        self._timed: dict[tuple[str, str], object] = {}

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = self.route(request)
        method = request.method if request.method in METHODS else "other"
        status = str(response.status_code)
        counted = self._counted.get((route, method, status))
        if counted is None:
            counted = self._counted[route, method, status] = HTTP_REQUESTS.labels(
                route, method, status
            )
        timed = self._timed.get((route, method))
        if timed is None:
            timed = self._timed[route, method] = HTTP_DURATION.labels(route, method)
        counted.inc()
        timed.observe(elapsed)
        return response

    def route(self, request) -> str:
        """The URL pattern's name; for an included namespace (the admin), the
        namespace."""
        match = getattr(request, "resolver_match", None)
        if match is None:
            if self.static_prefix and request.path.startswith(self.static_prefix):
                return "static"
            return "unmatched"
        if match.namespaces:
            return match.namespaces[0]
        return match.url_name or "unmatched"


# --- read at scrape time ------------------------------------------------------------------


class DatabaseCollector:
    """Gauges read from PostgreSQL at each scrape. Without a database they are left out
    (and /readyz says why): the process's own counters are still worth a scrape."""

    def collect(self):
        try:
            families = [*self._outbox(), self._pending_invalidations(), self._connections()]
        except DatabaseError as error:
            logger.warning("/metrics without the database's gauges: %s", error)
            return
        yield from families

    def _outbox(self):
        from registry.events.outbox import outbox_status

        status = outbox_status(count_published=False)
        events = GaugeMetricFamily(
            "cqar_outbox_events",
            "Outbox events not yet published, by status.",
            labels=["status"],
        )
        for name, count in status["counts"].items():
            events.add_metric([name], count)
        yield events
        yield GaugeMetricFamily(
            "cqar_outbox_unsequenced_events",
            "Committed events not yet put in commit order.",
            value=status["unsequenced"],
        )
        yield GaugeMetricFamily(
            "cqar_outbox_oldest_unpublished_seconds",
            "Age of the oldest event not yet on the bus.",
            value=status["oldest_unpublished_seconds"],
        )
        head = status["head"] or {}
        yield GaugeMetricFamily(
            "cqar_outbox_head_attempts",
            "Publish attempts of the event at the head of the line.",
            value=head.get("attempts", 0),
        )
        yield GaugeMetricFamily(
            "cqar_outbox_last_sequence",
            "Highest commit-order sequence handed out.",
            value=status["last_sequence"],
        )

    def _pending_invalidations(self):
        from registry.models import PendingCacheInvalidation

        return GaugeMetricFamily(
            "cqar_cache_pending_invalidations",
            "Hot-cache keys writes could not delete from Redis, waiting to be replayed.",
            value=PendingCacheInvalidation.objects.count(),
        )

    def _connections(self):
        """This database's client connections by state, the scrape's own left out."""
        with connection.cursor() as cursor:
            # The view is a snapshot held for the transaction: a fresh one, also inside one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT state, count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() GROUP BY state"
            )
            rows = cursor.fetchall()
        counts = {"active": 0, "idle": 0, "idle_in_transaction": 0}
        for state, count in rows:
            # "idle in transaction (aborted)" holds its snapshot and locks all the same.
            name = "idle_in_transaction" if (state or "").startswith("idle in") else state
            if name in counts:
                counts[name] += count
        gauge = GaugeMetricFamily(
            "cqar_db_connections",
            "Connections to this database (pg_stat_activity), by state.",
            labels=["state"],
        )
        for state, count in counts.items():
            gauge.add_metric([state], count)
        return gauge


def process_registry() -> CollectorRegistry:
    """The counters and gauges of this process, or of every process sharing
    PROMETHEUS_MULTIPROC_DIR (a gunicorn server, a Celery worker and its pool)."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for metric in PROCESS_METRICS:
            registry.register(metric)
    return registry


_registry = process_registry()
_registry.register(DatabaseCollector())


# --- who may read them ------------------------------------------------------------------


def scrape_refusal(authorization: str | None) -> tuple[int, str, str] | None:
    """(status, code, message) refusing a scrape with this Authorization header, or
    None to answer it."""
    token = settings.METRICS_TOKEN
    if not token:
        if settings.DEBUG:
            return None
        return (
            403,
            "permission_denied",
            "Metrics are off: set METRICS_TOKEN and scrape with "
            "'Authorization: Bearer <METRICS_TOKEN>' (they are open only with DEBUG on).",
        )
    scheme, _, credentials = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return 401, "not_authenticated", "Send 'Authorization: Bearer <METRICS_TOKEN>'."
    if not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        return 401, "authentication_failed", "Invalid metrics token."
    return None


@never_cache
def metrics(request):
    refusal = scrape_refusal(request.headers.get("Authorization"))
    if refusal is not None:
        status, code, message = refusal
        response = JsonResponse(
            {"error": {"code": code, "message": message, "fields": {}}}, status=status
        )
        if status == 401:
            response["WWW-Authenticate"] = "Bearer"
        return response
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)


# --- Celery ------------------------------------------------------------------------------

TASK_OUTCOMES = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry"}
_task_started: dict[str, float] = {}


def _task_prerun(task_id=None, **kwargs) -> None:
    _task_started[task_id] = time.perf_counter()


def _task_postrun(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    outcome = TASK_OUTCOMES.get(state)
    if outcome is not None:
        CELERY_TASKS.labels(task.name, outcome).inc()
    if started is not None:
        CELERY_TASK_DURATION.labels(task.name).observe(time.perf_counter() - started)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:  # a scrape every few seconds is no news
        pass


_worker_server: WSGIServer | None = None


def process_metrics_app(environ, start_response):
    """The /metrics of a process that has no web server (a Celery worker, its pool's
    counters; the gRPC server), under the same token as the web's (the outbox and
    database gauges are the web's to serve)."""
    refusal = scrape_refusal(environ.get("HTTP_AUTHORIZATION"))
    if refusal is not None:
        status, code, message = refusal
        body = JsonResponse({"error": {"code": code, "message": message, "fields": {}}}).content
        headers = [("Content-Type", "application/json")]
        if status == 401:
            headers.append(("WWW-Authenticate", "Bearer"))
        start_response(f"{status} {'Unauthorized' if status == 401 else 'Forbidden'}", headers)
        return [body]
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
    return [generate_latest(process_registry())]


def _serve_worker_metrics(**kwargs) -> None:
    """In the worker's main process, once it is ready: serve on CELERY_METRICS_PORT, on
    every interface unless CELERY_METRICS_BIND names one (a container needs them all)."""
    global _worker_server
    port = os.environ.get("CELERY_METRICS_PORT")
    if not port or _worker_server is not None:
        return
    bind = os.environ.get("CELERY_METRICS_BIND") or "0.0.0.0"
    _worker_server = make_server(
        bind, int(port), process_metrics_app, _ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(
        target=_worker_server.serve_forever, name="cqar-worker-metrics", daemon=True
    ).start()
    logger.info("Worker metrics on %s:%s (/metrics)", bind, port)


def _stop_worker_metrics(**kwargs) -> None:
    global _worker_server
    if _worker_server is not None:
        _worker_server.shutdown()
        _worker_server.server_close()
        _worker_server = None


def _pool_process_gone(**kwargs) -> None:
    """A pool process exits: its live gauges (the breaker's) no longer count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


def connect_celery_signals() -> None:
    """Count task outcomes and durations, and serve them from a worker. Connected when
    the Celery app is made (config/celery.py): a worker builds its task tracers, which
    send these signals only to receivers connected by then, as it starts."""
    from celery import signals

    for signal, receiver in (
        (signals.task_prerun, _task_prerun),
        (signals.task_postrun, _task_postrun),
        (signals.worker_ready, _serve_worker_metrics),
        (signals.worker_shutdown, _stop_worker_metrics),
        (signals.worker_process_shutdown, _pool_process_gone),
    ):
        signal.connect(receiver, weak=False, dispatch_uid=f"cqar.metrics.{receiver.__name__}")


# --- the gRPC server ---------------------------------------------------------------------


class _ThreadingWSGIServerV6(_ThreadingWSGIServer):
    address_family = socket.AF_INET6


def serve_grpc_metrics(bind: str) -> WSGIServer:
    """The gRPC server's /metrics on ``bind`` (GRPC_METRICS_BIND: ``host:port``,
    ``[::]:port``; ``:port`` for every interface), in a thread of its own; the caller
    shuts it down."""
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    if not port.isdigit():
        raise ValueError(f"GRPC_METRICS_BIND: host:port, not {bind!r}.")
    server_class = _ThreadingWSGIServerV6 if ":" in host else _ThreadingWSGIServer
    server = make_server(
        host, int(port), process_metrics_app, server_class, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="cqar-grpc-metrics", daemon=True).start()
    return server
