"""The gRPC hot reads asked about a moment: ``as-of`` and ``known-at`` metadata, with the
answers REST gives for the same moment."""

from datetime import UTC, datetime

import grpc
import pytest
from django.utils import timezone

from assets.services import asset_update, deployment_update
from markets.models import Market
from markets.services import venue_symbol_create, venue_symbol_delist
from quality.choices import FlagType, Severity
from quality.services import flag_raise, flag_resolve
from registry.actors import acting_as
from tests.api.test_point_in_time import LISTED, REPOINTED, get, recorded_now
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetIdentifierFactory,
    VenueFactory,
)
from tests.rpc.conftest import error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def repointed(transactional_db):
    with acting_as("user:steward", source="test"):
        venue = VenueFactory(venue_id="pitx")
        old, new, usdt = AssetFactory(symbol="OLD"), AssetFactory(symbol="NEW"), AssetFactory()
        first = venue_symbol_create(
            venue=venue, symbol="TKNUSDT", asset=old, quote_asset=usdt, listed_at=LISTED
        )
        venue_symbol_delist(venue_symbol=first, at=REPOINTED)
        second = venue_symbol_create(
            venue=venue, symbol="TKNUSDT", asset=new, quote_asset=usdt, listed_at=REPOINTED
        )
    return Market.objects.get(pk=first.pk), Market.objects.get(pk=second.pk)


def resolve(stub, client_modules, metadata, **moment):
    extra = tuple((key.replace("_", "-"), value) for key, value in moment.items())
    return stub.ResolveMarket(
        client_modules.service.ResolveMarketRequest(venue_id="pitx", venue_symbol="TKNUSDT"),
        metadata=(*metadata, *extra),
    )


def test_resolve_market_answers_the_market_of_each_period(
    stub, client_modules, viewer_md, repointed, viewer
):
    first, second = repointed
    for as_of, market in (("2023-01-01", first), ("2023-06-01T00:00:00Z", second)):
        answer = resolve(stub, client_modules, viewer_md, as_of=as_of)
        assert (answer.market_id, answer.instrument_id) == (
            str(market.pk),
            str(market.instrument_id),
        )
        _, rest = get(viewer, "venue-symbol", venue="pitx", symbol="TKNUSDT", as_of=as_of)
        assert rest["market"]["id"] == market.pk  # REST answers the same market
    answer = resolve(stub, client_modules, viewer_md)
    assert answer.market_id == str(second.pk)
    error = rpc_error(resolve, stub, client_modules, viewer_md, as_of="2020-01-01")
    assert error.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("moment", "key"),
    [({"as_of": "yesterday"}, "as-of"), ({"known_at": "2999-01-01"}, "known-at")],
)
def test_a_moment_that_cannot_be_read_is_invalid_argument(
    stub, client_modules, viewer_md, repointed, moment, key
):
    error = rpc_error(resolve, stub, client_modules, viewer_md, **moment)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert key in error_details(error)["fields"]


def test_a_deployment_as_it_was_before_its_correction(stub, client_modules, viewer_md):
    with acting_as("user:steward", source="test"):
        deployment = AssetDeploymentFactory(decimals=18)
    between = recorded_now()
    with acting_as("user:steward", source="test"):
        deployment_update(deployment=deployment, changes={"decimals": 8})
    request = client_modules.service.GetAssetDeploymentRequest(
        deployment_id=f"{deployment.chain_id}:{deployment.address}"
    )
    then = stub.GetAssetDeployment(request, metadata=(*viewer_md, ("as-of", between.isoformat())))
    now = stub.GetAssetDeployment(request, metadata=viewer_md)
    assert (then.deployment.decimals, now.deployment.decimals) == (18, 8)


def test_list_quality_flags_as_of_a_past_minute(stub, client_modules, viewer_md, repointed):
    first, _ = repointed
    asset = first.instrument.underlying_asset
    with acting_as("user:steward", source="test"):
        flag = flag_raise(
            asset=asset,
            flag_type=FlagType.EXPLOITED,
            severity=Severity.CRITICAL,
            reason="Drained.",
            actor="user:steward",
            raised_at=datetime(2022, 5, 9, 12, tzinfo=UTC),
        )
        flag_resolve(
            flag=flag,
            actor="user:auditor",
            notes="Patched.",
            resolved_at=datetime(2022, 5, 10, tzinfo=UTC),
        )

    def listed(as_of=None, **fields):
        metadata = (*viewer_md, ("as-of", as_of)) if as_of else viewer_md
        request = client_modules.service.ListQualityFlagsRequest(**fields)
        return [f.flag_id for f in stub.ListQualityFlags(request, metadata=metadata).flags]

    assert listed("2022-05-09T14:03:00Z", asset_id=str(asset.pk)) == [str(flag.pk)]
    assert listed("2022-05-09T14:03:00Z") == [str(flag.pk)]  # across assets
    assert listed("2022-05-11", asset_id=str(asset.pk)) == []
    assert listed(asset_id=str(asset.pk)) == []  # resolved now
    error = rpc_error(listed, "2022-05-09", include_resolved=True)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_the_get_methods_answer_for_a_moment_and_the_others_refuse_it(
    stub, client_modules, viewer_md
):
    service = client_modules.service
    with acting_as("user:steward", source="test"):
        deployment = AssetDeploymentFactory(asset=AssetFactory(symbol="LUNA"))
        identifier = AssetIdentifierFactory(asset=deployment.asset)
    before = recorded_now()
    with acting_as("user:steward", source="test"):
        asset_update(asset=deployment.asset, changes={"symbol": "LUNC"})
    as_of = (*viewer_md, ("as-of", before.isoformat()))
    request = service.GetAssetRequest(asset_id=str(deployment.asset_id))
    assert stub.GetAsset(request, metadata=as_of).asset.symbol == "LUNA"
    assert stub.GetAsset(request, metadata=viewer_md).asset.symbol == "LUNC"
    now = (*viewer_md, ("as-of", timezone.now().isoformat()))
    for method, message in (
        ("GetChain", service.GetChainRequest(chain_id=deployment.chain_id)),
        ("GetAssetDeployment", service.GetAssetDeploymentRequest(deployment_id=str(deployment.pk))),
        ("GetIdentifier", service.GetIdentifierRequest(identifier_id=str(identifier.pk))),
    ):
        call = getattr(stub, method)
        assert call(message, metadata=now) == call(message, metadata=viewer_md), method
    error = rpc_error(stub.ListAssets, service.ListAssetsRequest(), metadata=as_of)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "as-of" in error_details(error)["fields"]
    missing = rpc_error(
        stub.GetAsset,
        request,
        metadata=(*viewer_md, ("known-at", "2001-01-01"), ("as-of", "2001-01-01")),
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ((("as-of", "2021-01-01"), ("as-of", "2023-01-01")), "as-of"),  # which one?
        ((("as_of", "2021-01-01"),), "as_of"),  # REST's spelling: not silently the present
    ],
)
def test_a_moment_given_twice_or_misspelt_is_refused(
    stub, client_modules, viewer_md, repointed, extra, key
):
    for metadata in (extra, tuple(reversed(extra))):
        error = rpc_error(
            stub.ResolveMarket,
            client_modules.service.ResolveMarketRequest(venue_id="pitx", venue_symbol="TKNUSDT"),
            metadata=(*viewer_md, *metadata),
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert key in error_details(error)["fields"]
