"""No caller holds the gRPC server's threads but a call being served: a caller that
sends no request, a reflection stream, a crowd beyond what the server takes; and health
answers while the call threads are all busy (registry.grpc.server.RegistryServer).

One server of its own for the module, small enough to fill: two call threads, two
waiting, a request due within 3 seconds, reflection on, a probe port.
"""

import os
import queue
import threading

import grpc
import psycopg
import pytest
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from registry.grpc.calls import SERVICE, SERVICE_NAME
from registry.grpc.server import (
    BENCH_FLOOR_SERVICE,
    LIVENESS,
    REFLECTION_STREAMS,
    RegistryServer,
)
from tests.api.test_server_limits import free_port
from tests.events.worker import session_database_url, wait_for
from tests.factories import ChainFactory
from tests.rpc.conftest import GrpcServer, error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS, WAITING = 2, 2
SERVING = health_pb2.HealthCheckResponse.SERVING


@pytest.fixture(scope="module")
def small_server(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        server = GrpcServer(
            tmp_path_factory.mktemp("grpc-threads") / "server.log",
            GRPC_MAX_WORKERS=str(WORKERS),
            GRPC_MAX_WAITING=str(WAITING),
            GRPC_RECEIVE_SECONDS="3",
            GRPC_REFLECTION="true",
            GRPC_REFLECTION_STREAM_SECONDS="5",
            GRPC_HEALTH_BIND=f"127.0.0.1:{free_port()}",
        )
    server.start()
    yield server
    server.stop()


def check(address: str, service: str = "") -> int:
    with grpc.insecure_channel(address) as channel:
        return (
            health_pb2_grpc.HealthStub(channel)
            .Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            .status
        )


def list_chains(channel: grpc.Channel):
    """ListChains, its request and answer as bytes (an empty request)."""
    return channel.unary_unary(
        f"/{SERVICE_NAME}/ListChains",
        request_serializer=lambda request: b"",
        response_deserializer=lambda data: data,
    )


class Silent:
    """Calls ListChains and never sends its request: grpcio, as it comes, waits for the
    request on the thread that would run the call."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.release = threading.Event()
        call = channel.stream_unary(
            f"/{SERVICE_NAME}/ListChains",
            request_serializer=lambda request: b"",
            response_deserializer=lambda data: data,
        )
        self.future = call.future(self._nothing(), timeout=30)

    def _nothing(self):
        self.release.wait(30)
        return
        yield


def test_callers_that_send_no_request_hold_no_thread(small_server, viewer_md):
    ChainFactory(chain_id="ethereum")
    health_port = small_server.env["GRPC_HEALTH_BIND"]
    with grpc.insecure_channel(small_server.address) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        silent = [Silent(channel) for _ in range(WORKERS + WAITING)]
        try:
            # Every thread that receives a request waits for one: the next call is
            # refused at once, not queued; health answers on both ports.
            refused = wait_for(
                lambda: _refused(list_chains(channel), viewer_md), 10, "a call refused"
            )
            assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert error_details(refused)["reason"] == "server_busy"
            assert check(small_server.address) == SERVING
            assert check(health_port, LIVENESS) == SERVING
            # After GRPC_RECEIVE_SECONDS they are cancelled and the threads serve again.
            for call in silent:
                assert call.future.exception(timeout=10).code() == grpc.StatusCode.CANCELLED
            assert list_chains(channel)(None, metadata=viewer_md, timeout=5)
        finally:
            for call in silent:
                call.release.set()


def _refused(call, metadata) -> grpc.RpcError | None:
    """The error of a call refused for want of threads; None when it was not."""
    try:
        call(None, metadata=metadata, timeout=1)
    except grpc.RpcError as error:
        return error if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED else None
    return None


def test_busy_call_threads_leave_health_answering(small_server, viewer_md):
    """Calls that wait on the database hold every call thread (a table lock here): health
    answers on both ports, calls beyond the waiting ones are refused at once, and the
    waiting ones are served once the database answers."""
    ChainFactory(chain_id="ethereum")
    health_port = small_server.env["GRPC_HEALTH_BIND"]
    blocker = psycopg.connect(session_database_url(), autocommit=False)
    channel = grpc.insecure_channel(small_server.address)
    try:
        blocker.execute("LOCK TABLE chains_chain IN ACCESS EXCLUSIVE MODE")
        waiting = [
            list_chains(channel).future(None, metadata=viewer_md, timeout=30)
            for _ in range(WORKERS + WAITING)
        ]
        refused = wait_for(lambda: _refused(list_chains(channel), viewer_md), 10, "a refusal")
        assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert check(small_server.address) == SERVING
        assert check(small_server.address, LIVENESS) == SERVING
        assert check(health_port) == SERVING
        # None was answered; one may have been refused, when a thread of the test before
        # was still finishing.
        held = [call for call in waiting if not call.done()]
        assert len(held) >= WORKERS + WAITING - 1
        blocker.rollback()
        assert all(call.result(timeout=30) for call in held)
    finally:
        blocker.close()
        channel.close()


# --- reflection ---------------------------------------------------------------------------


def test_reflection_is_off_unless_asked_for(settings):
    """Off by default outside development (GRPC_REFLECTION follows DEBUG): the service
    serves, reflection is UNIMPLEMENTED. (The suite's servers ask for it.)"""
    from config.settings import DEBUG, GRPC_REFLECTION

    assert GRPC_REFLECTION == DEBUG or "GRPC_REFLECTION" in os.environ
    settings.GRPC_REFLECTION = False
    server = RegistryServer("127.0.0.1:0")
    server.server.start()  # the gRPC server alone: no health checks of the database
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
            )
            with pytest.raises(grpc.RpcError) as refused:
                next(stream)
            assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
            assert check(f"127.0.0.1:{server.port}", LIVENESS) == SERVING
    finally:
        server.server.stop(0).wait()


def test_reflection_lists_the_service_and_resolves_its_descriptor(small_server):
    with grpc.insecure_channel(small_server.address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = set(database.get_services())
        assert {SERVICE_NAME, "grpc.health.v1.Health"} <= services
        assert BENCH_FLOOR_SERVICE not in services
        pool = DescriptorPool(database)
        service = pool.FindServiceByName(SERVICE_NAME)
        assert service.file.name == SERVICE.file.name
        assert set(service.methods_by_name) == set(SERVICE.methods_by_name)
        resolve = service.methods_by_name["ResolveMarket"]
        assert [field.name for field in resolve.input_type.fields] == ["venue_id", "venue_symbol"]
        assert resolve.output_type.full_name == "cqc.services.v1.ResolveMarketResponse"
        # Messages of the files it imports resolve too (cqc.venues.v1 …).
        symbol = pool.FindMessageTypeByName("cqc.venues.v1.VenueSymbol")
        assert "venue_symbol" in symbol.fields_by_name


class ReflectionStream:
    """A reflection stream that sends what is put in ``requests`` (None ends it)."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.requests: queue.Queue = queue.Queue()
        self.answers = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            self._sent(), timeout=30
        )

    def _sent(self):
        while (request := self.requests.get()) is not None:
            yield request

    def ask(self):
        self.requests.put(reflection_pb2.ServerReflectionRequest(list_services=""))
        return next(self.answers)

    def ended_with(self) -> grpc.StatusCode:
        with pytest.raises(grpc.RpcError) as ended:
            next(self.answers)
        return ended.value.code()


def test_few_reflection_streams_at_a_time_and_not_for_long(small_server, viewer_md):
    with grpc.insecure_channel(small_server.address) as channel:
        open_streams = [ReflectionStream(channel) for _ in range(REFLECTION_STREAMS)]
        try:
            for stream in open_streams:
                assert stream.ask().list_services_response.service
            one_more = ReflectionStream(channel)
            error = rpc_error(one_more.ask)
            one_more.requests.put(None)
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert error_details(error)["reason"] == "server_busy"
            assert check(small_server.address) == SERVING
            assert list_chains(channel)(None, metadata=viewer_md, timeout=5) is not None
            # Idle for GRPC_RECEIVE_SECONDS: ended, and the next stream is served.
            for stream in open_streams:
                assert stream.ended_with() == grpc.StatusCode.CANCELLED
        finally:
            for stream in open_streams:
                stream.requests.put(None)
        busy = ReflectionStream(channel)
        try:
            # One that keeps asking ends after GRPC_REFLECTION_STREAM_SECONDS.
            with pytest.raises(grpc.RpcError) as ended:
                for _ in range(100):
                    busy.ask()
                    threading.Event().wait(0.5)
            assert ended.value.code() == grpc.StatusCode.CANCELLED
        finally:
            busy.requests.put(None)
