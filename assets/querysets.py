"""Reads over many rows of the assets app, as QuerySet methods."""

import re
from decimal import Decimal

from django.db import connections
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When

from assets.choices import AssetType
from chains.addresses import AddressKey, address_lookup_key
from chains.choices import ChainType
from registry.models import RegistryQuerySet, SoftDeleteQuerySet
from registry.numbers import exact_normal
from registry.text import SymbolKey, lookup_form, symbol_key
from registry.timeline import valid_at

# What a search term must look like to be tried as an address (EVM hex or base58).
_ADDRESS_LIKE = re.compile(r"^(0x[0-9a-fA-F]{40}|[1-9A-HJ-NP-Za-km-z]{32,44})$")

# How many colliding assets an answer lists (its count is always the full number): enough
# to tell the usual few apart, small enough that a page of "USDC" results stays small.
COLLISION_SAMPLE = 5

# Relationship types along which value flows to a variant (used for variant closures).
VARIANT_RELATIONSHIP_TYPES = ("WRAPS", "BRIDGES", "STAKES", "SYNTHETIC_OF", "REBASES_WITH")
# SQL: the relationship row ``table`` is in effect now (its period holds the statement's
# time). The current answers walk only these.
IN_EFFECT_NOW = (
    "({table}.valid_from IS NULL OR {table}.valid_from <= statement_timestamp()) "
    "AND ({table}.valid_to IS NULL OR {table}.valid_to > statement_timestamp())"
)


def _search_conditions(term: str) -> tuple[Q, Q, Q]:
    """(exact symbol or address, symbol prefix, name contains) for the search ``term``."""
    from assets.models import AssetDeployment

    term = lookup_form(term)
    key = symbol_key(term)  # the hot path's and the generated column's one normalization
    exact = Q(symbol_key=key)
    if _ADDRESS_LIKE.match(term):
        deployed_at = AssetDeployment.objects.at_address(term).values("asset_id")
        exact |= Q(asset_id__in=deployed_at)
    return exact, Q(symbol_key__startswith=key), Q(name__icontains=term)


