"""Asset and the entities that describe it.

Symbols are not unique: many assets share "USDC". An asset is identified by its
``asset_id``; it is found by its deployments ``(chain, address)``, its identifiers
``(source, external_id)`` and the venue tickers that map to it.
"""

import uuid

from django.contrib.postgres.indexes import OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from assets.choices import AssetType, IdentifierSource, RelationshipType
from assets.fiat import iso_currency
from assets.querysets import (
    AssetDeploymentQuerySet,
    AssetGroupQuerySet,
    AssetNameQuerySet,
    AssetQuerySet,
    AssetRelationshipQuerySet,
)
from chains.addresses import ADDRESS_MAX_LENGTH, AddressKey
from chains.caip import caip19_of
from registry.history import UNTRACKED_FIELDS, tracked
from registry.models import LiveManager, RegistryModel, SoftDeleteModel
from registry.text import (
    FREE_TEXT_MAX_LENGTH,
    NAME_MAX_LENGTH,
    SYMBOL_MAX_LENGTH,
    SymbolKey,
    normalize_code,
    normalize_name,
    normalize_symbol,
    symbol_key,
)
from registry.validators import SLUG_PATTERN, validate_logo_url, validate_registry_slug

# CAIP-19 asset namespaces of EVM token standards.
CAIP19_EVM_NAMESPACES = {AssetType.ERC721: "erc721", AssetType.ERC1155: "erc1155"}
# What the database holds a fiat asset's symbol to: an ISO 4217 alphabetic code's shape
# (which codes exist is assets.fiat's list, checked by Asset.clean).
FIAT_CODE_PATTERN = r"^[A-Z]{3}$"


@tracked(exclude=list(UNTRACKED_FIELDS))
class Asset(SoftDeleteModel, RegistryModel):
    asset_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    symbol = models.CharField(
        max_length=SYMBOL_MAX_LENGTH,
        help_text="Display form, e.g. 'stETH'. Not unique, but for a FIAT asset: its ISO "
        "4217 code (USD), one live asset per code.",
    )
    # Lookups compare on this key; the database computes it, so no write path can
    # store a key that disagrees with the symbol, and Python computes the same function
    # (registry.text.symbol_key) for the hot path's cache keys.
    symbol_key = models.GeneratedField(
        expression=SymbolKey("symbol"),
        output_field=models.TextField(),
        db_persist=True,
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    asset_type = models.CharField(max_length=20, choices=AssetType.choices)
    category = models.CharField(max_length=64, blank=True, help_text="e.g. 'stablecoin'.")
    description = models.TextField(blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    logo_url = models.CharField(max_length=500, blank=True, validators=[validate_logo_url])
    website_url = models.URLField(max_length=500, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = LiveManager.from_queryset(AssetQuerySet)()
    all_objects = models.Manager.from_queryset(AssetQuerySet)()

    normalizers = {"symbol": normalize_symbol, "name": normalize_name}

    class Meta:
        ordering = ["symbol_key", "asset_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(symbol=""),
                name="asset_symbol_not_empty",
                violation_error_message="Symbol must not be empty.",
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="asset_name_not_empty",
                violation_error_message="Name must not be empty.",
            ),
            models.CheckConstraint(
                condition=~Q(asset_type=AssetType.FIAT) | Q(symbol__regex=FIAT_CODE_PATTERN),
                name="asset_fiat_symbol_is_iso_code",
                violation_error_message="A fiat asset's symbol is its ISO 4217 code (USD).",
            ),
            # A currency is one asset: one live FIAT asset per ISO code (its index also
            # serves AssetQuerySet.fiat_asset).
            models.UniqueConstraint(
                fields=["symbol"],
                condition=Q(asset_type=AssetType.FIAT, deleted_at__isnull=True),
                name="asset_one_live_fiat_per_code",
                violation_error_message="A live fiat asset with this ISO 4217 code exists.",
            ),
        ]
        indexes = [
            # Exact symbol lookups and symbol-prefix search (LIKE 'US%') over live assets;
            # text_pattern_ops serves both whatever the database collation.
            models.Index(
                OpClass("symbol_key", name="text_pattern_ops"),
                condition=Q(deleted_at__isnull=True),
                name="asset_live_symbol_key_idx",
            ),
            # Who shared a symbol at a past moment counts assets deleted since
            # (collision_sets with a moment): with the index above, both by index.
            models.Index(
                fields=["symbol_key"],
                condition=Q(deleted_at__isnull=False),
                name="asset_deleted_symbol_key_idx",
            ),
            # Name search (ILIKE '%coin%') also has a trigram index where the server has
            # pg_trgm; migration 0003 creates it outside the model state for that reason.
        ]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.name})"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The stored type, so that clean() sees a change to or from FIAT.
        instance._stored_asset_type = instance.__dict__.get("asset_type")
        return instance

    @property
    def is_fiat(self) -> bool:
        return self.asset_type == AssetType.FIAT

    def normalize(self) -> None:
        super().normalize()
        if self.is_fiat and isinstance(self.symbol, str):
            self.symbol = symbol_key(self.symbol)  # ISO codes are upper case: "usd" is USD

    def clean(self) -> None:
        """A FIAT asset's symbol is an ISO 4217 currency code; no asset becomes or stops
        being FIAT (a fiat currency never had deployments or relationships, which the
        asset's rows refuse, so none can appear by a change of type)."""
        errors = {}
        if self.is_fiat and isinstance(self.symbol, str) and self.symbol:
            try:
                iso_currency(self.symbol)
            except ValidationError as error:
                errors["symbol"] = error.error_list
        if not self._state.adding:
            stored = getattr(self, "_stored_asset_type", None)
            if stored is None:
                stored = (
                    type(self)
                    ._base_manager.filter(pk=self.pk)
                    .values_list("asset_type", flat=True)
                    .first()
                )
            if stored is not None and (stored == AssetType.FIAT) != self.is_fiat:
                errors["asset_type"] = [
                    f"The type cannot change from {stored} to {self.asset_type}: a fiat "
                    "currency is created as one (fiat_asset_get_or_create) and stays one."
                ]
        if errors:
            raise ValidationError(errors)


