"""manage.py import_markets: CCXT market snapshots become markets, their instruments and
the venue's currency codes.

The snapshots are the real ccxt static fixtures in tests/fixtures/ccxt/ (the eight
shared snapshots, byte for byte). The demo supplies BTC, ETH, SOL, USDT, USDC (twice: a
counterfeit), the fiat USD and EUR, the ETH group, the binance, coinbase and kraken
venues and their venue tickers (migrated markets whose terms are not known); what it
lacks (ADA, LTC, XRP, DOGE, TRX …) the tests create through the services.
"""

import gzip
import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assets.choices import AssetType
from assets.models import Asset
from assets.services import (
    asset_create,
    asset_soft_delete,
    group_create,
    group_member_add,
)
from chains.models import Chain
from markets.choices import InstrumentType, MarketStatus
from markets.importers import ccxt
from markets.importers.ccxt_terms import TermsError, derive
from markets.models import Instrument, Market
from markets.services import (
    instrument_get_or_create,
    market_create,
    market_update,
    venue_symbol_create,
)
from registry.importing import ImportReport, Progress, run_import
from registry.models import OutboxEvent
from tests.reports import comparable
from venues.choices import VenueType
from venues.models import Venue, VenueAsset
from venues.services import venue_asset_create, venue_create

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ccxt"
NAMES = {
    "ADA": "Cardano",
    "LTC": "Litecoin",
    "XRP": "XRP",
    "DOGE": "Dogecoin",
    "TRX": "TRON",
    "ZRX": "0x",
    "SUSHI": "Sushi",
}
# Our venue id of each ccxt exchange of the snapshots.
VENUES = {
    "binance": "binance",
    "bitfinex": "bitfinex",
    "bybit": "bybit",
    "coinbaseexchange": "coinbase",
    "gate": "gate",
    "kraken": "kraken",
    "kucoin": "kucoin",
    "okx": "okx",
}
pytestmark = pytest.mark.django_db


def run(venue: str, snapshot: str | Path, *options: str) -> dict:
    """Run the import with --json and return its report."""
    out = StringIO()
    path = snapshot if isinstance(snapshot, Path) else FIXTURES / snapshot
    call_command("import_markets", "--venue", venue, str(path), "--json", *options, stdout=out)
    return json.loads(out.getvalue())


def create_assets(*symbols: str) -> dict[str, Asset]:
    """Native coins the demo lacks."""
    return {
        symbol: asset_create(symbol=symbol, name=NAMES[symbol], asset_type=AssetType.NATIVE)
        for symbol in symbols
    }


def asset(symbol: str) -> Asset:
    return Asset.objects.exclude(asset_type=AssetType.FIAT).get(symbol=symbol)


def usd() -> Asset:
    return Asset.objects.fiat_asset("USD")


def current(venue: str, symbol: str, market_type: str = InstrumentType.SPOT) -> Market:
    return Market.objects.current().get(
        venue_id=venue, venue_symbol=symbol, market_type=market_type
    )


def code(venue: str, venue_asset_symbol: str) -> Asset:
    return VenueAsset.objects.get(venue_id=venue, venue_asset_symbol=venue_asset_symbol).asset


def rejections(report: dict) -> dict[str, str]:
    return {rejection["item"]: rejection["reason"] for rejection in report["rejected"]}


def edited(tmp_path: Path, name: str, change) -> Path:
    """A copy of a fixture snapshot, changed by ``change(markets)``."""
    markets = json.loads((FIXTURES / name).read_text())
    change(markets)
    path = tmp_path / name
    path.write_text(json.dumps(markets))
    return path


def resolve(client, venue: str, symbol: str, market_type: str = "SPOT") -> dict:
    response = client.get(
        "/api/v1/resolve/venue-symbol/",
        {"venue": venue, "symbol": symbol, "market_type": market_type},
    )
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


def written_state() -> tuple:
    """Every market, instrument and code with its version, and the outbox's size."""
    return (
        set(Market.objects.values_list("pk", "version")),
        set(Instrument.objects.values_list("pk", "version")),
        set(VenueAsset.objects.values_list("pk", "version")),
        Asset.objects.count(),
        OutboxEvent.objects.count(),
    )


# --- what a market becomes -----------------------------------------------------------------


