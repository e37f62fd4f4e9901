"""The facts of chains whose source is recorded (registry.provenance)."""

from chains.models import Chain
from registry import provenance

CHAIN_FIELDS = (
    "name",
    "chain_type",
    "network_id",
    "caip2_reference",
    "native_asset",
    "rpc_url",
    "explorer_url",
    "is_testnet",
)


def register() -> None:
    provenance.track(Chain, CHAIN_FIELDS)
