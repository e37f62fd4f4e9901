"""Venue and VenueAsset (a venue's own currency code). What a venue lists is the markets
app's (Market)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from registry.history import tracked
from registry.models import RegistryModel
from registry.text import normalize_code, normalize_name
from registry.validators import SLUG_PATTERN, validate_registry_slug
from venues.choices import VenueType


@tracked()
class Venue(RegistryModel):
    venue_id = models.CharField(
        primary_key=True,
        max_length=64,
        validators=[validate_registry_slug],
        help_text="Stable slug, e.g. 'binance', 'uniswap-v3'.",
    )
    name = models.CharField(max_length=200)
    venue_type = models.CharField(max_length=20, choices=VenueType.choices)
    chain = models.ForeignKey(
        "chains.Chain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venues",
        help_text="The chain of an on-chain venue (DEX, bridge, lending).",
    )
    protocol_address = models.CharField(max_length=128, blank=True)
    website_url = models.URLField(max_length=500, blank=True)
    api_url = models.URLField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)

    normalizers = {"name": normalize_name}

    class Meta:
        ordering = ["venue_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(venue_id__regex=SLUG_PATTERN),
                name="venue_id_is_slug",
                violation_error_message="venue_id must be a lower-case slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.venue_id

    def normalize(self) -> None:
        super().normalize()
        if self.protocol_address and self.chain_id is not None:
            try:
                self.protocol_address = self.chain.normalize_address(self.protocol_address)
            except ValidationError as error:
                raise ValidationError({"protocol_address": error.error_list}) from None


@tracked()
class VenueAsset(RegistryModel):
    """The venue's own code for an asset: Kraken 'XXBT' is BTC."""

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="venue_assets")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="venue_assets")
    venue_asset_symbol = models.CharField(max_length=64)
    deposit_enabled = models.BooleanField(default=True)
    withdraw_enabled = models.BooleanField(default=True)
    trading_enabled = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)

    normalizers = {"venue_asset_symbol": normalize_code}

    class Meta:
        ordering = ["venue_id", "venue_asset_symbol"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "venue_asset_symbol"],
                name="venue_asset_unique_venue_code",
                violation_error_message="The venue already uses this code for an asset.",
            ),
            models.CheckConstraint(
                condition=~Q(venue_asset_symbol=""),
                name="venue_asset_code_not_empty",
                violation_error_message="The venue's code must not be empty.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.venue_asset_symbol}"
