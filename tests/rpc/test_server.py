"""The gRPC server as an operator runs it: metrics, one log line a call, TLS, the message
size limit, health that follows the database and a graceful stop (tests/rpc/test_threads.py:
the threads, reflection).

Each test that needs a setting of its own starts a ``manage.py grpcserver`` of its own;
the rest use the session's server (tests/rpc/conftest.py).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import grpc
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from prometheus_client.parser import text_string_to_metric_families

from registry.grpc.calls import SERVICE_NAME, registered
from registry.grpc.server import BENCH_FLOOR_ANSWER, BENCH_FLOOR_SERVICE, LIVENESS
from registry.metrics import GRPC_CODES_FROM_THE_START, serve_grpc_metrics
from tests.api.test_server_limits import free_port
from tests.events.worker import session_database_url, wait_for
from tests.factories import ChainFactory
from tests.postgres_servers import PostgresCluster, copy_database, scratch_directory
from tests.rpc.conftest import REPOSITORY, GrpcServer, error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)

METRICS_TOKEN = "grpc-metrics-test-token"
# Above the reflection answer (the service's .proto files, 27 KB), which it must let through.
MESSAGE_LIMIT = 64 * 1024
FLOOR_METHOD = f"/{BENCH_FLOOR_SERVICE}/Constant"


def health_status(channel: grpc.Channel, service: str = "") -> int | None:
    """The health service's answer for ``service``; None when the server does not answer."""
    try:
        return (
            health_pb2_grpc.HealthStub(channel)
            .Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
            .status
        )
    except grpc.RpcError:
        return None


SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def log_lines(server: GrpcServer) -> list[dict]:
    """The JSON lines the server logged so far."""
    lines = []
    for line in server.log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def rpc_lines(server: GrpcServer) -> list[dict]:
    return [line for line in log_lines(server) if line.get("event") == "rpc"]


def wait_for_rpc_lines(server: GrpcServer, chosen, count: int) -> list[dict]:
    """The server's ``rpc`` lines ``chosen`` picks, once there are ``count`` of them."""

    def found():
        lines = [line for line in rpc_lines(server) if chosen(line)]
        return lines if len(lines) >= count else None

    return wait_for(found, 10, f"{count} log lines")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for localhost and 127.0.0.1, made by openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class TlsGrpcServer(GrpcServer):
    """A server with TLS: started once its health service answers over TLS."""

    def __init__(self, log: Path, certificate: Path, **env: str) -> None:
        super().__init__(log, **env)
        self.credentials = grpc.ssl_channel_credentials(root_certificates=certificate.read_bytes())

    def channel(self) -> grpc.Channel:
        return grpc.secure_channel(self.address, self.credentials)

    def start(self) -> "TlsGrpcServer":
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "grpcserver", "--bind", self.address],
                cwd=REPOSITORY,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        with self.channel() as channel:
            wait_for(
                lambda: self.process.poll() is not None or health_status(channel) == SERVING,
                60,
                "the TLS gRPC server to serve",
            )
        assert self.process.poll() is None, self.log.read_text()
        return self


@pytest.fixture(scope="module")
def configured_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """A server as production runs it: TLS, JSON logs, /metrics under a token, a small
    message limit to reach; and the bench floor on."""
    directory = tmp_path_factory.mktemp("grpc-configured")
    cert, key = self_signed_certificate(directory)
    with django_db_blocker.unblock():
        server = TlsGrpcServer(
            directory / "server.log",
            cert,
            GRPC_TLS_CERT_FILE=str(cert),
            GRPC_TLS_KEY_FILE=str(key),
            GRPC_METRICS_BIND=f"127.0.0.1:{free_port()}",
            METRICS_TOKEN=METRICS_TOKEN,
            GRPC_MAX_MESSAGE_BYTES=str(MESSAGE_LIMIT),
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            BENCH_FLOOR="true",
        )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tls_stub(configured_server, client_modules):
    with configured_server.channel() as channel:
        yield client_modules.stubs.AssetRegistryStub(channel)


