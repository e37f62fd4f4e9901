"""The gRPC server: the AssetRegistry service, health, reflection, TLS, metrics and a
graceful stop.

- Health (``grpc.health.v1``): SERVING, for the whole server and for the service, while
  the database answered its last check (every GRPC_HEALTH_CHECK_SECONDS); NOT_SERVING
  otherwise and from the moment a stop begins, so a balancer stops sending calls.
- Reflection: grpcurl and Postman list the methods and messages without a .proto.
- TLS when GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE are set.
- Messages over GRPC_MAX_MESSAGE_BYTES are refused either way.
- SIGTERM or SIGINT: new calls are refused, calls in flight finish (up to
  GRPC_SHUTDOWN_GRACE_SECONDS), then the process exits.
"""

import signal
import threading
from concurrent import futures
from pathlib import Path

import grpc
import structlog
from django.conf import settings
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from registry import health as registry_health
from registry.grpc.calls import SERVICE_NAME, generic_handler, observe_calls, unanswered
from registry.metrics import observe_grpc_call

logger = structlog.get_logger(__name__)


class RegistryServer:
    def __init__(self, bind: str, *, max_workers: int | None = None) -> None:
        missing = unanswered()
        if missing:  # answered UNIMPLEMENTED; the suite holds that none is
            logger.warning("grpc_methods_unanswered", methods=missing)
        size = settings.GRPC_MAX_MESSAGE_BYTES
        self.server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=max_workers or settings.GRPC_MAX_WORKERS,
                thread_name_prefix="grpc",
            ),
            options=[
                ("grpc.max_receive_message_length", size),
                ("grpc.max_send_message_length", size),
            ],
        )
        observe_calls(observe_grpc_call)
        self.server.add_generic_rpc_handlers((generic_handler(),))
        self.health = health.HealthServicer()
        # Not serving until the first check has found the database answering.
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        self.port = self._listen(bind)
        self.bind = bind
        self._stopping = threading.Event()
        self._checker = threading.Thread(target=self._check_health, name="grpc-health", daemon=True)

    def _listen(self, bind: str) -> int:
        cert, key = settings.GRPC_TLS_CERT_FILE, settings.GRPC_TLS_KEY_FILE
        if bool(cert) != bool(key):
            raise RuntimeError("Set both GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE, or neither.")
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
        for service in ("", SERVICE_NAME):
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
        logger.info("grpc_server_started", bind=self.bind, port=self.port, tls=self.tls)
        self.server.start()
        self._checker.start()

    def stop(self, grace: float | None = None) -> threading.Event:
        """Refuse new calls, let calls in flight finish; the event is set when done."""
        self._stopping.set()
        self.health.enter_graceful_shutdown()
        grace = settings.GRPC_SHUTDOWN_GRACE_SECONDS if grace is None else grace
        logger.info("grpc_server_stopping", grace_seconds=grace)
        return self.server.stop(grace)

    def serve_until_signalled(self) -> None:
        """Serve until SIGTERM or SIGINT, then stop gracefully (the main thread only)."""
        stop_requested = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop_requested.set())
        self.start()
        stop_requested.wait()
        self.stop().wait()
        logger.info("grpc_server_stopped")