def test_kraken_xxbtzusd_is_quoted_in_the_usd_fiat_asset_and_gets_its_rules(
    demo, viewer, django_capture_on_commit_callbacks
):
    """The demo's XXBTZUSD is a venue ticker with its fiat quote noted in metadata: the
    spot pair BTC/USD in the USD FIAT asset. Kraken's ZUSD is fiat by the venue's own
    spelling, so the import finds the same instrument, gives the market (same id) its
    trading rules, and the cached venue-ticker answer is not served."""
    create_assets("ADA", "LTC", "XRP", "DOGE")
    demo_market = current("kraken", "XXBTZUSD")
    assert demo_market.instrument.code == "BTC-USD"
    assert resolve(viewer, "kraken", "XXBTZUSD")["market"]["tick_size"] is None  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        report = run("kraken", "kraken.json")

    assert report["rejected"] == []
    assert report["created"] == {"instruments": 5, "markets": 7, "venue assets": 5}
    assert report["updated"] == {"markets": 1}
    market = current("kraken", "XXBTZUSD")
    assert market.pk == demo_market.pk
    instrument = market.instrument
    assert instrument.terms_complete and instrument.code == "BTC-USD"
    assert (instrument.underlying_asset, instrument.quote_asset) == (asset("BTC"), usd())
    assert usd().asset_type == AssetType.FIAT
    assert market.tick_size == Decimal("0.1") and market.lot_size == Decimal("0.00000001")
    assert market.min_notional == Decimal("0.5") and market.status == MarketStatus.TRADING
    assert market.metadata == {"quote_currency": "USD", "ccxt": {"symbol": "BTC/USD"}}
    answer = resolve(viewer, "kraken", "XXBTZUSD")
    assert answer["quote_asset"]["asset_id"] == str(usd().pk)
    assert code("kraken", "ZUSD") == usd()
    assert code("kraken", "XXDG").symbol == "DOGE"
    assert current("kraken", "XXRPZUSD").instrument.quote_asset == usd()
    created = current("kraken", "XBTUSDT")
    events = OutboxEvent.objects.filter(event_type="venue_symbol_mapped", entity_id=created.pk)
    assert events.get().payload["source"] == "import:markets:kraken"
    assert events.get().actor_id == "service:importer"


def test_kraken_zusd_is_the_dollar_even_beside_a_token_called_usd(demo):
    """The venue's code says fiat: a token named USD does not make ZUSD ambiguous. A
    currency the venue spells without the Z (coinbase's USD) is ambiguous then."""
    asset_create(symbol="USD", name="A token called USD", asset_type=AssetType.ERC20)
    create_assets("ADA", "LTC", "XRP", "DOGE")
    report = run("kraken", "kraken.json")

    assert report["rejected"] == []
    assert current("kraken", "XXBTZUSD").instrument.quote_asset == usd()
    coinbase = run("coinbase", "coinbaseexchange.json")
    assert rejections(coinbase)["market BTC/USD"].startswith(
        "currency USD (quote, venue code USD) is ambiguous: 2 live assets"
    )


def test_a_fiat_quote_the_registry_lacks_is_created_from_iso_4217(demo, tmp_path):
    """GBP is an ISO 4217 currency no asset has: as a quote it becomes the FIAT asset
    (named as ISO names it). As a base, an ISO code alone is never taken for fiat."""

    def gbp(markets):
        market = markets["BTC/USD"]
        market.update(symbol="BTC/GBP", quote="GBP", quoteId="ZGBP", id="XXBTZGBP")
        market["info"].update(quote="ZGBP", altname="XBTGBP", wsname="XBT/GBP")
        markets.clear()
        markets["BTC/GBP"] = market

    report = run("kraken", edited(tmp_path, "kraken.json", gbp))

    assert report["rejected"] == []
    assert report["created"] == {
        "fiat assets": 1,
        "instruments": 1,
        "markets": 1,
        "venue assets": 1,
    }
    pound = Asset.objects.fiat_asset("GBP")
    assert pound.name == "Pound Sterling"
    assert current("kraken", "XXBTZGBP").instrument.quote_asset == pound
    assert code("kraken", "ZGBP") == pound


