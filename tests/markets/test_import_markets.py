"""manage.py import_markets: CCXT market snapshots become venue tickers and venue codes.

The snapshots are the real ccxt static fixtures in tests/fixtures/ccxt/. The demo
supplies BTC, ETH, SOL, USDT, USDC (twice: a counterfeit), the fiat USD, the ETH group
and the kraken and binance venues; what it lacks (ADA, LTC, XRP, DOGE, TRX) the tests
create through the services.
"""

import gzip
import json
from datetime import timedelta
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
    fiat_asset_get_or_create,
    group_create,
    group_member_add,
)
from chains.models import Chain
from markets.choices import InstrumentType
from markets.importers import ccxt
from markets.models import VenueSymbol
from markets.services import venue_symbol_create, venue_symbol_update
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
}
pytestmark = pytest.mark.django_db


def run(venue: str, snapshot: str | Path, *options: str) -> dict:
    """Run the import with --json and return its report."""
    out = StringIO()
    path = snapshot if isinstance(snapshot, Path) else FIXTURES / snapshot
    call_command("import_markets", "--venue", venue, str(path), "--json", *options, stdout=out)
    return json.loads(out.getvalue())


def create_assets(*symbols: str) -> dict[str, Asset]:
    """USD is the fiat currency (the demo's); the others are created as native coins."""
    return {
        symbol: fiat_asset_get_or_create(symbol)
        if symbol == "USD"
        else asset_create(symbol=symbol, name=NAMES[symbol], asset_type=AssetType.NATIVE)
        for symbol in symbols
    }


def asset(symbol: str) -> Asset:
    return Asset.objects.get(symbol=symbol)


def current(venue: str, symbol: str, market_type: str = InstrumentType.SPOT) -> VenueSymbol:
    return VenueSymbol.objects.current().get(
        venue_id=venue, venue_symbol=symbol, market_type=market_type
    )


def code(venue: str, venue_asset_symbol: str) -> Asset:
    return VenueAsset.objects.get(venue_id=venue, venue_asset_symbol=venue_asset_symbol).asset


def rejections(report: dict) -> dict[str, str]:
    return {rejection["item"]: rejection["reason"] for rejection in report["rejected"]}


def resolve(client, venue: str, symbol: str, market_type: str = "SPOT") -> dict:
    response = client.get(
        "/api/v1/resolve/venue-symbol/",
        {"venue": venue, "symbol": symbol, "market_type": market_type},
    )
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


def test_kraken_xxbtzusd_resolves_to_btc_quoted_in_usd(
    demo, viewer, django_capture_on_commit_callbacks
):
    """The demo's XXBTZUSD had no quote asset (USD only in metadata); with the USD asset
    resolving the venue's USD, --overwrite replaces it, and the cached answer is not served."""
    usd = create_assets("USD", "ADA", "LTC", "XRP", "DOGE")["USD"]
    assert resolve(viewer, "kraken", "XXBTZUSD")["quote_asset"] is None  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        report = run("kraken", "kraken.json", "--overwrite")

    assert report["rejected"] == []
    assert report["created"] == {"venue symbols": 8, "venue assets": 5}  # ZUSD ADA XLTC XXRP XXDG
    assert report["updated"] == {"venue symbols delisted": 1}
    answer = resolve(viewer, "kraken", "XXBTZUSD")
    assert answer["asset"]["symbol"] == "BTC"
    assert answer["quote_asset"]["asset_id"] == str(usd.pk)
    mapping = current("kraken", "XXBTZUSD")
    assert (mapping.asset, mapping.quote_asset) == (asset("BTC"), usd)
    assert mapping.metadata == {"ccxt": {"symbol": "BTC/USD"}}
    assert code("kraken", "XXBT") == asset("BTC")
    assert code("kraken", "ZUSD") == usd
    assert code("kraken", "XXDG").symbol == "DOGE"
    assert current("kraken", "XBTUSDT").quote_asset == asset("USDT")
    old = VenueSymbol.objects.get(
        venue_id="kraken", venue_symbol="XXBTZUSD", delisted_at__isnull=False
    )
    assert old.quote_asset is None and old.metadata == {"quote_currency": "USD"}
    assert mapping.listed_at == old.delisted_at
    events = OutboxEvent.objects.filter(event_type="venue_symbol_mapped", entity_id=mapping.pk)
    assert events.get().payload["source"] == "import:markets:kraken"
    assert events.get().actor_id == "service:importer"


