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


_web_url = URLValidator(schemes=["http", "https"])
_content_address = RegexValidator(
    r"^(ipfs|ipns|ar)://[A-Za-z0-9._~/-]+$",
    "Enter an http(s), ipfs://, ipns:// or ar:// URL.",
    code="invalid",
)


def validate_logo_url(value: str) -> None:
    """Token lists point logos at IPFS and Arweave as often as at the web."""
    if value.startswith(("ipfs://", "ipns://", "ar://")):
        _content_address(value)
    else:
        _web_url(value)
