"""/livez and /readyz (and /healthz, its old name): may this process be kept, and may it
be sent traffic?

/livez answers as long as the process does: it touches no dependency, so an outage of
PostgreSQL or Redis never gets healthy processes restarted.

/readyz checks each dependency, all at once and each with a short timeout
(``CHECK_TIMEOUT_SECONDS``), so a probe never hangs on one that does not answer:

- ``database`` (PostgreSQL) is required: without it the process cannot answer, so the
  probe fails (503, ``"error"``) and a load balancer stops sending it traffic.
- ``cache`` (Redis), ``broker`` (RabbitMQ) and ``nats`` are not: without Redis lookups
  read PostgreSQL and rate limits are not enforced; without the broker or NATS writes
  keep their events in the outbox until they can go. A failing one makes the answer
  ``"degraded"``, still 200: a load balancer that took every process out because Redis
  is down would turn a slower registry into none.
- ``outbox``: ``"degraded"`` when the oldest unpublished event is older than
  ``READINESS_OUTBOX_LAG_SECONDS`` (publishing has stopped somewhere).

A component that is not configured (no REDIS_URL, CELERY_BROKER_URL or NATS_URL, as in
``make run``) is ``"disabled"``, which is not a failure. The answers are JSON, never
cached, and need no credentials. ``OperatorEndpointsMiddleware`` answers them (and
/metrics) before the host check and the HTTPS redirect, which a probe or a scraper
addressing a pod by its IP over plain HTTP would otherwise meet.
"""

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.urls import resolve, reverse
from django.views.decorators.cache import never_cache

from registry.metrics import READY

logger = logging.getLogger(__name__)

# Each check's own timeout; the probe waits this long plus a margin for all of them.
CHECK_TIMEOUT_SECONDS = 1.0
PROBE_DEADLINE_SECONDS = CHECK_TIMEOUT_SECONDS + 0.5


class Disabled(Exception):
    """The component is not configured: nothing to check."""


class Degraded(Exception):
    """The component answers, but not as it should; ``details`` go in the answer."""

    def __init__(self, message: str, **details) -> None:
        super().__init__(message)
        self.details = details


def database_answers() -> dict:
    # In a thread of its own, on a connection of its own, closed after: a probe adds no
    # connection that stays open.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return {}


def _check_outbox() -> dict:
    if not settings.NATS_URL:
        raise Disabled  # events stay in the outbox by design: that is no lag
    from registry.events.outbox import oldest_unpublished_seconds

    try:
        lag = oldest_unpublished_seconds()
    finally:
        connection.close()
    threshold = settings.READINESS_OUTBOX_LAG_SECONDS
    details = {"oldest_unpublished_seconds": lag, "threshold_seconds": threshold}
    if lag > threshold:
        raise Degraded("events are not being published", **details)
    return details


def _check_cache() -> dict:
    from registry.cache import NoRedis, redis_state

    try:
        client = redis_state.raw()  # the cache's own client, timeouts and all
    except NoRedis:
        raise Disabled from None
    client.ping()
    return {}


def _check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        raise Disabled  # no broker: tasks run in the process that schedules them
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=CHECK_TIMEOUT_SECONDS) as broker:
        # One attempt at each URL (failover URLs are alternatives), no back-off sleep.
        broker.ensure_connection(
            max_retries=max(len(broker.alt) - 1, 0),
            interval_start=0,
            interval_step=0,
            timeout=CHECK_TIMEOUT_SECONDS,
        )
    return {}


def _check_nats() -> dict:
    if not settings.NATS_URL:
        raise Disabled
    import nats

    servers = [server.strip() for server in settings.NATS_URL.split(",") if server.strip()]

    async def _quiet(error: Exception) -> None:  # the failure is the answer, not a log line
        pass

    async def probe() -> None:
        # nats-py reads max_reconnect_attempts=0 as "forever", also for the first connect.
        client = await nats.connect(
            servers=servers,
            connect_timeout=CHECK_TIMEOUT_SECONDS,
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            name=f"cqar-readiness-{os.getpid()}",
            error_cb=_quiet,
        )
        try:
            await client.flush(timeout=CHECK_TIMEOUT_SECONDS)
        finally:
            await client.close()

    asyncio.run(asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS))
    return {}


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], dict]
    required: bool  # a failure makes the process unready (503)


CHECKS = (
    Check("database", database_answers, required=True),
    Check("cache", _check_cache, required=False),
    Check("broker", _check_broker, required=False),
    Check("nats", _check_nats, required=False),
    Check("outbox", _check_outbox, required=False),
)