def scrape(server: GrpcServer, authorization: str | None = f"Bearer {METRICS_TOKEN}"):
    """(status, headers, body) of the server's /metrics."""
    request = urllib.request.Request(f"http://{server.env['GRPC_METRICS_BIND']}/metrics")
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def grpc_samples(server: GrpcServer) -> dict[tuple, float]:
    """{(sample name, method, code or le): value} of the cqar_grpc_ families."""
    status, _, body = scrape(server)
    assert status == 200, body
    found = {}
    for family in text_string_to_metric_families(body):
        if family.name.startswith("cqar_grpc_"):
            for sample in family.samples:
                labels = sample.labels
                found[sample.name, labels["method"], labels.get("code", labels.get("le"))] = (
                    sample.value
                )
    return found


# --- metrics ------------------------------------------------------------------------------


def test_every_method_s_series_exist_before_its_first_call(configured_server):
    samples = grpc_samples(configured_server)
    methods = set(registered())
    assert methods, "the apps registered their methods"
    for method in methods:
        for code in GRPC_CODES_FROM_THE_START:
            assert ("cqar_grpc_calls_total", method, code) in samples, (method, code)
        assert ("cqar_grpc_call_duration_seconds_count", method, None) in samples, method
    assert {method for _, method, _ in samples} == methods


def test_metrics_count_each_call_by_method_and_code(
    configured_server, tls_stub, client_modules, viewer_md
):
    ChainFactory(chain_id="ethereum")
    before = grpc_samples(configured_server)
    request = client_modules.service.GetChainRequest
    tls_stub.GetChain(request(chain_id="ethereum"), metadata=viewer_md)
    tls_stub.GetChain(request(chain_id="ethereum"), metadata=viewer_md)
    rpc_error(tls_stub.GetChain, request(chain_id="nope"), metadata=viewer_md)
    rpc_error(tls_stub.ListChains, client_modules.service.ListChainsRequest())
    after = grpc_samples(configured_server)

    def grew(name, method, label):
        return after.get((name, method, label), 0) - before.get((name, method, label), 0)

    assert grew("cqar_grpc_calls_total", "GetChain", "OK") == 2
    assert grew("cqar_grpc_calls_total", "GetChain", "NOT_FOUND") == 1
    assert grew("cqar_grpc_calls_total", "ListChains", "UNAUTHENTICATED") == 1
    assert grew("cqar_grpc_calls_total", "ListChains", "OK") == 0
    assert grew("cqar_grpc_call_duration_seconds_count", "GetChain", None) == 3
    assert grew("cqar_grpc_call_duration_seconds_bucket", "GetChain", "+Inf") == 3
    assert grew("cqar_grpc_call_duration_seconds_sum", "GetChain", None) > 0


def test_metrics_answer_only_the_metrics_token(configured_server):
    status, headers, body = scrape(configured_server, authorization=None)
    assert status == 401 and headers["WWW-Authenticate"] == "Bearer"
    assert json.loads(body)["error"]["code"] == "not_authenticated"
    status, _, body = scrape(configured_server, authorization="Bearer not-the-token")
    assert (status, json.loads(body)["error"]["code"]) == (401, "authentication_failed")
    status, headers, body = scrape(configured_server)
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "cqar_grpc_calls_total" in body


def test_the_metrics_address_is_host_and_port_or_a_port_on_every_interface(transactional_db):
    for bind, host in [("127.0.0.1:0", "127.0.0.1"), (":0", "0.0.0.0")]:
        server = serve_grpc_metrics(bind)
        try:
            assert server.server_address[0] == host
        finally:
            server.shutdown()
            server.server_close()
    with pytest.raises(ValueError, match="GRPC_METRICS_BIND"):
        serve_grpc_metrics("localhost")


# --- one log line a call --------------------------------------------------------------------


