from cqar.registry.v1 import registry_pb2 as _registry_pb2
from cqc.assets.v1 import assets_pb2 as _assets_pb2
from cqc.markets.v1 import markets_pb2 as _markets_pb2
from cqc.venues.v1 import venues_pb2 as _venues_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class AssetEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'asset', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    asset: _assets_pb2.Asset
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., asset: _Optional[_Union[_assets_pb2.Asset, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class AssetDeploymentEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'deployment', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    deployment: _assets_pb2.AssetDeployment
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., deployment: _Optional[_Union[_assets_pb2.AssetDeployment, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class AssetIdentifierEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'identifier', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    identifier: _registry_pb2.AssetIdentifier
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., identifier: _Optional[_Union[_registry_pb2.AssetIdentifier, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class RelationshipEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'relationship', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    relationship: _assets_pb2.AssetRelationship
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., relationship: _Optional[_Union[_assets_pb2.AssetRelationship, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class AssetGroupEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'group', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    group: _registry_pb2.AssetGroup
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., group: _Optional[_Union[_registry_pb2.AssetGroup, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class GroupMemberEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'member', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    member: _registry_pb2.AssetGroupMember
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., member: _Optional[_Union[_registry_pb2.AssetGroupMember, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class QualityFlagEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'flag', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    flag: _assets_pb2.AssetQualityFlag
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., flag: _Optional[_Union[_assets_pb2.AssetQualityFlag, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class ChainEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'chain', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    chain: _assets_pb2.Chain
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., chain: _Optional[_Union[_assets_pb2.Chain, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class VenueEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'venue', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    venue: _registry_pb2.Venue
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., venue: _Optional[_Union[_registry_pb2.Venue, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class VenueAssetEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'venue_asset', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ASSET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    venue_asset: _venues_pb2.VenueAsset
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., venue_asset: _Optional[_Union[_venues_pb2.VenueAsset, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class VenueSymbolEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'venue_symbol', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    venue_symbol: _registry_pb2.VenueSymbol
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., venue_symbol: _Optional[_Union[_registry_pb2.VenueSymbol, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...

class InstrumentEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'instrument', 'source', 'changed_fields', 'entity_version', 'spot_instrument', 'perp_contract', 'future_contract', 'option_series', 'lending_deposit', 'lending_borrow')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    SPOT_INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    PERP_CONTRACT_FIELD_NUMBER: _ClassVar[int]
    FUTURE_CONTRACT_FIELD_NUMBER: _ClassVar[int]
    OPTION_SERIES_FIELD_NUMBER: _ClassVar[int]
    LENDING_DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    LENDING_BORROW_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    instrument: _markets_pb2.Instrument
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int
    spot_instrument: _markets_pb2.SpotInstrument
    perp_contract: _markets_pb2.PerpContract
    future_contract: _markets_pb2.FutureContract
    option_series: _markets_pb2.OptionSeries
    lending_deposit: _markets_pb2.LendingDeposit
    lending_borrow: _markets_pb2.LendingBorrow

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., instrument: _Optional[_Union[_markets_pb2.Instrument, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=..., spot_instrument: _Optional[_Union[_markets_pb2.SpotInstrument, _Mapping]]=..., perp_contract: _Optional[_Union[_markets_pb2.PerpContract, _Mapping]]=..., future_contract: _Optional[_Union[_markets_pb2.FutureContract, _Mapping]]=..., option_series: _Optional[_Union[_markets_pb2.OptionSeries, _Mapping]]=..., lending_deposit: _Optional[_Union[_markets_pb2.LendingDeposit, _Mapping]]=..., lending_borrow: _Optional[_Union[_markets_pb2.LendingBorrow, _Mapping]]=...) -> None:
        ...

class MarketEvent(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'market', 'source', 'changed_fields', 'entity_version')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ENTITY_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    market: _markets_pb2.Market
    source: str
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    entity_version: int

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., market: _Optional[_Union[_markets_pb2.Market, _Mapping]]=..., source: _Optional[str]=..., changed_fields: _Optional[_Iterable[str]]=..., entity_version: _Optional[int]=...) -> None:
        ...