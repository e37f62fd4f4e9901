"""The chains app's event types and the protobuf form of a chain."""

from chains.models import Chain
from registry.events.encoding import message_from
from registry.events.types import EventType, register_event_type
from registry.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.pb.cqc.assets.v1 import assets_pb2


def chain_message(chain: Chain) -> assets_pb2.Chain:
    return message_from(
        chain,
        assets_pb2.Chain,
        chain_name=chain.name,
        metadata={**chain.metadata, "cqar_caip2": chain.caip2, "cqar_rpc_url": chain.rpc_url},
    )


def register() -> None:
    for name in ("chain_registered", "chain_updated", "chain_deleted"):
        register_event_type(
            EventType(
                name=name,
                message=cqar_events.ChainEvent,
                entity_field="chain",
                entity=chain_message,
                asset_ids=lambda chain: [chain.native_asset_id],
            )
        )
