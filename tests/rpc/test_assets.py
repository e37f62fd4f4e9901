"""Assets, deployments and CreateChain over gRPC, against the real server: each answers
what its REST twin answers, and refuses what it refuses."""

from datetime import UTC, datetime

import grpc
import pytest
from django.db import connection
from google.protobuf import json_format

from assets.models import Asset, AssetDeployment
from chains.models import Chain
from registry.roles import STEWARD, VIEWER
from tests.conftest import token_client
from tests.events.worker import wait_for
from tests.factories import AssetDeploymentFactory, AssetFactory, ChainFactory, evm_address
from tests.rpc.conftest import error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)

USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_SOLANA = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
ASSET_TYPE_ERC20 = 2
ASSET_TYPE_NATIVE = 1


@pytest.fixture
def rest(transactional_db):
    """A REST client of a steward, to read what gRPC wrote (and write what it reads)."""
    return token_client("rest-steward", VIEWER, STEWARD)


@pytest.fixture
def ethereum(transactional_db):
    return ChainFactory(chain_id="ethereum", name="Ethereum", network_id=1)


@pytest.fixture
def solana(transactional_db):
    return ChainFactory(chain_id="solana", name="Solana", chain_type="SOLANA", network_id=None)


@pytest.fixture
def usdc(ethereum):
    deployment = AssetDeploymentFactory(
        asset=AssetFactory(symbol="USDC", name="USD Coin", category="stablecoin"),
        chain=ethereum,
        address=USDC_ETHEREUM,
        decimals=6,
        metadata={"source": "circle"},
    )
    return deployment


def iso(stamp) -> str:
    """A protobuf Timestamp as REST writes a time."""
    moment = stamp.ToDatetime(tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


def as_dict(message) -> dict:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def invalid_fields(error) -> dict:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    return error_details(error)["fields"]


# --- authentication and permissions, every method -----------------------------------------


METHODS = {
    # method: (request message, a write?)
    "CreateAsset": ("CreateAssetRequest", True),
    "GetAsset": ("GetAssetRequest", False),
    "UpdateAsset": ("UpdateAssetRequest", True),
    "DeleteAsset": ("DeleteAssetRequest", True),
    "ListAssets": ("ListAssetsRequest", False),
    "SearchAssets": ("SearchAssetsRequest", False),
    "CreateAssetDeployment": ("CreateAssetDeploymentRequest", True),
    "GetAssetDeployment": ("GetAssetDeploymentRequest", False),
    "ListAssetDeployments": ("ListAssetDeploymentsRequest", False),
    "CreateChain": ("CreateChainRequest", True),
}


@pytest.mark.parametrize("method", METHODS)
def test_without_a_token_every_method_is_unauthenticated(stub, client_modules, method):
    request = getattr(client_modules.service, METHODS[method][0])()
    error = rpc_error(getattr(stub, method), request)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_details(error)["reason"] == "not_authenticated"


@pytest.mark.parametrize("method", [name for name, (_, write) in METHODS.items() if write])
def test_a_viewer_may_not_write(stub, client_modules, viewer_md, method):
    asset = AssetFactory()
    messages = client_modules.service
    requests = {
        "CreateAsset": messages.CreateAssetRequest(symbol="NEW", name="New", asset_type=2),
        "UpdateAsset": messages.UpdateAssetRequest(asset_id=str(asset.asset_id), name="Renamed"),
        "DeleteAsset": messages.DeleteAssetRequest(asset_id=str(asset.asset_id)),
        "CreateAssetDeployment": messages.CreateAssetDeploymentRequest(
            asset_id=str(asset.asset_id), chain_id="ethereum", decimals=18
        ),
        "CreateChain": messages.CreateChainRequest(name="Viewer Chain", chain_type="OTHER"),
    }
    error = rpc_error(getattr(stub, method), requests[method], metadata=viewer_md)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_details(error)["reason"] == "permission_denied"
    assert list(Asset.all_objects.values_list("name", "deleted_at", "version")) == [
        (asset.name, None, 1)
    ]
    assert not AssetDeployment.objects.exists() and not Chain.objects.exists()


# --- assets --------------------------------------------------------------------------------


def test_a_created_asset_reads_over_rest_as_grpc_answered(stub, client_modules, steward_md, rest):
    answer, call = stub.CreateAsset.with_call(
        client_modules.service.CreateAssetRequest(
            symbol=" wETH ",
            name="Wrapped Ether",
            asset_type=ASSET_TYPE_ERC20,
            category="wrapped",
            description="ETH as an ERC-20.",
            website_url="https://weth.io",
        ),
        metadata=steward_md,
    )
    asset = answer.asset
    stored = Asset.objects.get(pk=asset.asset_id)
    assert (stored.symbol, stored.name, stored.asset_type) == ("wETH", "Wrapped Ether", "ERC20")
    response = rest.get(f"/api/v1/assets/{asset.asset_id}/")
    assert response.status_code == 200
    body = response.json()
    shown = as_dict(asset)
    assert shown.pop("asset_type") == "ASSET_TYPE_ERC20" and body.pop("asset_type") == "ERC20"
    shown.update(created_at=iso(asset.created_at), updated_at=iso(asset.updated_at))
    assert shown == {
        "asset_id": body["asset_id"],
        "symbol": body["symbol"],
        "name": body["name"],
        "category": body["category"],
        "description": body["description"],
        "logo_url": body["logo_url"],
        "website_url": body["website_url"],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }  # and no metadata: an ERC20 carries nothing beside the contract's fields
    assert dict(call.trailing_metadata())["etag"] == response["ETag"] == '"1"'


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"name": "No symbol", "asset_type": ASSET_TYPE_ERC20}, "symbol"),
        ({"symbol": "X", "name": "X"}, "asset_type"),  # required, and UNSPECIFIED is unsent
        ({"symbol": "X", "name": "X", "asset_type": 0}, "asset_type"),
        ({"symbol": "X", "name": "X", "asset_type": 42}, "asset_type"),  # unknown number
        ({"symbol": "X", "name": "X", "asset_type": 2, "website_url": "not a url"}, "website_url"),
        ({"symbol": "", "name": "X", "asset_type": ASSET_TYPE_ERC20}, "symbol"),
    ],
)
def test_create_asset_refuses_what_rest_refuses_naming_the_field(
    stub, client_modules, steward_md, fields, named
):
    error = rpc_error(
        stub.CreateAsset, client_modules.service.CreateAssetRequest(**fields), metadata=steward_md
    )
    assert named in invalid_fields(error)
    assert not Asset.objects.exists()