def test_a_mapping_with_another_quote_is_kept_and_reported_without_overwrite(demo):
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE")
    report = run("kraken", "kraken.json")

    reason = rejections(report)["market BTC/USD"]
    assert "XXBTZUSD (SPOT) is mapped to BTC (Bitcoin" in reason
    assert "quoted in no asset" in reason and "delist it first" in reason
    assert list(rejections(report)) == ["market BTC/USD"]
    assert report["created"]["venue symbols"] == 7
    mapping = current("kraken", "XXBTZUSD")
    assert mapping.quote_asset is None and mapping.metadata == {"quote_currency": "USD"}
    assert current("kraken", "XXRPZUSD").quote_asset.symbol == "USD"


def test_binance_btcusdt_is_both_a_spot_and_a_perpetual_market(demo):
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE", "TRX")
    report = run("binance", "binance.json")

    assert report["rejected"] == []
    # The demo's BTCUSDT spot and perpetual and ETHUSDT gain their ccxt metadata.
    assert report["updated"] == {"venue symbols": 3}
    assert report["created"] == {"venue symbols": 15, "venue assets": 6}
    spot, perpetual = current("binance", "BTCUSDT"), current("binance", "BTCUSDT", "PERPETUAL")
    assert spot.pk != perpetual.pk
    for mapping in (spot, perpetual):
        assert (mapping.asset, mapping.quote_asset) == (asset("BTC"), asset("USDT"))
    assert perpetual.metadata["ccxt"] == {
        "symbol": "BTC/USDT:USDT",
        "settle": "USDT",
        "linear": True,
        "inverse": False,
        "contractSize": 1,
    }
    inverse = current("binance", "BTCUSD_PERP", "PERPETUAL")
    assert inverse.quote_asset.symbol == "USD"
    assert inverse.metadata["ccxt"]["inverse"] is True
    assert inverse.metadata["ccxt"]["settle"] == "BTC"
    assert current("binance", "BTCUSDT_231229", "FUTURE").asset == asset("BTC")
    option = current("binance", "ETH-231229-800-C", "OPTION")
    assert option.asset == asset("ETH")  # through the demo's ETH group
    assert option.is_active is True  # ccxt says active: null
    assert code("binance", "USD").symbol == "USD"


def test_bitfinex_records_its_own_codes_and_rejects_an_unknown_currency(demo):
    """fUST is USDT and fBTCF0 is BTC; EUR is not in the registry (the demo's is deleted
    here), so BTC/EUR is rejected by name and writes nothing (no ticker, no fEUR code);
    the rest imports."""
    asset_soft_delete(asset=Asset.objects.fiat_asset("EUR"))
    venue_create(venue_id="bitfinex", name="Bitfinex", venue_type=VenueType.CEX)
    create_assets("USD", "ADA", "LTC", "XRP", "TRX")
    report = run("bitfinex", "bitfinex.json")

    reason = rejections(report)["market BTC/EUR"]
    assert reason.startswith("unknown currency EUR (quote, venue code fEUR)")
    assert len(report["rejected"]) == 1
    # 9 spot codes (not fEUR), 7 perpetual ones (fBTCF0…) and USDT, the swaps' settleId.
    assert report["created"] == {"venue symbols": 16, "venue assets": 17}
    assert code("bitfinex", "fUST") == asset("USDT")
    assert code("bitfinex", "fUSTF0") == asset("USDT")
    assert code("bitfinex", "USDT") == asset("USDT")
    assert code("bitfinex", "fBTCF0") == asset("BTC")
    assert not VenueAsset.objects.filter(venue_id="bitfinex", venue_asset_symbol="fEUR").exists()
    assert not VenueSymbol.objects.filter(venue_id="bitfinex", venue_symbol="tBTCEUR").exists()
    perpetual = current("bitfinex", "tBTCF0:USTF0", "PERPETUAL")
    assert (perpetual.asset, perpetual.quote_asset) == (asset("BTC"), asset("USDT"))