def fiat_errors(instance: models.Model, *fields: str, what: str) -> dict[str, list[str]]:
    """An error for each of ``fields`` (foreign keys to Asset) that points at a FIAT
    asset, which ``what`` (deployments, relationships) cannot name."""
    errors = {}
    for name in fields:
        # The asset set on the row, even unsaved (the admin's new asset, whose id its
        # inline rows do not carry yet), else the one its id names.
        cached = type(instance)._meta.get_field(name).is_cached(instance)
        if not cached and getattr(instance, f"{name}_id") is None:
            continue
        try:
            asset = getattr(instance, name)
        except Asset.DoesNotExist:  # refused as a missing reference
            continue
        if asset is not None and asset.is_fiat:
            errors[name] = [f"{asset.symbol} is a fiat currency, which has no {what}."]
    return errors


@tracked()
class AssetIdentifier(RegistryModel):
    """The asset's id in an external catalogue (CoinGecko 'usd-coin')."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="identifiers")
    source = models.CharField(max_length=20, choices=IdentifierSource.choices)
    external_id = models.CharField(max_length=200)
    is_primary = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)

    normalizers = {"external_id": normalize_code}

    class Meta:
        ordering = ["source", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                name="identifier_unique_source_external_id",
                violation_error_message="This external id is already assigned to an asset.",
            ),
            models.UniqueConstraint(
                fields=["asset", "source"],
                condition=Q(is_primary=True),
                name="identifier_one_primary_per_asset_source",
                violation_error_message="The asset already has a primary id from this source.",
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""),
                name="identifier_external_id_not_empty",
                violation_error_message="External id must not be empty.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


# The history is read by address too (registry.timeline: answers as of a time).
@tracked(
    meta={
        "indexes": [
            models.Index("chain", AddressKey("address"), name="deployment_event_address_idx"),
            # An address looked up on every chain at once (assets.lookups.load_addresses).
            models.Index(AddressKey("address"), name="deployment_event_addr_key_idx"),
        ]
    }
)
class AssetDeployment(RegistryModel):
    """Where an asset lives on a chain: its contract address (or native status) and decimals."""

    deployment_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="deployments")
    chain = models.ForeignKey("chains.Chain", on_delete=models.PROTECT, related_name="deployments")
    address = models.CharField(
        max_length=ADDRESS_MAX_LENGTH,
        blank=True,
        help_text="Contract or mint address; empty only for a native asset without one.",
    )
    decimals = models.PositiveSmallIntegerField(validators=[MaxValueValidator(255)])
    is_native = models.BooleanField(default=False)
    is_canonical = models.BooleanField(
        default=False, help_text="The asset's reference deployment (at most one per asset)."
    )
    deployment_block = models.PositiveBigIntegerField(null=True, blank=True)
    deployment_tx = models.CharField(max_length=128, blank=True)
    deployer_address = models.CharField(max_length=ADDRESS_MAX_LENGTH, blank=True)
    is_verified = models.BooleanField(default=False)
    deployed_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = AssetDeploymentQuerySet.as_manager()

    class Meta:
        ordering = ["chain_id", "address", "deployment_id"]
        constraints = [
            # Case-insensitive, so two spellings of one EVM address are one deployment.
            # Base58 is case-sensitive, but two valid 32-byte keys that differ only in
            # letter case are not a collision any real chain will produce.
            models.UniqueConstraint(
                F("chain"),
                AddressKey("address"),
                name="deployment_unique_chain_address",
                violation_error_message="This chain already has a deployment at this address.",
            ),
            models.UniqueConstraint(
                fields=["asset", "chain"],
                name="deployment_unique_asset_chain",
                violation_error_message="The asset already has a deployment on this chain.",
            ),
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(is_canonical=True),
                name="deployment_one_canonical_per_asset",
                violation_error_message="The asset already has a canonical deployment.",
            ),
            models.UniqueConstraint(
                fields=["chain"],
                condition=Q(is_native=True),
                name="deployment_one_native_per_chain",
                violation_error_message="The chain already has a native asset deployment.",
            ),
            models.CheckConstraint(
                condition=Q(decimals__gte=0, decimals__lte=255),
                name="deployment_decimals_0_255",
                violation_error_message="Decimals must be between 0 and 255.",
            ),
            models.CheckConstraint(
                condition=Q(is_native=True) | ~Q(address=""),
                name="deployment_address_unless_native",
                violation_error_message="A deployment that is not native needs an address.",
            ),
        ]
        indexes = [
            # (chain, address) lookups use the unique index above; this one serves an
            # address looked up without its chain.
            models.Index(AddressKey("address"), name="deployment_address_key_idx"),
        ]

    def __str__(self) -> str:
        # Names, not ids, wherever it is shown (inline rows, history, messages): lists
        # that show many select_related("asset").
        return f"{self.asset} on {self.chain_id} at {self.address or 'native'}"

    @property
    def caip19(self) -> str | None:
        """The CAIP-19 asset id, or None where no standard namespace names this token.

        ``eip155:1/erc20:0xa0b8…`` (EVM addresses lower-case, as consumers join on
        them), ``solana:5eykt…/token:EPjF…``, ``cosmos:…/ibc:…`` or ``/native:…``, and
        ``<caip2>/slip44:<coin type>`` for a native asset without an address
        (chains.caip, whose ``deployment_address`` reads it back).
        """
        return caip19_of(
            self.chain,
            address=self.address,
            is_native=self.is_native,
            evm_namespace=CAIP19_EVM_NAMESPACES.get(self.asset.asset_type, "erc20"),
        )

    def normalize(self) -> None:
        super().normalize()
        errors = {}
        if self.chain_id is not None:
            for field in ("address", "deployer_address"):
                value = getattr(self, field)
                if value:
                    try:
                        setattr(self, field, self.chain.normalize_address(value))
                    except ValidationError as error:
                        errors[field] = error.error_list
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        # A stablecoin that tracks a currency is a token of its own, deployed as one.
        errors = fiat_errors(self, "asset", what="deployments: it lives on no chain")
        if not self.is_native and not self.address:
            errors["address"] = ["A deployment that is not native needs an address."]
        if errors:
            raise ValidationError(errors)


@tracked()
class AssetRelationship(RegistryModel):
    """A directed link from an underlying asset (parent: ETH) to its variant (child: WETH).

    In CQC terms, as the contract's comments say, ``from_asset_id`` is the parent and
    ``to_asset_id`` the child. The graph has no cycles; services refuse an edge that would
    close one.
    """

    relationship_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent_asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="relationships_as_parent"
    )
    child_asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="relationships_as_child"
    )
    relationship_type = models.CharField(max_length=20, choices=RelationshipType.choices)
    conversion_rate = models.DecimalField(
        max_digits=36,
        decimal_places=18,
        null=True,
        blank=True,
        help_text="Units of parent per unit of child, when fixed (1 for WETH); for a "
        "lineage type (MIGRATES_TO, FORKS_FROM, REDENOMINATES) units of the child (the "
        "successor) per unit of the parent.",
    )
    # The period the relationship holds in the world (docs/DESIGN.md, "Lineage"): MATIC
    # migrates to POL on Ethereum from 2023-10-25. Null start: since always; null end:
    # still. Closing one sets valid_to (relationship_update); it is not deleted.
    valid_from = models.DateTimeField(
        null=True, blank=True, help_text="When it took effect; empty: since always."
    )
    valid_to = models.DateTimeField(
        null=True, blank=True, help_text="When it ended; empty: it still holds."
    )
    chain = models.ForeignKey(
        "chains.Chain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="asset_relationships",
        help_text="The chain it holds on (a per-chain migration); empty: every chain.",
    )
    protocol = models.CharField(max_length=100, blank=True, help_text="e.g. 'lido'.")
    description = models.TextField(blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    metadata = models.JSONField(default=dict, blank=True)

    objects = AssetRelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["parent_asset_id", "relationship_type", "child_asset_id"]
        constraints = [
            # One per chain scope; "every chain" (NULL) is one scope too.
            models.UniqueConstraint(
                fields=["parent_asset", "child_asset", "relationship_type", "chain"],
                name="relationship_unique_parent_child_type_chain",
                nulls_distinct=False,
                violation_error_message="This relationship already exists.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=F("valid_from")),
                name="relationship_valid_to_after_valid_from",
                violation_error_message="valid_to must be after valid_from.",
            ),
            models.CheckConstraint(
                condition=~Q(parent_asset=F("child_asset")),
                name="relationship_parent_is_not_child",
                violation_error_message="An asset cannot be related to itself.",
            ),
            models.CheckConstraint(
                condition=Q(conversion_rate__isnull=True) | Q(conversion_rate__gt=0),
                name="relationship_conversion_rate_positive",
                violation_error_message="A conversion rate must be greater than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child_asset} {self.get_relationship_type_display()} {self.parent_asset}"

    def clean(self) -> None:
        # A stablecoin pegged to USD is no variant of the dollar (it is not a claim on it):
        # variant closures would otherwise sum stablecoins into the currency.
        errors = fiat_errors(
            self,
            "parent_asset",
            "child_asset",
            what="relationships: no token wraps, bridges or stakes it",
        )
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            errors["valid_to"] = ["Must be after valid_from."]
        if errors:
            raise ValidationError(errors)


@tracked()
class AssetName(models.Model):
    """A symbol and name an asset had before a rename, and when (docs/DESIGN.md,
    "Lineage"): LUNA was Terra's name until 2022-05-28, when it became LUNC. A rebrand
    is the same asset; its former names are periods, never rewritten: the asset's
    services close one at each rename (assets.services.asset_update). The current name is
    the asset's own. A null valid_from: since always (the asset's first name)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="former_names")
    symbol = models.CharField(max_length=SYMBOL_MAX_LENGTH)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AssetNameQuerySet.as_manager()

    class Meta:
        ordering = ["asset_id", "valid_to"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="asset_name_valid_to_after_valid_from",
                violation_error_message="valid_to must be after valid_from.",
            ),
        ]
        indexes = [models.Index(fields=["asset", "valid_to"], name="asset_name_asset_to_idx")]

    def __str__(self) -> str:
        # str(), not a date format: history rows hold the time as text.
        return f"{self.symbol} ({self.name}) until {str(self.valid_to)[:10]}"


