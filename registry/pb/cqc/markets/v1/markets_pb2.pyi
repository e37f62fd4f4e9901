from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class Instrument(_message.Message):
    __slots__ = ('id', 'instrument_type', 'code', 'created_at', 'updated_at')
    ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    instrument_type: str
    code: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, id: _Optional[str]=..., instrument_type: _Optional[str]=..., code: _Optional[str]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class Market(_message.Message):
    __slots__ = ('id', 'instrument_id', 'venue_id', 'venue_symbol', 'settlement_asset_id', 'price_currency_asset_id', 'tick_size', 'lot_size', 'min_order_size', 'max_order_size', 'min_notional', 'maker_fee', 'taker_fee', 'funding_interval_secs', 'status', 'listed_at', 'delisted_at', 'metadata', 'created_at', 'updated_at')
    ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    SETTLEMENT_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    PRICE_CURRENCY_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    TICK_SIZE_FIELD_NUMBER: _ClassVar[int]
    LOT_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_ORDER_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_ORDER_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_NOTIONAL_FIELD_NUMBER: _ClassVar[int]
    MAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    TAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    FUNDING_INTERVAL_SECS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    DELISTED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    instrument_id: str
    venue_id: str
    venue_symbol: str
    settlement_asset_id: str
    price_currency_asset_id: str
    tick_size: str
    lot_size: str
    min_order_size: str
    max_order_size: str
    min_notional: str
    maker_fee: str
    taker_fee: str
    funding_interval_secs: int
    status: str
    listed_at: _timestamp_pb2.Timestamp
    delisted_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, id: _Optional[str]=..., instrument_id: _Optional[str]=..., venue_id: _Optional[str]=..., venue_symbol: _Optional[str]=..., settlement_asset_id: _Optional[str]=..., price_currency_asset_id: _Optional[str]=..., tick_size: _Optional[str]=..., lot_size: _Optional[str]=..., min_order_size: _Optional[str]=..., max_order_size: _Optional[str]=..., min_notional: _Optional[str]=..., maker_fee: _Optional[str]=..., taker_fee: _Optional[str]=..., funding_interval_secs: _Optional[int]=..., status: _Optional[str]=..., listed_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., delisted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class SpotInstrument(_message.Message):
    __slots__ = ('instrument_id', 'base_asset_id', 'quote_asset_id', 'extensions', 'created_at', 'updated_at')
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTE_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    base_asset_id: str
    quote_asset_id: str
    extensions: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, instrument_id: _Optional[str]=..., base_asset_id: _Optional[str]=..., quote_asset_id: _Optional[str]=..., extensions: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class PerpContract(_message.Message):
    __slots__ = ('instrument_id', 'underlying_asset_id', 'is_inverse', 'is_quanto', 'contract_multiplier', 'extensions', 'created_at', 'updated_at')
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    IS_INVERSE_FIELD_NUMBER: _ClassVar[int]
    IS_QUANTO_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    underlying_asset_id: str
    is_inverse: bool
    is_quanto: bool
    contract_multiplier: str
    extensions: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, instrument_id: _Optional[str]=..., underlying_asset_id: _Optional[str]=..., is_inverse: bool=..., is_quanto: bool=..., contract_multiplier: _Optional[str]=..., extensions: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class FutureContract(_message.Message):
    __slots__ = ('instrument_id', 'underlying_asset_id', 'expiry', 'is_inverse', 'is_quanto', 'contract_multiplier', 'extensions', 'created_at', 'updated_at')
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    IS_INVERSE_FIELD_NUMBER: _ClassVar[int]
    IS_QUANTO_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    underlying_asset_id: str
    expiry: _timestamp_pb2.Timestamp
    is_inverse: bool
    is_quanto: bool
    contract_multiplier: str
    extensions: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, instrument_id: _Optional[str]=..., underlying_asset_id: _Optional[str]=..., expiry: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., is_inverse: bool=..., is_quanto: bool=..., contract_multiplier: _Optional[str]=..., extensions: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class OptionSeries(_message.Message):
    __slots__ = ('instrument_id', 'underlying_asset_id', 'expiry', 'strike_price', 'option_type', 'exercise_style', 'contract_multiplier', 'extensions', 'created_at', 'updated_at')
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    STRIKE_PRICE_FIELD_NUMBER: _ClassVar[int]
    OPTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXERCISE_STYLE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    underlying_asset_id: str
    expiry: _timestamp_pb2.Timestamp
    strike_price: str
    option_type: str
    exercise_style: str
    contract_multiplier: str
    extensions: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, instrument_id: _Optional[str]=..., underlying_asset_id: _Optional[str]=..., expiry: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., strike_price: _Optional[str]=..., option_type: _Optional[str]=..., exercise_style: _Optional[str]=..., contract_multiplier: _Optional[str]=..., extensions: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class LendingDeposit(_message.Message):
    __slots__ = ('instrument_id', 'underlying_asset_id', 'extensions', 'created_at', 'updated_at')
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    underlying_asset_id: str
    extensions: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, instrument_id: _Optional[str]=..., underlying_asset_id: _Optional[str]=..., extensions: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class LendingBorrow(_message.Message):
    __slots__ = ('instrument_id', 'underlying_asset_id', 'extensions', 'created_at', 'updated_at')
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    UNDERLYING_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str
    underlying_asset_id: str
    extensions: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, instrument_id: _Optional[str]=..., underlying_asset_id: _Optional[str]=..., extensions: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...