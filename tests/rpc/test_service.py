"""The service as a whole: every method of the contract answered, each behind the
permission its REST twin needs, and the same refusals for every method."""

import grpc
import pytest
from django.contrib.auth.models import Permission

from registry.grpc.calls import SERVICE, registered, unanswered
from tests.rpc.conftest import error_details, rpc_error

METHODS = sorted(SERVICE.methods_by_name)
# What a method's permission may be: a view_ permission for a read, add_/change_/delete_
# for a write; the name says which the method is.
READ_PREFIXES = ("Get", "List", "Search", "Resolve")


def is_read(name: str) -> bool:
    return name.startswith(READ_PREFIXES) and name != "ResolveQualityFlag"


def test_every_method_of_the_contract_and_v0_3_1_venue_symbols_is_answered():
    assert len(METHODS) == 44  # v0.4.0's 41 and v0.3.1's three venue-symbol methods
    assert unanswered() == []


@pytest.mark.django_db
def test_each_method_needs_a_real_model_permission_of_its_kind():
    for name, method in registered().items():
        app_label, codename = method.permission.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists(), name
        assert codename.startswith("view_") == is_read(name), name
        # A write never runs on a replica (a hot read may answer from the cache alone).
        assert not method.reads or is_read(name), name


def call(stub, client_modules, name: str, **kwargs):
    request_class = getattr(client_modules.service, f"{name}Request")
    return getattr(stub, name)(request_class(), **kwargs)


def refusals(stub, client_modules, names, **kwargs) -> dict[str, tuple]:
    """(status code, ErrorInfo reason) of an empty request to each method."""
    found = {}
    for name in names:
        error = rpc_error(call, stub, client_modules, name, **kwargs)
        found[name] = (error.code(), error_details(error)["reason"])
    return found


def test_without_a_token_every_method_is_unauthenticated(stub, client_modules):
    expected = (grpc.StatusCode.UNAUTHENTICATED, "not_authenticated")
    assert refusals(stub, client_modules, METHODS) == dict.fromkeys(METHODS, expected)


@pytest.mark.django_db(transaction=True)
def test_a_viewer_may_call_no_write(stub, client_modules, viewer_md):
    writes = [name for name in METHODS if not is_read(name)]
    assert len(writes) == 15
    expected = (grpc.StatusCode.PERMISSION_DENIED, "permission_denied")
    found = refusals(stub, client_modules, writes, metadata=viewer_md)
    assert found == dict.fromkeys(writes, expected)


def test_a_token_under_another_scheme_is_refused_naming_the_schemes(stub, client_modules):
    error = rpc_error(
        call, stub, client_modules, "ListChains", metadata=(("authorization", "Basic abc"),)
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "Bearer" in error.details()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["GetChain", "ResolveMarket", "CreateAsset"])
def test_bytes_that_are_no_request_message_are_invalid_not_internal(grpc_server, steward_md, name):
    """Field 1 (a string in each request) holding bytes that are not UTF-8."""
    with grpc.insecure_channel(grpc_server.address) as channel:
        method = channel.unary_unary(f"/cqc.services.v1.AssetRegistry/{name}")
        with pytest.raises(grpc.RpcError) as raised:
            method(b"\x0a\x02\xff\xfe", metadata=steward_md, timeout=10)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
        assert error_details(raised.value)["reason"] == "invalid"
        with pytest.raises(grpc.RpcError) as raised:  # a field cut short
            method(b"\x0a\x09ab", metadata=steward_md, timeout=10)
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.django_db(transaction=True)
def test_a_role_taken_away_stops_writes_at_once(stub, client_modules):
    """Writes are authorized as REST authorizes them, from the database: not from the
    caller the hot reads remember for HOT_AUTH_CACHE_SECONDS."""
    from django.contrib.auth.models import Group

    from registry.roles import STEWARD, VIEWER
    from tests.conftest import token_client
    from tests.rpc.conftest import metadata_of

    client = token_client("demoted", VIEWER, STEWARD, service=True)
    metadata = metadata_of(client)
    service, assets = client_modules.service, client_modules.assets

    def create(symbol: str):
        request = service.CreateAssetRequest(
            symbol=symbol, name=symbol, asset_type=assets.ASSET_TYPE_ERC20
        )
        return stub.CreateAsset(request, metadata=metadata)

    assert create("KEPT").asset.symbol == "KEPT"
    client.user.groups.remove(Group.objects.get(name=STEWARD))
    error = rpc_error(create, "GONE")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    client.user.is_active = False
    client.user.save()
    error = rpc_error(
        stub.GetChain, service.GetChainRequest(chain_id="ethereum"), metadata=metadata
    )
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