def test_binance_btcusdt_spot_linear_and_inverse_perpetuals(demo):
    """The demo's BTCUSDT perpetual (terms not known) is completed as BTC-USDT-PERP; the
    inverse BTCUSD_PERP settles in BTC, 100 USD a contract, priced in the USD FIAT asset."""
    create_assets("ADA", "LTC", "XRP", "DOGE", "TRX")
    demo_perpetual = current("binance", "BTCUSDT", "PERPETUAL")
    report = run("binance", "binance.json")

    assert set(rejections(report)) == {
        "market BTC/USDT:USDT-231229",
        "market ETH/USDT:USDT-231229-800-C",
    }
    assert rejections(report)["market BTC/USDT:USDT-231229"].startswith(
        "expiry: a future must expire, but ccxt gives no expiry"
    )
    spot, perpetual = current("binance", "BTCUSDT"), current("binance", "BTCUSDT", "PERPETUAL")
    assert perpetual.pk == demo_perpetual.pk
    assert spot.instrument.code == "BTC-USDT"
    linear = perpetual.instrument
    assert linear.code == "BTC-USDT-PERP" and linear.terms_complete
    assert (linear.is_inverse, linear.contract_multiplier) == (False, 1)
    assert linear.settlement_asset == asset("USDT")
    inverse = current("binance", "BTCUSD_PERP", "PERPETUAL").instrument
    assert inverse.code == "BTC-USD-PERP-INV-X100"
    assert inverse.is_inverse and inverse.contract_multiplier == 100
    assert inverse.settlement_asset == asset("BTC") and inverse.quote_asset == usd()
    assert code("binance", "USD") == usd()


def test_okx_and_binance_btc_usdt_perpetuals_are_two_instruments(demo):
    venue_create(venue_id="okx", name="OKX", venue_type=VenueType.CEX)
    create_assets("ADA", "LTC", "XRP", "DOGE", "TRX", "SUSHI")
    run("binance", "binance.json")
    report = run("okx", "okx.json")

    assert list(rejections(report)) == ["market BTC/USD:BTC-241227-60000-P"]
    okx = current("okx", "BTC-USDT-SWAP", "PERPETUAL").instrument
    assert okx.contract_multiplier == Decimal("0.01") and okx.code == "BTC-USDT-PERP-X0.01"
    assert okx != current("binance", "BTCUSDT", "PERPETUAL").instrument
    # The inverse swaps of both venues are 100 USD a contract: one instrument.
    assert (
        current("okx", "BTC-USD-SWAP", "PERPETUAL").instrument
        == current("binance", "BTCUSD_PERP", "PERPETUAL").instrument
    )
    # One spot pair BTC/USDT, listed on both venues.
    assert current("okx", "BTC-USDT").instrument == current("binance", "BTCUSDT").instrument


def test_terms_that_cannot_be_derived_reject_the_market_with_every_reason(demo):
    """bitfinex's snapshot: prices in significant digits and ccxt's constant active."""
    venue_create(venue_id="bitfinex", name="Bitfinex", venue_type=VenueType.CEX)
    with pytest.raises(CommandError, match="all 17 items were rejected"):
        run("bitfinex", "bitfinex.json")
    assert not Market.objects.filter(venue_id="bitfinex").exists()


