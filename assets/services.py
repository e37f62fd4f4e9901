"""Write operations on assets and what hangs off them.

Every write path (API, admin, management commands, importers, the shell) calls these,
so validation, domain errors, events and cache invalidation happen once.
"""

import datetime as dt
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assets import lookups, names
from assets.choices import AssetType
from assets.fiat import iso_currency
from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from chains.models import Chain
from registry import provenance
from registry.cache import invalidate
from registry.events.outbox import record, record_many
from registry.exceptions import (
    AssetNotFoundError,
    ConflictError,
    DeploymentExistsError,
    InvalidRelationshipError,
    NotFoundError,
)
from registry.models import stale_version_error
from registry.services import (
    Writes,
    check_create,
    lock_and_reload,
    validated_bulk_create,
    validated_create,
    validated_delete,
    validated_update,
)

DEPLOYMENT_CONFLICTS = {
    "deployment_unique_chain_address": DeploymentExistsError,
    "deployment_unique_asset_chain": DeploymentExistsError,
}
RELATIONSHIP_CONFLICTS = {"relationship_unique_parent_child_type_chain": InvalidRelationshipError}

# Serializes writers of the relationship graph, so two concurrent edges cannot close a
# cycle that neither would close alone. Any constant unique to this use will do.
_RELATIONSHIP_GRAPH_LOCK = 0x43514152_0001


def _invalidate_symbols(symbol_keys: set[str], fresh_asset_ids=()) -> None:
    """Every answer showing these symbols' collision sets, now and again after commit."""
    invalidate(
        lookups.keys_for_symbols(symbol_keys, fresh_asset_ids),
        recompute=lambda: lookups.keys_for_symbols(symbol_keys, fresh_asset_ids),
    )


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
    asset = validated_create(Asset(symbol=symbol, name=name, asset_type=asset_type, **fields))
    # A new asset joins its symbol's collision set, which other answers show.
    _invalidate_symbols({asset.symbol_key})
    record("asset_created", asset)
    provenance.record_created([asset])
    return asset


@transaction.atomic
def fiat_asset_get_or_create(code: str) -> Asset:
    """The live FIAT asset of the ISO 4217 currency ``code`` (in any letter case: "usd"
    is USD), created when there is none: symbol the upper-case code, name as ISO 4217
    names the currency ("US Dollar"), ISO's numeric code and minor units in metadata.

    A ValidationError naming ``symbol`` for a code that is not an ISO 4217 currency;
    AssetNotFoundError when the currency's asset was soft-deleted (restore it: a
    steward's deletion is not undone by the import that asks next).
    """
    try:
        currency = iso_currency(code)
    except ValidationError as error:
        raise ValidationError({"symbol": error.error_list}) from None
    existing = Asset.objects.fiat_asset(currency.code)
    if existing is not None:
        return existing
    deleted = Asset.all_objects.fiat().filter(symbol=currency.code).order_by("-deleted_at")
    if (asset := deleted.first()) is not None:
        raise AssetNotFoundError(
            f"The fiat currency {currency.code} (asset {asset.asset_id}) is deleted; "
            "restore it first.",
            asset_id=str(asset.asset_id),
        )
    try:
        return asset_create(
            symbol=currency.code,
            name=currency.name,
            asset_type=AssetType.FIAT,
            metadata=currency.metadata,
        )
    except ConflictError:  # a concurrent writer created it since the lookup
        existing = Asset.objects.fiat_asset(currency.code)
        if existing is None:
            raise
        return existing


@transaction.atomic
def asset_bulk_create(assets: list[Asset]) -> tuple[list[Asset], dict[int, ValidationError]]:
    """Create many assets at once (an import batch): one INSERT, one INSERT of their
    events, one invalidation of their symbols. Returns the created ones and the refused
    ones' errors by index; the caller has checked natural keys."""
    created, errors = validated_bulk_create(assets)
    if created:
        _invalidate_symbols(
            {asset.symbol_key for asset in created}, fresh_asset_ids=[a.pk for a in created]
        )
        record_many("asset_created", created)
        provenance.record_created(created)
    return created, errors


