"""The gRPC server: the AssetRegistry service, health, reflection, TLS, metrics and a
graceful stop.

- Health (``grpc.health.v1``): SERVING, for the whole server and for the service, while
  the database answered its last check (every GRPC_HEALTH_CHECK_SECONDS); NOT_SERVING
  otherwise and from the moment a stop begins, so a balancer stops sending calls.
  ``liveness`` is SERVING as long as the process serves, whatever the database does
  (the web's /livez: a liveness probe that restarts no pod for a database outage).
- Reflection: grpcurl and Postman list the methods and messages without a .proto.
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
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from registry import health as registry_health
from registry.grpc.calls import (
    SERVICE_NAME,
    generic_handler,
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


class CheckedHealth(health.HealthServicer):
    """The standard health service with Check only: a Watch stream would hold one of
    the GRPC_MAX_WORKERS threads for as long as its client stays, so a few watching
    clients would leave no thread for the registry's calls. Watch answers UNIMPLEMENTED,
    which the health-checking clients of gRPC take as "healthy, do not watch"; probes
    (the kubelet's, grpc_health_probe) call Check."""

    def Watch(self, request, context, send_response_callback=None):
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "Watch is not served (each stream would hold a call thread); poll Check.",
        )


class CallPool(futures.ThreadPoolExecutor):
    """The server's threads. Counts the calls it was given before a stop began, so the
    stop can wait for those to finish."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="grpc")
        self.draining = False
        self._counted = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        if self.draining:  # answered UNAVAILABLE by the Drain (or a call it let by)
            return super().submit(fn, *args, **kwargs)
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


class Drain(grpc.ServerInterceptor):
    """Once on, calls of the service (and of the bench floor) are answered UNAVAILABLE
    before they start; health and reflection still answer."""

    ANSWERED_WHILE_DRAINING = ("/grpc.health.", "/grpc.reflection.")

    def __init__(self) -> None:
        self.on = False
        self.last_refused = 0.0  # time.monotonic() of the last call refused
        self._refusal = grpc.unary_unary_rpc_method_handler(self._refuse)

    def intercept_service(self, continuation, handler_call_details):
        if self.on and not handler_call_details.method.startswith(self.ANSWERED_WHILE_DRAINING):
            self.last_refused = time.monotonic()
            return self._refusal
        return continuation(handler_call_details)

    def wait_for_quiet(self, seconds: float, deadline: float) -> None:
        """Until no call was refused for ``seconds`` (or the deadline): a client that
        calls again soon after a refusal would otherwise meet the closing port."""
        while (quiet := time.monotonic() - self.last_refused) < seconds:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(seconds - quiet, left))

    @staticmethod
    def _refuse(request, context):
        context.abort_with_status(
            status_of(
                RpcError(
                    grpc.StatusCode.UNAVAILABLE,
                    "shutting_down",
                    "This server is stopping; call another (or again shortly).",
                )
            )
        )


class RegistryServer:
    def __init__(self, bind: str, *, max_workers: int | None = None) -> None:
        missing = unanswered()
        if missing:  # answered UNIMPLEMENTED; the suite holds that none is
            logger.warning("grpc_methods_unanswered", methods=missing)
        size = settings.GRPC_MAX_MESSAGE_BYTES
        self.pool = CallPool(max_workers or settings.GRPC_MAX_WORKERS)
        self.drain = Drain()
        self.server = grpc.server(
            self.pool,
            interceptors=(self.drain,),
            options=[
                ("grpc.max_receive_message_length", size),
                ("grpc.max_send_message_length", size),
            ],
        )
        observe_calls(observe_grpc_call)
        grpc_methods_served(registered())
        self.server.add_generic_rpc_handlers((generic_handler(),))
        if settings.BENCH_FLOOR:
            self.server.add_generic_rpc_handlers((bench_floor_handler(),))
        self.health = CheckedHealth()
        # Known, and not serving, until the first check has found the database answering.
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.health.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        self.port = self._listen(bind)
        self.bind = bind
        self.metrics = None
        if settings.GRPC_METRICS_BIND:
            try:
                self.metrics = serve_grpc_metrics(settings.GRPC_METRICS_BIND)
            except ValueError as error:
                raise RuntimeError(str(error)) from None
        self._stopping = threading.Event()
        self._checker = threading.Thread(target=self._check_health, name="grpc-health", daemon=True)

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
        self._checker.start()

    def stop(self, grace: float | None = None) -> threading.Event:
        """Refuse new calls, let calls in flight finish, close; the event is set when
        done (within ``grace`` seconds, after which calls still running are cancelled)."""
        grace = settings.GRPC_SHUTDOWN_GRACE_SECONDS if grace is None else grace
        deadline = time.monotonic() + grace
        self.pool.draining = self.drain.on = True
        self._stopping.set()
        self.health.enter_graceful_shutdown()
        logger.info("grpc_server_stopping", grace_seconds=grace)
        if self.pool.wait_for_calls_in_flight(grace):
            self.drain.wait_for_quiet(QUIET_BEFORE_CLOSING_SECONDS, deadline)
            logger.info("grpc_server_drained", seconds=round(grace - self._left(deadline), 3))
        else:
            logger.warning("grpc_calls_still_running_at_grace_end", grace_seconds=grace)
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
