"""Demo venues and their currency codes (binance, coinbase, kraken, uniswap-v3)."""

from assets.choices import IdentifierSource
from assets.demo import demo_asset
from chains.models import Chain
from registry.demo import DemoLog, register_demo_loader
from venues.choices import VenueType
from venues.models import Venue, VenueAsset
from venues.services import venue_asset_create, venue_create

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


def load_demo_venues(log: DemoLog) -> dict[str, int]:
    created = {"venues": 0, "venue assets": 0}
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
    return created


def register() -> None:
    register_demo_loader("venues", load_demo_venues)