def test_all_eight_shared_snapshots_import_what_their_terms_derive(demo):
    """Each market whose terms derive is listed with them, unless its contract expired
    (a market of an expired future cannot be TRADING); every other market is rejected
    with the derivation's reasons. The counts are ccxt_terms' own."""
    create_assets(*NAMES)
    now = timezone.now()
    for exchange, venue in VENUES.items():
        if not Venue.objects.filter(pk=venue).exists():
            venue_create(venue_id=venue, name=venue, venue_type=VenueType.CEX)
        markets = json.loads((FIXTURES / f"{exchange}.json").read_text())
        derived, refused, expired = {}, {}, set()
        for name, raw in markets.items():
            try:
                derived[name] = derive(exchange, raw)
            except TermsError as error:
                refused[name] = "; ".join(error.reasons)
            else:
                if derived[name].expiry is not None and derived[name].expiry <= now:
                    expired.add(name)
        try:
            report = run(venue, FIXTURES / f"{exchange}.json")
        except CommandError:
            assert not set(derived) - expired, exchange  # nothing could be imported
            continue
        reasons = rejections(report)
        assert {f"market {name}": reason for name, reason in refused.items()} == {
            item: reason for item, reason in reasons.items() if item[7:] in refused
        }, exchange
        assert set(reasons) == {f"market {name}" for name in {*refused, *expired}}, exchange
        listed = {name: terms for name, terms in derived.items() if name not in expired}
        assert sum(report["created"].get(kind, 0) for kind in ("markets",)) + report["updated"].get(
            "markets", 0
        ) + report["unchanged"].get("markets", 0) == len(listed), exchange
        for name, terms in listed.items():
            market = current(venue, terms.venue_symbol, terms.instrument_type)
            instrument = market.instrument
            assert instrument.terms_complete, (exchange, name)
            assert instrument.underlying_asset.symbol == terms.base
            assert instrument.quote_asset.symbol == terms.quote
            assert instrument.is_inverse == terms.is_inverse
            assert instrument.contract_multiplier == terms.contract_multiplier
            assert (market.tick_size, market.lot_size) == (terms.tick_size, terms.lot_size)
            assert market.status == terms.status
    # Instruments are shared by terms: as many as the distinct terms listed.
    assert Instrument.objects.filter(
        terms_complete=True, markets__isnull=False
    ).distinct().count() == len(
        set(
            Instrument.objects.filter(terms_complete=True, markets__isnull=False).values_list(
                "instrument_type",
                "underlying_asset",
                "quote_asset",
                "settlement_asset",
                "is_inverse",
                "contract_multiplier",
                "expiry",
            )
        )
    )

    state = written_state()
    for exchange, venue in VENUES.items():
        if exchange != "bitfinex":
            again = run(venue, FIXTURES / f"{exchange}.json")
            assert again["created"] == {} and again["updated"] == {}, exchange
    assert written_state() == state


# --- what is written again ------------------------------------------------------------------


def test_a_second_run_is_unchanged_and_writes_no_row_and_no_event(demo):
    create_assets("ADA", "LTC", "XRP", "DOGE", "TRX")
    first = run("binance", "binance.json", "--batch-size", "4")
    state = written_state()
    second = run("binance", "binance.json")

    assert first["created"] and second["created"] == {} and second["updated"] == {}
    assert second["unchanged"] == {"markets": 16, "venue assets": 9}
    assert second["warnings"] == []
    assert written_state() == state


def test_dry_run_reports_the_same_counts_and_writes_nothing(demo):
    create_assets("ADA", "LTC", "XRP", "DOGE", "TRX")
    state = written_state()
    dry = run("binance", "binance.json", "--dry-run")

    assert dry["dry_run"] is True
    assert written_state() == state
    assert current("binance", "BTCUSDT").metadata == {}
    real = run("binance", "binance.json")
    assert comparable(dry) == comparable(real)


