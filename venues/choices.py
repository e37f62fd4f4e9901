"""Enumerations of the venues app. Names follow the CQC v0.4.0 contracts."""

from django.db import models


class VenueType(models.TextChoices):
    CEX = "CEX", "Centralized exchange"
    DEX = "DEX", "Decentralized exchange"
    DEX_AGGREGATOR = "DEX_AGGREGATOR", "DEX aggregator"
    BRIDGE = "BRIDGE", "Bridge"
    LENDING = "LENDING", "Lending"
