"""Write operations on assets and what hangs off them.

Every write path (API, admin, management commands, importers, the shell) calls these,
so validation, domain errors and, later, events and cache invalidation happen once.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from chains.models import Chain
from registry.exceptions import (
    AssetNotFoundError,
    DeploymentExistsError,
    InvalidRelationshipError,
    NotFoundError,
)
from registry.services import validated_create, validated_delete, validated_update

DEPLOYMENT_CONFLICTS = {
    "deployment_unique_chain_address": DeploymentExistsError,
    "deployment_unique_asset_chain": DeploymentExistsError,
}
RELATIONSHIP_CONFLICTS = {"relationship_unique_parent_child_type": InvalidRelationshipError}

# Serializes writers of the relationship graph, so two concurrent edges cannot close a
# cycle that neither would close alone. Any constant unique to this use will do.
_RELATIONSHIP_GRAPH_LOCK = 0x43514152_0001


def _require_live(asset: Asset) -> None:
    """Writes to a soft-deleted asset itself are refused (references to one are refused
    by registry.services for every model)."""
    if asset.deleted_at is not None:
        raise AssetNotFoundError(
            f"Asset {asset.asset_id} is deleted; restore it first.", asset_id=str(asset.asset_id)
        )


@transaction.atomic
def asset_create(*, symbol: str, name: str, asset_type: str, **fields: Any) -> Asset:
    """Create an asset. Other fields: category, description, logo_url, website_url, metadata."""
    return validated_create(Asset(symbol=symbol, name=name, asset_type=asset_type, **fields))


@transaction.atomic
def asset_update(
    *, asset: Asset, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change an asset's fields; returns the names of the fields that changed."""
    _require_live(asset)
    return validated_update(asset, changes, expected_version=expected_version)


@transaction.atomic
def asset_soft_delete(*, asset: Asset, expected_version: int | None = None) -> Asset:
    """Hide the asset from every default query; its deployments and tickers stop resolving."""
    _require_live(asset)
    asset.deleted_at = timezone.now()
    asset.save_changes(["deleted_at"], expected_version=expected_version)
    return asset


@transaction.atomic
def asset_restore(*, asset: Asset) -> Asset:
    """Bring a soft-deleted asset back, with everything that hangs off it."""
    if asset.deleted_at is None:
        return asset
    asset.deleted_at = None
    asset.save_changes(["deleted_at"])
    return asset


@transaction.atomic
def asset_identifier_create(
    *, asset: Asset, source: str, external_id: str, is_primary: bool = False, **fields: Any
) -> AssetIdentifier:
    """Record the asset's id in an external catalogue; ``(source, external_id)`` is unique."""
    identifier = AssetIdentifier(
        asset=asset, source=source, external_id=external_id, is_primary=is_primary, **fields
    )
    return validated_create(identifier)


@transaction.atomic
def asset_identifier_delete(*, identifier: AssetIdentifier) -> None:
    validated_delete(identifier)


@transaction.atomic
def deployment_create(
    *,
    asset: Asset,
    chain: Chain,
    address: str,
    decimals: int,
    is_native: bool = False,
    is_canonical: bool = False,
    **fields: Any,
) -> AssetDeployment:
    """Record where an asset lives on a chain.

    Raises DeploymentExistsError when the chain already has a deployment at this
    address (in any letter case), or the asset already has one on this chain.
    """
    deployment = AssetDeployment(
        asset=asset,
        chain=chain,
        address=address,
        decimals=decimals,
        is_native=is_native,
        is_canonical=is_canonical,
        **fields,
    )
    return validated_create(deployment, conflict_errors=DEPLOYMENT_CONFLICTS)


@transaction.atomic
def deployment_update(
    *, deployment: AssetDeployment, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change a deployment's fields; returns the names of the fields that changed."""
    _require_live(deployment.asset)
    return validated_update(
        deployment,
        changes,
        expected_version=expected_version,
        conflict_errors=DEPLOYMENT_CONFLICTS,
    )


@transaction.atomic
def deployment_delete(*, deployment: AssetDeployment) -> None:
    """Remove a deployment recorded by mistake (a real one that ended keeps its row)."""
    validated_delete(deployment)


@transaction.atomic
def relationship_create(
    *,
    parent_asset: Asset,
    child_asset: Asset,
    relationship_type: str,
    conversion_rate: Decimal | None = None,
    **fields: Any,
) -> AssetRelationship:
    """Link a variant (child: WETH) to its underlying (parent: ETH).

    Raises InvalidRelationshipError for a self link, a repeat of an existing link or a
    link that would close a cycle. Other fields: protocol, description, metadata.
    """
    if parent_asset.pk == child_asset.pk:
        raise InvalidRelationshipError("An asset cannot be related to itself.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RELATIONSHIP_GRAPH_LOCK])
    if AssetRelationship.objects.would_create_cycle(
        parent_id=parent_asset.pk, child_id=child_asset.pk
    ):
        raise InvalidRelationshipError(
            f"{parent_asset.symbol} is already reachable from {child_asset.symbol}: linking "
            f"{child_asset.symbol} as a variant of {parent_asset.symbol} would close a cycle.",
            parent_asset_id=str(parent_asset.pk),
            child_asset_id=str(child_asset.pk),
        )
    relationship = AssetRelationship(
        parent_asset=parent_asset,
        child_asset=child_asset,
        relationship_type=relationship_type,
        conversion_rate=conversion_rate,
        **fields,
    )
    return validated_create(relationship, conflict_errors=RELATIONSHIP_CONFLICTS)


@transaction.atomic
def relationship_update(
    *,
    relationship: AssetRelationship,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> list[str]:
    """Change a relationship's rate, protocol, description or metadata (not its ends)."""
    return validated_update(
        relationship,
        changes,
        expected_version=expected_version,
        conflict_errors=RELATIONSHIP_CONFLICTS,
    )


@transaction.atomic
def relationship_delete(*, relationship: AssetRelationship) -> None:
    validated_delete(relationship)


@transaction.atomic
def group_create(*, group_id: str, canonical_symbol: str, **fields: Any) -> AssetGroup:
    """Create an aggregation group. Other fields: issuer, description, metadata."""
    return validated_create(
        AssetGroup(group_id=group_id, canonical_symbol=canonical_symbol, **fields)
    )


@transaction.atomic
def group_update(
    *, group: AssetGroup, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    return validated_update(group, changes, expected_version=expected_version)


@transaction.atomic
def group_delete(*, group: AssetGroup) -> None:
    """Remove a group and its memberships; the assets themselves stay."""
    validated_delete(group)


@transaction.atomic
def group_member_add(
    *, group: AssetGroup, asset: Asset, is_canonical: bool = False, weight: Decimal | int = 1
) -> AssetGroupMember:
    """Add an asset to a group; a group has at most one canonical member."""
    member = AssetGroupMember(group=group, asset=asset, is_canonical=is_canonical, weight=weight)
    return validated_create(member)


@transaction.atomic
def group_member_remove(*, group: AssetGroup, asset: Asset) -> None:
    deleted, _ = AssetGroupMember.objects.filter(group=group, asset=asset).delete()
    if not deleted:
        raise NotFoundError(f"{asset.symbol} is not a member of group {group.group_id}.")
