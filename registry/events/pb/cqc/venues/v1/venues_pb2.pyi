from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

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