def two_adas() -> tuple[Asset, Asset]:
    create_assets("USD", "LTC", "XRP", "DOGE")
    cardano = asset_create(symbol="ADA", name="Cardano", asset_type=AssetType.NATIVE)
    other = asset_create(symbol="ada", name="Ada impostor", asset_type=AssetType.ERC20)
    return cardano, other


def test_an_ambiguous_currency_is_rejected_naming_both_candidates(demo):
    cardano, other = two_adas()
    report = run("kraken", "kraken.json", "--overwrite")

    reason = rejections(report)["market ADA/USDT"]
    assert reason.startswith("currency ADA (base, venue code ADA) is ambiguous: 2 live assets")
    assert f"{cardano.pk} Cardano" in reason and f"{other.pk} Ada impostor" in reason
    assert "VenueAsset of kraken" in reason and "canonical symbol ADA" in reason
    assert list(rejections(report)) == ["market ADA/USDT"]
    assert not VenueSymbol.objects.filter(venue_id="kraken", venue_symbol="ADAUSDT").exists()
    assert not VenueAsset.objects.filter(venue_id="kraken", venue_asset_symbol="ADA").exists()
    assert current("kraken", "LTCUSDT").asset.symbol == "LTC"


def test_a_group_decides_an_ambiguous_currency(demo):
    cardano, _ = two_adas()
    group = group_create(group_id="ada", canonical_symbol="ADA")
    group_member_add(group=group, asset=cardano, is_canonical=True)
    report = run("kraken", "kraken.json", "--overwrite")

    assert report["rejected"] == []
    assert current("kraken", "ADAUSDT").asset == cardano
    assert code("kraken", "ADA") == cardano


def test_the_venues_recorded_code_decides_before_a_group(demo):
    """An existing VenueAsset is the venue's own word: it wins over the ADA group."""
    cardano, other = two_adas()
    group = group_create(group_id="ada", canonical_symbol="ADA")
    group_member_add(group=group, asset=cardano, is_canonical=True)
    venue_asset_create(venue=Venue.objects.get(pk="kraken"), asset=other, venue_asset_symbol="ADA")
    report = run("kraken", "kraken.json", "--overwrite")

    assert report["rejected"] == []
    assert current("kraken", "ADAUSDT").asset == other


def test_a_second_run_is_unchanged_and_writes_no_row_and_no_event(demo):
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE", "TRX")
    first = run("binance", "binance.json", "--batch-size", "4")
    events = OutboxEvent.objects.count()
    versions = set(VenueSymbol.objects.values_list("pk", "version"))
    second = run("binance", "binance.json")

    assert first["created"] and second["created"] == {} and second["updated"] == {}
    assert second["unchanged"] == {"venue symbols": 18, "venue assets": 9}
    assert second["rejected"] == [] and second["warnings"] == []
    assert OutboxEvent.objects.count() == events
    assert set(VenueSymbol.objects.values_list("pk", "version")) == versions


def test_dry_run_reports_the_same_counts_and_writes_nothing(demo):
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE", "TRX")
    events, symbols = OutboxEvent.objects.count(), VenueSymbol.objects.count()
    codes = VenueAsset.objects.count()
    dry = run("binance", "binance.json", "--dry-run")

    assert dry["dry_run"] is True
    assert (OutboxEvent.objects.count(), VenueSymbol.objects.count()) == (events, symbols)
    assert VenueAsset.objects.count() == codes
    assert current("binance", "BTCUSDT").metadata == {}
    real = run("binance", "binance.json")
    assert (dry["created"], dry["updated"]) == (real["created"], real["updated"])
    assert dry["unchanged"] == real["unchanged"]