def test_the_summary_says_what_a_dry_run_would_do_and_names_rejected_markets(demo):
    out = StringIO()
    snapshot = str(FIXTURES / "kraken.json")
    call_command("import_markets", "--venue", "kraken", snapshot, "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("(dry run: nothing written)")
    # The demo knows BTC, ETH, USDT and USD, but not ADA, LTC…
    assert "  would be created: 2 markets, 1 venue assets" in lines
    assert "    XXBTZUSD (SPOT, market BTC/USD): tick_size, lot_size, min_order_size, " \
        "min_notional, maker_fee, taker_fee, metadata" in lines  # fmt: skip
    assert "  rejected: 5" in lines
    assert any(line.startswith("    market ADA/USDT: unknown currency ADA") for line in lines)
    assert any(line.startswith("  not in the snapshot: 1 current markets") for line in lines)


def test_changed_trading_rules_and_status_update_the_market_in_place(demo, tmp_path):
    create_assets("ADA", "LTC", "XRP", "DOGE")
    run("kraken", "kraken.json")
    market = current("kraken", "ETHUSDT")
    market_update(market=market, changes={"metadata": {**market.metadata, "note": "by hand"}})

    def reduce_only(markets):
        markets["ETH/USDT"]["info"]["status"] = "reduce_only"
        markets["ETH/USDT"]["info"]["ordermin"] = markets["ETH/USDT"]["limits"]["amount"]["min"] = (
            "0.02"
        )

    report = run("kraken", edited(tmp_path, "kraken.json", reduce_only))

    assert report["updated"] == {"markets": 1} and report["created"] == {}
    assert report["changes"][0]["fields"] == ["min_order_size", "status"]
    updated = current("kraken", "ETHUSDT")
    assert updated.pk == market.pk and updated.status == MarketStatus.REDUCE_ONLY
    assert updated.min_order_size == Decimal("0.02")
    assert updated.metadata == {"ccxt": {"symbol": "ETH/USDT"}, "note": "by hand"}
    assert OutboxEvent.objects.filter(entity_id=market.pk).latest("id").event_type == (
        "venue_symbol_updated"
    )


def test_a_market_the_venue_delisted_is_delisted_and_kept(demo, tmp_path):
    create_assets("ADA", "LTC", "XRP", "DOGE")
    run("kraken", "kraken.json")
    market = current("kraken", "ETHUSDT")

    def delisted(markets):
        markets["ETH/USDT"]["info"]["status"] = "delisted"
        markets["ETH/USDT"]["active"] = False

    report = run("kraken", edited(tmp_path, "kraken.json", delisted))

    assert report["updated"] == {"markets delisted": 1}
    market.refresh_from_db()
    assert market.status == MarketStatus.DELISTED and market.delisted_at is not None
    # Delisted again: nothing to do; never listed here: not listed.
    again = run("kraken", edited(tmp_path, "kraken.json", delisted))
    assert again["unchanged"]["markets delisted on the venue (not listed)"] == 1
    assert again["updated"] == {} and again["created"] == {}


def test_delist_missing_closes_the_markets_the_snapshot_lacks_and_deletes_nothing(demo):
    create_assets("ADA", "LTC", "XRP", "DOGE")
    kept = run("kraken", "kraken.json")
    assert any("not in the snapshot: 1 current markets of kraken" in n for n in kept["notes"])
    missing = current("kraken", "XETHZUSD")  # the demo's; kraken's snapshot has no ETH/USD
    markets = Market.objects.count()

    report = run("kraken", "kraken.json", "--delist-missing")

    assert report["updated"] == {"markets delisted": 1}
    assert report["changes"] == [
        {
            "action": "delist",
            "entity": "market",
            "item": f"XETHZUSD (SPOT, {missing.instrument.code}): not in the snapshot",
            "fields": [],
        }
    ]
    missing.refresh_from_db()
    assert missing.status == MarketStatus.DELISTED
    assert missing.metadata["delisting_reason"] == "not in the snapshot"
    assert Market.objects.count() == markets
    assert not Market.objects.current().filter(venue_id="kraken", venue_symbol="XETHZUSD").exists()


def test_a_re_pointed_symbol_is_reported_or_with_overwrite_delisted_and_listed_anew(demo):
    cardano = create_assets("ADA", "LTC", "XRP", "DOGE")["ADA"]
    old_token = asset_create(symbol="ADAX", name="Old ADA ticker", asset_type=AssetType.ERC20)
    kraken = Venue.objects.get(pk="kraken")
    pair, _ = instrument_get_or_create(
        instrument_type=InstrumentType.SPOT, underlying_asset=old_token, quote_asset=asset("USDT")
    )
    old = market_create(venue=kraken, venue_symbol="ADAUSDT", instrument=pair)

    refused = run("kraken", "kraken.json")
    reason = rejections(refused)["market ADA/USDT"]
    assert reason.startswith("ADAUSDT (SPOT) lists ADAX-USDT, not ADA-USDT; delist it first")
    assert current("kraken", "ADAUSDT") == old

    replaced = run("kraken", "kraken.json", "--overwrite")
    assert "market ADA/USDT" not in rejections(replaced)
    assert replaced["updated"] == {"markets delisted": 1}
    old.refresh_from_db()
    assert old.delisted_at is not None and old.instrument == pair
    new = current("kraken", "ADAUSDT")
    assert new.instrument.underlying_asset == cardano and new.pk != old.pk
    assert new.listed_at == old.delisted_at
    history = Market.objects.filter(venue=kraken, venue_symbol="ADAUSDT")
    assert history.as_of(old.delisted_at).get() == new


# --- currencies -----------------------------------------------------------------------------


def two_adas() -> tuple[Asset, Asset]:
    create_assets("LTC", "XRP", "DOGE")
    cardano = asset_create(symbol="ADA", name="Cardano", asset_type=AssetType.NATIVE)
    other = asset_create(symbol="ada", name="Ada impostor", asset_type=AssetType.ERC20)
    return cardano, other


def test_an_ambiguous_currency_is_rejected_naming_both_candidates(demo):
    cardano, other = two_adas()
    report = run("kraken", "kraken.json")

    reason = rejections(report)["market ADA/USDT"]
    assert reason.startswith("currency ADA (base, venue code ADA) is ambiguous: 2 live assets")
    assert f"{cardano.pk} Cardano" in reason and f"{other.pk} Ada impostor" in reason
    assert "VenueAsset of kraken" in reason and "canonical symbol ADA" in reason
    assert list(rejections(report)) == ["market ADA/USDT"]
    assert not Market.objects.filter(venue_id="kraken", venue_symbol="ADAUSDT").exists()
    assert not VenueAsset.objects.filter(venue_id="kraken", venue_asset_symbol="ADA").exists()
    assert current("kraken", "LTCUSDT").instrument.underlying_asset.symbol == "LTC"


def test_a_group_decides_an_ambiguous_currency(demo):
    cardano, _ = two_adas()
    group = group_create(group_id="ada", canonical_symbol="ADA")
    group_member_add(group=group, asset=cardano, is_canonical=True)
    report = run("kraken", "kraken.json")

    assert report["rejected"] == []
    assert current("kraken", "ADAUSDT").instrument.underlying_asset == cardano
    assert code("kraken", "ADA") == cardano


def test_the_venues_recorded_code_decides_before_a_group(demo):
    cardano, other = two_adas()
    group = group_create(group_id="ada", canonical_symbol="ADA")
    group_member_add(group=group, asset=cardano, is_canonical=True)
    venue_asset_create(venue=Venue.objects.get(pk="kraken"), asset=other, venue_asset_symbol="ADA")
    report = run("kraken", "kraken.json")

    assert report["rejected"] == []
    assert current("kraken", "ADAUSDT").instrument.underlying_asset == other


def test_a_code_recorded_for_a_deleted_asset_is_not_passed_over(demo):
    create_assets("LTC", "XRP", "DOGE")
    deleted = asset_create(symbol="ADA", name="Cardano", asset_type=AssetType.NATIVE)
    venue_asset_create(
        venue=Venue.objects.get(pk="kraken"), asset=deleted, venue_asset_symbol="ADA"
    )
    asset_soft_delete(asset=deleted)
    asset_create(symbol="ADA", name="Cardano (new)", asset_type=AssetType.NATIVE)
    report = run("kraken", "kraken.json")

    reason = rejections(report)["market ADA/USDT"]
    assert f"code ADA is recorded for ADA (Cardano, {deleted.pk}, deleted)" in reason
    assert not Market.objects.filter(venue_id="kraken", venue_symbol="ADAUSDT").exists()


def test_a_deleted_fiat_currency_is_not_made_again(demo):
    create_assets("ADA", "LTC", "XRP", "DOGE")
    asset_soft_delete(asset=usd())
    report = run("kraken", "kraken.json")

    assert rejections(report)["market BTC/USD"] == (
        "quote currency USD: the fiat currency's asset USD is deleted; restore it."
    )
    assert not Asset.objects.fiat().filter(symbol="USD").exists()


def test_a_venue_code_that_names_two_assets_in_one_snapshot_is_not_recorded(demo, tmp_path):
    def two(markets):
        kept = {name: markets[name] for name in ("BTC/USDT", "ETH/USDT")}
        for market in kept.values():
            market["baseId"] = market["info"]["base"] = "XX"
        markets.clear()
        markets.update(kept)

    report = run("kraken", edited(tmp_path, "kraken.json", two))

    assert report["rejected"] == []
    [warning] = report["warnings"]
    assert warning.startswith("venue code XX names different assets in this snapshot (BTC")
    assert current("kraken", "XBTUSDT").instrument.underlying_asset == asset("BTC")
    assert not VenueAsset.objects.filter(venue_id="kraken", venue_asset_symbol="XX").exists()


# --- the run ---------------------------------------------------------------------------------


def test_a_market_refused_at_write_time_keeps_nothing_of_itself(demo, monkeypatch):
    """A steward lists XRPUSDT between the plan and the writes: that market is rejected
    and its savepoint rolled back; XXRP is then recorded by XRP/USD."""
    stewards_token = create_assets("ADA", "LTC", "XRP", "DOGE")["XRP"]
    plan_markets = ccxt.plan

    def plan_then_steward_writes(*args, **kwargs):
        plan = plan_markets(*args, **kwargs)
        venue_symbol_create(
            venue=Venue.objects.get(pk="kraken"), symbol="XRPUSDT", asset=stewards_token
        )
        return plan

    monkeypatch.setattr(ccxt, "plan", plan_then_steward_writes)
    report = run("kraken", "kraken.json")

    assert list(rejections(report)) == ["market XRP/USDT"]
    assert "already has a current" in rejections(report)["market XRP/USDT"]
    assert code("kraken", "XXRP").symbol == "XRP"
    assert current("kraken", "XXRPZUSD").instrument.underlying_asset.symbol == "XRP"
    assert report["created"]["markets"] == 6


def test_an_unknown_venue_or_exchange_is_a_command_error_and_nothing_is_written(demo):
    events = OutboxEvent.objects.count()
    with pytest.raises(CommandError, match=r"Unknown venue 'krakn'.*kraken"):
        run("krakn", "kraken.json")
    with pytest.raises(CommandError, match=r"--exchange: 'krakn' is not a ccxt exchange"):
        run("kraken", "kraken.json", "--exchange", "krakn")
    assert OutboxEvent.objects.count() == events


def test_the_exchange_is_the_venues_ccxt_id(demo):
    """coinbase's snapshot is ccxt's coinbaseexchange: its info is read by that reader."""
    report = run("coinbase", "coinbaseexchange.json")
    assert report["source"].startswith("CCXT markets of coinbase (coinbaseexchange)")
    assert current("coinbase", "BTC-USD").instrument.code == "BTC-USD"


def test_strict_imports_nothing_when_a_market_is_rejected(demo):
    create_assets("ADA", "LTC", "XRP")  # no DOGE
    state = written_state()
    with pytest.raises(CommandError, match="1 items rejected; nothing imported"):
        run("kraken", "kraken.json", "--strict")
    assert written_state() == state


def test_a_malformed_market_is_rejected_by_name_and_the_rest_imports(demo, tmp_path):
    create_assets("ADA", "LTC", "XRP", "DOGE")

    def malformed(markets):
        markets["LTC/USDT"]["type"] = "margin"
        del markets["XRP/USDT"]["id"]
        markets["DOGE/USDT"]["active"] = "yes"
        markets["ADA/USDT"]["symbol"] = "ADA/USD"

    report = run("kraken", edited(tmp_path, "kraken.json", malformed))

    reasons = rejections(report)
    assert reasons["market LTC/USDT"].startswith("instrument_type: ccxt type 'margin' is not")
    assert reasons["market XRP/USDT"].startswith("venue_symbol: ccxt id None is missing")
    assert reasons["market DOGE/USDT"] == "status: ccxt active 'yes' is not true, false or null"
    assert reasons["market ADA/USDT"] == "its symbol 'ADA/USD' differs from its key."
    assert report["created"]["markets"] == 3
    assert not Market.objects.filter(venue_id="kraken", venue_symbol="LTCUSDT").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[]", "expected a JSON object keyed by unified symbol, got a JSON array"),
        ('{"BTC/USD": "XXBTZUSD"}', "'BTC/USD' is a JSON string"),
        ("{}", "holds no markets"),
        ("not json", "is not valid JSON: line 1, column 1: expected a value"),
        (None, "none of its 8 entries has the market fields"),  # a currencies file
    ],
)
def test_a_file_that_is_not_a_market_snapshot_imports_nothing(demo, tmp_path, content, reason):
    if content is None:
        snapshot = FIXTURES / "kraken-currencies.json"
    else:
        snapshot = tmp_path / "markets.json"
        snapshot.write_text(content)
    state = written_state()
    with pytest.raises(CommandError, match="Nothing imported") as raised:
        run("kraken", snapshot)
    assert reason in str(raised.value)
    assert written_state() == state


