"""What hangs off an asset, over gRPC (docs/GRPC.md): identifiers, relationships, groups.

Methods and their REST twins (assets.api.views), each through the same serializer,
filterset and service:

- CreateAssetIdentifier, GetAssetIdentifier, ListAssetIdentifiers: ``/identifiers/``,
  answered as ``cqc.assets.v1.AssetIdentifier``. ``source`` is the contract's
  DataSource, matched to our sources by name (DATA_SOURCE_COINGECKO is COINGECKO); a
  source of ours the contract lacks is answered as DATA_SOURCE_UNSPECIFIED with our name
  in ``metadata["source"]``. GetAssetIdentifier(asset_id, source) answers the primary
  identifier from that source, else the oldest recorded (an asset may hold several).
- GetIdentifier, ListIdentifiers: the same identifiers as ``cqc.identifiers.v1.Identifier``
  (``id`` our integer id as a string, ``entity_type`` "ASSET", ``source`` our name). The
  registry keeps identifiers of assets only: entity_type INSTRUMENT or MARKET (any
  letter case) answers an empty list; another entity_type is INVALID_ARGUMENT. One of
  asset_id, instrument_id, market_id names the entity (entity_type may then be left
  out); an id of another entity than entity_type names, or two ids, are
  INVALID_ARGUMENT. ASSET lists one asset's identifiers: asset_id is required.
- CreateAssetRelationship, ListAssetRelationships: ``/relationships/``. As the events:
  ``source_asset_id`` is the parent (REST's parent_asset, from_asset_id: ETH when WETH
  wraps it), ``target_asset_id`` the child. A self link or a cycle is
  FAILED_PRECONDITION (``invalid_relationship``); a repeat of an existing (parent,
  child, type) is ALREADY_EXISTS with the same reason. ListAssetRelationships lists the
  relationships where the asset is either end, oldest first.
- CreateAssetGroup, GetAssetGroup, AddAssetToGroup, RemoveAssetFromGroup: ``/groups/``
  and its members. The contract's ``name`` is the group's canonical symbol; the
  group_id (a slug, the contract has no field for it in the request) is made from it by
  the registry's one rule (registry.text.slug_of: lower case ASCII, each run of other
  characters one "-", at most 64 characters: ETH is "eth", USDC.e "usdc-e").
  ``group_type`` is kept in the group's ``metadata["group_type"]``. The answer's
  metadata carries what the contract has no field for: ``cqar_issuer`` and
  ``cqar_canonical_asset_id`` (the canonical member). A member's ``weight`` is a double
  over the wire and our decimal (36 digits, 18 after the point) in the registry: the
  double's shortest decimal form is stored (0.25 is 0.25); more than 18 decimal places
  is INVALID_ARGUMENT. ``member_id`` is the membership's integer id. A member added over
  gRPC is not the canonical one (the contract cannot say so; REST can).
  RemoveAssetFromGroup takes ``if-match`` as the membership's version; an asset that is
  not a member is NOT_FOUND.
"""

from uuid import UUID

from django.db.models import Q

