"""The gRPC server: the AssetRegistry service, health, reflection, TLS, metrics and a
graceful stop.

- Health (``grpc.health.v1``): SERVING, for the whole server and for the service, while
  the database answered its last check (every GRPC_HEALTH_CHECK_SECONDS); NOT_SERVING
  otherwise and from the moment a stop begins, so a balancer stops sending calls.
  ``liveness`` is SERVING as long as the process serves, whatever the database does
  (the web's /livez: a liveness probe that restarts no pod for a database outage).
- Reflection (GRPC_REFLECTION; on in development): grpcurl and Postman list the methods
  and messages without a .proto; two streams at a time, bounded in time.
- Threads: no caller holds the call threads (GRPC_MAX_WORKERS) but a call being served:
  requests are received on other threads and within GRPC_RECEIVE_SECONDS, health and
  reflection have threads of their own, and calls beyond what the server takes are
  refused at once (RegistryServer says which threads do what).
- TLS when GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE are set (one without the other is
  refused: the server never falls back to plaintext by mistake).
- Messages over GRPC_MAX_MESSAGE_BYTES are refused either way (RESOURCE_EXHAUSTED).
- Metrics: every call counted and timed by method and code (registry.metrics), served
  on GRPC_METRICS_BIND's /metrics under the web's METRICS_TOKEN rule.
- SIGTERM or SIGINT: the health service turns NOT_SERVING and every new call is answered
  UNAVAILABLE ("call another server") before it starts, while the calls in flight
  finish (up to GRPC_SHUTDOWN_GRACE_SECONDS); once they have and no call came for a
  moment, the port closes and the process exits. Draining before gRPC's own stop
  matters: gRPC core cancels (CANCELLED, not UNAVAILABLE) a call that reaches it after
  its stop began, and a client retries UNAVAILABLE, not CANCELLED.
- With BENCH_FLOOR set (make bench-grpc only), a separate service ``cqar.bench.v1.Floor``
  answers ``Constant`` with constant bytes: the floor the benchmark measures the
  AssetRegistry's methods against. It is never part of the AssetRegistry service.
"""

import signal
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import structlog
from django.conf import settings
from grpc_health.v1 import health, health_pb2
from grpc_reflection.v1alpha import reflection, reflection_pb2

from registry import health as registry_health
from registry.grpc.calls import (
    SERVICE_NAME,
    method_handlers,
    observe_calls,
    registered,
    unanswered,
)
from registry.grpc.errors import RpcError, status_of
from registry.metrics import grpc_methods_served, observe_grpc_call, serve_grpc_metrics
from registry.pb.cqc.services.v1 import asset_registry_pb2

logger = structlog.get_logger(__name__)

# After the calls in flight finished, the port stays open (refusing) until no call came
# for this long: gRPC core cancels a call that reaches a closing port (CANCELLED, which
# clients do not retry) instead of refusing it.
QUIET_BEFORE_CLOSING_SECONDS = 0.25

# The health service's name for "the process serves" (a liveness probe's).
LIVENESS = "liveness"

BENCH_FLOOR_SERVICE = "cqar.bench.v1.Floor"
# What the floor answers: a ResolveMarketResponse as large as a real one.
BENCH_FLOOR_ANSWER = asset_registry_pb2.ResolveMarketResponse(
    market_id="1234", instrument_id="0b9a8d4e-6c43-4f5e-9d1a-3c2b1a0f9e8d"
).SerializeToString()


def bench_floor_handler() -> grpc.GenericRpcHandler:
    """``/cqar.bench.v1.Floor/Constant``: the request's bytes unread, the same answer
    every time; no authentication, metrics or log line (the web's /bench/floor)."""
    constant = grpc.unary_unary_rpc_method_handler(lambda request, context: BENCH_FLOOR_ANSWER)
    return grpc.method_handlers_generic_handler(BENCH_FLOOR_SERVICE, {"Constant": constant})