def _timed(check: Check) -> dict:
    started = time.perf_counter()
    try:
        details = check.run()
    except Disabled:
        return {"status": "disabled"}
    except Degraded as degraded:
        result = {"status": "degraded", "reason": str(degraded), **degraded.details}
    except Exception as error:  # any failure of a dependency is a failed check
        result = {"status": "error", "error": f"{type(error).__name__}: {error}"[:300]}
    else:
        result = {"status": "ok", **details}
    result["ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result


class _Probe:
    """The checks of this process, run in threads of its own. A check still running
    from an earlier probe (a dependency that swallows connections) is not started again:
    the probe reports it, and threads do not pile up behind it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._executor: ThreadPoolExecutor | None = None
        self._running: dict[str, Future] = {}
        self._last: dict[str, str] = {}

    def run(self) -> dict[str, dict]:
        with self._lock:
            if self._pid != os.getpid():  # a forked child has none of its parent's threads
                self._pid = os.getpid()
                self._executor = ThreadPoolExecutor(
                    max_workers=len(CHECKS), thread_name_prefix="cqar-readiness"
                )
                self._running = {}
            futures = {}
            for check in CHECKS:
                running = self._running.get(check.name)
                if running is None or running.done():
                    running = self._running[check.name] = self._executor.submit(_timed, check)
                futures[check.name] = running
        wait(futures.values(), timeout=PROBE_DEADLINE_SECONDS)
        results = {}
        for name, future in futures.items():
            if future.done():
                results[name] = future.result()
            else:
                results[name] = {
                    "status": "error",
                    "error": f"no answer within {PROBE_DEADLINE_SECONDS:g} s",
                }
        self._log_changes(results)
        return results

    def _log_changes(self, results: dict[str, dict]) -> None:
        """One log line when a component's state changes, not one per probe."""
        for name, result in results.items():
            previous = self._last.get(name)
            self._last[name] = result["status"]
            if previous is not None and previous != result["status"]:
                level = logging.INFO if result["status"] in ("ok", "disabled") else logging.WARNING
                logger.log(
                    level,
                    "Readiness: %s is %s (was %s)%s",
                    name,
                    result["status"],
                    previous,
                    f": {result.get('error') or result.get('reason')}"
                    if result["status"] in ("error", "degraded")
                    else "",
                )


_probe = _Probe()


@never_cache
def livez(request):
    """200 while the process answers; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """200 with status "ok", or "degraded" naming a failing optional component; 503 with
    status "error" when the database fails. Each component: its status and the time its
    check took (ms)."""
    results = _probe.run()
    required = {check.name for check in CHECKS if check.required}
    failed = {name for name, result in results.items() if result["status"] == "error"}
    degraded = {name for name, result in results.items() if result["status"] == "degraded"}
    status = "error" if failed & required else "degraded" if failed or degraded else "ok"
    for name, result in results.items():
        if result["status"] != "disabled":
            READY.labels(name).set(1 if result["status"] == "ok" else 0)
    READY.labels("overall").set(0 if status == "error" else 1)
    response = JsonResponse(
        {"status": status, "checks": results}, status=503 if status == "error" else 200
    )
    # Django would log every failing probe as an error; _log_changes says it once.
    response._has_been_logged = True
    return response


# The old name of /readyz, kept for the probes and scripts that use it.
healthz = readyz


class OperatorEndpointsMiddleware:
    """/livez, /readyz, /healthz and /metrics, answered before the rest of the
    middleware: a kubelet probes a pod by its IP and a scraper scrapes it so, over plain
    HTTP, so ALLOWED_HOSTS would refuse them (400) and SECURE_SSL_REDIRECT turn them into
    redirects (which a probe counts as success). These views build no URL from the Host
    header, need no session or user, and answer the same on any host.

    It also drops the body of every HEAD answer (of any view) that Django made for the GET."""

    NAMES = ("livez", "readyz", "healthz", "metrics")

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: frozenset[str] | None = None

    def __call__(self, request):
        if self._paths is None:
            self._paths = frozenset(reverse(name) for name in self.NAMES)
        if request.path_info not in self._paths:
            response = self.get_response(request)
        else:
            match = resolve(request.path_info)
            request.resolver_match = match
            response = match.func(request, *match.args, **match.kwargs)
        return _without_body_for_head(request, response)


def _without_body_for_head(request, response):
    """A HEAD answer has the headers of the GET and no body. Django's WSGI handler sends
    whatever body the view made (its HEAD is the GET view), and gunicorn logs a warning
    for each such response: a load balancer probing with HEAD made one every few seconds."""
    if request.method != "HEAD" or response.streaming or not response.content:
        return response
    if not response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    response.content = b""
    return response
