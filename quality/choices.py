"""Enumerations of the quality app. Names follow the CQC v0.4.0 contracts."""

from django.db import models


class FlagType(models.TextChoices):
    # CQC enum values 1-9, in contract order.
    SCAM = "SCAM", "Scam"
    RUGPULL = "RUGPULL", "Rug pull"
    EXPLOITED = "EXPLOITED", "Exploited"
    DEPRECATED = "DEPRECATED", "Deprecated"
    PAUSED = "PAUSED", "Paused"
    UNVERIFIED = "UNVERIFIED", "Unverified"
    LOW_LIQUIDITY = "LOW_LIQUIDITY", "Low liquidity"
    HONEYPOT = "HONEYPOT", "Honeypot"
    TAX_TOKEN = "TAX_TOKEN", "Tax token"
    # Registry types the contracts lack; events carry them in metadata.
    ORACLE_FAILED = "ORACLE_FAILED", "Oracle failed"
    TRANSFER_RESTRICTED = "TRANSFER_RESTRICTED", "Transfer restricted"
    ADMIN_KEYS = "ADMIN_KEYS", "Admin keys"
    CIRCUIT_BREAKER = "CIRCUIT_BREAKER", "Circuit breaker"
    # Two sources disagree on a fact (decimals, the asset behind an external id …); the
    # registry keeps one value by precedence until a steward resolves the flag.
    DATA_CONFLICT = "DATA_CONFLICT", "Data conflict"


class Severity(models.IntegerChoices):
    INFO = 1, "Info"
    LOW = 2, "Low"
    MEDIUM = 3, "Medium"
    HIGH = 4, "High"
    CRITICAL = 5, "Critical"
