"""Sixteen clients creating the same thing at once over the REST API: exactly one row,
one 201, and every other client answered as a sequential duplicate is (409 in the error
shape, the same error code), never a 500, a 400 or a second row."""

import pytest

from assets.models import AssetDeployment, AssetGroupMember, AssetIdentifier
from markets.models import Instrument, Market
from tests.api.conftest import assert_error
from tests.concurrency.race import CLIENTS, clients_of, error_codes, race, statuses
from tests.factories import (
    AssetFactory,
    AssetGroupFactory,
    ChainFactory,
    InstrumentFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
# One EVM address as clients spell it: checksummed, all lower case, all upper-case hex.
USDC_SPELLINGS = (USDC, USDC.lower(), "0x" + USDC[2:].upper())


def post_all(client, url: str, bodies: list[dict]) -> list:
    """POST each body from a client of its own, all at once."""
    return race(
        [
            lambda client=each, body=body: client.post(url, body, format="json")
            for each, body in zip(clients_of(client, len(bodies)), bodies, strict=True)
        ]
    )


def one_created_the_rest_duplicates(client, url: str, bodies: list[dict]) -> None:
    """Send each body from a client of its own at once: one is created, the others are
    answered as a later sequential duplicate (sent afterwards, with the first body) is."""
    responses = post_all(client, url, bodies)
    duplicate = assert_error(client.post(url, bodies[0], format="json"), 409)
    assert statuses(responses) == {201: 1, 409: len(bodies) - 1}, [
        (response.status_code, response.content) for response in responses
    ]
    assert error_codes(responses, 409) == {duplicate["code"]}


@pytest.mark.parametrize("assets", ["one asset", "an asset each"])
def test_one_deployment_at_an_address_sent_in_every_letter_case(steward, assets):
    chain = ChainFactory()
    shared = AssetFactory()
    bodies = [
        {
            "asset": str((shared if assets == "one asset" else AssetFactory()).asset_id),
            "chain": chain.chain_id,
            "address": USDC_SPELLINGS[index % len(USDC_SPELLINGS)],
            "decimals": 6,
        }
        for index in range(CLIENTS)
    ]
    one_created_the_rest_duplicates(steward, "/api/v1/deployments/", bodies)
    assert AssetDeployment.objects.get().address == USDC


def test_one_venue_ticker(steward):
    venue, btc, usdt = VenueFactory(), AssetFactory(symbol="BTC"), AssetFactory(symbol="USDT")
    body = {
        "venue": venue.venue_id,
        "symbol": "BTCUSDT",
        "asset": str(btc.asset_id),
        "quote_asset": str(usdt.asset_id),
    }
    one_created_the_rest_duplicates(steward, "/api/v1/venue-symbols/", [body] * CLIENTS)
    assert Market.objects.count() == 1
    assert Instrument.objects.count() == 1


def test_one_instrument_per_spot_pair_however_many_venues_map_it_at_once(steward):
    """Each venue's ticker is its own market; a spot pair they list is one instrument,
    however many venues map it first at the same moment. Two pairs whose codes coincide
    (USDC and a bridged USDC share the symbol) are two instruments, the later one's code
    ending with its id, as when they are mapped one after the other."""
    btc = AssetFactory(symbol="BTC")
    quotes = [AssetFactory(symbol="USDC"), AssetFactory(symbol="USDC", name="Bridged USDC")]
    bodies = [
        {
            "venue": VenueFactory().venue_id,
            "symbol": "BTCUSDC",
            "asset": str(btc.asset_id),
            "quote_asset": str(quotes[index % 2].asset_id),
        }
        for index in range(CLIENTS)
    ]
    responses = post_all(steward, "/api/v1/venue-symbols/", bodies)
    assert statuses(responses) == {201: CLIENTS}, [r.content for r in responses]
    assert Market.objects.count() == CLIENTS
    pairs = {
        instrument.quote_asset_id: instrument.code
        for instrument in Instrument.objects.filter(underlying_asset=btc)
    }
    assert set(pairs) == {quote.asset_id for quote in quotes}
    assert sorted(pairs.values())[0] == "BTC-USDC"
    assert sorted(pairs.values())[1].startswith("BTC-USDC-")


def test_one_market(steward):
    instrument = InstrumentFactory()
    body = {
        "instrument_id": str(instrument.instrument_id),
        "venue_id": VenueFactory().venue_id,
        "venue_symbol": "BTCUSDT",
    }
    one_created_the_rest_duplicates(steward, "/api/v1/markets/", [body] * CLIENTS)
    assert Market.objects.count() == 1


def test_one_external_identifier(steward):
    body = {"asset": str(AssetFactory().asset_id), "source": "COINGECKO", "external_id": "usd-coin"}
    one_created_the_rest_duplicates(steward, "/api/v1/identifiers/", [body] * CLIENTS)
    assert AssetIdentifier.objects.count() == 1


def test_one_group_member(steward):
    group = AssetGroupFactory()
    body = {"asset": str(AssetFactory().asset_id)}
    url = f"/api/v1/groups/{group.group_id}/members/"
    one_created_the_rest_duplicates(steward, url, [body] * CLIENTS)
    assert AssetGroupMember.objects.count() == 1