def test_get_asset_answers_the_contracts_asset_and_its_version(stub, client_modules, viewer_md):
    asset = AssetFactory(symbol="UNI", name="Uniswap", category="defi", metadata={"rank": 20})
    answer, call = stub.GetAsset.with_call(
        client_modules.service.GetAssetRequest(asset_id=str(asset.asset_id).upper()),
        metadata=viewer_md,
    )
    assert as_dict(answer.asset) == {
        "asset_id": str(asset.asset_id),
        "symbol": "UNI",
        "name": "Uniswap",
        "asset_type": "ASSET_TYPE_ERC20",
        "category": "defi",
        "description": "",
        "logo_url": "",
        "website_url": "",
        "created_at": answer.asset.created_at.ToJsonString(),
        "updated_at": answer.asset.updated_at.ToJsonString(),
        "metadata": {"rank": 20.0},
    }
    assert answer.asset.created_at.ToDatetime(tzinfo=UTC) == asset.created_at
    assert dict(call.trailing_metadata())["etag"] == f'"{asset.version}"'


def test_a_fiat_asset_is_answered_as_unspecified_with_its_type_in_metadata(
    stub, client_modules, viewer_md, steward_md
):
    usd = AssetFactory(symbol="USD", name="US Dollar", asset_type="FIAT")
    answer = stub.GetAsset(
        client_modules.service.GetAssetRequest(asset_id=str(usd.asset_id)), metadata=viewer_md
    )
    assert answer.asset.asset_type == 0
    assert as_dict(answer.asset)["metadata"] == {"cqar_asset_type": "FIAT"}
    # Sent back as answered (UNSPECIFIED), the type is kept: a change of name only.
    changed = stub.UpdateAsset(
        client_modules.service.UpdateAssetRequest(
            asset_id=str(usd.asset_id), asset_type=0, name="United States Dollar"
        ),
        metadata=steward_md,
    )
    usd.refresh_from_db()
    assert (usd.asset_type, usd.name, changed.asset.name) == (
        "FIAT",
        *(["United States Dollar"] * 2),
    )


@pytest.mark.parametrize(
    "asset_id, code, named",
    [
        ("not-a-uuid", grpc.StatusCode.INVALID_ARGUMENT, "asset_id"),
        ("", grpc.StatusCode.INVALID_ARGUMENT, "asset_id"),
        ("00000000-0000-4000-8000-000000000000", grpc.StatusCode.NOT_FOUND, None),
        ("deleted", grpc.StatusCode.NOT_FOUND, None),
    ],
)
def test_get_asset_refuses_a_bad_or_unknown_id(
    stub, client_modules, viewer_md, asset_id, code, named
):
    if asset_id == "deleted":
        asset = AssetFactory(deleted_at=datetime(2026, 1, 1, tzinfo=UTC))
        asset_id = str(asset.asset_id)
    error = rpc_error(
        stub.GetAsset, client_modules.service.GetAssetRequest(asset_id=asset_id), metadata=viewer_md
    )
    assert error.code() == code
    if named:
        assert named in error_details(error)["fields"]
    else:
        assert error_details(error)["reason"] == "not_found"  # as REST's 404


def test_update_asset_changes_only_the_fields_sent(stub, client_modules, steward_md, rest):
    asset = AssetFactory(
        symbol="AAVE", name="Aave", category="defi", description="Lending.", website_url=""
    )
    answer, call = stub.UpdateAsset.with_call(
        client_modules.service.UpdateAssetRequest(
            asset_id=str(asset.asset_id), name="Aave Token", category=""
        ),
        metadata=steward_md,
    )
    asset.refresh_from_db()
    # name changed, category sent empty cleared it; symbol, description, type stay.
    assert (asset.symbol, asset.name, asset.category, asset.description, asset.asset_type) == (
        "AAVE",
        "Aave Token",
        "",
        "Lending.",
        "ERC20",
    )
    assert dict(call.trailing_metadata())["etag"] == '"2"' == f'"{asset.version}"'
    body = rest.get(f"/api/v1/assets/{asset.asset_id}/").json()
    assert (body["name"], body["category"], body["updated_at"]) == (
        answer.asset.name,
        answer.asset.category,
        iso(answer.asset.updated_at),
    )


