"""The export and CSV import rules of the assets app's entities (registry.exchange):
assets, deployments, identifiers, relationships, groups and group members."""

import contextlib
import json
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import models

from assets import services
from assets.api.serializers import AssetGroupMemberSerializer
from assets.api.views import (
    AssetDeploymentViewSet,
    AssetGroupViewSet,
    AssetIdentifierViewSet,
    AssetRelationshipViewSet,
    AssetViewSet,
)
from assets.choices import AssetType
from assets.lookups import address_lookup_form
from assets.models import Asset, AssetDeployment, AssetGroup
from assets.provenance import TRACKED_FIELDS
from chains import caip
from chains.addresses import AddressKey, address_lookup_key
from chains.choices import ChainType
from chains.exchange import candidate_of, check_derived_id
from registry import provenance
from registry.api.serializers import RegistryPrimaryKeyRelatedField
from registry.exchange.entities import Entity, differing, register_entity
from registry.exchange.formats import Row
from registry.exchange.run import CsvImport
from registry.importing import ItemRejected
from registry.text import symbol_key


def assets_text(assets: list, shown: int = 3) -> str:
    """Some assets by id, for a message: the first ``shown`` and how many more."""
    text = ", ".join(str(asset.pk) for asset in assets[:shown])
    return text + (f" and {len(assets) - shown} more" if len(assets) > shown else "")


