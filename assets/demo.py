"""Demo assets: real tokens with their real contract addresses and decimals, and the
fiat currencies USD-quoted and EUR-quoted markets are priced in.

Assets are keyed by their CoinGecko id and deployments by (asset, chain), fiat currencies
by their ISO 4217 code, so the loader finds what an earlier run created; a demo asset a
steward soft-deleted stays deleted.
"""

import datetime as dt
from decimal import Decimal

from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.models import Asset, AssetDeployment, AssetGroup, AssetGroupMember, AssetRelationship
from assets.services import (
    asset_create,
    asset_identifier_create,
    asset_update,
    deployment_create,
    fiat_asset_get_or_create,
    group_create,
    group_member_add,
    relationship_create,
)
from chains.models import Chain
from chains.services import chain_update
from registry.demo import DemoLog, register_demo_loader


def _native(chain: str, decimals: int, canonical: bool = False) -> dict:
    return {
        "chain": chain,
        "address": "",
        "decimals": decimals,
        "is_native": True,
        "is_canonical": canonical,
    }


def _token(chain: str, address: str, decimals: int, canonical: bool = False) -> dict:
    return {"chain": chain, "address": address, "decimals": decimals, "is_canonical": canonical}


DEMO_ASSETS = [
    {
        "key": (IdentifierSource.COINGECKO, "bitcoin"),
        "symbol": "BTC",
        "name": "Bitcoin",
        "asset_type": AssetType.NATIVE,
        "category": "currency",
        "website_url": "https://bitcoin.org",
        "deployments": [_native("bitcoin", 8, canonical=True)],
    },
    {
        "key": (IdentifierSource.COINGECKO, "ethereum"),
        "symbol": "ETH",
        "name": "Ether",
        "asset_type": AssetType.NATIVE,
        "category": "currency",
        "website_url": "https://ethereum.org",
        "deployments": [
            _native("ethereum", 18, canonical=True),
            _native("arbitrum", 18),
            _native("optimism", 18),
            _native("base", 18),
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "solana"),
        "symbol": "SOL",
        "name": "Solana",
        "asset_type": AssetType.NATIVE,
        "category": "currency",
        "website_url": "https://solana.com",
        "deployments": [_native("solana", 9, canonical=True)],
    },
    {
        "key": (IdentifierSource.COINGECKO, "usd-coin"),
        "symbol": "USDC",
        "name": "USD Coin",
        "asset_type": AssetType.ERC20,
        "category": "stablecoin",
        "website_url": "https://www.circle.com/usdc",
        "deployments": [
            _token("ethereum", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6, canonical=True),
            _token("arbitrum", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", 6),
            _token("optimism", "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", 6),
            _token("base", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6),
            _token("polygon", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", 6),
            _token("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", 6),
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "usd-coin-ethereum-bridged"),
        "symbol": "USDC.e",
        "name": "Bridged USDC (Arbitrum)",
        "asset_type": AssetType.ERC20,
        "category": "stablecoin",
        "deployments": [
            _token("arbitrum", "0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8", 6, canonical=True)
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "tether"),
        "symbol": "USDT",
        "name": "Tether USD",
        "asset_type": AssetType.ERC20,
        "category": "stablecoin",
        "website_url": "https://tether.to",
        "deployments": [
            _token("ethereum", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 6, canonical=True),
            _token("arbitrum", "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", 6),
            _token("optimism", "0x94b008aA00579c1307B0EF2c499aD98a8ce58e58", 6),
            _token("polygon", "0xc2132D05D31c914a87C6611C10748AEb04B58e8F", 6),
            _token("solana", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", 6),
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "wrapped-bitcoin"),
        "symbol": "WBTC",
        "name": "Wrapped BTC",
        "asset_type": AssetType.WRAPPED,
        "category": "wrapped",
        "website_url": "https://wbtc.network",
        "deployments": [
            _token("ethereum", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", 8, canonical=True)
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "weth"),
        "symbol": "WETH",
        "name": "Wrapped Ether",
        "asset_type": AssetType.WRAPPED,
        "category": "wrapped",
        "deployments": [
            _token("ethereum", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", 18, canonical=True),
            _token("arbitrum", "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", 18),
            _token("optimism", "0x4200000000000000000000000000000000000006", 18),
            _token("base", "0x4200000000000000000000000000000000000006", 18),
            _token("polygon", "0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619", 18),
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "staked-ether"),
        "symbol": "stETH",
        "name": "Lido Staked Ether",
        "asset_type": AssetType.RECEIPT_TOKEN,
        "category": "liquid-staking",
        "website_url": "https://lido.fi",
        "deployments": [
            _token("ethereum", "0xae7ab96520DE3A18E5e111B5EaAb095312D7fE84", 18, canonical=True)
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "wrapped-steth"),
        "symbol": "wstETH",
        "name": "Wrapped liquid staked Ether 2.0",
        "asset_type": AssetType.WRAPPED,
        "category": "liquid-staking",
        "website_url": "https://lido.fi",
        "deployments": [
            _token("ethereum", "0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0", 18, canonical=True)
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "coinbase-wrapped-staked-eth"),
        "symbol": "cbETH",
        "name": "Coinbase Wrapped Staked ETH",
        "asset_type": AssetType.RECEIPT_TOKEN,
        "category": "liquid-staking",
        "deployments": [
            _token("ethereum", "0xBe9895146f7AF43049ca1c1AE358B0541Ea49704", 18, canonical=True),
            _token("base", "0x2Ae3F1Ec7F1F5012CFEab0185bfc7aa3cf0DEc22", 18),
        ],
    },
    {
        "key": (IdentifierSource.COINGECKO, "rocket-pool-eth"),
        "symbol": "rETH",
        "name": "Rocket Pool ETH",
        "asset_type": AssetType.RECEIPT_TOKEN,
        "category": "liquid-staking",
        "website_url": "https://rocketpool.net",
        "deployments": [
            _token("ethereum", "0xae78736Cd615f374D3085123A210448E74Fc6393", 18, canonical=True)
        ],
    },
    # Lineage (docs/DESIGN.md, "Lineage"): MATIC migrates to POL; Terra's LUNA was renamed
    # LUNC when the new LUNA forked from it; MKR is redenominated into SKY. Without
    # deployments, so that the demo chains list what they listed before.
    {
        "key": (IdentifierSource.COINGECKO, "matic-network"),
        "symbol": "MATIC",
        "name": "Polygon",
        "asset_type": AssetType.ERC20,
        "category": "currency",
        "deployments": [],
    },
    {
        "key": (IdentifierSource.COINGECKO, "polygon-ecosystem-token"),
        "symbol": "POL",
        "name": "POL (ex-MATIC)",
        "asset_type": AssetType.ERC20,
        "category": "currency",
        "website_url": "https://polygon.technology",
        "deployments": [],
    },
    {
        # Created under its name before the crash; DEMO_RENAMES renames it LUNC.
        "key": (IdentifierSource.COINGECKO, "terra-luna"),
        "symbol": "LUNA",
        "name": "Terra",
        "asset_type": AssetType.NATIVE,
        "category": "currency",
        "deployments": [],
    },
    {
        "key": (IdentifierSource.COINGECKO, "terra-luna-2"),
        "symbol": "LUNA",
        "name": "Terra",
        "asset_type": AssetType.NATIVE,
        "category": "currency",
        "deployments": [],
    },
    {
        "key": (IdentifierSource.COINGECKO, "maker"),
        "symbol": "MKR",
        "name": "Maker",
        "asset_type": AssetType.ERC20,
        "category": "governance",
        "deployments": [],
    },
    {
        "key": (IdentifierSource.COINGECKO, "sky"),
        "symbol": "SKY",
        "name": "Sky",
        "asset_type": AssetType.ERC20,
        "category": "governance",
        "deployments": [],
    },
    {
        # Not a real token: an impostor "USDC" that shows a symbol collision and carries
        # the demo's CRITICAL scam flag.
        "key": (IdentifierSource.INTERNAL, "demo-counterfeit-usdc"),
        "symbol": "USDC",
        "name": "Counterfeit USD Coin (demo)",
        "asset_type": AssetType.ERC20,
        "category": "stablecoin",
        "metadata": {"demo": True},
        "deployments": [],
    },
]

# (child, relationship, parent, conversion rate, protocol), by CoinGecko id.
DEMO_RELATIONSHIPS = [
    ("weth", RelationshipType.WRAPS, "ethereum", Decimal(1), "weth"),
    ("staked-ether", RelationshipType.STAKES, "ethereum", Decimal(1), "lido"),
    ("wrapped-steth", RelationshipType.WRAPS, "staked-ether", None, "lido"),
    ("coinbase-wrapped-staked-eth", RelationshipType.STAKES, "ethereum", None, "coinbase"),
    ("rocket-pool-eth", RelationshipType.STAKES, "ethereum", None, "rocket-pool"),
    ("wrapped-bitcoin", RelationshipType.WRAPS, "bitcoin", Decimal(1), "bitgo"),
    (
        "usd-coin-ethereum-bridged",
        RelationshipType.BRIDGES,
        "usd-coin",
        Decimal(1),
        "arbitrum-bridge",
    ),
]

# Lineage relationships: (parent, relationship, child, ratio, chain, valid_from), by
# CoinGecko id; the ratio is units of the child (successor) per unit of the parent.
DEMO_LINEAGE = [
    # The MATIC -> POL migration contract opened on Ethereum on 2023-10-25; Polygon PoS
    # made POL its native gas token on 2024-09-04.
    (
        "matic-network",
        RelationshipType.MIGRATES_TO,
        "polygon-ecosystem-token",
        1,
        "ethereum",
        dt.datetime(2023, 10, 25, tzinfo=dt.UTC),
    ),
    (
        "matic-network",
        RelationshipType.MIGRATES_TO,
        "polygon-ecosystem-token",
        1,
        "polygon",
        dt.datetime(2024, 9, 4, tzinfo=dt.UTC),
    ),
    # Terra 2.0's LUNA forked from the old chain (now LUNC) at its genesis, 2022-05-28; no
    # fixed ratio (an airdrop by snapshot).
    (
        "terra-luna",
        RelationshipType.FORKS_FROM,
        "terra-luna-2",
        None,
        None,
        dt.datetime(2022, 5, 28, tzinfo=dt.UTC),
    ),
    # Sky: 1 MKR upgrades to 24,000 SKY, from 2024-09-18.
    (
        "maker",
        RelationshipType.REDENOMINATES,
        "sky",
        24000,
        None,
        dt.datetime(2024, 9, 18, tzinfo=dt.UTC),
    ),
]

# Rebrands: (CoinGecko id, new symbol, new name, effective time).
DEMO_RENAMES = [
    ("terra-luna", "LUNC", "Terra Luna Classic", dt.datetime(2022, 5, 28, tzinfo=dt.UTC)),
]

DEMO_GROUPS = [
    {
        "group_id": "eth",
        "canonical_symbol": "ETH",
        "description": "Ether and the tokens that stand for it: wrapped, staked, bridged.",
        "canonical": "ethereum",
        "members": [
            "weth",
            "staked-ether",
            "wrapped-steth",
            "coinbase-wrapped-staked-eth",
            "rocket-pool-eth",
        ],
    },
]

# Fiat currencies (FIAT assets, no deployments), by ISO 4217 code.
DEMO_FIAT_CURRENCIES = ("USD", "EUR")

DEMO_NATIVE_ASSETS = {
    "bitcoin": "bitcoin",
    "ethereum": "ethereum",
    "arbitrum": "ethereum",
    "optimism": "ethereum",
    "base": "ethereum",
    "solana": "solana",
}


def demo_asset(source: str, external_id: str) -> Asset | None:
    """The demo asset known to ``source`` as ``external_id``; None if a steward deleted it."""
    asset = Asset.all_objects.with_identifier(source, external_id).get()
    return None if asset.is_deleted else asset


def load_demo_assets(log: DemoLog) -> dict[str, int]:
    created = {"assets": 0, "deployments": 0, "relationships": 0, "groups": 0, "group members": 0}
    chains = {chain.chain_id: chain for chain in Chain.objects.all()}
    for spec in DEMO_ASSETS:
        spec = dict(spec)
        source, external_id = spec.pop("key")
        deployments = spec.pop("deployments")
        asset = Asset.all_objects.with_identifier(source, external_id).first()
        if asset is None:
            asset = asset_create(**spec)
            asset_identifier_create(
                asset=asset, source=source, external_id=external_id, is_primary=True
            )
            log(f"asset {asset.symbol} ({external_id})")
            created["assets"] += 1
        elif asset.is_deleted:
            continue
        for deployment in deployments:
            chain = chains[deployment["chain"]]
            existing = AssetDeployment.objects.filter(asset=asset, chain=chain)
            if existing.exists():
                continue
            deployment_create(asset=asset, **{**deployment, "chain": chain})
            log(f"deployment {asset.symbol} on {chain.chain_id}")
            created["deployments"] += 1
    for code in DEMO_FIAT_CURRENCIES:
        if Asset.all_objects.fiat().filter(symbol=code).exists():  # live, or deleted by a steward
            continue
        fiat = fiat_asset_get_or_create(code)
        log(f"asset {fiat.symbol} (fiat currency, {fiat.name})")
        created["assets"] += 1
    for chain_id, coingecko_id in DEMO_NATIVE_ASSETS.items():
        native = demo_asset(IdentifierSource.COINGECKO, coingecko_id)
        if native is not None:
            chain_update(chain=chains[chain_id], changes={"native_asset": native})
    for child_id, relationship_type, parent_id, rate, protocol in DEMO_RELATIONSHIPS:
        child = demo_asset(IdentifierSource.COINGECKO, child_id)
        parent = demo_asset(IdentifierSource.COINGECKO, parent_id)
        if child is None or parent is None:
            continue
        if AssetRelationship.objects.filter(
            parent_asset=parent, child_asset=child, relationship_type=relationship_type
        ).exists():
            continue
        relationship_create(
            parent_asset=parent,
            child_asset=child,
            relationship_type=relationship_type,
            conversion_rate=rate,
            protocol=protocol,
        )
        log(f"relationship {child.symbol} {relationship_type} {parent.symbol}")
        created["relationships"] += 1
    for coingecko_id, symbol, name, renamed_at in DEMO_RENAMES:
        asset = demo_asset(IdentifierSource.COINGECKO, coingecko_id)
        if asset is None or asset.former_names.exists():
            continue
        asset_update(asset=asset, changes={"symbol": symbol, "name": name}, renamed_at=renamed_at)
        log(f"rename {coingecko_id} to {symbol} from {renamed_at:%Y-%m-%d}")
    for parent_id, relationship_type, child_id, rate, chain_id, valid_from in DEMO_LINEAGE:
        parent = demo_asset(IdentifierSource.COINGECKO, parent_id)
        child = demo_asset(IdentifierSource.COINGECKO, child_id)
        chain = chains.get(chain_id) if chain_id else None
        if parent is None or child is None or (chain_id and chain is None):
            continue
        if AssetRelationship.objects.filter(
            parent_asset=parent, child_asset=child, relationship_type=relationship_type, chain=chain
        ).exists():
            continue
        relationship_create(
            parent_asset=parent,
            child_asset=child,
            relationship_type=relationship_type,
            conversion_rate=Decimal(rate) if rate is not None else None,
            chain=chain,
            valid_from=valid_from,
        )
        log(
            f"relationship {parent.symbol} {relationship_type} {child.symbol} ({chain_id or 'all'})"
        )
        created["relationships"] += 1
    for spec in DEMO_GROUPS:
        group = AssetGroup.objects.filter(group_id=spec["group_id"]).first()
        if group is None:
            group = group_create(
                group_id=spec["group_id"],
                canonical_symbol=spec["canonical_symbol"],
                description=spec["description"],
            )
            created["groups"] += 1
        members = [(spec["canonical"], True)] + [(member, False) for member in spec["members"]]
        for coingecko_id, is_canonical in members:
            asset = demo_asset(IdentifierSource.COINGECKO, coingecko_id)
            if asset is None or AssetGroupMember.objects.filter(group=group, asset=asset).exists():
                continue
            group_member_add(group=group, asset=asset, is_canonical=is_canonical)
            created["group members"] += 1
    return created


def register() -> None:
    register_demo_loader("assets", load_demo_assets)