def test_update_asset_honours_if_match(stub, client_modules, steward_md):
    asset = AssetFactory(name="Before")
    request = client_modules.service.UpdateAssetRequest(asset_id=str(asset.asset_id), name="After")
    error = rpc_error(stub.UpdateAsset, request, metadata=(*steward_md, ("if-match", '"7"')))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(error)["reason"] == "stale_version"
    asset.refresh_from_db()
    assert (asset.name, asset.version) == ("Before", 1)
    stub.UpdateAsset(request, metadata=(*steward_md, ("if-match", '"1"')))
    asset.refresh_from_db()
    assert (asset.name, asset.version) == ("After", 2)


@pytest.mark.parametrize(
    "fields, code, named",
    [
        ({"symbol": ""}, grpc.StatusCode.INVALID_ARGUMENT, "symbol"),
        ({"asset_type": 99}, grpc.StatusCode.INVALID_ARGUMENT, "asset_type"),
        ({"logo_url": "javascript:alert(1)"}, grpc.StatusCode.INVALID_ARGUMENT, "logo_url"),
        ({"asset_id": "nope"}, grpc.StatusCode.INVALID_ARGUMENT, "asset_id"),
        ({"asset_id": None}, grpc.StatusCode.INVALID_ARGUMENT, "asset_id"),
        (
            {"asset_id": "00000000-0000-4000-8000-000000000000"},
            grpc.StatusCode.NOT_FOUND,
            None,
        ),
    ],
)
def test_update_asset_refuses_bad_input(stub, client_modules, steward_md, fields, code, named):
    asset = AssetFactory(symbol="KEEP")
    fields = {"asset_id": str(asset.asset_id), **fields}
    fields = {name: value for name, value in fields.items() if value is not None}
    error = rpc_error(
        stub.UpdateAsset, client_modules.service.UpdateAssetRequest(**fields), metadata=steward_md
    )
    assert error.code() == code
    if named:
        assert named in error_details(error)["fields"]
    asset.refresh_from_db()
    assert (asset.symbol, asset.version) == ("KEEP", 1)


def test_delete_asset_soft_deletes_as_rest_does(stub, client_modules, steward_md, rest):
    asset = AssetFactory()
    request = client_modules.service.DeleteAssetRequest(asset_id=str(asset.asset_id))
    error = rpc_error(stub.DeleteAsset, request, metadata=(*steward_md, ("if-match", "2")))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert rest.get(f"/api/v1/assets/{asset.asset_id}/").status_code == 200
    answer = stub.DeleteAsset(request, metadata=(*steward_md, ("if-match", "1")))
    assert answer.HasField("success") and answer.success
    assert rest.get(f"/api/v1/assets/{asset.asset_id}/").status_code == 404
    assert Asset.all_objects.get(pk=asset.asset_id).deleted_at is not None  # restorable
    again = rpc_error(stub.DeleteAsset, request, metadata=steward_md)
    assert again.code() == grpc.StatusCode.NOT_FOUND


def test_list_assets_pages_through_every_row_once_in_rests_order(
    stub, client_modules, viewer_md, rest
):
    # Seven assets, two sharing a symbol (the key's tie is broken by asset_id).
    for symbol in ("ETH", "btc", "ETH", "SOL", "AAVE", "UNI", "LINK"):
        AssetFactory(symbol=symbol)
    seen, token, pages = [], None, 0
    while True:
        request = client_modules.service.ListAssetsRequest(page_size=3)
        if token:
            request.page_token = token
        answer = stub.ListAssets(request, metadata=viewer_md)
        pages += 1
        assert answer.total_count == 7
        seen += [asset.asset_id for asset in answer.assets]
        if not answer.HasField("next_page_token"):
            break
        token = answer.next_page_token
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    rest_order = [row["asset_id"] for row in rest.get("/api/v1/assets/").json()["results"]]
    assert seen == rest_order


def test_list_assets_takes_rests_page_tokens(stub, client_modules, viewer_md, rest):
    for n in range(5):
        AssetFactory(symbol=f"T{n}")
    first = rest.get("/api/v1/assets/", {"page_size": 2}).json()
    second = rest.get(
        "/api/v1/assets/", {"page_size": 2, "page_token": first["next_page_token"]}
    ).json()
    answer = stub.ListAssets(
        client_modules.service.ListAssetsRequest(page_size=2, page_token=first["next_page_token"]),
        metadata=viewer_md,
    )
    assert [asset.asset_id for asset in answer.assets] == [
        row["asset_id"] for row in second["results"]
    ]
    assert answer.next_page_token == second["next_page_token"]


