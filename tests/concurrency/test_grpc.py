"""The gRPC twins of the REST races, against a real server process with as many call
threads as clients: sixteen CreateAssetDeployment calls for one address in every letter
case are one deployment and fifteen ALREADY_EXISTS (deployment_exists), as a later
duplicate is; sixteen UpdateAsset calls with one if-match are one OK and fifteen
FAILED_PRECONDITION."""

import grpc
import pytest

from assets.models import Asset, AssetDeployment
from tests.concurrency.race import CLIENTS, race
from tests.concurrency.test_creates import USDC, USDC_SPELLINGS
from tests.factories import AssetFactory, ChainFactory
from tests.rpc.conftest import GrpcServer, error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def threaded_stub(django_db_setup, django_db_blocker, tmp_path_factory, client_modules):
    """A server of this module's own, with a call thread per client (the suite's shares
    four), and a channel to it."""
    with django_db_blocker.unblock():
        server = GrpcServer(
            tmp_path_factory.mktemp("grpc-race") / "server.log",
            GRPC_MAX_WORKERS=str(CLIENTS),
            GRPC_SHUTDOWN_GRACE_SECONDS="2",
        )
    server.start()
    channel = grpc.insecure_channel(server.address)
    yield client_modules.stubs.AssetRegistryStub(channel)
    channel.close()
    server.stop()


def outcome(call, *args, **kwargs) -> tuple[grpc.StatusCode, str | None]:
    """The call's status code and error reason (None when it succeeds)."""
    try:
        call(*args, **kwargs)
    except grpc.RpcError as error:
        return error.code(), error_details(error)["reason"]
    return grpc.StatusCode.OK, None


def test_one_deployment_created_at_once_over_grpc(threaded_stub, client_modules, steward_md):
    chain, asset = ChainFactory(), AssetFactory()

    def request(number: int):
        return client_modules.service.CreateAssetDeploymentRequest(
            asset_id=str(asset.asset_id),
            chain_id=chain.chain_id,
            contract_address=USDC_SPELLINGS[number % len(USDC_SPELLINGS)],
            decimals=6,
        )

    outcomes = race(
        [
            lambda number=number: outcome(
                threaded_stub.CreateAssetDeployment, request(number), metadata=steward_md
            )
            for number in range(CLIENTS)
        ]
    )
    repeat = rpc_error(threaded_stub.CreateAssetDeployment, request(0), metadata=steward_md)
    assert (repeat.code(), error_details(repeat)["reason"]) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "deployment_exists",
    )
    assert sorted(outcomes, key=str) == sorted(
        [(grpc.StatusCode.OK, None)]
        + [(grpc.StatusCode.ALREADY_EXISTS, "deployment_exists")] * (CLIENTS - 1),
        key=str,
    )
    assert AssetDeployment.objects.get().address == USDC


def test_one_update_lands_of_sixteen_with_one_if_match_over_grpc(
    threaded_stub, client_modules, steward_md
):
    asset = AssetFactory(name="Before")
    outcomes = race(
        [
            lambda number=number: outcome(
                threaded_stub.UpdateAsset,
                client_modules.service.UpdateAssetRequest(
                    asset_id=str(asset.asset_id), name=f"Written by client {number}"
                ),
                metadata=(*steward_md, ("if-match", '"1"')),
            )
            for number in range(CLIENTS)
        ]
    )
    assert outcomes.count((grpc.StatusCode.OK, None)) == 1, outcomes
    assert outcomes.count((grpc.StatusCode.FAILED_PRECONDITION, "stale_version")) == CLIENTS - 1
    winner = outcomes.index((grpc.StatusCode.OK, None))
    stored = Asset.objects.get(pk=asset.pk)
    assert (stored.name, stored.version) == (f"Written by client {winner}", 2)
