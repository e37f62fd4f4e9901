"""A real gRPC server process on a free port, on the test database and Redis, and a
client generated from proto/ with grpcio-tools, as a platform service would generate
its own.

Tests here commit their rows (``transaction=True``): the server sees committed rows only.
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.api.test_server_limits import free_port
from tests.conftest import token_client
from tests.events.worker import session_database_url, wait_for
from tests.rpc.client import compile_client

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def client_modules(tmp_path_factory):
    """The generated client: ``service`` (asset_registry_pb2), ``stubs``
    (asset_registry_pb2_grpc) and the message modules, compiled from proto/ now."""
    return compile_client(tmp_path_factory.mktemp("grpc-client"))


def health_serving(address: str) -> bool:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=2
            )
        except grpc.RpcError:
            return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING


def listening(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


class GrpcServer:
    """``manage.py grpcserver`` in a process of its own; stop() sends SIGTERM."""

    def __init__(self, log: Path, **env: str) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": session_database_url(),
            "DEBUG": "false",
            "GRPC_HEALTH_CHECK_SECONDS": "0.5",
            # Described to the tests as to grpcurl in development (off by default
            # outside it: tests/rpc/test_threads.py).
            "GRPC_REFLECTION": "true",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, *, healthy: bool = True) -> "GrpcServer":
        """Start it and wait until its health service says SERVING (``healthy``) or,
        for a server whose database is away, until it accepts connections."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "grpcserver", "--bind", self.address],
                cwd=REPOSITORY,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ready = health_serving if healthy else listening
        wait_for(
            lambda: self.process.poll() is not None or ready(self.address),
            60,
            "the gRPC server to serve",
        )
        assert self.process.poll() is None, self.log.read_text()
        return self

    def stop(self, timeout: float = 60) -> int:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            return self.process.wait(timeout=timeout)
        return self.process.returncode if self.process else 0


@pytest.fixture(scope="session")
def grpc_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """The server the RPC tests share, for the whole session."""
    with django_db_blocker.unblock():
        server = GrpcServer(tmp_path_factory.mktemp("grpcserver") / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stub(grpc_server, client_modules):
    channel = grpc.insecure_channel(grpc_server.address)
    yield client_modules.stubs.AssetRegistryStub(channel)
    channel.close()


def metadata_of(client) -> tuple[tuple[str, str], ...]:
    """An API client's token as gRPC metadata."""
    return (("authorization", client._credentials["HTTP_AUTHORIZATION"]),)


@pytest.fixture
def viewer_md(transactional_db):
    return metadata_of(token_client("grpc-viewer", VIEWER, service=True))


@pytest.fixture
def steward_md(transactional_db):
    return metadata_of(token_client("grpc-steward", VIEWER, STEWARD, service=True))


@pytest.fixture
def auditor_md(transactional_db):
    return metadata_of(token_client("grpc-auditor", VIEWER, AUDITOR, service=True))


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    """The error a call fails with (the test fails if it succeeds)."""
    with pytest.raises(grpc.RpcError) as raised:
        call(*args, **kwargs)
    return raised.value


def error_details(error: grpc.RpcError) -> dict:
    """{"reason": ErrorInfo.reason, "fields": {field: [descriptions]}} of a rich status."""
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    status = rpc_status.from_call(error)
    found = {"reason": None, "fields": {}}
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            found["reason"] = info.reason
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                found["fields"].setdefault(violation.field, []).append(violation.description)
    return found