def test_list_assets_filters_by_type_and_category(stub, client_modules, viewer_md):
    native = AssetFactory(symbol="ETH", asset_type="NATIVE", category="layer1")
    AssetFactory(symbol="USDC", category="stablecoin")
    stable = AssetFactory(symbol="DAI", category="stablecoin")
    AssetFactory(symbol="GONE", category="stablecoin", deleted_at=datetime(2026, 1, 1, tzinfo=UTC))

    def listed(**filters) -> list[str]:
        answer = stub.ListAssets(
            client_modules.service.ListAssetsRequest(**filters), metadata=viewer_md
        )
        assert answer.total_count == len(answer.assets)
        return [asset.symbol for asset in answer.assets]

    assert listed(asset_type=ASSET_TYPE_NATIVE) == [native.symbol]
    assert listed(category="stablecoin") == [stable.symbol, "USDC"]
    assert listed(asset_type=ASSET_TYPE_ERC20, category="layer1") == []
    assert listed() == ["DAI", "ETH", "USDC"]


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 1001}, "page_size"),
        ({"page_size": -1}, "page_size"),
        ({"page_token": "not-a-token"}, "page_token"),
        ({"asset_type": 77}, "asset_type"),
        ({"category": " "}, "category"),
    ],
)
def test_list_assets_refuses_bad_input(stub, client_modules, viewer_md, fields, named):
    error = rpc_error(
        stub.ListAssets, client_modules.service.ListAssetsRequest(**fields), metadata=viewer_md
    )
    assert named in invalid_fields(error)


def test_list_assets_takes_up_to_a_thousand_rows(stub, client_modules, viewer_md):
    AssetFactory()
    answer = stub.ListAssets(
        client_modules.service.ListAssetsRequest(page_size=1000), metadata=viewer_md
    )
    assert (len(answer.assets), answer.total_count, answer.HasField("next_page_token")) == (
        1,
        1,
        False,
    )


def test_search_assets_ranks_as_rest_does(stub, client_modules, viewer_md, rest, usdc):
    AssetFactory(symbol="USDC.e", name="Bridged USDC")
    AssetFactory(symbol="XUSDC", name="Not usdc at all")
    AssetFactory(symbol="USDT", name="Tether")
    answer = stub.SearchAssets(
        client_modules.service.SearchAssetsRequest(query="usdc"), metadata=viewer_md
    )
    rest_order = [
        row["asset_id"]
        for row in rest.get("/api/v1/assets/search/", {"q": "usdc"}).json()["results"]
    ]
    assert [asset.asset_id for asset in answer.assets] == rest_order
    assert [asset.symbol for asset in answer.assets] == ["USDC", "USDC.e", "XUSDC"]
    # An address finds its asset, in any letter case; limit keeps the first ones.
    by_address = stub.SearchAssets(
        client_modules.service.SearchAssetsRequest(query=USDC_ETHEREUM.lower()),
        metadata=viewer_md,
    )
    assert [asset.asset_id for asset in by_address.assets] == [str(usdc.asset_id)]
    first = stub.SearchAssets(
        client_modules.service.SearchAssetsRequest(query="usdc", limit=1), metadata=viewer_md
    )
    assert [asset.symbol for asset in first.assets] == ["USDC"]