@transaction.atomic
def asset_update(
    *,
    asset: Asset,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    renamed_at: dt.datetime | None = None,
) -> list[str]:
    """Change an asset's fields; returns the names of the fields that changed.

    A change of symbol or name is a rename: the old symbol and name become a former
    name (assets.names) whose period closes at ``renamed_at`` (a rebrand recorded
    after the fact: LUNA became LUNC on 2022-05-28), or now. ``renamed_at`` without a
    rename, in the future or not after the asset's last rename is refused.
    """
    _require_live(asset)
    symbol_before = asset.symbol_key
    name_before = (asset.symbol, asset.name)
    at = names.check_renamed_at(asset, renamed_at)
    changed = validated_update(
        asset, changes, expected_version=expected_version, event="asset_updated"
    )
    renamed = set(changed) & set(names.NAME_FIELDS)
    if renamed:
        names.close_name(asset, *name_before, at=at)
    elif renamed_at is not None:
        raise ValidationError(
            {"renamed_at": ["Given without a rename: neither symbol nor name changes."]}
        )
    if set(changed) & lookups.SUMMARY_FIELDS:  # a description or logo is in no hot answer
        _invalidate_symbols({symbol_before, asset.symbol_key})
    if changed:
        provenance.record_sources({asset: changed})
    return changed


@transaction.atomic
def asset_soft_delete(*, asset: Asset, expected_version: int | None = None) -> Asset:
    """Hide the asset from every default query; its deployments and tickers stop resolving."""
    lock_and_reload(asset, expected_version=expected_version)
    _require_live(asset)
    affected = lookups.keys_for_symbols({asset.symbol_key})  # while it still shows
    asset.deleted_at = timezone.now()
    asset.save_changes(["deleted_at"])
    invalidate(affected, recompute=lambda: lookups.keys_for_symbols({asset.symbol_key}))
    record("asset_deleted", asset)
    return asset


@transaction.atomic
def asset_restore(*, asset: Asset, expected_version: int | None = None) -> Asset:
    """Bring a soft-deleted asset back, with everything that hangs off it."""
    if asset.deleted_at is None:
        if expected_version is not None and expected_version != asset.version:
            raise stale_version_error(asset, expected_version)
        return asset
    if asset.is_fiat and Asset.objects.fiat_asset(asset.symbol) is not None:
        raise _second_live_fiat(asset)
    asset.deleted_at = None
    try:
        with transaction.atomic():
            asset.save_changes(["deleted_at"], expected_version=expected_version)
    except IntegrityError as error:  # restored or created by a concurrent writer
        raise _second_live_fiat(asset) from error
    _invalidate_symbols({asset.symbol_key})
    record("asset_restored", asset)
    return asset


def _second_live_fiat(asset: Asset) -> ConflictError:
    return ConflictError(
        f"Another live fiat asset has the code {asset.symbol}: a currency is one asset; "
        "delete that one first to restore this one.",
        constraint="asset_one_live_fiat_per_code",
    )


@transaction.atomic
def asset_identifier_create(
    *, asset: Asset, source: str, external_id: str, is_primary: bool = False, **fields: Any
) -> AssetIdentifier:
    """Record the asset's id in an external catalogue; ``(source, external_id)`` is unique."""
    identifier = AssetIdentifier(
        asset=asset, source=source, external_id=external_id, is_primary=is_primary, **fields
    )
    validated_create(identifier)
    record("asset_identifier_created", identifier)
    provenance.record_created([identifier])
    return identifier


@transaction.atomic
def asset_identifier_bulk_create(
    identifiers: list[AssetIdentifier],
) -> tuple[list[AssetIdentifier], dict[int, ValidationError]]:
    """Create many identifiers at once (an import batch); the caller checked their keys."""
    created, errors = validated_bulk_create(identifiers)
    if created:
        record_many("asset_identifier_created", created)
        provenance.record_created(created)
    return created, errors