class AssetEntity(Entity):
    """Assets: found by asset_id among live and deleted ones; a field a person set is
    kept unless --overwrite (assets.provenance).

    A row without asset_id is the live asset with the same symbol and name (each in its
    stored form, in any letter case), so that importing a file again finds what the first
    import created. Where the row's ``deployments`` cell lists deployments (an export
    does), it is narrowed to the assets whose every deployment the cell lists: an asset
    made by an earlier import of the row has none yet, since deployments are imported
    on their own. Two such assets are ambiguous, and the row is refused, naming them. A row
    whose asset_type is FIAT finds only a FIAT asset, and any other only a token: a token
    called "USD" ("US Dollar") is never the currency USD.
    None, while live assets share the symbol and name (with other deployments), is
    refused too unless duplicates are allowed (``--allow-duplicates``): a choice the
    steward makes, not the importer. A row without asset_id that has the symbol and name
    of another row of the file is refused (the two would be one asset, or two the next
    import cannot tell apart).
    """

    duplicates_choice = True
    duplicates_rule = (
        "create a new asset for a row without asset_id even where live assets share its "
        "symbol and name (with other deployments)"
    )
    duplicates_help = f"{duplicates_rule}; without it such a row is rejected, naming them."

    def duplicates_refusal(self, lines: list[int]) -> str:
        one = len(lines) == 1
        return (
            f"{len(lines)} row{'' if one else 's'} (line{'' if one else 's'} "
            f"{', '.join(map(str, lines))}) {'has' if one else 'have'} no asset_id, and live "
            f"assets share {'its' if one else 'their'} symbol and name with other deployments. "
            "Put the asset_id of the asset each means in the file and upload it again, or "
            "create new assets for them:"
        )

    def serializer_context(self, objects):
        return {"collision_sets": Asset.objects.collision_sets(a.symbol_key for a in objects)}

    def lookup_queryset(self):
        return Asset.all_objects.all()

    def identity(self, cells: dict[str, str]) -> tuple[str, str] | None:
        """(symbol, name) as a row without asset_id is matched; None unless both are valid
        (the serializer then says what is wrong)."""
        try:
            symbol = self.model.normalizers["symbol"](cells.get("symbol", ""))
            name = self.model.normalizers["name"](cells.get("name", ""))
        except ValidationError:
            return None
        return symbol_key(symbol), name.casefold()

    def file_context(self, rows, run):
        identities: dict[tuple, list[tuple[int, bool]]] = defaultdict(list)
        lines_by_id = {}
        for row in rows:
            text = row.cells.get("asset_id", "").strip()
            if text:
                with contextlib.suppress(ValidationError):
                    lines_by_id.setdefault(self.model._meta.pk.to_python(text), row.line)
            identity = self.identity(row.cells)
            if identity is not None:
                identities[identity].append((row.line, bool(text)))
        return {"identities": identities, "lines_by_id": lines_by_id}

    def chunk_context(self, unkeyed, instances, run):
        symbols = {}  # identity: the row's symbol, in stored form
        for row in unkeyed:
            identity = self.identity(row.cells)
            if identity is not None:
                symbols[identity] = self.model.normalizers["symbol"](row.cells["symbol"])
        candidates = defaultdict(list)
        if symbols:
            # The database compares symbols as lookups do (Asset.with_symbols); the identity
            # then sorts the candidates by name, and by symbol where two of the chunk meet.
            queryset = self.model.objects.with_symbols(set(symbols.values()))
            for asset in queryset.with_deployments():
                identity = self.identity({"symbol": asset.symbol, "name": asset.name})
                if identity in symbols:
                    candidates[identity].append(asset)
        found = [*instances, *(asset for assets in candidates.values() for asset in assets)]
        sources = provenance.sources_of(Asset, (obj.pk for obj in found))
        return {"sources": sources, "candidates": candidates}

    def plan_row(self, row, instance, run):
        if instance is None and not row.cells.get("asset_id", "").strip():
            instance = self.match(row, run)
        if instance is not None and instance.deleted_at is not None:
            raise ItemRejected(f"asset_id: asset {instance.pk} is deleted; restore it first.")
        return super().plan_row(row, instance, run)

    def match(self, row: Row, run: CsvImport) -> models.Model | None:
        """The live asset a row without asset_id is (see the class), or None for a new one."""
        identity = self.identity(row.cells)
        if identity is None:
            return None
        clash = next(
            (
                line
                for line, keyed in run.file["identities"][identity]
                if line != row.line and (keyed or line < row.line)
            ),
            None,
        )
        if clash is not None:
            raise ItemRejected(
                f"symbol, name: the same as line {clash}. A row without asset_id is found by "
                "its symbol and name, so this one needs its asset_id."
            )
        listed = self.listed_deployments(row)
        candidates = run.chunk["candidates"].get(identity, [])
        asset_type = row.cells.get("asset_type", "").strip().upper()
        if asset_type:  # a token row never finds the currency it is named after, nor back
            fiat = asset_type == AssetType.FIAT
            candidates = [asset for asset in candidates if asset.is_fiat == fiat]
        matching = [
            asset for asset in candidates if listed is None or self.deployments_of(asset) <= listed
        ]
        if len(matching) > 1:
            raise ItemRejected(
                f"symbol, name: {len(matching)} live assets have them ({assets_text(matching)}); "
                "put the one this row means in asset_id."
            )
        if matching:
            (asset,) = matching
            named_by = run.file["lines_by_id"].get(asset.pk)
            if named_by is not None:
                raise ItemRejected(
                    f"symbol, name: they are those of asset {asset.pk}, which line {named_by} "
                    "names by its asset_id."
                )
            return asset
        if candidates and not run.allow_duplicates:
            run.duplicate_choices.append(row.line)
            raise ItemRejected(
                f"deployments: live assets with this symbol and name ({assets_text(candidates)}) "
                "have deployments the row does not list. Put the asset_id of the one it means "
                "in the row, or allow duplicates to create another asset."
            )
        if candidates:
            run.report.warnings.append(
                f"line {row.line}: a new asset, though {assets_text(candidates)} share its "
                "symbol and name (duplicates allowed)."
            )
        return None

    @staticmethod
    def listed_deployments(row: Row) -> set[tuple[str, str]] | None:
        """The (chain, address) pairs the row's deployments cell lists; None if none."""
        text = row.cells.get("deployments", "").strip()
        if not text:
            return None
        with contextlib.suppress(json.JSONDecodeError):
            listed = json.loads(text)
            if isinstance(listed, list) and all(
                isinstance(item, dict)
                and isinstance(item.get("chain"), str)
                and isinstance(item.get("address"), str)
                for item in listed
            ):
                return {(d["chain"], address_lookup_form(d["address"])) for d in listed} or None
        raise ItemRejected(
            'deployments: not a list of deployments as the export writes it ([{"chain": …, '
            '"address": …}, …]).'
        )

    @staticmethod
    def deployments_of(asset) -> set[tuple[str, str]]:
        return {(d.chain_id, address_lookup_form(d.address)) for d in asset.deployments.all()}

    def changes(self, instance, validated, run):
        changes = differing(instance, validated)
        sources = run.chunk["sources"].get(instance.pk, {})
        for name in list(changes):
            if name in TRACKED_FIELDS and not provenance.may_change(
                sources.get(name), run.source, overwrite=run.overwrite
            ):
                del changes[name]
                run.report.kept[name] += 1
        return changes