class CountingPool(futures.ThreadPoolExecutor):
    """Threads that count the calls given to them and not yet finished: the server
    refuses a call rather than queue it once the pool is ``full``, and a stop waits for
    the count to reach 0."""

    def __init__(self, max_workers: int, name: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self.capacity = max_workers
        self._counted = 0
        self._idle = threading.Condition()

    @property
    def full(self) -> bool:
        return self._counted >= self.capacity

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._counted += 1
        return super().submit(self._counting, fn, args, kwargs)

    def _counting(self, fn, args, kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            with self._idle:
                self._counted -= 1
                if not self._counted:
                    self._idle.notify_all()

    def wait_for_calls_in_flight(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: not self._counted, timeout)


class Watchdog:
    """Cancels the calls that outstay their time: a request message that does not
    arrive within GRPC_RECEIVE_SECONDS, a reflection stream idle that long or open longer
    than GRPC_REFLECTION_STREAM_SECONDS. One thread, looking every TICK seconds; a
    cancelled call ends with CANCELLED and frees its thread."""

    TICK = 0.25

    def __init__(self) -> None:
        self._due: dict[object, tuple[float, grpc.ServicerContext, str]] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="grpc-watchdog", daemon=True)
        self._thread.start()

    def watch(self, context: grpc.ServicerContext, seconds: float, reason: str) -> object:
        """Cancel the call in ``seconds`` unless ``forget`` comes first."""
        token = object()
        with self._lock:
            self._due[token] = (time.monotonic() + seconds, context, reason)
        return token

    def forget(self, token: object) -> None:
        with self._lock:
            self._due.pop(token, None)

    def first_request(self, requests, context: grpc.ServicerContext, seconds: float):
        """The call's request message, received within ``seconds``."""
        token = self.watch(context, seconds, "request_not_received")
        try:
            return next(requests)
        except StopIteration:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "The call sent no request message.")
        except grpc.RpcError:  # cancelled, by its caller or for its slowness: nobody listens
            context.abort(grpc.StatusCode.CANCELLED, "Cancelled.")
        finally:
            self.forget(token)

    def each_request(self, requests, context: grpc.ServicerContext, seconds: float):
        """A stream's requests, each received within ``seconds`` of the one before."""
        while True:
            token = self.watch(context, seconds, "stream_idle")
            try:
                request = next(requests)
            except StopIteration:
                return
            finally:
                self.forget(token)
            yield request

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                overdue = [token for token, (due, _, _) in self._due.items() if due <= now]
                cancelled = [self._due.pop(token)[1:] for token in overdue]
            for context, reason in cancelled:
                logger.info("grpc_call_cancelled", reason=reason)
                context.cancel()