def test_the_summary_says_what_a_dry_run_would_do_and_names_rejected_markets(demo):
    out = StringIO()
    snapshot = str(FIXTURES / "kraken.json")
    call_command("import_markets", "--venue", "kraken", snapshot, "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("(dry run: nothing written)")
    # XBTUSDT and ETHUSDT: the demo knows BTC, ETH, USDT and USD, but not ADA, LTC…
    assert "  would be created: 2 venue symbols" in lines
    assert "  rejected: 6" in lines
    assert any(line.startswith("    market ADA/USDT: unknown currency ADA") for line in lines)


def test_a_market_that_became_inactive_is_updated_in_place(demo, tmp_path):
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE")
    run("kraken", "kraken.json", "--overwrite")
    mapping = current("kraken", "ETHUSDT")
    venue_symbol_update(
        venue_symbol=mapping, changes={"metadata": {**mapping.metadata, "note": "by hand"}}
    )
    markets = json.loads((FIXTURES / "kraken.json").read_text())
    markets["ETH/USDT"]["active"] = False
    snapshot = tmp_path / "kraken.json"
    snapshot.write_text(json.dumps(markets))
    report = run("kraken", snapshot)

    assert report["updated"] == {"venue symbols": 1} and report["created"] == {}
    updated = current("kraken", "ETHUSDT")
    assert updated.pk == mapping.pk and updated.is_active is False
    assert updated.metadata == {"ccxt": {"symbol": "ETH/USDT"}, "note": "by hand"}
    event = OutboxEvent.objects.filter(entity_id=mapping.pk).latest("id")
    assert event.event_type == "venue_symbol_updated"


def test_a_market_refused_at_write_time_keeps_nothing_of_itself(demo, monkeypatch):
    """A steward maps XRPUSDT between the plan and the writes: that market is rejected
    and its savepoint rolled back; XXRP is then recorded by XRP/USD, the next market
    that uses it."""
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE")
    stewards_token = asset_create(symbol="XRPX", name="Another", asset_type=AssetType.ERC20)
    plan_markets = ccxt.plan

    def plan_then_steward_writes(*args, **kwargs):
        plan = plan_markets(*args, **kwargs)
        venue_symbol_create(
            venue=Venue.objects.get(pk="kraken"), symbol="XRPUSDT", asset=stewards_token
        )
        return plan

    monkeypatch.setattr(ccxt, "plan", plan_then_steward_writes)
    report = run("kraken", "kraken.json", "--overwrite")

    assert list(rejections(report)) == ["market XRP/USDT"]
    assert "already has a current mapping" in rejections(report)["market XRP/USDT"]
    assert current("kraken", "XRPUSDT").asset == stewards_token
    assert code("kraken", "XXRP").symbol == "XRP"
    assert current("kraken", "XXRPZUSD").asset.symbol == "XRP"
    assert report["created"] == {"venue symbols": 7, "venue assets": 5}


def test_a_venue_code_that_names_two_assets_in_one_snapshot_is_not_recorded(demo, tmp_path):
    """Both markets import (each resolved by its unified code); the code, which would
    mean BTC in one and ETH in the other, is left out and reported."""
    markets = json.loads((FIXTURES / "kraken.json").read_text())
    markets = {name: markets[name] for name in ("BTC/USDT", "ETH/USDT")}
    markets["BTC/USDT"]["baseId"] = markets["ETH/USDT"]["baseId"] = "XX"
    snapshot = tmp_path / "kraken.json"
    snapshot.write_text(json.dumps(markets))
    report = run("kraken", snapshot)

    assert report["rejected"] == []
    [warning] = report["warnings"]
    assert warning.startswith("venue code XX names different assets in this snapshot (BTC")
    assert "in market ETH/USDT" in warning
    assert current("kraken", "XBTUSDT").asset == asset("BTC")
    assert current("kraken", "ETHUSDT").asset == asset("ETH")
    assert not VenueAsset.objects.filter(venue_id="kraken", venue_asset_symbol="XX").exists()


def test_a_code_recorded_for_a_deleted_asset_is_not_passed_over(demo):
    """The venue's code decides; if its asset is deleted the market is rejected rather
    than resolved by symbol to another asset."""
    create_assets("USD", "LTC", "XRP", "DOGE")
    deleted = asset_create(symbol="ADA", name="Cardano", asset_type=AssetType.NATIVE)
    venue_asset_create(
        venue=Venue.objects.get(pk="kraken"), asset=deleted, venue_asset_symbol="ADA"
    )
    asset_soft_delete(asset=deleted)
    asset_create(symbol="ADA", name="Cardano (new)", asset_type=AssetType.NATIVE)
    report = run("kraken", "kraken.json", "--overwrite")

    reason = rejections(report)["market ADA/USDT"]
    assert f"code ADA is recorded for ADA (Cardano, {deleted.pk}, deleted)" in reason
    assert not VenueSymbol.objects.filter(venue_id="kraken", venue_symbol="ADAUSDT").exists()


def test_overwrite_delists_a_mapping_to_another_asset_and_maps_the_ticker_anew(demo):
    cardano = create_assets("USD", "ADA", "LTC", "XRP", "DOGE")["ADA"]
    old_token = asset_create(symbol="ADAX", name="Old ADA ticker", asset_type=AssetType.ERC20)
    kraken = Venue.objects.get(pk="kraken")
    old = venue_symbol_create(
        venue=kraken, symbol="ADAUSDT", asset=old_token, quote_asset=asset("USDT")
    )

    refused = run("kraken", "kraken.json")
    reason = rejections(refused)["market ADA/USDT"]
    assert f"ADAUSDT (SPOT) is mapped to ADAX (Old ADA ticker, {old_token.pk})" in reason
    assert "delist it first" in reason
    assert current("kraken", "ADAUSDT") == old

    replaced = run("kraken", "kraken.json", "--overwrite")
    assert "market ADA/USDT" not in rejections(replaced)
    old.refresh_from_db()
    assert old.delisted_at is not None and old.is_active is False and old.asset == old_token
    new = current("kraken", "ADAUSDT")
    assert new.asset == cardano and new.pk != old.pk
    history = VenueSymbol.objects.filter(venue=kraken, venue_symbol="ADAUSDT")
    assert history.as_of(old.delisted_at).get() == new


def test_an_unknown_venue_is_a_command_error_and_nothing_is_written(demo):
    events = OutboxEvent.objects.count()
    with pytest.raises(CommandError, match=r"Unknown venue 'krakn'.*kraken"):
        run("krakn", "kraken.json")
    assert OutboxEvent.objects.count() == events


def test_strict_imports_nothing_when_a_market_is_rejected(demo):
    create_assets("ADA", "LTC", "XRP")  # no DOGE, and BTC/USD is mapped otherwise
    events, symbols = OutboxEvent.objects.count(), VenueSymbol.objects.count()
    with pytest.raises(CommandError, match="2 items rejected; nothing imported"):
        run("kraken", "kraken.json", "--strict")
    assert (OutboxEvent.objects.count(), VenueSymbol.objects.count()) == (events, symbols)


def test_a_malformed_market_is_rejected_by_name_and_the_rest_imports(demo, tmp_path):
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE")
    markets = json.loads((FIXTURES / "kraken.json").read_text())
    markets["LTC/USDT"]["type"] = "margin"
    del markets["XRP/USDT"]["id"]
    markets["DOGE/USDT"]["active"] = "yes"
    snapshot = tmp_path / "kraken.json"
    snapshot.write_text(json.dumps(markets))
    report = run("kraken", snapshot, "--overwrite")

    assert rejections(report) == {
        "market LTC/USDT": "type 'margin' is not one of spot, swap, future, option.",
        "market XRP/USDT": "id (the venue's ticker) is missing or not a string.",
        "market DOGE/USDT": "active must be true, false or null, not 'yes'.",
    }
    assert report["created"]["venue symbols"] == 5
    assert not VenueSymbol.objects.filter(venue_id="kraken", venue_symbol="LTCUSDT").exists()


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
    events, symbols = OutboxEvent.objects.count(), VenueSymbol.objects.count()
    with pytest.raises(CommandError, match="Nothing imported") as raised:
        run("kraken", snapshot)
    assert reason in str(raised.value)
    assert (OutboxEvent.objects.count(), VenueSymbol.objects.count()) == (events, symbols)


# --- a dry run is the real run's verdict ------------------------------------------------------


def test_a_dry_run_gives_the_real_runs_verdict_market_by_market(demo):
    """Good markets and bad ones: DOGE is unknown, and the mapping --overwrite would
    replace was listed in the future, so it cannot be delisted now (a rule of the write
    the plan did not check before). The dry run reports exactly what the real run does."""
    create_assets("USD", "ADA", "LTC", "XRP")
    future = timezone.now() + timedelta(days=30)
    venue_symbol_update(venue_symbol=current("kraken", "XXBTZUSD"), changes={"listed_at": future})
    events = OutboxEvent.objects.count()

    dry = run("kraken", "kraken.json", "--overwrite", "--dry-run")

    assert OutboxEvent.objects.count() == events
    real = run("kraken", "kraken.json", "--overwrite")
    assert comparable(dry) == comparable(real)
    reasons = rejections(real)
    assert set(reasons) == {"market BTC/USD", "market DOGE/USDT"}
    assert reasons["market BTC/USD"] == "A ticker cannot be delisted before it was listed."
    assert reasons["market DOGE/USDT"].startswith("unknown currency DOGE")
    assert current("kraken", "XXBTZUSD").listed_at == future
    assert real["created"] == {"venue symbols": 6, "venue assets": 4}


class SymbolsSoFar(Progress):
    """A progress bar that notes, at each step, how many tickers are written."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.seen: list[int] = []

    def __call__(self, count: int) -> None:
        self.seen.append(VenueSymbol.objects.count())


def test_the_progress_moves_with_each_market_written(demo):
    create_assets("USD", "ADA", "LTC", "XRP", "DOGE")
    before = VenueSymbol.objects.count()
    progress = SymbolsSoFar()
    report = ImportReport(source="kraken")

    run_import(
        ccxt,
        json.loads((FIXTURES / "kraken.json").read_text()),
        venue=Venue.objects.get(pk="kraken"),
        report=report,
        overwrite=True,
        progress=progress,
    )

    # 8 markets, each a new row (the replaced mapping's row stays, delisted).
    assert progress.seen == [before + written for written in range(1, 9)]


# --- testnets -----------------------------------------------------------------------------


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
    created = create_assets("USD", "ADA", "LTC", "XRP", "DOGE")

    report = run("kraken", "kraken.json")

    assert list(rejections(report)) == ["market BTC/USD"]  # mapped otherwise (see above)
    assert report["created"]["venue symbols"] == 7
    for venue_code, symbol in (("ZUSD", "USD"), ("XXRP", "XRP"), ("XXDG", "DOGE")):
        assert code("kraken", venue_code) == created[symbol]


def test_the_real_chain_list_then_a_real_snapshot_imports_markets(demo, tmp_path):
    """The README's order on the real files: the chain list (mainnets, the default), then
    kraken's snapshot. Markets whose currencies the registry knows once import; the
    others are rejected with the candidates named, never guessed."""
    chains = call_command(
        "import_chains", str(real_chain_list(tmp_path)), "--json", "--no-progress",
        stdout=(out := StringIO()),
    )  # fmt: skip
    assert chains is None and json.loads(out.getvalue())["rejected"] == []
    assert not Chain.objects.filter(is_testnet=True).exists()

    report = run("kraken", "kraken.json")

    imported = {mapping.symbol for mapping in VenueSymbol.objects.filter(venue_id="kraken")}
    assert {"XBTUSDT", "ETHUSDT"} <= imported
    assert report["created"]["venue symbols"] >= 2
    for market, reason in rejections(report).items():
        assert (
            "is ambiguous" in reason or "unknown currency" in reason or ("is mapped to" in reason)
        ), market
    assert not VenueSymbol.objects.filter(asset__deployments__chain__is_testnet=True).exists()
