"""The assets app's event types and the protobuf form of its entities."""

from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from registry.events.encoding import message_from
from registry.events.types import EventType, register_event_type
from registry.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.pb.cqar.registry.v1 import registry_pb2
from registry.pb.cqc.assets.v1 import assets_pb2
from registry.pb.cqc.events.v1 import events_pb2 as cqc_events


def asset_message(asset: Asset) -> assets_pb2.Asset:
    """An asset type the contract's enum lacks (FIAT) is sent as ASSET_TYPE_UNSPECIFIED,
    named in metadata["cqar_asset_type"]."""
    name = f"ASSET_TYPE_{asset.asset_type}"
    contract_names = assets_pb2.AssetType.keys()
    if name in contract_names:
        return message_from(asset, assets_pb2.Asset, asset_type=assets_pb2.AssetType.Value(name))
    metadata = asset.metadata
    if not isinstance(metadata, dict):  # wrapped as encoding.struct() wraps it
        metadata = {} if metadata is None else {"cqar_value": metadata}
    return message_from(
        asset,
        assets_pb2.Asset,
        asset_type=assets_pb2.ASSET_TYPE_UNSPECIFIED,
        metadata={**metadata, "cqar_asset_type": str(asset.asset_type)},
    )


# The contract's address of a native token that has no contract ("ETHEREUM:native").
NATIVE_ADDRESS = "native"


# deployment_message's ``caip19`` when the caller does not give it.
DERIVED = object()


def deployment_message(deployment: AssetDeployment, caip19=DERIVED) -> assets_pb2.AssetDeployment:
    """deployment_id is the registry's UUID, as in the REST API (docs/EVENTS.md).
    ``caip19``: the deployment's CAIP-19 id (None: it has none), when the caller has it
    already (a hot answer's); otherwise derived (``AssetDeployment.caip19``)."""
    caip19 = deployment.caip19 if caip19 is DERIVED else caip19
    return message_from(
        deployment,
        assets_pb2.AssetDeployment,
        chain_name=deployment.chain.name,
        address=deployment.address or NATIVE_ADDRESS,  # only a native one has none
        # What the contract has no field for rides in metadata, under cqar_ names.
        metadata={
            **deployment.metadata,
            "cqar_is_native": deployment.is_native,
            "cqar_is_canonical": deployment.is_canonical,
            "cqar_is_verified": deployment.is_verified,
            # Set only when a namespace names it (a token on Bitcoin has none).
            **({"cqar_caip19": caip19} if caip19 is not None else {}),
        },
    )


def relationship_message(relationship: AssetRelationship) -> assets_pb2.AssetRelationship:
    """As the contract says: from_asset_id is the parent (ETH, when WETH wraps it), the
    REST resource's parent_asset; to_asset_id the child (WETH), its child_asset.

    What the contract has no field for rides in metadata, under cqar_ names: the
    effective period (``cqar_valid_from``, ``cqar_valid_to``, RFC 3339, absent when
    open), the chain scope (``cqar_chain``, absent for every chain) and a type the
    contract's enum lacks (REDENOMINATES: RELATIONSHIP_TYPE_UNSPECIFIED with
    ``cqar_relationship_type``)."""
    metadata = relationship.metadata
    if not isinstance(metadata, dict):  # wrapped as encoding.struct() wraps it
        metadata = {} if metadata is None else {"cqar_value": metadata}
    extra = {
        "cqar_valid_from": relationship.valid_from,
        "cqar_valid_to": relationship.valid_to,
        "cqar_chain": relationship.chain_id,
    }
    metadata = {
        **metadata,
        **{
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in extra.items()
            if value is not None
        },
    }
    name = f"RELATIONSHIP_TYPE_{relationship.relationship_type}"
    contract_names = assets_pb2.RelationshipType.keys()
    if name in contract_names:
        relationship_type = assets_pb2.RelationshipType.Value(name)
    else:
        relationship_type = assets_pb2.RELATIONSHIP_TYPE_UNSPECIFIED
        metadata["cqar_relationship_type"] = str(relationship.relationship_type)
    return message_from(
        relationship,
        assets_pb2.AssetRelationship,
        from_asset_id=relationship.parent_asset_id,
        to_asset_id=relationship.child_asset_id,
        relationship_type=relationship_type,
        metadata=metadata,
    )


def identifier_message(identifier: AssetIdentifier) -> registry_pb2.AssetIdentifier:
    return message_from(identifier, registry_pb2.AssetIdentifier, identifier_id=identifier.pk)


def member_message(member: AssetGroupMember) -> registry_pb2.AssetGroupMember:
    return message_from(
        member, registry_pb2.AssetGroupMember, member_id=member.pk, added_at=member.created_at
    )


def group_message(group) -> registry_pb2.AssetGroup:
    return message_from(group, registry_pb2.AssetGroup)


def _own_asset(entity) -> list:
    return [entity.asset_id]


def _relationship_assets(relationship: AssetRelationship) -> list:
    return [relationship.parent_asset_id, relationship.child_asset_id]


def register() -> None:
    asset = {"entity_field": "asset", "entity": asset_message, "asset_ids": lambda a: [a.pk]}
    deployment = {
        "entity_field": "deployment",
        "entity": deployment_message,
        "asset_ids": _own_asset,
    }
    relationship = {
        "entity_field": "relationship",
        "entity": relationship_message,
        "asset_ids": _relationship_assets,
    }
    identifier = {
        "entity_field": "identifier",
        "entity": identifier_message,
        "asset_ids": _own_asset,
    }
    group = {"entity_field": "group", "entity": group_message, "asset_ids": lambda g: []}
    member = {"entity_field": "member", "entity": member_message, "asset_ids": _own_asset}
    for name, message, shape, extra in [
        ("asset_created", cqc_events.AssetCreated, asset, None),
        ("asset_updated", cqar_events.AssetEvent, asset, None),
        ("asset_deleted", cqar_events.AssetEvent, asset, None),
        ("asset_restored", cqar_events.AssetEvent, asset, None),
        (
            "asset_deployment_created",
            cqc_events.AssetDeploymentCreated,
            deployment,
            lambda d: {"auto_detected": False},  # a person or a list said so; no scanner yet
        ),
        ("asset_deployment_updated", cqar_events.AssetDeploymentEvent, deployment, None),
        ("asset_deployment_deleted", cqar_events.AssetDeploymentEvent, deployment, None),
        ("asset_identifier_created", cqar_events.AssetIdentifierEvent, identifier, None),
        ("asset_identifier_updated", cqar_events.AssetIdentifierEvent, identifier, None),
        ("asset_identifier_deleted", cqar_events.AssetIdentifierEvent, identifier, None),
        (
            "relationship_established",
            cqc_events.RelationshipEstablished,
            relationship,
            lambda r: {"protocol": r.protocol},
        ),
        ("relationship_updated", cqar_events.RelationshipEvent, relationship, None),
        ("relationship_removed", cqar_events.RelationshipEvent, relationship, None),
        ("asset_group_created", cqar_events.AssetGroupEvent, group, None),
        ("asset_group_updated", cqar_events.AssetGroupEvent, group, None),
        ("asset_group_deleted", cqar_events.AssetGroupEvent, group, None),
        ("group_member_added", cqar_events.GroupMemberEvent, member, None),
        ("group_member_updated", cqar_events.GroupMemberEvent, member, None),
        ("group_member_removed", cqar_events.GroupMemberEvent, member, None),
    ]:
        register_event_type(EventType(name=name, message=message, extra=extra, **shape))
