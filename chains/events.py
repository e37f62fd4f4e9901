"""The chains app's event types and the protobuf form of a chain."""

from chains.models import Chain
from registry.events import encoding as enc
from registry.events.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.events.pb.cqc.assets.v1 import assets_pb2
from registry.events.types import EventType, register_event_type


def chain_message(chain: Chain) -> assets_pb2.Chain:
    return enc.fill(
        assets_pb2.Chain(),
        chain_id=chain.chain_id,
        chain_name=chain.name,
        native_asset_id=enc.text(chain.native_asset_id),
        chain_type=chain.chain_type,
        network_id=chain.network_id,
        explorer_url=chain.explorer_url,
        is_testnet=chain.is_testnet,
        metadata=enc.struct(
            {**chain.metadata, "cqar_caip2": chain.caip2, "cqar_rpc_url": chain.rpc_url}
        ),
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