def test_a_dry_run_gives_the_real_runs_verdict_market_by_market(demo):
    """Good markets and bad ones: DOGE is unknown, and the market --overwrite would
    replace was listed in the future, so it cannot be delisted now. The dry run reports
    exactly what the real run does."""
    create_assets("ADA", "LTC", "XRP")
    kraken = Venue.objects.get(pk="kraken")
    other = asset_create(symbol="XBTX", name="Not bitcoin", asset_type=AssetType.ERC20)
    pair, _ = instrument_get_or_create(
        instrument_type=InstrumentType.SPOT, underlying_asset=other, quote_asset=asset("USDT")
    )
    future = timezone.now() + timedelta(days=30)
    market_create(
        venue=kraken, venue_symbol="XBTUSDT", instrument=pair, listed_at=future, status="HALTED"
    )
    state = written_state()

    dry = run("kraken", "kraken.json", "--overwrite", "--dry-run")

    assert written_state() == state
    real = run("kraken", "kraken.json", "--overwrite")
    assert comparable(dry) == comparable(real)
    reasons = rejections(real)
    assert set(reasons) == {"market BTC/USDT", "market DOGE/USDT"}
    assert reasons["market BTC/USDT"] == (
        "delisted_at: A market cannot be delisted before it was listed."
    )
    assert reasons["market DOGE/USDT"].startswith("unknown currency DOGE")
    assert current("kraken", "XBTUSDT").listed_at == future


