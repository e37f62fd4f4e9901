"""Demo venues, their currency codes and tickers (binance, coinbase, kraken, uniswap-v3)."""

from assets.choices import IdentifierSource
from assets.demo import demo_asset
from chains.models import Chain
from registry.demo import DemoLog, register_demo_loader
from venues.choices import MarketType, VenueType
from venues.models import Venue, VenueAsset, VenueSymbol
from venues.services import venue_asset_create, venue_create, venue_symbol_create

DEMO_VENUES = [
    {
        "venue_id": "binance",
        "name": "Binance",
        "venue_type": VenueType.CEX,
        "website_url": "https://www.binance.com",
        "api_url": "https://api.binance.com",
    },
    {
        "venue_id": "coinbase",
        "name": "Coinbase Exchange",
        "venue_type": VenueType.CEX,
        "website_url": "https://www.coinbase.com",
        "api_url": "https://api.exchange.coinbase.com",
    },
    {
        "venue_id": "kraken",
        "name": "Kraken",
        "venue_type": VenueType.CEX,
        "website_url": "https://www.kraken.com",
        "api_url": "https://api.kraken.com",
    },
    {
        "venue_id": "uniswap-v3",
        "name": "Uniswap v3",
        "venue_type": VenueType.DEX,
        "chain": "ethereum",
        "protocol_address": "0x1F98431c8aD98523631AE4a59f267346ea31F984",
        "website_url": "https://app.uniswap.org",
        "metadata": {"role": "factory"},
    },
]

# (venue, venue's own code, CoinGecko id)
DEMO_VENUE_ASSETS = [
    ("binance", "BTC", "bitcoin"),
    ("binance", "ETH", "ethereum"),
    ("binance", "USDT", "tether"),
    ("binance", "USDC", "usd-coin"),
    ("coinbase", "BTC", "bitcoin"),
    ("coinbase", "ETH", "ethereum"),
    ("coinbase", "USDC", "usd-coin"),
    ("kraken", "XXBT", "bitcoin"),
    ("kraken", "XETH", "ethereum"),
    ("kraken", "USDT", "tether"),
    ("uniswap-v3", "WETH", "weth"),
    ("uniswap-v3", "USDC", "usd-coin"),
]

# (venue, ticker, market type, base, quote or None for fiat). The fiat quote is kept in
# metadata: fiat currencies are not registry assets.
DEMO_VENUE_SYMBOLS = [
    ("binance", "BTCUSDT", MarketType.SPOT, "bitcoin", "tether", None),
    ("binance", "ETHUSDT", MarketType.SPOT, "ethereum", "tether", None),
    ("binance", "BTCUSDT", MarketType.PERPETUAL, "bitcoin", "tether", None),
    ("coinbase", "BTC-USD", MarketType.SPOT, "bitcoin", None, "USD"),
    ("coinbase", "ETH-USD", MarketType.SPOT, "ethereum", None, "USD"),
    ("kraken", "XXBTZUSD", MarketType.SPOT, "bitcoin", None, "USD"),
    ("kraken", "XETHZUSD", MarketType.SPOT, "ethereum", None, "USD"),
]


def load_demo_venues(log: DemoLog) -> dict[str, int]:
    created = {"venues": 0, "venue assets": 0, "venue symbols": 0}
    venues = {}
    for spec in DEMO_VENUES:
        venue = Venue.objects.filter(venue_id=spec["venue_id"]).first()
        if venue is None:
            fields = dict(spec)
            if "chain" in fields:
                fields["chain"] = Chain.objects.get(chain_id=fields["chain"])
            venue = venue_create(**fields)
            log(f"venue {venue.venue_id}")
            created["venues"] += 1
        venues[venue.venue_id] = venue
    for venue_id, code, coingecko_id in DEMO_VENUE_ASSETS:
        asset = demo_asset(IdentifierSource.COINGECKO, coingecko_id)
        if (
            asset is None
            or VenueAsset.objects.filter(venue_id=venue_id, venue_asset_symbol=code).exists()
        ):
            continue
        venue_asset_create(venue=venues[venue_id], asset=asset, venue_asset_symbol=code)
        created["venue assets"] += 1
    for venue_id, ticker, market_type, base_id, quote_id, fiat_quote in DEMO_VENUE_SYMBOLS:
        base = demo_asset(IdentifierSource.COINGECKO, base_id)
        quote = demo_asset(IdentifierSource.COINGECKO, quote_id) if quote_id else None
        if base is None or (quote_id and quote is None):
            continue
        if (
            VenueSymbol.objects.current()
            .filter(venue_id=venue_id, symbol=ticker, market_type=market_type)
            .exists()
        ):
            continue
        venue_symbol_create(
            venue=venues[venue_id],
            symbol=ticker,
            market_type=market_type,
            asset=base,
            quote_asset=quote,
            metadata={"quote_currency": fiat_quote} if fiat_quote else {},
        )
        log(f"venue symbol {venue_id}:{ticker} ({market_type})")
        created["venue symbols"] += 1
    return created


def register() -> None:
    register_demo_loader("venues", load_demo_venues)
