from cqc.assets.v1 import assets_pb2 as _assets_pb2
from cqc.markets.v1 import markets_pb2 as _markets_pb2
from cqc.venues.v1 import venues_pb2 as _venues_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class AssetCreated(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'asset', 'source')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    asset: _assets_pb2.Asset
    source: str

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., asset: _Optional[_Union[_assets_pb2.Asset, _Mapping]]=..., source: _Optional[str]=...) -> None:
        ...

class AssetDeploymentCreated(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'deployment', 'source', 'auto_detected')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    AUTO_DETECTED_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    deployment: _assets_pb2.AssetDeployment
    source: str
    auto_detected: bool

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., deployment: _Optional[_Union[_assets_pb2.AssetDeployment, _Mapping]]=..., source: _Optional[str]=..., auto_detected: bool=...) -> None:
        ...

class RelationshipEstablished(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'relationship', 'source', 'protocol')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    relationship: _assets_pb2.AssetRelationship
    source: str
    protocol: str

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., relationship: _Optional[_Union[_assets_pb2.AssetRelationship, _Mapping]]=..., source: _Optional[str]=..., protocol: _Optional[str]=...) -> None:
        ...

class QualityFlagRaised(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'flag', 'asset_id', 'flag_type', 'severity', 'source', 'suspend_trading', 'force_close_positions', 'alert_message')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    FLAG_TYPE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_TRADING_FIELD_NUMBER: _ClassVar[int]
    FORCE_CLOSE_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    ALERT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    flag: _assets_pb2.AssetQualityFlag
    asset_id: str
    flag_type: _assets_pb2.FlagType
    severity: _assets_pb2.FlagSeverity
    source: str
    suspend_trading: bool
    force_close_positions: bool
    alert_message: str

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., flag: _Optional[_Union[_assets_pb2.AssetQualityFlag, _Mapping]]=..., asset_id: _Optional[str]=..., flag_type: _Optional[_Union[_assets_pb2.FlagType, str]]=..., severity: _Optional[_Union[_assets_pb2.FlagSeverity, str]]=..., source: _Optional[str]=..., suspend_trading: bool=..., force_close_positions: bool=..., alert_message: _Optional[str]=...) -> None:
        ...

class VenueAssetListed(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'venue_asset', 'is_new_listing')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ASSET_FIELD_NUMBER: _ClassVar[int]
    IS_NEW_LISTING_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    venue_asset: _venues_pb2.VenueAsset
    is_new_listing: bool

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., venue_asset: _Optional[_Union[_venues_pb2.VenueAsset, _Mapping]]=..., is_new_listing: bool=...) -> None:
        ...

class InstrumentCreated(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'instrument')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    instrument: _markets_pb2.Instrument

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., instrument: _Optional[_Union[_markets_pb2.Instrument, _Mapping]]=...) -> None:
        ...

class MarketCreated(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'market')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    market: _markets_pb2.Market

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., market: _Optional[_Union[_markets_pb2.Market, _Mapping]]=...) -> None:
        ...

class VenueMarketListed(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'market', 'is_new_listing')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    MARKET_FIELD_NUMBER: _ClassVar[int]
    IS_NEW_LISTING_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    market: _markets_pb2.Market
    is_new_listing: bool

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., market: _Optional[_Union[_markets_pb2.Market, _Mapping]]=..., is_new_listing: bool=...) -> None:
        ...

class VenueMarketDelisted(_message.Message):
    __slots__ = ('event_id', 'timestamp', 'actor_id', 'venue_id', 'market_id', 'reason')
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    MARKET_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    timestamp: _timestamp_pb2.Timestamp
    actor_id: str
    venue_id: str
    market_id: str
    reason: str

    def __init__(self, event_id: _Optional[str]=..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., actor_id: _Optional[str]=..., venue_id: _Optional[str]=..., market_id: _Optional[str]=..., reason: _Optional[str]=...) -> None:
        ...