class AssetQuerySet(SoftDeleteQuerySet):
    def with_symbol(self, symbol: str):
        """Assets whose symbol matches ``symbol`` without regard to (ASCII) case.

        Compares ``registry.text.symbol_key(symbol)`` with the generated ``symbol_key``
        column, which PostgreSQL computes with the same function, so this filter and the
        hot path's symbol lookup pick the same assets; the column's index serves it.
        """
        return self.with_symbols([symbol])

    def with_symbols(self, symbols):
        """Assets whose symbol matches any of ``symbols``, as ``with_symbol`` compares."""
        keys = {symbol_key(symbol) for symbol in symbols}
        return self.filter(symbol_key__in=keys) if keys else self.none()

    def fiat(self):
        """FIAT assets: currencies such as USD, keyed by their ISO 4217 code (assets.fiat)."""
        return self.filter(asset_type=AssetType.FIAT)

    def fiat_asset(self, code: str):
        """The live FIAT asset of the ISO 4217 ``code`` (in any ASCII letter case), or None.

        Only a FIAT asset answers: a token whose symbol is "USD" is not the dollar. The
        partial unique index on a live fiat asset's code makes this at most one row and
        serves the lookup.
        """
        return self.fiat_assets([code]).get(symbol_key(code))

    def fiat_assets(self, codes) -> dict:
        """The live FIAT assets of ``codes``, by ISO code (upper case): one query for many
        (an import's quote currencies). A code without one is absent."""
        keys = {symbol_key(code) for code in codes if isinstance(code, str)}
        if not keys:
            return {}
        found = self.fiat().filter(deleted_at__isnull=True, symbol__in=keys)
        return {asset.symbol: asset for asset in found}

    def with_deployments(self):
        """Prefetch each asset's deployments, by chain (the API shows them with the asset)."""
        from assets.models import AssetDeployment

        return self.prefetch_related(
            Prefetch("deployments", queryset=AssetDeployment.objects.order_by("chain_id"))
        )

    def not_testnet_only(self):
        """Assets that are more than testnet coins: deployed on a mainnet, or not deployed
        at all (a fiat currency). A testnet's native "USDT" is no venue's USDT."""
        from assets.models import AssetDeployment

        deployments = AssetDeployment.objects.filter(asset=OuterRef("pk"))
        return self.filter(
            Exists(deployments.filter(chain__is_testnet=False)) | ~Exists(deployments)
        )

    def with_identifier(self, source: str, external_id: str):
        """The asset known to ``source`` as ``external_id`` (at most one: the pair is unique)."""
        return self.filter(identifiers__source=source, identifiers__external_id=external_id.strip())

    def search(self, term: str):
        """Assets matching ``term``, annotated with ``search_rank``.

        Rank 0: the symbol, in any case, or a deployment address; 1: a symbol that
        starts with the term; 2: a name that contains it.
        """
        exact, prefix, by_name = _search_conditions(term)
        return self.filter(exact | prefix | by_name).with_search_rank(term)

    def with_search_rank(self, term: str):
        """Annotated with ``search()``'s ``search_rank`` for ``term`` (the admin ranks its
        own, wider search with it)."""
        exact, prefix, _ = _search_conditions(term)
        return self.annotate(
            search_rank=Case(
                When(exact, then=Value(0)),
                When(prefix, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )

    def collision_sets(
        self, symbol_keys, sample: int = COLLISION_SAMPLE, moment=None
    ) -> dict[str, dict]:
        """For each symbol key: how many live assets have it, and the oldest ``sample`` of
        them with the chains each is on. With a ``moment``: the assets live at its
        ``as_of`` (not deleted by then).

        One query for any number of keys, so a page of results pays once; a symbol that
        thousands of tokens copy ("USDC") costs a sample, not thousands of rows.
        """
        from assets.models import AssetDeployment

        keys = sorted(set(symbol_keys))
        if not keys:
            return {}
        assets, deployments = self.model._meta.db_table, AssetDeployment._meta.db_table
        # As two statements, so that the current one keeps its partial index.
        live = "deleted_at IS NULL"
        if moment is not None:
            live = "(deleted_at IS NULL OR deleted_at > %(as_of)s)"
        if moment is not None and moment.known_at is not None:
            live += " AND created_at <= %(known_at)s"  # what the registry knew then
        sql = f"""
            WITH live AS (
                SELECT asset_id, symbol_key, name, created_at FROM {assets}
                WHERE {live} AND symbol_key = ANY(%(keys)s)
            ), ranked AS (
                SELECT live.*,
                       row_number() OVER (
                           PARTITION BY symbol_key ORDER BY created_at, asset_id
                       ) AS position,
                       count(*) OVER (PARTITION BY symbol_key) AS total
                FROM live
            )
            SELECT r.symbol_key, r.total, r.asset_id, r.name,
                   array_remove(array_agg(DISTINCT d.chain_id), NULL)
            FROM ranked r LEFT JOIN {deployments} d ON d.asset_id = r.asset_id
            WHERE r.position <= %(sample)s
            GROUP BY r.symbol_key, r.total, r.asset_id, r.name, r.position
            ORDER BY r.symbol_key, r.position
        """
        sets: dict[str, dict] = {}
        with connections[self.db].cursor() as cursor:
            as_of = moment.as_of if moment is not None else None
            known_at = moment.known_at if moment is not None else None
            cursor.execute(
                sql, {"keys": keys, "sample": sample, "as_of": as_of, "known_at": known_at}
            )
            for symbol_key, total, asset_id, name, chains in cursor.fetchall():
                entry = sets.setdefault(symbol_key, {"count": total, "assets": []})
                entry["assets"].append(
                    {"asset_id": asset_id, "name": name, "chains": sorted(chains)}
                )
        return sets


class AssetDeploymentQuerySet(RegistryQuerySet):
    def resolvable(self):
        """Deployments whose asset is live: a soft-deleted asset's deployments stop resolving."""
        return self.of_live("asset")

    def at_address(self, address: str, chain_id: str | None = None):
        """Deployments at ``address``, on ``chain_id`` or on any chain.

        EVM addresses match in any letter case; others (base58 is case-sensitive) only
        exactly. The case-folded comparison uses the (chain, lower(address)) index.
        """
        queryset = self.alias(address_key=AddressKey("address")).filter(
            Q(chain__chain_type=ChainType.EVM) | Q(address=address.strip()),
            address_key=address_lookup_key(address),
        )
        return queryset.filter(chain_id=chain_id) if chain_id is not None else queryset


class AssetGroupQuerySet(RegistryQuerySet):
    def with_canonical_symbol(self, symbol: str):
        """The group whose canonical symbol matches ``symbol`` by symbol key, as assets
        match theirs (at most one: the key is unique, and its unique index serves this)."""
        return self.annotate(canonical_symbol_key=SymbolKey("canonical_symbol")).filter(
            canonical_symbol_key=symbol_key(symbol)
        )

    def with_canonical_symbol_keys(self, keys):
        """The groups whose canonical symbols have these symbol keys, each annotated with
        its ``canonical_symbol_key``."""
        return self.annotate(canonical_symbol_key=SymbolKey("canonical_symbol")).filter(
            canonical_symbol_key__in=keys
        )


class AssetNameQuerySet(RegistryQuerySet):
    def valid_at(self, instant):
        """The former names whose period holds ``instant``."""
        return self.filter(valid_at("valid_from", "valid_to", instant))


class AssetRelationshipQuerySet(RegistryQuerySet):
    def valid_at(self, instant):
        """The relationships that hold at ``instant`` (their effective period holds it)."""
        return self.filter(valid_at("valid_from", "valid_to", instant))

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

    def variant_paths(
        self,
        root_ids,
        types=VARIANT_RELATIONSHIP_TYPES,
        *,
        per_root: bool = False,
        moment=None,
    ) -> list[dict]:
        """Every live asset reachable from any of ``root_ids`` through ``types``, each once,
        by its shortest path, along the relationships in effect now (a relationship that
        ended, or has not begun, makes no variant). With a ``registry.timeline.Moment``:
        along those in effect at its ``as_of``, as the registry held them at its
        ``known_at``, to the assets live then.

        One recursive query for any number of roots (variant_paths_per_root: each root's
        closure on its own). Each row: ``asset_id``, ``depth``,
        ``path`` (the asset ids from its root, root first), ``relationship_types`` (one per
        edge) and ``conversion_rate``: units of the root per unit of the variant, the
        product of the rates along the path, or None where a rate on it is unknown.
        """
        from registry import timeline

        assets = self.model._meta.get_field("parent_asset").related_model._meta.db_table
        closure = "path[1], " if per_root else ""  # each root's closure, or all roots' one
        params: list = []
        if moment is None:
            source = self.model._meta.db_table
            in_effect = IN_EFFECT_NOW.format(table="r")
            live = "a.deleted_at IS NULL"
            moments: list = []
        elif moment.known_at is None:  # the table itself, its periods asked about as_of
            source = self.model._meta.db_table
            in_effect = (
                "(r.valid_from IS NULL OR r.valid_from <= %s) "
                "AND (r.valid_to IS NULL OR r.valid_to > %s)"
            )
            live = "(a.deleted_at IS NULL OR a.deleted_at > %s)"
            moments = [moment.as_of] * 3
        else:
            rows = timeline.held_rows(self.model, moment).values(
                "parent_asset_id",
                "child_asset_id",
                "relationship_type",
                "conversion_rate",
                "valid_from",
                "valid_to",
            )
            subquery, params = rows.query.sql_with_params()
            source = "held"
            in_effect = (
                "(r.valid_from IS NULL OR r.valid_from <= %s) "
                "AND (r.valid_to IS NULL OR r.valid_to > %s)"
            )
            live = "(a.deleted_at IS NULL OR a.deleted_at > %s)"
            moments = [moment.as_of] * 3
        held = f"held AS ({subquery})," if source == "held" else ""
        sql = f"""
            WITH RECURSIVE {held} walk(asset_id, depth, path, kinds, rate) AS (
                SELECT r.child_asset_id, 1, ARRAY[r.parent_asset_id, r.child_asset_id],
                       ARRAY[r.relationship_type::text], r.conversion_rate::numeric
                FROM {source} r
                JOIN {assets} a ON a.asset_id = r.child_asset_id AND {live}
                WHERE r.parent_asset_id = ANY(%s::uuid[])
                  AND r.relationship_type = ANY(%s) AND {in_effect}
                UNION ALL
                SELECT r.child_asset_id, w.depth + 1, w.path || r.child_asset_id,
                       w.kinds || r.relationship_type::text, w.rate * r.conversion_rate::numeric
                FROM walk w
                JOIN {source} r ON r.parent_asset_id = w.asset_id
                JOIN {assets} a ON a.asset_id = r.child_asset_id AND {live}
                WHERE r.relationship_type = ANY(%s) AND {in_effect}
                  AND NOT r.child_asset_id = ANY(w.path) AND w.depth < 32
            )
            SELECT DISTINCT ON ({closure}asset_id) asset_id, depth, path, kinds, rate
            FROM walk ORDER BY {closure}asset_id, depth, path
        """
        roots = [str(root) for root in root_ids]
        at = moments[:1]  # the liveness of an anchor's child
        period = moments[:2]  # the period of an edge
        params = [
            *params,
            *at,
            roots,
            list(types),
            *period,
            *at,
            list(types),
            *period,
        ]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        paths = [
            {
                "asset_id": asset_id,
                "depth": depth,
                "path": path,
                "relationship_types": kinds,
                "conversion_rate": exact_normal(Decimal(rate)) if rate is not None else None,
            }
            for asset_id, depth, path, kinds, rate in rows
        ]
        return sorted(paths, key=lambda row: (row["depth"], str(row["asset_id"])))

    def variant_paths_per_root(
        self, root_ids, types=VARIANT_RELATIONSHIP_TYPES, moment=None
    ) -> dict:
        """variant_paths of each of ``root_ids`` on its own, in one query: root -> rows (a
        root without variants has none)."""
        per_root: dict = {}
        for row in self.variant_paths(root_ids, types, per_root=True, moment=moment):
            per_root.setdefault(row["path"][0], []).append(row)
        return per_root