class MarketsSoFar(Progress):
    """A progress bar that notes, at each step, how many markets are written."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.seen: list[int] = []

    def __call__(self, count: int) -> None:
        self.seen.append(Market.objects.count())


def test_the_progress_moves_with_each_market_written(demo):
    create_assets("ADA", "LTC", "XRP", "DOGE")
    before = Market.objects.count()
    progress = MarketsSoFar()

    run_import(
        ccxt,
        json.loads((FIXTURES / "kraken.json").read_text()),
        venue=Venue.objects.get(pk="kraken"),
        report=ImportReport(source="kraken"),
        progress=progress,
    )

    # 8 markets: XXBTZUSD is updated in place, the 7 others are new rows.
    assert sorted(progress.seen) == progress.seen
    assert progress.seen[-1] == before + 7 and len(progress.seen) == 8


# --- testnets -------------------------------------------------------------------------------


# Testnets of the real chain list whose native currency is called USD, USDT, XRP or DOGE
# (DeBank, Latam-Blockchain, PublicMint, OpenEX, Linqto, The Root Network, Dogechain, Laika).
TESTNETS_OF_MARKET_CURRENCIES = "20240324,2021398,172,2018,2019,7798,84,7672,568,4269"


def real_chain_list(tmp_path: Path) -> Path:
    """The real chain list (1,940 chains), from its compressed copy in the fixtures."""
    path = tmp_path / "chains.json"
    path.write_bytes(gzip.decompress((FIXTURES.parent / "chains.json.gz").read_bytes()))
    return path


def test_testnet_native_assets_are_no_venue_currency(demo, tmp_path):
    """Native assets of testnets named USD, USDT, XRP and DOGE neither make those
    currencies ambiguous nor stand in for them: kraken imports as without them."""
    call_command(
        "import_chains",
        str(real_chain_list(tmp_path)),
        "--only",
        TESTNETS_OF_MARKET_CURRENCIES,
        "--no-progress",
        stdout=StringIO(),
    )
    testnet_natives = Asset.objects.filter(native_chains__is_testnet=True)
    assert set(testnet_natives.values_list("symbol_key", flat=True)) == {
        "USD",
        "USDT",
        "XRP",
        "DOGE",
    }
    created = create_assets("ADA", "LTC", "XRP", "DOGE")

    report = run("kraken", "kraken.json")

    assert report["rejected"] == []
    assert report["created"]["markets"] == 7
    assert code("kraken", "ZUSD") == usd()
    for venue_code, symbol in (("XXRP", "XRP"), ("XXDG", "DOGE")):
        assert code("kraken", venue_code) == created[symbol]


def test_the_real_chain_list_then_a_real_snapshot_imports_markets(demo, tmp_path):
    """The README's order on the real files: the chain list (mainnets, the default), then
    kraken's snapshot. Markets whose currencies the registry knows once import; the
    others are rejected with the candidates named, never guessed."""
    out = StringIO()
    call_command(
        "import_chains", str(real_chain_list(tmp_path)), "--json", "--no-progress", stdout=out
    )
    assert json.loads(out.getvalue())["rejected"] == []
    assert not Chain.objects.filter(is_testnet=True).exists()

    report = run("kraken", "kraken.json")

    imported = set(Market.objects.filter(venue_id="kraken").values_list("venue_symbol", flat=True))
    assert {"XBTUSDT", "ETHUSDT", "XXBTZUSD"} <= imported
    for market, reason in rejections(report).items():
        assert "is ambiguous" in reason or "unknown currency" in reason, market
    assert not Market.objects.filter(
        instrument__underlying_asset__deployments__chain__is_testnet=True
    ).exists()
