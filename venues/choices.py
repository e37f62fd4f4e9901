"""Enumerations of the venues app. Names follow the CQC v0.4.0 contracts."""

from django.db import models


class VenueType(models.TextChoices):
    CEX = "CEX", "Centralized exchange"
    DEX = "DEX", "Decentralized exchange"
    DEX_AGGREGATOR = "DEX_AGGREGATOR", "DEX aggregator"
    BRIDGE = "BRIDGE", "Bridge"
    LENDING = "LENDING", "Lending"


class MarketType(models.TextChoices):
    SPOT = "SPOT", "Spot"
    PERPETUAL = "PERPETUAL", "Perpetual"
    FUTURE = "FUTURE", "Future"
    OPTION = "OPTION", "Option"