@pytest.mark.parametrize(
    "fields, named",
    [
        ({}, "query"),
        ({"query": "  "}, "query"),
        ({"query": "a\x00b"}, "query"),
        ({"query": "usdc", "limit": 0}, "limit"),
        ({"query": "usdc", "limit": 1001}, "limit"),
        ({"query": "%_" * 2_000 + "x"}, "query"),  # longer than REST's URL carries
        ({"query": "%_" * 1_000_000}, "query"),
    ],
)
def test_search_assets_refuses_bad_input(stub, client_modules, viewer_md, fields, named):
    error = rpc_error(
        stub.SearchAssets, client_modules.service.SearchAssetsRequest(**fields), metadata=viewer_md
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert named in invalid_fields(error)


def test_a_search_as_long_as_rest_s_url_carries_is_answered(stub, client_modules, viewer_md):
    answer = stub.SearchAssets(
        client_modules.service.SearchAssetsRequest(query="%_" * 2_000), metadata=viewer_md
    )
    assert list(answer.assets) == []


def test_every_read_refuses_text_longer_than_rest_s_url_carries(stub, client_modules, viewer_md):
    """Any string field of a read (an id, a ticker a hot read looks up), before the token
    is even checked or a cache key made of it."""
    service = client_modules.service
    long = "x" * 4_001
    calls = [
        (stub.ResolveMarket, service.ResolveMarketRequest(venue_id="kraken", venue_symbol=long)),
        (stub.GetChain, service.GetChainRequest(chain_id=long)),
        (stub.ListAssets, service.ListAssetsRequest(category=long)),
    ]
    for call, request in calls:
        for metadata in (viewer_md, ()):
            error = rpc_error(call, request, metadata=metadata)
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
            assert set(invalid_fields(error)) == {request.ListFields()[-1][0].name}


# --- deployments ---------------------------------------------------------------------------


def test_a_created_deployment_reads_over_rest_as_grpc_answered(
    stub, client_modules, steward_md, rest, ethereum
):
    asset = AssetFactory(symbol="USDC")
    answer, call = stub.CreateAssetDeployment.with_call(
        client_modules.service.CreateAssetDeploymentRequest(
            asset_id=str(asset.asset_id),
            chain_id="ethereum",
            contract_address=USDC_ETHEREUM.lower(),
            decimals=6,
            is_native=False,
        ),
        metadata=steward_md,
    )
    deployment = answer.deployment
    stored = AssetDeployment.objects.get(pk=deployment.deployment_id)
    assert (stored.address, stored.decimals, stored.asset_id) == (USDC_ETHEREUM, 6, asset.asset_id)
    body = rest.get(f"/api/v1/deployments/{deployment.deployment_id}/").json()
    assert (
        deployment.asset_id,
        deployment.chain_id,
        deployment.chain_name,
        deployment.address,
        deployment.decimals,
        iso(deployment.created_at),
        iso(deployment.updated_at),
    ) == (
        body["asset"],
        body["chain"],
        "Ethereum",
        body["address"],
        body["decimals"],
        body["created_at"],
        body["updated_at"],
    )
    assert as_dict(deployment)["metadata"] == {
        "cqar_is_native": False,
        "cqar_is_canonical": False,
        "cqar_is_verified": False,
        "cqar_caip19": f"eip155:1/erc20:{USDC_ETHEREUM.lower()}",
    }
    assert dict(call.trailing_metadata())["etag"] == '"1"'


def test_a_native_deployment_may_be_sent_with_the_address_answers_show(
    stub, client_modules, steward_md, ethereum
):
    eth = AssetFactory(symbol="ETH", asset_type="NATIVE")
    answer = stub.CreateAssetDeployment(
        client_modules.service.CreateAssetDeploymentRequest(
            asset_id=str(eth.asset_id),
            chain_id="ethereum",
            contract_address="native",
            decimals=18,
            is_native=True,
        ),
        metadata=steward_md,
    )
    assert AssetDeployment.objects.get(pk=answer.deployment.deployment_id).address == ""
    assert answer.deployment.address == "native"


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"chain_id": "solana", "contract_address": USDC_ETHEREUM}, "contract_address"),
        ({"contract_address": USDC_SOLANA}, "contract_address"),
        ({"contract_address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB49"}, "contract_address"),
        ({"contract_address": None}, "contract_address"),  # not native: needs one
        ({"asset_id": "nope"}, "asset_id"),
        ({"asset_id": "00000000-0000-4000-8000-000000000000"}, "asset_id"),
        ({"asset_id": None}, "asset_id"),
        ({"chain_id": "mars"}, "chain_id"),
        ({"decimals": None}, "decimals"),
        ({"decimals": -1}, "decimals"),
        ({"decimals": 256}, "decimals"),
    ],
)
def test_create_asset_deployment_refuses_bad_input_naming_the_field(
    stub, client_modules, steward_md, ethereum, solana, fields, named
):
    asset = AssetFactory()
    request = {
        "asset_id": str(asset.asset_id),
        "chain_id": "ethereum",
        "contract_address": evm_address(7),
        "decimals": 18,
        **fields,
    }
    request = {name: value for name, value in request.items() if value is not None}
    error = rpc_error(
        stub.CreateAssetDeployment,
        client_modules.service.CreateAssetDeploymentRequest(**request),
        metadata=steward_md,
    )
    assert named in invalid_fields(error)
    assert not AssetDeployment.objects.exists()


def test_a_second_deployment_at_an_address_already_exists(stub, client_modules, steward_md, usdc):
    error = rpc_error(
        stub.CreateAssetDeployment,
        client_modules.service.CreateAssetDeploymentRequest(
            asset_id=str(AssetFactory().asset_id),
            chain_id="ethereum",
            contract_address=USDC_ETHEREUM.upper().replace("0X", "0x"),
            decimals=6,
        ),
        metadata=steward_md,
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_details(error)["reason"] == "deployment_exists"
    assert AssetDeployment.objects.count() == 1


def test_a_deployment_by_address_is_the_deployment_by_id(stub, client_modules, viewer_md, usdc):
    by_id, id_call = stub.GetAssetDeployment.with_call(
        client_modules.service.GetAssetDeploymentRequest(deployment_id=str(usdc.deployment_id)),
        metadata=viewer_md,
    )
    assert as_dict(by_id.deployment) == {
        "deployment_id": str(usdc.deployment_id),
        "asset_id": str(usdc.asset_id),
        "chain_id": "ethereum",
        "chain_name": "Ethereum",
        "address": USDC_ETHEREUM,
        "decimals": 6,
        "created_at": by_id.deployment.created_at.ToJsonString(),
        "updated_at": by_id.deployment.updated_at.ToJsonString(),
        "metadata": {
            "source": "circle",
            "cqar_is_native": False,
            "cqar_is_canonical": False,
            "cqar_is_verified": False,
            "cqar_caip19": f"eip155:1/erc20:{USDC_ETHEREUM.lower()}",
        },
    }
    for spelling in (USDC_ETHEREUM, USDC_ETHEREUM.lower(), "0x" + USDC_ETHEREUM[2:].upper()):
        by_address, address_call = stub.GetAssetDeployment.with_call(
            client_modules.service.GetAssetDeploymentRequest(deployment_id=f"ethereum:{spelling}"),
            metadata=viewer_md,
        )
        assert by_address == by_id
        assert dict(address_call.trailing_metadata())["etag"] == '"1"'
    assert dict(id_call.trailing_metadata())["etag"] == '"1"'


def test_a_deployment_by_address_is_answered_from_the_cache(stub, client_modules, viewer_md, usdc):
    """Changed behind the registry's back (SQL, no invalidation), the row differs from
    the cached answer: the address form still answers the cache's, the id form the row."""

    def get(deployment_id: str):
        return stub.GetAssetDeployment(
            client_modules.service.GetAssetDeploymentRequest(deployment_id=deployment_id),
            metadata=viewer_md,
        ).deployment

    address = f"ethereum:{USDC_ETHEREUM.lower()}"
    assert get(address).decimals == 6  # loaded, and stored in Redis
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AssetDeployment._meta.db_table} SET decimals = 9 WHERE deployment_id = %s",
            [usdc.deployment_id],
        )
    assert get(str(usdc.deployment_id)).decimals == 9
    assert get(address).decimals == 6