from assets import services
from assets.api.serializers import (
    AssetGroupMemberSerializer,
    AssetGroupSerializer,
    AssetIdentifierSerializer,
    AssetRelationshipSerializer,
)
from assets.api.views import AssetIdentifierViewSet, AssetRelationshipViewSet
from assets.choices import IdentifierSource, RelationshipType
from assets.events import relationship_message
from assets.filtersets import AssetIdentifierFilterSet, AssetRelationshipFilterSet
from assets.models import (
    Asset,
    AssetGroup,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from registry.api.pagination import complete_ordering
from registry.events.encoding import message_from
from registry.exceptions import ConflictError
from registry.grpc.calls import answers_for_a_moment, register_rpc
from registry.grpc.errors import invalid, not_found
from registry.grpc.fields import (
    EnumMap,
    capped,
    created,
    decimal_text,
    double_of,
    enum_value,
    filtered,
    get_by_slug,
    object_then,
    optional_integer_id,
    optional_text,
    optional_uuid,
    request_field_names,
    required_integer_id,
    required_text,
    required_uuid,
    slug_id,
    validated,
)
from registry.pb.cqc.assets.v1 import assets_pb2
from registry.pb.cqc.identifiers.v1 import identifiers_pb2
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service

SOURCES = EnumMap(assets_pb2.DataSource, IdentifierSource)
RELATIONSHIP_TYPES = EnumMap(assets_pb2.RelationshipType, RelationshipType)

ASSET, INSTRUMENT, MARKET = "ASSET", "INSTRUMENT", "MARKET"
ENTITY_ID_FIELDS = {ASSET: "asset_id", INSTRUMENT: "instrument_id", MARKET: "market_id"}

IDENTIFIER_FIELDS = {"asset": "asset_id"}
RELATIONSHIP_FIELDS = {"parent_asset": "source_asset_id", "child_asset": "target_asset_id"}
GROUP_FIELDS = {"canonical_symbol": "name", "group_id": "name"}
MEMBER_FIELDS = {"asset": "asset_id"}


def _metadata_with(metadata, **extra) -> dict:
    """The row's metadata with ``extra`` added (a value that is not an object, which
    older rows may hold, wrapped as the events wrap it)."""
    if not isinstance(metadata, dict):
        metadata = {} if metadata is None else {"cqar_value": metadata}
    return {**metadata, **{name: value for name, value in extra.items() if value is not None}}


# --- Encoders of the contract's messages our events do not use ----------------------------


def asset_identifier_message(identifier: AssetIdentifier) -> assets_pb2.AssetIdentifier:
    source = SOURCES.number_of(identifier.source)
    # As the contract's comment says: a source it lacks is UNSPECIFIED, our name in
    # metadata["source"].
    extra = {} if source else {"source": identifier.source}
    return message_from(
        identifier,
        assets_pb2.AssetIdentifier,
        identifier_id=identifier.pk,
        source=source,
        metadata=_metadata_with(identifier.metadata, **extra),
    )


def identifier_message(identifier: AssetIdentifier) -> identifiers_pb2.Identifier:
    return message_from(identifier, identifiers_pb2.Identifier, id=identifier.pk, entity_type=ASSET)


def member_message(member: AssetGroupMember) -> assets_pb2.AssetGroupMember:
    return message_from(
        member,
        assets_pb2.AssetGroupMember,
        member_id=member.pk,
        weight=double_of(member.weight),
        added_at=member.created_at,
    )


def group_message(group: AssetGroup, members: list[AssetGroupMember]) -> assets_pb2.AssetGroup:
    canonical = next((member for member in members if member.is_canonical), None)
    message = message_from(
        group,
        assets_pb2.AssetGroup,
        name=group.canonical_symbol,
        members=None,  # below: a repeated message field
        metadata=_metadata_with(
            group.metadata,
            cqar_issuer=group.issuer or None,
            cqar_canonical_asset_id=str(canonical.asset_id) if canonical else None,
        ),
    )
    message.members.extend(member_message(member) for member in members)
    return message


# --- Identifiers ---------------------------------------------------------------------------


def _live_identifiers():
    return AssetIdentifier.objects.of_live("asset")  # the REST viewset's queryset


def create_asset_identifier(request, call):
    asset_id = required_uuid(request, "asset_id")
    data = {
        "asset": str(asset_id),
        "source": enum_value(request, "source", SOURCES, required=True),
        "external_id": required_text(request, "external_id"),
    }
    if request.HasField("is_primary"):
        data["is_primary"] = request.is_primary
    identifier = created(
        AssetIdentifierSerializer, services.IDENTIFIER_WRITES, data, call, names=IDENTIFIER_FIELDS
    )
    return service.CreateAssetIdentifierResponse(identifier=asset_identifier_message(identifier))


def get_asset_identifier(request, call):
    """The asset's identifier from ``source``: the primary one, else the oldest."""
    asset_id = required_uuid(request, "asset_id")
    source = enum_value(request, "source", SOURCES, required=True)
    identifier = (
        _live_identifiers()
        .filter(asset_id=asset_id, source=source)
        .order_by("-is_primary", "created_at", "id")
        .first()
    )
    if identifier is None:
        raise not_found(f"No live asset {asset_id} with an identifier from {source}.")
    call.show_version(identifier)
    return service.GetAssetIdentifierResponse(identifier=asset_identifier_message(identifier))


def _identifiers_of(asset_id: UUID):
    """One asset's identifiers, by REST's filter (an asset that is not live is
    INVALID_ARGUMENT, as REST's ``?asset=`` is a 400), in REST's order."""
    with request_field_names(IDENTIFIER_FIELDS):
        identifiers = filtered(
            AssetIdentifierFilterSet, {"asset": str(asset_id)}, _live_identifiers()
        )
    return capped(
        identifiers.order_by(*complete_ordering(AssetIdentifierViewSet.ordering, AssetIdentifier)),
        what="identifiers",
        narrow="page through GET /api/v1/identifiers/",
    )


def list_asset_identifiers(request, call):
    identifiers = _identifiers_of(required_uuid(request, "asset_id"))
    return service.ListAssetIdentifiersResponse(
        identifiers=[asset_identifier_message(identifier) for identifier in identifiers]
    )


@answers_for_a_moment
def get_identifier(request, call):
    pk = required_integer_id(request, "identifier_id")
    moment = call.moment()
    if moment is not None:
        identifier = object_then(AssetIdentifier, moment, "identifier", pk)
    else:
        identifier = _live_identifiers().filter(pk=pk).first()
    if identifier is None:
        raise not_found(f"No identifier {pk}.")
    call.show_version(identifier)
    return service.GetIdentifierResponse(identifier=identifier_message(identifier))


def list_identifiers(request, call):
    """The identifiers of one entity; only assets have any in this registry."""
    entity_type = optional_text(request, "entity_type")
    entity_type = entity_type.upper() if entity_type else None
    if entity_type is not None and entity_type not in ENTITY_ID_FIELDS:
        raise invalid(
            "entity_type", f"'{entity_type[:64]}' is not one of ASSET, INSTRUMENT, MARKET."
        )
    ids = {
        "asset_id": optional_uuid(request, "asset_id"),
        # Only read to refuse a malformed id: no instrument or market has identifiers here.
        "instrument_id": optional_uuid(request, "instrument_id"),
        "market_id": optional_integer_id(request, "market_id"),
    }
    given = [field for field, value in ids.items() if value is not None]
    if len(given) > 1:
        raise invalid(
            given[1], f"Give one of asset_id, instrument_id, market_id, not {' and '.join(given)}."
        )
    if entity_type is None:
        if not given:
            raise invalid(
                "entity_type", "Give entity_type, or asset_id, instrument_id or market_id."
            )
        entity_type = next(kind for kind, field in ENTITY_ID_FIELDS.items() if field == given[0])
    elif given and given[0] != ENTITY_ID_FIELDS[entity_type]:
        raise invalid(
            given[0],
            f"entity_type {entity_type} names its entity by {ENTITY_ID_FIELDS[entity_type]}.",
        )
    if entity_type != ASSET:  # the registry keeps no identifiers of instruments or markets
        return service.ListIdentifiersResponse()
    if ids["asset_id"] is None:
        raise invalid("asset_id", "Required with entity_type ASSET: one asset's identifiers.")
    identifiers = _identifiers_of(ids["asset_id"])
    return service.ListIdentifiersResponse(
        identifiers=[identifier_message(identifier) for identifier in identifiers]
    )


# --- Relationships -------------------------------------------------------------------------


def create_asset_relationship(request, call):
    """source_asset_id is the parent (ETH), target_asset_id the child (WETH)."""
    data = {
        "parent_asset": str(required_uuid(request, "source_asset_id")),
        "child_asset": str(required_uuid(request, "target_asset_id")),
        "relationship_type": enum_value(
            request, "relationship_type", RELATIONSHIP_TYPES, required=True
        ),
    }
    if request.HasField("description"):
        data["description"] = request.description
    # REST answers a 409 for a repeat, a self link and a cycle; over gRPC a repeat is
    # ALREADY_EXISTS, the other two FAILED_PRECONDITION (registry.grpc.errors).
    relationship = created(
        AssetRelationshipSerializer,
        services.RELATIONSHIP_WRITES,
        data,
        call,
        names=RELATIONSHIP_FIELDS,
    )
    return service.CreateAssetRelationshipResponse(relationship=relationship_message(relationship))


def list_asset_relationships(request, call):
    """The relationships where the asset is either end (parent or child), oldest first."""
    asset_id = required_uuid(request, "asset_id")
    relationship_type = enum_value(request, "relationship_type", RELATIONSHIP_TYPES)
    with request_field_names({"type": "relationship_type"}):
        relationships = filtered(
            AssetRelationshipFilterSet,
            {"type": [relationship_type]} if relationship_type else {},
            AssetRelationship.objects.of_live("parent_asset", "child_asset").filter(
                Q(parent_asset_id=asset_id) | Q(child_asset_id=asset_id)
            ),
        )
    ordering = complete_ordering(AssetRelationshipViewSet.ordering, AssetRelationship)
    relationships = capped(
        relationships.order_by(*ordering),
        what="relationships",
        narrow="narrow the list by relationship_type, or page through GET /api/v1/relationships/",
    )
    return service.ListAssetRelationshipsResponse(
        relationships=[relationship_message(relationship) for relationship in relationships]
    )


# --- Groups --------------------------------------------------------------------------------


def _group(request) -> AssetGroup:
    return get_by_slug(request, "group_id", AssetGroup.objects.all(), "group")


def _members(group: AssetGroup) -> list[AssetGroupMember]:
    # As REST shows them: live assets only, the canonical member first.
    return list(AssetGroupMember.objects.of_live("asset").filter(group=group))


def create_asset_group(request, call):
    name = required_text(request, "name")
    group_id = slug_id(name, AssetGroup._meta.get_field("group_id"))
    taken = AssetGroup.objects.filter(pk=group_id).first()
    if taken is not None:  # the id is ours to explain: the caller never chose it
        raise ConflictError(
            f"The id {group_id!r} made from {name!r} is group {taken.canonical_symbol}'s.",
            constraint="assets_assetgroup_pkey",
        )
    data = {"group_id": group_id, "canonical_symbol": name}
    if request.HasField("description"):
        data["description"] = request.description
    group_type = optional_text(request, "group_type")
    if group_type:
        data["metadata"] = {"group_type": group_type}
    group = created(AssetGroupSerializer, services.GROUP_WRITES, data, call, names=GROUP_FIELDS)
    return service.CreateAssetGroupResponse(group=group_message(group, []))


def get_asset_group(request, call):
    group = _group(request)
    call.show_version(group)
    return service.GetAssetGroupResponse(group=group_message(group, _members(group)))


def add_asset_to_group(request, call):
    group = _group(request)
    data = {"asset": str(required_uuid(request, "asset_id"))}
    if (weight := decimal_text(request, "weight")) is not None:
        data["weight"] = weight
    with request_field_names(MEMBER_FIELDS):
        serializer = validated(AssetGroupMemberSerializer, data)
        member = services.group_member_add(group=group, **serializer.validated_data)
    call.show_version(member)
    return service.AddAssetToGroupResponse(member=member_message(member))


def remove_asset_from_group(request, call):
    group = _group(request)
    asset_id = required_uuid(request, "asset_id")
    asset = Asset.all_objects.filter(pk=asset_id).first()
    if asset is None:
        raise not_found(f"No asset {asset_id}.")
    with request_field_names(MEMBER_FIELDS):
        services.group_member_remove(
            group=group, asset=asset, expected_version=call.expected_version()
        )
    return service.RemoveAssetFromGroupResponse(success=True)


def register() -> None:
    for name, handler, permission, reads in [
        ("CreateAssetIdentifier", create_asset_identifier, "add_assetidentifier", False),
        ("GetAssetIdentifier", get_asset_identifier, "view_assetidentifier", True),
        ("ListAssetIdentifiers", list_asset_identifiers, "view_assetidentifier", True),
        ("GetIdentifier", get_identifier, "view_assetidentifier", True),
        ("ListIdentifiers", list_identifiers, "view_assetidentifier", True),
        ("CreateAssetRelationship", create_asset_relationship, "add_assetrelationship", False),
        ("ListAssetRelationships", list_asset_relationships, "view_assetrelationship", True),
        ("CreateAssetGroup", create_asset_group, "add_assetgroup", False),
        ("GetAssetGroup", get_asset_group, "view_assetgroup", True),
        ("AddAssetToGroup", add_asset_to_group, "add_assetgroupmember", False),
        ("RemoveAssetFromGroup", remove_asset_from_group, "delete_assetgroupmember", False),
    ]:
        register_rpc(name, handler, permission=f"assets.{permission}", reads=reads)
