"""With neither PostgreSQL nor Redis to answer, a call is UNAVAILABLE in the error shape
(the REST 503's code), never INTERNAL, and the health service says NOT_SERVING."""

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.redis_server import free_port
from tests.rpc.conftest import GrpcServer, error_details, rpc_error


@pytest.fixture
def server_without_backends(tmp_path, django_db_setup):
    dead = free_port()
    server = GrpcServer(
        tmp_path / "server.log",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{dead}/cqar",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        DB_CONNECT_TIMEOUT="1",
    ).start(healthy=False)
    yield server
    assert server.stop() == 0


def test_a_call_is_unavailable_and_health_not_serving(server_without_backends, client_modules):
    with grpc.insecure_channel(server_without_backends.address) as channel:
        stub = client_modules.stubs.AssetRegistryStub(channel)
        for call, request in (
            (stub.GetChain, client_modules.service.GetChainRequest(chain_id="ethereum")),
            (
                stub.ResolveMarket,
                client_modules.service.ResolveMarketRequest(
                    venue_id="kraken", venue_symbol="XXBTZUSD"
                ),
            ),
        ):
            error = rpc_error(
                call, request, metadata=(("authorization", "Bearer cqar_sometoken"),), timeout=30
            )
            assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
            assert error_details(error)["reason"] == "unavailable"
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="cqc.services.v1.AssetRegistry"), timeout=10
        )
        assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING
    log = server_without_backends.log.read_text()
    assert "Traceback" not in log