@transaction.atomic
def asset_identifier_update(
    *, identifier: AssetIdentifier, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change an identifier (no hot answer shows identifiers)."""
    changed = validated_update(
        identifier, changes, expected_version=expected_version, event="asset_identifier_updated"
    )
    provenance.record_sources({identifier: changed})
    return changed


@transaction.atomic
def asset_identifier_delete(
    *, identifier: AssetIdentifier, expected_version: int | None = None
) -> None:
    validated_delete(
        identifier, event="asset_identifier_deleted", expected_version=expected_version
    )


@transaction.atomic
def deployment_create(
    *,
    asset: Asset,
    chain: Chain,
    decimals: int,
    address: str = "",  # a native asset may have none; the model refuses it otherwise
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
    validated_create(deployment, conflict_errors=DEPLOYMENT_CONFLICTS)
    invalidate(_deployment_keys(deployment))
    record("asset_deployment_created", deployment)
    provenance.record_created([deployment])
    return deployment


@transaction.atomic
def deployment_bulk_create(
    deployments: list[AssetDeployment], *, fresh_asset_ids=()
) -> tuple[list[AssetDeployment], dict[int, ValidationError]]:
    """Create many deployments at once, as ``asset_bulk_create`` does assets.

    ``fresh_asset_ids``: the assets this transaction created (see keys_for_symbols).
    """
    created, errors = validated_bulk_create(deployments, conflict_errors=DEPLOYMENT_CONFLICTS)
    if created:
        keys = lookups.keys_for_symbols({d.asset.symbol_key for d in created}, fresh_asset_ids)
        for d in created:
            keys |= lookups.deployment_keys(d.chain_id, d.address)
        invalidate(keys)
        record_many("asset_deployment_created", created)
        provenance.record_created(created)
    return created, errors


@transaction.atomic
def deployment_update(
    *, deployment: AssetDeployment, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change a deployment's fields; returns the names of the fields that changed."""
    _require_live(deployment.asset)
    before = _deployment_keys(deployment, own_only=True)
    symbol_before = deployment.asset.symbol_key
    changed = validated_update(
        deployment,
        changes,
        expected_version=expected_version,
        conflict_errors=DEPLOYMENT_CONFLICTS,
        event="asset_deployment_updated",
    )
    if {"chain", "asset"} & set(changed):  # the collision sets list chains
        _invalidate_symbols({symbol_before, deployment.asset.symbol_key})
    if changed:
        invalidate(before | _deployment_keys(deployment, own_only=True))
        provenance.record_sources({deployment: changed})
    return changed


@transaction.atomic
def deployment_delete(*, deployment: AssetDeployment, expected_version: int | None = None) -> None:
    """Remove a deployment recorded by mistake (a real one that ended keeps its row)."""
    affected = _deployment_keys(deployment)
    validated_delete(
        deployment, event="asset_deployment_deleted", expected_version=expected_version
    )
    invalidate(affected)


def _deployment_keys(deployment: AssetDeployment, own_only: bool = False) -> set[str]:
    """Its own keys (a miss may be cached there: by chain and address, and by address on
    every chain) and, unless ``own_only``, every answer
    that shows its asset, whose collision set lists the chains it is on."""
    keys = set() if own_only else lookups.keys_for_symbols({deployment.asset.symbol_key})
    return keys | lookups.deployment_keys(deployment.chain_id, deployment.address)


@transaction.atomic
def relationship_create(
    *,
    parent_asset: Asset,
    child_asset: Asset,
    relationship_type: str,
    conversion_rate: Decimal | None = None,
    **fields: Any,
) -> AssetRelationship:
    """Link a variant (child: WETH) to its underlying (parent: ETH), or a predecessor
    (parent: MATIC) to its successor (child: POL).

    Raises InvalidRelationshipError for a self link, a repeat of an existing link (same
    ends, type and chain scope) or a link that would close a cycle. Other fields:
    valid_from, valid_to (its effective period), chain (its scope; None: every chain),
    protocol, description, metadata.
    """
    if parent_asset.pk == child_asset.pk:
        raise InvalidRelationshipError("An asset cannot be related to itself.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_RELATIONSHIP_GRAPH_LOCK])
    relationship = relationship_check(
        parent_asset=parent_asset,
        child_asset=child_asset,
        relationship_type=relationship_type,
        conversion_rate=conversion_rate,
        **fields,
    )
    validated_create(relationship, conflict_errors=RELATIONSHIP_CONFLICTS)
    affected = lookups.aggregation_keys({parent_asset.pk})
    invalidate(affected, recompute=lambda: lookups.aggregation_keys({parent_asset.pk}))
    record("relationship_established", relationship)
    return relationship


def relationship_check(
    *,
    parent_asset: Asset,
    child_asset: Asset,
    relationship_type: str,
    conversion_rate: Decimal | None = None,
    fresh: Collection = (),
    **fields: Any,
) -> AssetRelationship:
    """What ``relationship_create`` checks, without writing (an import plan's verdict): the
    unsaved relationship, or the error the create would raise. ``fresh``: ids of assets
    the plan creates first (a new asset closes no cycle)."""
    if parent_asset.pk == child_asset.pk:
        raise InvalidRelationshipError("An asset cannot be related to itself.")
    if not {parent_asset.pk, child_asset.pk} & set(fresh) and (
        AssetRelationship.objects.would_create_cycle(
            parent_id=parent_asset.pk, child_id=child_asset.pk
        )
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
    check_create(relationship, conflict_errors=RELATIONSHIP_CONFLICTS, fresh=fresh)
    return relationship


@transaction.atomic
def relationship_update(
    *,
    relationship: AssetRelationship,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> list[str]:
    """Change a relationship's rate, period, protocol, description or metadata (not its
    ends, type or chain). A relationship that ended is closed by setting ``valid_to``, not
    deleted: the lineage answers as of earlier times still show it."""
    changed = validated_update(
        relationship,
        changes,
        expected_version=expected_version,
        conflict_errors=RELATIONSHIP_CONFLICTS,
        event="relationship_updated",
    )
    if changed:
        invalidate(lookups.aggregation_keys({relationship.parent_asset_id}))
    return changed


@transaction.atomic
def relationship_delete(
    *, relationship: AssetRelationship, expected_version: int | None = None
) -> None:
    affected = lookups.aggregation_keys({relationship.parent_asset_id})
    validated_delete(relationship, event="relationship_removed", expected_version=expected_version)
    invalidate(affected)


@transaction.atomic
def group_create(*, group_id: str, canonical_symbol: str, **fields: Any) -> AssetGroup:
    """Create an aggregation group. Other fields: issuer, description, metadata."""
    group = validated_create(
        AssetGroup(group_id=group_id, canonical_symbol=canonical_symbol, **fields)
    )
    invalidate({lookups.group_key(group.canonical_symbol)})  # a cached miss
    record("asset_group_created", group)
    return group


@transaction.atomic
def group_update(
    *, group: AssetGroup, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    symbol_before = group.canonical_symbol
    changed = validated_update(
        group, changes, expected_version=expected_version, event="asset_group_updated"
    )
    if changed:
        invalidate({lookups.group_key(symbol_before), lookups.group_key(group.canonical_symbol)})
    return changed


@transaction.atomic
def group_delete(*, group: AssetGroup, expected_version: int | None = None) -> None:
    """Remove a group and its memberships; the assets themselves stay."""
    # Locked first: no member can join (its foreign key check waits) while the
    # members the cascade removes are listed.
    lock_and_reload(group, expected_version=expected_version)
    members = list(group.members.all())
    if members:  # removed by the cascade, so said here
        record_many("group_member_removed", members)
    validated_delete(group, event="asset_group_deleted", expected_version=expected_version)
    invalidate({lookups.group_key(group.canonical_symbol)})


@transaction.atomic
def group_member_add(
    *, group: AssetGroup, asset: Asset, is_canonical: bool = False, weight: Decimal | int = 1
) -> AssetGroupMember:
    """Add an asset to a group; a group has at most one canonical member."""
    member = AssetGroupMember(group=group, asset=asset, is_canonical=is_canonical, weight=weight)
    validated_create(member)
    invalidate({lookups.group_key(group.canonical_symbol)})
    record("group_member_added", member)
    return member


@transaction.atomic
def group_member_remove(
    *, group: AssetGroup, asset: Asset, expected_version: int | None = None
) -> None:
    """Remove ``asset`` from ``group``; ``expected_version`` is the membership's."""
    member = AssetGroupMember.objects.filter(group=group, asset=asset).first()
    if member is None:
        raise NotFoundError(f"{asset.symbol} is not a member of group {group.group_id}.")
    group_member_delete(member=member, expected_version=expected_version)


@transaction.atomic
def group_member_update(
    *, member: AssetGroupMember, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change a member's weight or canonical flag."""
    changed = validated_update(
        member, changes, expected_version=expected_version, event="group_member_updated"
    )
    if changed:
        invalidate({lookups.group_key(member.group.canonical_symbol)})
    return changed


@transaction.atomic
def group_member_delete(*, member: AssetGroupMember, expected_version: int | None = None) -> None:
    validated_delete(member, event="group_member_removed", expected_version=expected_version)
    invalidate({lookups.group_key(member.group.canonical_symbol)})


# The services each entity is written through (its viewset, admin, inlines and the
# exchange read these).
ASSET_WRITES = Writes("asset", create=asset_create, update=asset_update, delete=asset_soft_delete)
IDENTIFIER_WRITES = Writes(
    "identifier",
    create=asset_identifier_create,
    update=asset_identifier_update,
    delete=asset_identifier_delete,
)
DEPLOYMENT_WRITES = Writes(
    "deployment", create=deployment_create, update=deployment_update, delete=deployment_delete
)
RELATIONSHIP_WRITES = Writes(
    "relationship",
    create=relationship_create,
    update=relationship_update,
    delete=relationship_delete,
)
GROUP_WRITES = Writes("group", create=group_create, update=group_update, delete=group_delete)
GROUP_MEMBER_WRITES = Writes(
    "member", create=group_member_add, update=group_member_update, delete=group_member_delete
)
