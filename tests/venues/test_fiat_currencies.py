"""A venue's currency code and the FIAT assets (the import of CCXT snapshots).

The decision (docs/IMPORT.md): a fiat currency is a candidate like any other asset,
matched only by a unified code that is its ISO code, and never preferred. A snapshot
does not say whether "MNT" is the tögrög or Mantle, nor whether coinbase's "USD" is the
dollar or a token called USD, so two live candidates are ambiguous and the market is
rejected until the venue's recorded code or a group decides. Kraken says it: its fiat
codes are Z and the ISO code (ZUSD).
"""

import pytest

from assets.models import Asset
from assets.services import asset_create, deployment_create, group_create, group_member_add
from chains.models import Chain
from tests.markets.test_import_markets import code, create_assets, current, rejections, run
from venues.models import Venue, VenueAsset
from venues.services import venue_asset_create

pytestmark = pytest.mark.django_db

TOKEN_ADDRESS = "0x" + "5d" * 20


@pytest.fixture
def usd(demo) -> Asset:
    return Asset.objects.fiat_asset("USD")


def token_called_usd() -> Asset:
    """A token of a mainnet named like the currency."""
    token = asset_create(symbol="USD", name="US Dollar", asset_type="ERC20")
    deployment_create(
        asset=token, chain=Chain.objects.get(pk="ethereum"), address=TOKEN_ADDRESS, decimals=18
    )
    return token


def test_the_venues_usd_is_the_fiat_currency_when_it_is_the_only_usd(usd):
    assert usd is not None and usd.is_fiat  # the demo's
    create_assets("ADA", "LTC", "XRP", "DOGE")

    report = run("kraken", "kraken.json", "--overwrite")

    assert report["rejected"] == []
    assert current("kraken", "XXBTZUSD").instrument.quote_asset == usd
    assert code("kraken", "ZUSD") == usd


def test_a_token_called_usd_makes_usd_ambiguous_rather_than_being_passed_over(usd):
    token = token_called_usd()
    create_assets("ADA", "XRP", "DOGE")

    report = run("coinbase", "coinbaseexchange.json")

    reason = rejections(report)["market BTC/USD"]
    assert "currency USD (quote, venue code USD) is ambiguous: 2 live assets" in reason
    assert str(usd.pk) in reason and str(token.pk) in reason
    assert not VenueAsset.objects.filter(venue_id="coinbase", venue_asset_symbol="USD").exists()
    assert current("coinbase", "BTC-USDT").instrument.quote_asset.symbol == "USDT"  # the rest
    # Kraken's ZUSD is the dollar by the venue's own spelling, token or not.
    kraken = run("kraken", "kraken.json")
    assert "market XRP/USD" not in rejections(kraken)
    assert current("kraken", "XXRPZUSD").instrument.quote_asset == usd


@pytest.mark.parametrize("decided_by", ["venue code", "group"])
def test_the_venues_code_or_a_group_decides_for_the_currency(usd, decided_by):
    token_called_usd()
    create_assets("ADA", "LTC", "XRP", "DOGE")
    if decided_by == "venue code":
        venue = Venue.objects.get(pk="coinbase")
        venue_asset_create(venue=venue, asset=usd, venue_asset_symbol="USD")
    else:
        group = group_create(group_id="usd", canonical_symbol="USD")
        group_member_add(group=group, asset=usd, is_canonical=True)

    report = run("coinbase", "coinbaseexchange.json")

    assert report["rejected"] == []
    assert current("coinbase", "BTC-USD").instrument.quote_asset == usd
    assert code("coinbase", "USD") == usd


def test_a_currency_is_no_candidate_for_a_code_that_only_resembles_it(usd):
    """Only USD (Kraken's ZUSD, recorded as its code) finds the dollar: never a token
    symbol that starts with it (USDT, USDC)."""
    create_assets("ADA", "LTC", "XRP", "DOGE")
    run("kraken", "kraken.json", "--overwrite")

    assert current("kraken", "XBTUSDT").instrument.quote_asset.symbol == "USDT"
    assert set(
        VenueAsset.objects.filter(asset=usd, venue_id="kraken").values_list(
            "venue_asset_symbol", flat=True
        )
    ) == {"ZUSD"}
