"""Enumerations of the assets app. Names and order follow the CQC v0.4.0 contracts; a
value the contract lacks comes last (docs/EVENTS.md says how events send it)."""

from django.db import models


class AssetType(models.TextChoices):
    NATIVE = "NATIVE", "Native"
    ERC20 = "ERC20", "ERC-20"
    SPL = "SPL", "SPL"
    ERC721 = "ERC721", "ERC-721"
    ERC1155 = "ERC1155", "ERC-1155"
    SYNTHETIC = "SYNTHETIC", "Synthetic"
    LP_TOKEN = "LP_TOKEN", "LP token"
    RECEIPT_TOKEN = "RECEIPT_TOKEN", "Receipt token"
    WRAPPED = "WRAPPED", "Wrapped"
    # Not in the contract's enum: a currency such as USD, keyed by its ISO 4217 code, with
    # no deployments (assets.fiat). Events send it as ASSET_TYPE_UNSPECIFIED.
    FIAT = "FIAT", "Fiat currency"


class IdentifierSource(models.TextChoices):
    COINGECKO = "COINGECKO", "CoinGecko"
    COINMARKETCAP = "COINMARKETCAP", "CoinMarketCap"
    DEFILLAMA = "DEFILLAMA", "DefiLlama"
    MESSARI = "MESSARI", "Messari"
    INTERNAL = "INTERNAL", "Internal"


class RelationshipType(models.TextChoices):
    """How a child asset (the variant or result) relates to its parent (the underlying or
    source): "child WRAPS parent", "child FORKS_FROM parent". MIGRATES_TO reads the other
    way, as the contract's "old -> new" does: the parent (old token) migrates to the child
    (new token). Events send the parent as ``from_asset_id`` (docs/EVENTS.md)."""

    WRAPS = "WRAPS", "wraps"
    BRIDGES = "BRIDGES", "bridges"
    STAKES = "STAKES", "stakes"
    SYNTHETIC_OF = "SYNTHETIC_OF", "synthetic of"
    LIQUIDITY_PAIR = "LIQUIDITY_PAIR", "liquidity pair"
    MIGRATES_TO = "MIGRATES_TO", "migrates to"
    FORKS_FROM = "FORKS_FROM", "forks from"
    REBASES_WITH = "REBASES_WITH", "rebases with"
    # Registry types the contract lacks; events carry them in metadata
    # (metadata["cqar_relationship_type"], the contract's field UNSPECIFIED).
    # REDENOMINATES reads as MIGRATES_TO does: the parent (old unit) is redenominated
    # into the child (new unit), conversion_rate new units per old unit.
    REDENOMINATES = "REDENOMINATES", "redenominates to"


# The lineage of an asset (assets.lineage): what it became or came from. These carry no
# value to a variant (VARIANT_RELATIONSHIP_TYPES); their conversion_rate is units of the
# successor (child) per unit of the predecessor (parent).
LINEAGE_RELATIONSHIP_TYPES = (
    RelationshipType.MIGRATES_TO,
    RelationshipType.FORKS_FROM,
    RelationshipType.REDENOMINATES,
)
