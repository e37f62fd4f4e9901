"""Validators shared by the entity models."""

from django.core.validators import RegexValidator, URLValidator

# Slugs used as primary keys (chain_id, venue_id, group_id): lower-case, stable, URL-safe.
SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
validate_registry_slug = RegexValidator(
    SLUG_PATTERN,
    "Use lower-case letters, digits and single '-' or '_' between them (e.g. 'uniswap-v3').",
    code="invalid_slug",
)

# RPC endpoints are often websockets.
validate_rpc_url = URLValidator(schemes=["http", "https", "ws", "wss"])