def test_each_call_logs_one_json_line_with_its_request_id(
    configured_server, tls_stub, client_modules, viewer_md
):
    ChainFactory(chain_id="ethereum")
    request_id = f"trace-{uuid.uuid4()}"
    _, call = tls_stub.GetChain.with_call(
        client_modules.service.GetChainRequest(chain_id="ethereum"),
        metadata=(*viewer_md, ("x-request-id", request_id)),
    )
    assert dict(call.trailing_metadata())["x-request-id"] == request_id
    error = rpc_error(
        tls_stub.GetChain,
        client_modules.service.GetChainRequest(chain_id="nope"),
        metadata=(("x-request-id", f"{request_id}-2"),),
    )
    assert dict(error.trailing_metadata())["x-request-id"] == f"{request_id}-2"

    lines = wait_for_rpc_lines(configured_server, lambda line: request_id in line["request_id"], 2)
    answered, refused = sorted(lines, key=lambda line: line["request_id"])
    assert answered["request_id"] == request_id
    assert (answered["method"], answered["code"], answered["actor"]) == (
        "GetChain",
        "OK",
        "service:grpc-viewer",
    )
    assert (refused["code"], refused["actor"]) == ("UNAUTHENTICATED", None)
    for line in lines:
        assert line["level"] == "info" and line["logger"] == "registry.grpc.calls"
        assert isinstance(line["duration_ms"], float) and 0 < line["duration_ms"] < 10_000
        assert datetime.fromisoformat(line["timestamp"]).utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "hostile",
    ['x" "level": "error', "a" * 129, "id with spaces", "<script>"],
    ids=["quotes", "too-long", "spaces", "markup"],
)
def test_a_hostile_request_id_is_replaced_by_a_new_one(
    hostile, configured_server, tls_stub, client_modules, viewer_md
):
    ChainFactory(chain_id="ethereum")
    _, call = tls_stub.GetChain.with_call(
        client_modules.service.GetChainRequest(chain_id="ethereum"),
        metadata=(*viewer_md, ("x-request-id", hostile)),
    )
    replaced = dict(call.trailing_metadata())["x-request-id"]
    assert str(uuid.UUID(replaced)) == replaced
    (line,) = wait_for_rpc_lines(configured_server, lambda line: line["request_id"] == replaced, 1)
    assert line["method"] == "GetChain"
    assert hostile not in configured_server.log.read_text()


# --- TLS and the message limit ----------------------------------------------------------------


def test_with_a_certificate_the_server_speaks_tls_only(
    configured_server, tls_stub, client_modules, viewer_md
):
    ChainFactory(chain_id="ethereum")
    answer = tls_stub.GetChain(
        client_modules.service.GetChainRequest(chain_id="ethereum"), metadata=viewer_md
    )
    assert answer.chain.chain_id == "ethereum"
    with grpc.insecure_channel(configured_server.address) as plaintext:
        stub = client_modules.stubs.AssetRegistryStub(plaintext)
        error = rpc_error(
            stub.GetChain,
            client_modules.service.GetChainRequest(chain_id="ethereum"),
            metadata=viewer_md,
            timeout=5,
        )
    assert error.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("given", ["GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"])
