"""Write operations on chains. API, admin, importers and the demo loader all call these."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from chains.models import Chain
from registry import provenance
from registry.cache import invalidate, keys_for_chains
from registry.events.outbox import record
from registry.services import Writes, validated_create, validated_delete, validated_update


@transaction.atomic
def chain_create(
    *,
    chain_id: str,
    name: str,
    chain_type: str,
    network_id: int | None = None,
    **fields: Any,
) -> Chain:
    """Register a chain.

    Other fields: caip2_reference, rpc_url, explorer_url, is_testnet, metadata.
    """
    chain = Chain(
        chain_id=chain_id, name=name, chain_type=chain_type, network_id=network_id, **fields
    )
    validated_create(chain)
    record("chain_registered", chain)
    provenance.record_created([chain])
    return chain


CAIP_FIELDS = {"name", "chain_type", "network_id", "caip2_reference", "metadata"}


@transaction.atomic
def chain_update(
    *, chain: Chain, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change a chain's fields; returns the names of the fields that changed."""
    changed = validated_update(
        chain, changes, expected_version=expected_version, event="chain_updated"
    )
    # The deployment answers show its name, its CAIP-2 id and the CAIP-19 ids derived
    # from it (a native coin's from its metadata's SLIP-44 coin type).
    if CAIP_FIELDS & set(changed):
        invalidate(keys_for_chains({chain.pk}), recompute=lambda: keys_for_chains({chain.pk}))
    provenance.record_sources({chain: changed})
    return changed


@transaction.atomic
def chain_delete(*, chain: Chain, expected_version: int | None = None) -> None:
    """Remove a chain registered by mistake; refused while deployments or venues use it."""
    validated_delete(chain, event="chain_deleted", expected_version=expected_version)


# The services each entity is written through (its viewset, admin, inlines and the
# exchange read these).
CHAIN_WRITES = Writes("chain", create=chain_create, update=chain_update, delete=chain_delete)