@pytest.fixture
def throttled_server(tmp_path, django_db_setup):
    from tests.rpc.conftest import GrpcServer

    server = GrpcServer(tmp_path / "server.log", API_THROTTLE_RATES="read=3/min,write=1/min")
    server.start()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_the_rest_rate_limits_hold_for_grpc_calls(throttled_server, client_modules, steward_md):
    """API_THROTTLE_RATES counts a gRPC read or write as REST counts one; a call over
    the rate is RESOURCE_EXHAUSTED with reason "throttled"."""
    service, assets = client_modules.service, client_modules.assets
    with grpc.insecure_channel(throttled_server.address) as channel:
        stub = client_modules.stubs.AssetRegistryStub(channel)
        for _ in range(3):
            stub.ListChains(service.ListChainsRequest(), metadata=steward_md)
        error = rpc_error(stub.ListChains, service.ListChainsRequest(), metadata=steward_md)
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_details(error)["reason"] == "throttled"
        create = service.CreateAssetRequest(
            symbol="RATE", name="Rate", asset_type=assets.ASSET_TYPE_ERC20
        )
        stub.CreateAsset(create, metadata=steward_md)
        error = rpc_error(stub.CreateAsset, create, metadata=steward_md)
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.mark.django_db(transaction=True)
def test_two_authorization_entries_are_refused_whichever_comes_last(
    stub, client_modules, viewer_md, steward_md
):
    service, assets = client_modules.service, client_modules.assets
    request = service.CreateAssetRequest(
        symbol="TWO", name="Two", asset_type=assets.ASSET_TYPE_ERC20
    )
    for metadata in ((*viewer_md, *steward_md), (*steward_md, *viewer_md)):
        error = rpc_error(stub.CreateAsset, request, metadata=metadata)
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "one authorization" in error.details()


@pytest.mark.django_db(transaction=True)
def test_long_input_quoted_back_keeps_the_status_readable(stub, client_modules, viewer_md):
    """A long id quoted back in a NOT_FOUND message could push the status past the
    header limit, and the client would get a transport error instead of the answer: the
    message is cut (here the longest id a read takes, 4,000 characters)."""
    error = rpc_error(
        stub.GetChain,
        client_modules.service.GetChainRequest(chain_id="x" * 4_000),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert len(error.details()) <= 1000
    assert error_details(error)["reason"] == "not_found"


@pytest.mark.django_db(transaction=True)
def test_a_nul_in_a_field_is_invalid_naming_the_field(stub, client_modules, viewer_md):
    error = rpc_error(
        stub.GetChain,
        client_modules.service.GetChainRequest(chain_id="eth\x00ereum"),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(error_details(error)["fields"]) == ["chain_id"]


@pytest.mark.django_db(transaction=True)
def test_an_answer_over_the_message_limit_is_refused_naming_the_way_out(
    tmp_path, client_modules, viewer_md
):
    from tests.factories import ChainFactory
    from tests.rpc.conftest import GrpcServer

    for _ in range(30):
        ChainFactory(metadata={"notes": "n" * 1000})
    server = GrpcServer(tmp_path / "server.log", GRPC_MAX_MESSAGE_BYTES="20000").start()
    try:
        with grpc.insecure_channel(server.address) as channel:
            stub = client_modules.stubs.AssetRegistryStub(channel)
            error = rpc_error(
                stub.ListChains, client_modules.service.ListChainsRequest(), metadata=viewer_md
            )
    finally:
        server.stop()
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_details(error)["reason"] == "answer_too_large"
    assert '"code":"RESOURCE_EXHAUSTED"' in server.log.read_text()  # not counted as OK
