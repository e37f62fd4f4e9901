"""Reads over many rows of the assets app, as QuerySet methods."""

from django.db import connections
from django.db.models import Q, Value
from django.db.models.functions import Lower, Upper

from chains.addresses import address_lookup_key
from chains.choices import ChainType
from registry.models import RegistryQuerySet, SoftDeleteQuerySet
from registry.text import lookup_form


class AssetQuerySet(SoftDeleteQuerySet):
    def with_symbol(self, symbol: str):
        """Assets whose symbol matches ``symbol`` without regard to case.

        Upper-cases on the database side, so the comparison uses the same function as
        the generated ``symbol_key`` column and its index.
        """
        return self.filter(symbol_key=Upper(Value(lookup_form(symbol))))

    def with_identifier(self, source: str, external_id: str):
        """The asset known to ``source`` as ``external_id`` (at most one: the pair is unique)."""
        return self.filter(identifiers__source=source, identifiers__external_id=external_id.strip())


class AssetDeploymentQuerySet(RegistryQuerySet):
    def resolvable(self):
        """Deployments whose asset is live: a soft-deleted asset's deployments stop resolving."""
        return self.filter(asset__deleted_at__isnull=True)

    def at_address(self, address: str, chain_id: str | None = None):
        """Deployments at ``address``, on ``chain_id`` or on any chain.

        EVM addresses match in any letter case; others (base58 is case-sensitive) only
        exactly. The case-folded comparison uses the (chain, lower(address)) index.
        """
        queryset = self.alias(address_key=Lower("address")).filter(
            Q(chain__chain_type=ChainType.EVM) | Q(address=address.strip()),
            address_key=address_lookup_key(address),
        )
        return queryset.filter(chain_id=chain_id) if chain_id is not None else queryset


class AssetRelationshipQuerySet(RegistryQuerySet):
    def would_create_cycle(self, *, parent_id, child_id) -> bool:
        """True if ``parent`` is reachable from ``child``: a parent -> child edge would loop."""
        if parent_id == child_id:
            return True
        table = self.model._meta.db_table
        sql = f"""
            WITH RECURSIVE descendants(asset_id) AS (
                SELECT child_asset_id FROM {table} WHERE parent_asset_id = %(child)s
                UNION
                SELECT r.child_asset_id FROM {table} r
                JOIN descendants d ON r.parent_asset_id = d.asset_id
            )
            SELECT EXISTS (SELECT 1 FROM descendants WHERE asset_id = %(parent)s)
        """
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, {"child": child_id, "parent": parent_id})
            return bool(cursor.fetchone()[0])