def receiving(
    handler: grpc.RpcMethodHandler, *, threads: futures.ThreadPoolExecutor, watchdog: Watchdog
) -> grpc.RpcMethodHandler:
    """A unary-unary ``handler`` as this server serves it: one of ``threads`` receives
    the request (the call is cancelled after GRPC_RECEIVE_SECONDS without it), then runs
    the handler (which hands database work to the call threads). grpcio as it comes
    receives the request on the thread that runs the handler: a caller that sends none
    would hold it for good."""
    behaviour, seconds = handler.unary_unary, settings.GRPC_RECEIVE_SECONDS

    def serve(requests, context):
        return behaviour(watchdog.first_request(requests, context, seconds), context)

    serve.experimental_thread_pool = threads  # grpcio's choice of threads per method
    return grpc.stream_unary_rpc_method_handler(
        serve,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def refusal(
    threads: futures.ThreadPoolExecutor, code: grpc.StatusCode, reason: str, message: str
) -> grpc.RpcMethodHandler:
    """A handler that answers ``code`` on ``threads`` without reading the request."""
    status = status_of(RpcError(code, reason, message))

    def refuse(requests, context):
        context.abort_with_status(status)

    refuse.experimental_thread_pool = threads
    return grpc.stream_unary_rpc_method_handler(refuse)


def health_handler(
    servicer: health.HealthServicer, *, threads: futures.ThreadPoolExecutor, watchdog: Watchdog
) -> grpc.GenericRpcHandler:
    """The standard health service with Check only, answered on ``threads`` (never the
    call threads: a busy server still answers its probes). A Watch stream would hold a
    thread for as long as its client stays: Watch answers UNIMPLEMENTED, which gRPC's
    health-checking clients take as "healthy, do not watch"; probes (the kubelet's,
    grpc_health_probe) call Check."""
    check = grpc.unary_unary_rpc_method_handler(
        servicer.Check,
        request_deserializer=health_pb2.HealthCheckRequest.FromString,
        response_serializer=health_pb2.HealthCheckResponse.SerializeToString,
    )
    watch = refusal(
        threads,
        grpc.StatusCode.UNIMPLEMENTED,
        "unimplemented",
        "Watch is not served (each stream would hold a thread); poll Check.",
    )
    return grpc.method_handlers_generic_handler(
        health.SERVICE_NAME,
        {"Check": receiving(check, threads=threads, watchdog=watchdog), "Watch": watch},
    )


def reflection_handler(
    *, threads: futures.ThreadPoolExecutor, watchdog: Watchdog
) -> grpc.GenericRpcHandler:
    """Reflection over the service, health and itself, on ``threads`` (Admission lets
    in as many streams as they are); a stream ends (CANCELLED) when idle GRPC_RECEIVE_SECONDS or
    open GRPC_REFLECTION_STREAM_SECONDS."""
    servicer = reflection.ReflectionServicer(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME)
    )
    idle, lifetime = settings.GRPC_RECEIVE_SECONDS, settings.GRPC_REFLECTION_STREAM_SECONDS

    def serve(requests, context):
        whole = watchdog.watch(context, lifetime, "reflection_stream_too_long")
        try:
            yield from servicer.ServerReflectionInfo(
                watchdog.each_request(requests, context, idle), context
            )
        finally:
            watchdog.forget(whole)

    serve.experimental_thread_pool = threads
    info = grpc.stream_stream_rpc_method_handler(
        serve,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler(
        reflection.SERVICE_NAME, {"ServerReflectionInfo": info}
    )


class Admission(grpc.ServerInterceptor):
    """Decides, before a call takes a thread, whether it is served. Refusals are answered
    on the side threads without reading the request:

    - the service's calls (and the bench floor's) while a stop drains: UNAVAILABLE
      ("call another server"); health and reflection still answer;
    - beyond GRPC_MAX_WORKERS + GRPC_MAX_WAITING of them at once: RESOURCE_EXHAUSTED,
      reason ``server_busy``, rather than a queue without end;
    - a reflection stream beyond REFLECTION_STREAMS open: RESOURCE_EXHAUSTED.
    """

    HEALTH = "/grpc.health."
    REFLECTION = "/grpc.reflection."

    def __init__(
        self,
        requests: CountingPool,
        reflecting: CountingPool,
        side: futures.ThreadPoolExecutor,
    ) -> None:
        self.requests, self.reflecting = requests, reflecting
        self.draining = False
        self.last_refused = 0.0  # time.monotonic() of the last call refused for the stop
        self._busy_refused, self._busy_logged = 0, 0.0
        self._stopping = refusal(
            side,
            grpc.StatusCode.UNAVAILABLE,
            "shutting_down",
            "This server is stopping; call another (or again shortly).",
        )
        self._busy = refusal(
            side,
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "server_busy",
            "This server has as many calls as it takes; retry with backoff or call another.",
        )
        self._reflection_busy = refusal(
            side,
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "server_busy",
            "As many reflection streams as this server takes are open; retry when one ended.",
        )

    def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        if method.startswith(self.HEALTH):
            return continuation(handler_call_details)
        if method.startswith(self.REFLECTION):
            return (
                self._reflection_busy
                if self.reflecting.full
                else continuation(handler_call_details)
            )
        if self.draining:
            self.last_refused = time.monotonic()
            return self._stopping
        if self.requests.full:
            self._count_busy(method)
            return self._busy
        return continuation(handler_call_details)

    def _count_busy(self, method: str) -> None:
        """A warning a second at most while calls are refused, with how many."""
        self._busy_refused += 1
        now = time.monotonic()
        if now - self._busy_logged >= 1.0:
            logger.warning("grpc_calls_refused_busy", calls=self._busy_refused, last_method=method)
            self._busy_refused, self._busy_logged = 0, now

    def wait_for_quiet(self, seconds: float, deadline: float) -> None:
        """Until no call was refused for ``seconds`` (or the deadline): a client that
        calls again soon after a refusal would otherwise meet the closing port."""
        while (quiet := time.monotonic() - self.last_refused) < seconds:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(seconds - quiet, left))