def test_half_a_tls_configuration_is_refused_at_start(given, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    env = {key_: value for key_, value in os.environ.items() if not key_.startswith("GRPC_TLS_")}
    env[given] = str(cert if given == "GRPC_TLS_CERT_FILE" else key)
    ran = subprocess.run(
        [sys.executable, "manage.py", "grpcserver", "--bind", f"127.0.0.1:{free_port()}"],
        cwd=REPOSITORY,
        env={**env, "DATABASE_URL": session_database_url()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode != 0
    missing = ({"GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"} - {given}).pop()
    assert f"{given} is set but {missing} is not" in ran.stderr
    assert "grpc_server_started" not in ran.stdout + ran.stderr


def test_a_request_over_the_message_limit_is_refused_and_the_server_serves_on(
    configured_server, tls_stub, client_modules, viewer_md
):
    ChainFactory(chain_id="ethereum")
    request = client_modules.service.GetChainRequest
    error = rpc_error(
        tls_stub.GetChain, request(chain_id="x" * (MESSAGE_LIMIT + 1)), metadata=viewer_md
    )
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    answer = tls_stub.GetChain(request(chain_id="ethereum"), metadata=viewer_md)
    assert answer.chain.chain_id == "ethereum"
    assert configured_server.process.poll() is None


def test_an_answer_over_the_message_limit_is_refused_too(
    configured_server, tls_stub, client_modules, viewer_md
):
    from chains.models import Chain

    Chain.objects.bulk_create(  # about 100 bytes each in the answer
        [ChainFactory.build(name=f"A chain with a longer name, number {n}") for n in range(1000)]
    )
    error = rpc_error(
        tls_stub.ListChains, client_modules.service.ListChainsRequest(), metadata=viewer_md
    )
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert configured_server.process.poll() is None


# --- the bench floor -------------------------------------------------------------------------


def test_the_bench_floor_is_a_service_of_its_own_in_bench_mode_only(
    configured_server, grpc_server, client_modules
):
    with configured_server.channel() as channel:
        floor = channel.unary_unary(FLOOR_METHOD)
        assert floor(b"anything") == BENCH_FLOOR_ANSWER
        assert client_modules.service.ResolveMarketResponse.FromString(floor(b"")).market_id
        pool = DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
        assert "Constant" not in pool.FindServiceByName(SERVICE_NAME).methods_by_name
    with grpc.insecure_channel(grpc_server.address) as channel:  # BENCH_FLOOR off
        error = rpc_error(channel.unary_unary(FLOOR_METHOD), b"")
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED


# --- health follows the database --------------------------------------------------------------


@pytest.fixture
def own_database(transactional_db, viewer_md):
    """A PostgreSQL cluster of the test's own holding a copy of the test database (the
    viewer's token in it), to stop and start under a server."""
    directory = scratch_directory("cqar-grpc-health-")
    cluster = PostgresCluster.primary(directory)
    try:
        copy_database(session_database_url(), cluster, "cqar")
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


def test_health_is_serving_while_the_database_answers(
    own_database, viewer_md, client_modules, tmp_path
):
    server = GrpcServer(tmp_path / "server.log", DB_CONNECT_TIMEOUT="2")
    server.env["DATABASE_URL"] = own_database.url("cqar")
    server.start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = client_modules.stubs.AssetRegistryStub(channel)
            for service in ("", SERVICE_NAME):
                assert health_status(channel, service) == SERVING
            assert health_status(channel, "no.such.Service") is None  # NOT_FOUND
            list_chains = client_modules.service.ListChainsRequest()
            stub.ListChains(list_chains, metadata=viewer_md)

            own_database.stop("fast")
            wait_for(lambda: health_status(channel) == NOT_SERVING, 15, "NOT_SERVING")
            assert health_status(channel, SERVICE_NAME) == NOT_SERVING
            assert health_status(channel, LIVENESS) == SERVING  # no restart for this
            error = rpc_error(stub.ListChains, list_chains, metadata=viewer_md, timeout=15)
            assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
            assert error_details(error)["reason"]

            own_database.start()
            wait_for(lambda: health_status(channel) == SERVING, 15, "SERVING again")
            assert health_status(channel, SERVICE_NAME) == SERVING
            stub.ListChains(list_chains, metadata=viewer_md)
        assert server.process.poll() is None
    finally:
        server.stop()
    warnings = [
        line for line in log_lines(server) if line["event"] == "grpc_health_database_unreachable"
    ]
    assert warnings and all(line["level"] == "warning" for line in warnings)


# --- a graceful stop --------------------------------------------------------------------------

SLOW_CHAINS = 3000  # ListChains answers every chain: a call that takes a while


class Caller(threading.Thread):
    """Calls one method in a loop, each call with its own request id, until told to
    stop or its calls have failed ``failures_to_stop`` times."""

    def __init__(self, stub, method, request, check, metadata, failures_to_stop=3) -> None:
        super().__init__(daemon=True)
        self.call, self.method = getattr(stub, method), method
        self.request, self.check = request, check
        self.metadata = metadata
        self.failures_to_stop = failures_to_stop
        self.outcomes: list[dict] = []
        self.calling_since: float | None = None  # the call under way's start
        self.done = threading.Event()

    def run(self) -> None:
        failures = 0
        while not self.done.is_set() and failures < self.failures_to_stop:
            request_id = str(uuid.uuid4())
            started = time.time()
            outcome = {"request_id": request_id, "started": started, "method": self.method}
            self.calling_since = time.monotonic()
            try:
                answer = self.call(
                    self.request,
                    metadata=(*self.metadata, ("x-request-id", request_id)),
                    timeout=60,
                )
                outcome["code"] = "OK"
                outcome["complete"] = self.check(answer)
            except grpc.RpcError as error:
                outcome["code"] = error.code().name
                outcome["details"] = error.details()
                failures += 1
            outcome["finished"] = time.time()
            self.calling_since = None
            self.outcomes.append(outcome)
            if outcome["code"] != "OK":
                time.sleep(0.02)  # a client's retry policy backs off


def slow_call_under_way(caller: Caller) -> bool:
    since = caller.calling_since
    return since is not None and 0.02 < time.monotonic() - since < 0.05


def logged_at(line: dict) -> float:
    return datetime.fromisoformat(line["timestamp"]).timestamp()


def test_sigterm_finishes_the_calls_in_flight_and_refuses_the_rest(
    client_modules, viewer_md, tmp_path
):
    from chains.models import Chain

    Chain.objects.bulk_create(
        [ChainFactory.build(chain_id=f"slow-{n:05}") for n in range(SLOW_CHAINS)]
    )
    ChainFactory(chain_id="ethereum")
    grace = 20
    server = GrpcServer(
        tmp_path / "server.log",
        GRPC_SHUTDOWN_GRACE_SECONDS=str(grace),
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
    ).start()
    service = client_modules.service
    channel = grpc.insecure_channel(server.address)
    stub = client_modules.stubs.AssetRegistryStub(channel)
    callers = [
        Caller(
            stub,
            "ListChains",
            service.ListChainsRequest(),
            lambda answer: len(answer.chains) == SLOW_CHAINS + 1,
            viewer_md,
        )
        for _ in range(3)
    ] + [
        Caller(
            stub,
            "GetChain",
            service.GetChainRequest(chain_id="ethereum"),
            lambda answer: answer.chain.chain_id == "ethereum",
            viewer_md,
        )
        for _ in range(5)
    ]
    try:
        for caller in callers:
            caller.start()
        wait_for(lambda: all(len(caller.outcomes) >= 2 for caller in callers), 60, "calls to flow")
        # The stop comes while a slow call is well under way: the server has one to
        # finish while new calls meet the closing door.
        wait_for(lambda: any(slow_call_under_way(caller) for caller in callers[:3]), 30, "a call")
        signalled = time.time()
        os.killpg(server.process.pid, signal.SIGTERM)
        exit_code = server.process.wait(timeout=grace + 10)
        exited = time.time()
        for caller in callers:
            caller.join(timeout=30)
            assert not caller.is_alive()
    finally:
        for caller in callers:
            caller.done.set()
        channel.close()
        server.stop()

    assert exit_code == 0, server.log.read_text()[-3000:]
    assert exited - signalled < grace
    outcomes = [outcome for caller in callers for outcome in caller.outcomes]
    answered = {o["request_id"] for o in outcomes if o["code"] == "OK"}
    refused = [o for o in outcomes if o["code"] != "OK"]
    # Never a broken answer: each call answered in full, or refused as UNAVAILABLE.
    assert all(o["complete"] for o in outcomes if o["code"] == "OK")
    assert {o["code"] for o in refused} == {"UNAVAILABLE"}, [
        o for o in refused if o["code"] != "UNAVAILABLE"
    ]
    assert any("server is stopping" in o["details"] for o in refused)

    lines = log_lines(server)
    (stopping,) = [logged_at(line) for line in lines if line["event"] == "grpc_server_stopping"]
    assert [line["event"] for line in lines][-1] == "grpc_server_stopped"
    # Every call the server accepted was answered, and reached its caller.
    accepted = {line["request_id"] for line in lines if line["event"] == "rpc"}
    assert {line["code"] for line in lines if line["event"] == "rpc"} == {"OK"}
    assert accepted == answered
    # Calls in flight when the stop began finished, slow ones among them …
    in_flight = [
        o for o in outcomes if o["code"] == "OK" and o["started"] < stopping < o["finished"]
    ]
    assert "ListChains" in {o["method"] for o in in_flight}, "no slow call was in flight"
    # … and none that began after it was served.
    assert all(o["code"] == "UNAVAILABLE" for o in outcomes if o["started"] > stopping)
    assert len(refused) >= len(callers)  # every caller saw the door close


def test_watching_health_streams_leave_the_call_threads_to_the_registry(grpc_server, viewer_md):
    """More Watch streams than GRPC_MAX_WORKERS would each hold a thread for good: Watch
    answers UNIMPLEMENTED (gRPC's health-checking clients then take the server as
    healthy), and the service still answers while they were tried."""
    with grpc.insecure_channel(grpc_server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for _ in range(8):
            watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
            with pytest.raises(grpc.RpcError) as refused:
                next(watch)
            assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert health_status(channel) == SERVING
        list_chains = channel.unary_unary(
            f"/{SERVICE_NAME}/ListChains",
            request_serializer=lambda request: b"",
            response_deserializer=lambda data: data,
        )
        list_chains(None, metadata=viewer_md, timeout=5)