class DeploymentEntity(Entity):
    """Deployments: (chain, address), the address in any letter case on an EVM chain. A
    filled ``caip19`` cell must be the id the row makes (chains.exchange)."""

    def plan_row(self, row, instance, run):
        planned = super().plan_row(row, instance, run)
        deployment = candidate_of(AssetDeployment, planned, instance)
        with contextlib.suppress(ValidationError):  # the service reports it
            deployment.normalize()
        check_derived_id(row, "caip19", caip.parse_caip19, lambda: deployment.caip19)
        return planned

    def export_queryset(self):
        return super().export_queryset().select_related("chain", "asset")

    def existing(self, keys):
        wanted = set(keys)
        if not wanted:
            return {}
        candidates = (
            self.lookup_queryset()
            .alias(address_key=AddressKey("address"))
            .filter(
                chain_id__in={chain for chain, _ in wanted},
                address_key__in={address_lookup_key(address) for _, address in wanted},
            )
        )
        by_folded = {(obj.chain_id, address_lookup_key(obj.address)): obj for obj in candidates}
        found = {}
        for chain, address in wanted:
            obj = by_folded.get((chain, address_lookup_key(address)))
            if obj is not None and (
                obj.address == address or obj.chain.chain_type == ChainType.EVM
            ):
                found[(chain, address)] = obj
        return found


class GroupMemberRowSerializer(AssetGroupMemberSerializer):
    """A group member as the members endpoint shows it, with the group its URL names."""

    group = RegistryPrimaryKeyRelatedField(queryset=AssetGroup.objects.all())

    class Meta(AssetGroupMemberSerializer.Meta):
        fields = ("group", *AssetGroupMemberSerializer.Meta.fields)
        create_only_fields = ("group", "asset")


class GroupMemberEntity(Entity):
    """Group members: the members of every group, as /groups/{id}/members/ lists them."""

    def export_queryset(self):
        return self.model.objects.of_live("asset").order_by("pk")


class RelationshipEntity(Entity):
    """Relationships: found by (parent_asset, child_asset, relationship_type, chain); an
    empty chain cell (or no chain column) is the relationship for every chain, not a new
    row (MATIC -> POL is one row per chain it migrates on)."""

    SCOPE = "chain"

    def required_columns(self) -> tuple[str, ...]:
        return tuple(name for name in super().required_columns() if name != self.SCOPE)

    def key_of(self, cells: dict[str, str]) -> tuple | None:
        parts = []
        for name in self.key:
            value = self.key_value(name, cells.get(name, ""))
            if value is None and name != self.SCOPE:
                return None
            parts.append(value)
        return tuple(parts)

    def existing(self, keys) -> dict:
        wanted = set(keys)
        if not wanted:
            return {}
        filters = {
            f"{self.model._meta.get_field(name).attname}__in": {key[index] for key in wanted}
            for index, name in enumerate(self.key)
            if name != self.SCOPE  # NULL (every chain) is in no IN list
        }
        found = {}
        for obj in self.lookup_queryset().filter(**filters):
            key = self.key_of_instance(obj)
            if key in wanted:
                found[key] = obj
        return found


def register() -> None:
    register_entity(AssetEntity("assets", AssetViewSet, ("asset_id",)))
    register_entity(DeploymentEntity("deployments", AssetDeploymentViewSet, ("chain", "address")))
    register_entity(Entity("identifiers", AssetIdentifierViewSet, ("source", "external_id")))
    register_entity(
        RelationshipEntity(
            "relationships",
            AssetRelationshipViewSet,
            ("parent_asset", "child_asset", "relationship_type", "chain"),
        )
    )
    register_entity(Entity("groups", AssetGroupViewSet, ("group_id",)))
    register_entity(
        GroupMemberEntity(
            "group-members",
            AssetGroupViewSet,
            ("group", "asset"),
            serializer=GroupMemberRowSerializer,
            writes=services.GROUP_MEMBER_WRITES,
        )
    )
