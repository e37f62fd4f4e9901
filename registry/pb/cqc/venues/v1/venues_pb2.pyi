from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class VenueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VENUE_TYPE_UNSPECIFIED: _ClassVar[VenueType]
    VENUE_TYPE_CEX: _ClassVar[VenueType]
    VENUE_TYPE_DEX: _ClassVar[VenueType]
    VENUE_TYPE_DEX_AGGREGATOR: _ClassVar[VenueType]
    VENUE_TYPE_BRIDGE: _ClassVar[VenueType]
    VENUE_TYPE_LENDING: _ClassVar[VenueType]
VENUE_TYPE_UNSPECIFIED: VenueType
VENUE_TYPE_CEX: VenueType
VENUE_TYPE_DEX: VenueType
VENUE_TYPE_DEX_AGGREGATOR: VenueType
VENUE_TYPE_BRIDGE: VenueType
VENUE_TYPE_LENDING: VenueType

class Venue(_message.Message):
    __slots__ = ('venue_id', 'name', 'venue_type', 'chain_id', 'protocol_address', 'website_url', 'api_endpoint', 'is_active', 'created_at', 'metadata')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VENUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_URL_FIELD_NUMBER: _ClassVar[int]
    API_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    name: str
    venue_type: VenueType
    chain_id: str
    protocol_address: str
    website_url: str
    api_endpoint: str
    is_active: bool
    created_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, venue_id: _Optional[str]=..., name: _Optional[str]=..., venue_type: _Optional[_Union[VenueType, str]]=..., chain_id: _Optional[str]=..., protocol_address: _Optional[str]=..., website_url: _Optional[str]=..., api_endpoint: _Optional[str]=..., is_active: bool=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class VenueSymbol(_message.Message):
    __slots__ = ('venue_id', 'symbol_id', 'venue_symbol', 'is_active', 'maker_fee', 'taker_fee', 'min_order_value', 'max_order_value', 'min_notional', 'max_leverage', 'listed_at', 'delisted_at', 'metadata')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    MAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    TAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    MIN_ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    MIN_NOTIONAL_FIELD_NUMBER: _ClassVar[int]
    MAX_LEVERAGE_FIELD_NUMBER: _ClassVar[int]
    LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    DELISTED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    symbol_id: str
    venue_symbol: str
    is_active: bool
    maker_fee: float
    taker_fee: float
    min_order_value: float
    max_order_value: float
    min_notional: float
    max_leverage: float
    listed_at: _timestamp_pb2.Timestamp
    delisted_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, venue_id: _Optional[str]=..., symbol_id: _Optional[str]=..., venue_symbol: _Optional[str]=..., is_active: bool=..., maker_fee: _Optional[float]=..., taker_fee: _Optional[float]=..., min_order_value: _Optional[float]=..., max_order_value: _Optional[float]=..., min_notional: _Optional[float]=..., max_leverage: _Optional[float]=..., listed_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., delisted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class VenueAsset(_message.Message):
    __slots__ = ('venue_id', 'asset_id', 'venue_asset_symbol', 'deployment_id', 'deposit_enabled', 'withdraw_enabled', 'trading_enabled', 'min_deposit', 'min_withdrawal', 'withdrawal_fee', 'deposit_fee', 'listed_at', 'delisted_at', 'is_active', 'metadata')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ASSET_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ENABLED_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_ENABLED_FIELD_NUMBER: _ClassVar[int]
    TRADING_ENABLED_FIELD_NUMBER: _ClassVar[int]
    MIN_DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    MIN_WITHDRAWAL_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWAL_FEE_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_FEE_FIELD_NUMBER: _ClassVar[int]
    LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    DELISTED_AT_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    asset_id: str
    venue_asset_symbol: str
    deployment_id: str
    deposit_enabled: bool
    withdraw_enabled: bool
    trading_enabled: bool
    min_deposit: float
    min_withdrawal: float
    withdrawal_fee: float
    deposit_fee: float
    listed_at: _timestamp_pb2.Timestamp
    delisted_at: _timestamp_pb2.Timestamp
    is_active: bool
    metadata: _struct_pb2.Struct

    def __init__(self, venue_id: _Optional[str]=..., asset_id: _Optional[str]=..., venue_asset_symbol: _Optional[str]=..., deployment_id: _Optional[str]=..., deposit_enabled: bool=..., withdraw_enabled: bool=..., trading_enabled: bool=..., min_deposit: _Optional[float]=..., min_withdrawal: _Optional[float]=..., withdrawal_fee: _Optional[float]=..., deposit_fee: _Optional[float]=..., listed_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., delisted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., is_active: bool=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...