def test_an_answer_cached_before_deployments_carried_their_times_is_read_from_the_database(
    stub, client_modules, viewer_md, usdc
):
    """After an upgrade, an answer cached by the previous version (no chain name, times
    or version) is still in Redis until its TTL: the address form answers the row."""
    import orjson

    from assets.lookups import deployment_key
    from registry import cache

    request = client_modules.service.GetAssetDeploymentRequest(
        deployment_id=f"ethereum:{USDC_ETHEREUM}"
    )
    key = deployment_key("ethereum", USDC_ETHEREUM)

    def cached():  # stored once the factory's write no longer fences the key
        assert stub.GetAssetDeployment(request, metadata=viewer_md).deployment.decimals == 6
        return cache.decode(cache.read_keys([key])[0])

    found, body = wait_for(cached, 10, "the deployment answer to be cached")
    answer = orjson.loads(body)
    for field in ("chain_name", "version", "created_at", "updated_at", "metadata"):
        answer["deployment"].pop(field, None)
    cache.redis_state.available().set(key, cache.encode((found, orjson.dumps(answer))))

    answer, call = stub.GetAssetDeployment.with_call(request, metadata=viewer_md)
    assert (answer.deployment.chain_name, answer.deployment.decimals) == ("Ethereum", 6)
    assert dict(call.trailing_metadata())["etag"] == '"1"'


def test_renaming_a_chain_renames_it_in_the_cached_deployment(
    stub, client_modules, viewer_md, usdc, rest
):
    request = client_modules.service.GetAssetDeploymentRequest(
        deployment_id=f"ethereum:{USDC_ETHEREUM}"
    )
    assert stub.GetAssetDeployment(request, metadata=viewer_md).deployment.chain_name == "Ethereum"
    response = rest.patch("/api/v1/chains/ethereum/", {"name": "Ethereum Mainnet"}, format="json")
    assert response.status_code == 200, response.content
    answer = stub.GetAssetDeployment(request, metadata=viewer_md)
    assert answer.deployment.chain_name == "Ethereum Mainnet"
    # And the REST hot lookup, which reads the same key, agrees.
    hot = rest.get("/api/v1/resolve/deployment/", {"chain": "ethereum", "address": USDC_ETHEREUM})
    assert hot.json()["deployment"]["chain_name"] == "Ethereum Mainnet"


@pytest.mark.parametrize(
    "deployment_id, code",
    [
        ("not-a-uuid", grpc.StatusCode.INVALID_ARGUMENT),
        ("", grpc.StatusCode.INVALID_ARGUMENT),
        ("Ethereum:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", grpc.StatusCode.INVALID_ARGUMENT),
        ("ethereum:", grpc.StatusCode.INVALID_ARGUMENT),
        (f"solana:{USDC_ETHEREUM}", grpc.StatusCode.INVALID_ARGUMENT),
        ("ethereum:0x1234", grpc.StatusCode.INVALID_ARGUMENT),
        ("00000000-0000-4000-8000-000000000000", grpc.StatusCode.NOT_FOUND),
        (f"ethereum:{evm_address(99)}", grpc.StatusCode.NOT_FOUND),
        (f"solana:{USDC_SOLANA}", grpc.StatusCode.NOT_FOUND),
        (f"mars:{USDC_ETHEREUM}", grpc.StatusCode.NOT_FOUND),
    ],
)
def test_get_asset_deployment_refuses_a_bad_or_unknown_id(
    stub, client_modules, viewer_md, usdc, solana, deployment_id, code
):
    error = rpc_error(
        stub.GetAssetDeployment,
        client_modules.service.GetAssetDeploymentRequest(deployment_id=deployment_id),
        metadata=viewer_md,
    )
    assert error.code() == code, error.details()
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        assert list(error_details(error)["fields"]) == ["deployment_id"]


def test_a_deleted_assets_deployment_is_not_found_in_either_form(
    stub, client_modules, viewer_md, steward_md, usdc
):
    stub.DeleteAsset(
        client_modules.service.DeleteAssetRequest(asset_id=str(usdc.asset_id)), metadata=steward_md
    )
    for deployment_id in (str(usdc.deployment_id), f"ethereum:{USDC_ETHEREUM}"):
        error = rpc_error(
            stub.GetAssetDeployment,
            client_modules.service.GetAssetDeploymentRequest(deployment_id=deployment_id),
            metadata=viewer_md,
        )
        assert error.code() == grpc.StatusCode.NOT_FOUND