@tracked()
class AssetGroup(RegistryModel):
    """Assets that are "the same thing" for aggregation: the ETH group holds ETH, WETH, stETH…"""

    group_id = models.CharField(
        primary_key=True, max_length=64, validators=[validate_registry_slug]
    )
    canonical_symbol = models.CharField(max_length=SYMBOL_MAX_LENGTH)
    issuer = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    metadata = models.JSONField(default=dict, blank=True)

    objects = AssetGroupQuerySet.as_manager()

    normalizers = {"canonical_symbol": normalize_symbol}

    class Meta:
        ordering = ["group_id"]
        constraints = [
            models.UniqueConstraint(
                SymbolKey("canonical_symbol"),
                name="group_unique_canonical_symbol",
                violation_error_message="Another group already has this canonical symbol.",
            ),
            models.CheckConstraint(
                condition=Q(group_id__regex=SLUG_PATTERN),
                name="group_id_is_slug",
                violation_error_message="group_id must be a lower-case slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.canonical_symbol


@tracked()
class AssetGroupMember(RegistryModel):
    group = models.ForeignKey(AssetGroup, on_delete=models.CASCADE, related_name="members")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="group_memberships")
    is_canonical = models.BooleanField(default=False)
    weight = models.DecimalField(max_digits=36, decimal_places=18, default=1)

    class Meta:
        ordering = ["group_id", "-is_canonical", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "asset"],
                name="group_member_unique_group_asset",
                violation_error_message="The asset is already a member of this group.",
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(is_canonical=True),
                name="group_member_one_canonical_per_group",
                violation_error_message="The group already has a canonical member.",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="group_member_weight_not_negative",
                violation_error_message="A member's weight cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} in {self.group_id}"

    @property
    def added_at(self):
        return self.created_at