# Threads beside the call threads: health checks and refusals (which read no request).
SIDE_THREADS = 4
# Reflection streams open at once. Two, not one: a client that opens a stream per query
# (grpcio's ProtoReflectionDescriptorDatabase) sends the next while the server is still
# closing the last.
REFLECTION_STREAMS = 2


class RegistryServer:
    """The server's threads, each kind bounded, so that no caller can take another's:

    - ``requests`` (GRPC_MAX_WORKERS + GRPC_MAX_WAITING): receive each call's request
      (within GRPC_RECEIVE_SECONDS), answer a hot read from Redis, and otherwise wait for
      a call thread; when all are taken, new calls are refused at once (Admission);
    - ``calls`` (GRPC_MAX_WORKERS): the calls that need the database, each thread with
      its own connection; only calls whose request has arrived reach them;
    - ``side``: health checks and refusals; ``reflecting``: REFLECTION_STREAMS streams;
    - with GRPC_HEALTH_BIND, a second server on its own port and threads answers health
      alone, for the kubelet.
    """

    def __init__(self, bind: str, *, max_workers: int | None = None) -> None:
        missing = unanswered()
        if missing:  # answered UNIMPLEMENTED; the suite holds that none is
            logger.warning("grpc_methods_unanswered", methods=missing)
        size = settings.GRPC_MAX_MESSAGE_BYTES
        workers = max_workers or settings.GRPC_MAX_WORKERS
        self.calls = futures.ThreadPoolExecutor(workers, thread_name_prefix="grpc-call")
        self.requests = CountingPool(workers + settings.GRPC_MAX_WAITING, "grpc-request")
        self.reflecting = CountingPool(REFLECTION_STREAMS, "grpc-reflection")
        self.side = futures.ThreadPoolExecutor(SIDE_THREADS, thread_name_prefix="grpc-side")
        self.watchdog = Watchdog()
        self.admission = Admission(self.requests, self.reflecting, self.side)
        self.server = grpc.server(
            self.requests,
            interceptors=(self.admission,),
            options=[
                ("grpc.max_receive_message_length", size),
                ("grpc.max_send_message_length", size),
            ],
        )
        observe_calls(observe_grpc_call)
        grpc_methods_served(registered())
        service = {
            name: receiving(handler, threads=self.requests, watchdog=self.watchdog)
            for name, handler in method_handlers(database_threads=self.calls).items()
        }
        self.server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE_NAME, service),)
        )
        if settings.BENCH_FLOOR:
            self.server.add_generic_rpc_handlers((bench_floor_handler(),))
        self.health = health.HealthServicer()
        # Known, and not serving, until the first check has found the database answering.
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.health.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)
        self.server.add_generic_rpc_handlers(
            (health_handler(self.health, threads=self.side, watchdog=self.watchdog),)
        )
        if settings.GRPC_REFLECTION:
            self.server.add_generic_rpc_handlers(
                (reflection_handler(threads=self.reflecting, watchdog=self.watchdog),)
            )
        self.port = self._listen(bind)
        self.bind = bind
        self.probes = self.probe_port = None
        if settings.GRPC_HEALTH_BIND:
            self.probes, self.probe_port = self._serve_probes(settings.GRPC_HEALTH_BIND)
        self.metrics = None
        if settings.GRPC_METRICS_BIND:
            try:
                self.metrics = serve_grpc_metrics(settings.GRPC_METRICS_BIND)
            except ValueError as error:
                raise RuntimeError(str(error)) from None
        self._stopping = threading.Event()
        self._checker = threading.Thread(target=self._check_health, name="grpc-health", daemon=True)

    def _serve_probes(self, bind: str) -> tuple[grpc.Server, int]:
        """The health service alone, plaintext, on threads of its own (the kubelet's
        probes: no caller of the service's port reaches them, and the kubelet's grpc
        probe speaks no TLS)."""
        threads = futures.ThreadPoolExecutor(2, thread_name_prefix="grpc-probe")
        probes = grpc.server(threads)
        probes.add_generic_rpc_handlers(
            (health_handler(self.health, threads=threads, watchdog=self.watchdog),)
        )
        port = probes.add_insecure_port(bind)
        if port == 0:
            raise RuntimeError(f"Cannot listen on {bind} (GRPC_HEALTH_BIND).")
        return probes, port

    def _listen(self, bind: str) -> int:
        cert, key = settings.GRPC_TLS_CERT_FILE, settings.GRPC_TLS_KEY_FILE
        if bool(cert) != bool(key):
            given, missing = (
                ("GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE")
                if cert
                else ("GRPC_TLS_KEY_FILE", "GRPC_TLS_CERT_FILE")
            )
            raise RuntimeError(
                f"{given} is set but {missing} is not: set both for TLS, or neither for plaintext."
            )
        if cert:
            credentials = grpc.ssl_server_credentials(
                [(Path(key).read_bytes(), Path(cert).read_bytes())]
            )
            port = self.server.add_secure_port(bind, credentials)
        else:
            port = self.server.add_insecure_port(bind)
        if port == 0:
            raise RuntimeError(f"Cannot listen on {bind}.")
        self.tls = bool(cert)
        return port

    def _set_health(self, status) -> None:
        # The service before the server: a client that saw "" SERVING finds it SERVING.
        for service in (SERVICE_NAME, ""):
            self.health.set(service, status)

    def _check_health(self) -> None:
        serving = health_pb2.HealthCheckResponse.SERVING
        not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
        while not self._stopping.is_set():
            try:
                registry_health.database_answers()
                status = serving
            except Exception as error:  # any failure to answer is "not serving"
                logger.warning(
                    "grpc_health_database_unreachable", error=" ".join(str(error).split())[:300]
                )
                status = not_serving
            if not self._stopping.is_set():
                self._set_health(status)
            self._stopping.wait(settings.GRPC_HEALTH_CHECK_SECONDS)

    def start(self) -> None:
        logger.info(
            "grpc_server_started",
            bind=self.bind,
            port=self.port,
            tls=self.tls,
            metrics=settings.GRPC_METRICS_BIND or None,
            bench_floor=settings.BENCH_FLOOR,
        )
        self.server.start()
        if self.probes is not None:
            self.probes.start()
        self._checker.start()

    def stop(self, grace: float | None = None) -> threading.Event:
        """Refuse new calls, let calls in flight finish, close; the event is set when
        done (within ``grace`` seconds, after which calls still running are cancelled)."""
        grace = settings.GRPC_SHUTDOWN_GRACE_SECONDS if grace is None else grace
        deadline = time.monotonic() + grace
        self.admission.draining = True
        self._stopping.set()
        self.health.enter_graceful_shutdown()
        logger.info("grpc_server_stopping", grace_seconds=grace)
        if self.requests.wait_for_calls_in_flight(grace):
            self.admission.wait_for_quiet(QUIET_BEFORE_CLOSING_SECONDS, deadline)
            logger.info("grpc_server_drained", seconds=round(grace - self._left(deadline), 3))
        else:
            logger.warning("grpc_calls_still_running_at_grace_end", grace_seconds=grace)
        if self.probes is not None:  # NOT_SERVING was its last answer
            self.probes.stop(0)
        return self.server.stop(self._left(deadline))

    @staticmethod
    def _left(deadline: float) -> float:
        return max(0.0, deadline - time.monotonic())

    def serve_until_signalled(self) -> None:
        """Serve until SIGTERM or SIGINT, then stop gracefully (the main thread only)."""
        stop_requested = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop_requested.set())
        self.start()
        stop_requested.wait()
        self.stop().wait()
        if self.metrics is not None:  # scraped until the last call is counted
            self.metrics.shutdown()
            self.metrics.server_close()
        logger.info("grpc_server_stopped")