def test_list_asset_deployments_filters_as_rest_does(
    stub, client_modules, viewer_md, rest, usdc, solana
):
    on_solana = AssetDeploymentFactory(
        asset=usdc.asset, chain=solana, address=USDC_SOLANA, decimals=6
    )
    other = AssetDeploymentFactory(chain=usdc.chain)
    AssetDeploymentFactory(
        asset=AssetFactory(deleted_at=datetime(2026, 1, 1, tzinfo=UTC)), chain=usdc.chain
    )

    def listed(**filters) -> list[str]:
        answer = stub.ListAssetDeployments(
            client_modules.service.ListAssetDeploymentsRequest(**filters), metadata=viewer_md
        )
        return [deployment.deployment_id for deployment in answer.deployments]

    assert listed(asset_id=str(usdc.asset_id)) == [
        str(usdc.deployment_id),
        str(on_solana.deployment_id),
    ]
    assert listed(asset_id=str(usdc.asset_id), chain_id="solana") == [str(on_solana.deployment_id)]
    by_chain = listed(chain_id="ethereum")
    assert sorted(by_chain) == sorted([str(usdc.deployment_id), str(other.deployment_id)])
    rest_order = [
        row["deployment_id"]
        for row in rest.get("/api/v1/deployments/", {"chain": "ethereum"}).json()["results"]
    ]
    assert by_chain == rest_order
    assert len(listed()) == 3  # the deleted asset's deployment is not listed


def test_a_list_of_deployments_beyond_the_limit_is_refused_not_cut(
    stub, client_modules, viewer_md, ethereum
):
    from registry.grpc.fields import LIST_LIMIT

    assets, deployments = Asset._meta.db_table, AssetDeployment._meta.db_table
    with connection.cursor() as cursor:  # LIST_LIMIT + 1 tokens on ethereum, in one go
        cursor.execute(
            f"""
            WITH made AS (
                INSERT INTO {assets} (asset_id, symbol, name, asset_type, category,
                    description, logo_url, website_url, metadata, created_at, updated_at,
                    version)
                SELECT gen_random_uuid(), 'T' || n, 'Token ' || n, 'ERC20', '', '', '', '',
                    '{{}}', now(), now(), 1
                FROM generate_series(1, %(count)s) n
                RETURNING asset_id, symbol
            )
            INSERT INTO {deployments} (deployment_id, asset_id, chain_id, address, decimals,
                is_native, is_canonical, deployment_tx, deployer_address, is_verified,
                metadata, created_at, updated_at, version)
            SELECT gen_random_uuid(), asset_id, 'ethereum',
                '0x' || lpad(substr(symbol, 2), 40, '0'), 18, false, false, '', '', false,
                '{{}}', now(), now(), 1
            FROM made
            """,
            {"count": LIST_LIMIT + 1},
        )
    request = client_modules.service.ListAssetDeploymentsRequest(chain_id="ethereum")
    error = rpc_error(stub.ListAssetDeployments, request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_details(error)["reason"] == "too_many_results"
    one = AssetDeployment.objects.order_by("address").first()
    narrowed = stub.ListAssetDeployments(
        client_modules.service.ListAssetDeploymentsRequest(
            chain_id="ethereum", asset_id=str(one.asset_id)
        ),
        metadata=viewer_md,
    )
    assert [deployment.deployment_id for deployment in narrowed.deployments] == [
        str(one.deployment_id)
    ]


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"asset_id": "nope"}, "asset_id"),
        ({"asset_id": "00000000-0000-4000-8000-000000000000"}, "asset_id"),
        ({"chain_id": "mars"}, "chain_id"),
    ],
)
def test_list_asset_deployments_refuses_bad_input(
    stub, client_modules, viewer_md, ethereum, fields, named
):
    error = rpc_error(
        stub.ListAssetDeployments,
        client_modules.service.ListAssetDeploymentsRequest(**fields),
        metadata=viewer_md,
    )
    assert named in invalid_fields(error)


# --- chains --------------------------------------------------------------------------------


def test_create_chain_makes_its_id_from_the_name_and_links_the_native_asset(
    stub, client_modules, steward_md, rest
):
    eth = AssetFactory(symbol="ETH", name="Ether", asset_type="NATIVE")
    answer, call = stub.CreateChain.with_call(
        client_modules.service.CreateChainRequest(
            name="Arbitrum One",
            chain_type="evm",
            chain_id=42161,
            native_asset_symbol="eth",
            block_explorer_url="https://arbiscan.io",
        ),
        metadata=steward_md,
    )
    chain = answer.chain
    assert (chain.chain_id, chain.chain_name, chain.network_id, chain.chain_type) == (
        "arbitrum-one",
        "Arbitrum One",
        42161,
        "EVM",
    )
    assert (chain.native_asset_id, chain.explorer_url) == (str(eth.asset_id), "https://arbiscan.io")
    body = rest.get("/api/v1/chains/arbitrum-one/").json()
    assert (body["name"], body["network_id"], body["native_asset"], body["explorer_url"]) == (
        chain.chain_name,
        chain.network_id,
        chain.native_asset_id,
        chain.explorer_url,
    )
    assert as_dict(chain)["metadata"] == {"cqar_caip2": "eip155:42161", "cqar_rpc_url": ""}
    assert dict(call.trailing_metadata())["etag"] == '"1"'


