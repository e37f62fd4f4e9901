from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class AssetIdentifier(_message.Message):
    __slots__ = ('identifier_id', 'asset_id', 'source', 'external_id', 'is_primary', 'created_at', 'updated_at', 'metadata')
    IDENTIFIER_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    IS_PRIMARY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    identifier_id: str
    asset_id: str
    source: str
    external_id: str
    is_primary: bool
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, identifier_id: _Optional[str]=..., asset_id: _Optional[str]=..., source: _Optional[str]=..., external_id: _Optional[str]=..., is_primary: bool=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class AssetGroup(_message.Message):
    __slots__ = ('group_id', 'canonical_symbol', 'issuer', 'description', 'created_at', 'updated_at', 'metadata')
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    CANONICAL_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    canonical_symbol: str
    issuer: str
    description: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, group_id: _Optional[str]=..., canonical_symbol: _Optional[str]=..., issuer: _Optional[str]=..., description: _Optional[str]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class AssetGroupMember(_message.Message):
    __slots__ = ('member_id', 'group_id', 'asset_id', 'is_canonical', 'weight', 'added_at', 'updated_at')
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    IS_CANONICAL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    ADDED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    group_id: str
    asset_id: str
    is_canonical: bool
    weight: str
    added_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp

    def __init__(self, member_id: _Optional[str]=..., group_id: _Optional[str]=..., asset_id: _Optional[str]=..., is_canonical: bool=..., weight: _Optional[str]=..., added_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class Venue(_message.Message):
    __slots__ = ('venue_id', 'name', 'venue_type', 'chain_id', 'protocol_address', 'website_url', 'api_url', 'is_active', 'created_at', 'updated_at', 'metadata')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VENUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_URL_FIELD_NUMBER: _ClassVar[int]
    API_URL_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    name: str
    venue_type: str
    chain_id: str
    protocol_address: str
    website_url: str
    api_url: str
    is_active: bool
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, venue_id: _Optional[str]=..., name: _Optional[str]=..., venue_type: _Optional[str]=..., chain_id: _Optional[str]=..., protocol_address: _Optional[str]=..., website_url: _Optional[str]=..., api_url: _Optional[str]=..., is_active: bool=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class VenueSymbol(_message.Message):
    __slots__ = ('venue_symbol_id', 'venue_id', 'symbol', 'market_type', 'asset_id', 'quote_asset_id', 'is_active', 'listed_at', 'delisted_at', 'created_at', 'updated_at', 'metadata')
    VENUE_SYMBOL_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    MARKET_TYPE_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTE_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    IS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    DELISTED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    venue_symbol_id: str
    venue_id: str
    symbol: str
    market_type: str
    asset_id: str
    quote_asset_id: str
    is_active: bool
    listed_at: _timestamp_pb2.Timestamp
    delisted_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, venue_symbol_id: _Optional[str]=..., venue_id: _Optional[str]=..., symbol: _Optional[str]=..., market_type: _Optional[str]=..., asset_id: _Optional[str]=..., quote_asset_id: _Optional[str]=..., is_active: bool=..., listed_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., delisted_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...