def test_a_native_symbol_no_asset_has_is_kept_in_metadata(stub, client_modules, steward_md):
    answer = stub.CreateChain(
        client_modules.service.CreateChainRequest(
            name="Sui", chain_type="OTHER", native_asset_symbol="SUI"
        ),
        metadata=steward_md,
    )
    assert not answer.chain.HasField("native_asset_id")
    assert as_dict(answer.chain)["metadata"]["cqar_native_asset_symbol"] == "SUI"
    assert Chain.objects.get(pk="sui").metadata == {"cqar_native_asset_symbol": "SUI"}


def test_of_several_assets_with_the_native_symbol_the_one_native_is_linked(
    stub, client_modules, steward_md
):
    AssetFactory(symbol="ETH", name="Fake Ether")
    eth = AssetFactory(symbol="ETH", name="Ether", asset_type="NATIVE")
    answer = stub.CreateChain(
        client_modules.service.CreateChainRequest(
            name="Base", chain_type="EVM", chain_id=8453, native_asset_symbol="ETH"
        ),
        metadata=steward_md,
    )
    assert answer.chain.native_asset_id == str(eth.asset_id)


def test_several_assets_with_the_native_symbol_and_no_one_native_are_named(
    stub, client_modules, steward_md
):
    first = AssetFactory(symbol="MATIC", name="Polygon")
    second = AssetFactory(symbol="MATIC", name="Matic copy")
    error = rpc_error(
        stub.CreateChain,
        client_modules.service.CreateChainRequest(
            name="Polygon", chain_type="EVM", chain_id=137, native_asset_symbol="MATIC"
        ),
        metadata=steward_md,
    )
    (reason,) = invalid_fields(error)["native_asset_symbol"]
    assert str(first.asset_id) in reason and str(second.asset_id) in reason
    assert not Chain.objects.exists()


def test_a_chain_that_exists_already_exists(stub, client_modules, steward_md):
    ChainFactory(chain_id="ethereum", name="Ethereum", network_id=1)
    for request in (
        client_modules.service.CreateChainRequest(name="ETHEREUM", chain_type="EVM", chain_id=5),
        client_modules.service.CreateChainRequest(name="Mainnet", chain_type="EVM", chain_id=1),
    ):
        error = rpc_error(stub.CreateChain, request, metadata=steward_md)
        assert error.code() == grpc.StatusCode.ALREADY_EXISTS, error.details()
    assert list(Chain.objects.values_list("chain_id", "network_id")) == [("ethereum", 1)]


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "以太坊"}, "name"),  # no letter a slug keeps
        ({"chain_type": None}, "chain_type"),
        ({"chain_type": "martian"}, "chain_type"),
        ({"chain_id": None}, "chain_id"),  # an EVM chain needs its network id
        ({"block_explorer_url": "not a url"}, "block_explorer_url"),
    ],
)
def test_create_chain_refuses_bad_input_naming_the_field(
    stub, client_modules, steward_md, fields, named
):
    request = {"name": "Test Chain", "chain_type": "EVM", "chain_id": 777001, **fields}
    request = {name: value for name, value in request.items() if value is not None}
    error = rpc_error(
        stub.CreateChain, client_modules.service.CreateChainRequest(**request), metadata=steward_md
    )
    assert named in invalid_fields(error)
    assert not Chain.objects.exists()


def test_a_native_token_is_found_by_the_address_answers_give_it(stub, client_modules, viewer_md):
    """A native deployment has no contract address and answers show it as "native":
    "<chain>:native" finds it, in any letter case."""
    chain = ChainFactory(chain_id="bitcoin", chain_type="BITCOIN", network_id=None)
    btc = AssetFactory(symbol="BTC", asset_type="NATIVE")
    native = AssetDeploymentFactory(asset=btc, chain=chain, address="", is_native=True, decimals=8)
    for spelling in ("bitcoin:native", "bitcoin:NATIVE"):
        answer = stub.GetAssetDeployment(
            client_modules.service.GetAssetDeploymentRequest(deployment_id=spelling),
            metadata=viewer_md,
        ).deployment
        assert (answer.deployment_id, answer.address) == (str(native.deployment_id), "native")
    error = rpc_error(
        stub.GetAssetDeployment,
        client_modules.service.GetAssetDeploymentRequest(deployment_id="ethereum:native"),
        metadata=viewer_md,
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_a_currency_is_never_made_a_chain_s_native_asset(stub, client_modules, steward_md):
    """native_asset_symbol "usd" with the FIAT USD live: no asset of the chain's kind has
    the symbol, so none is linked and the symbol is kept in the chain's metadata."""
    AssetFactory(symbol="USD", name="US Dollar", asset_type="FIAT")
    chain = stub.CreateChain(
        client_modules.service.CreateChainRequest(
            name="Dollar Chain", chain_type="EVM", chain_id=777_001, native_asset_symbol="usd"
        ),
        metadata=steward_md,
    ).chain
    assert not chain.HasField("native_asset_id")
    stored = Chain.objects.get(pk=chain.chain_id)
    assert (stored.native_asset_id, stored.metadata) == (None, {"cqar_native_asset_symbol": "usd"})
