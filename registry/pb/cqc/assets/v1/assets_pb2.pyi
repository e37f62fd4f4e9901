from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class AssetType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSET_TYPE_UNSPECIFIED: _ClassVar[AssetType]
    ASSET_TYPE_NATIVE: _ClassVar[AssetType]
    ASSET_TYPE_ERC20: _ClassVar[AssetType]
    ASSET_TYPE_SPL: _ClassVar[AssetType]
    ASSET_TYPE_ERC721: _ClassVar[AssetType]
    ASSET_TYPE_ERC1155: _ClassVar[AssetType]
    ASSET_TYPE_SYNTHETIC: _ClassVar[AssetType]
    ASSET_TYPE_LP_TOKEN: _ClassVar[AssetType]
    ASSET_TYPE_RECEIPT_TOKEN: _ClassVar[AssetType]
    ASSET_TYPE_WRAPPED: _ClassVar[AssetType]

class RelationshipType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RELATIONSHIP_TYPE_UNSPECIFIED: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_WRAPS: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_BRIDGES: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_STAKES: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_SYNTHETIC_OF: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_LIQUIDITY_PAIR: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_MIGRATES_TO: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_FORKS_FROM: _ClassVar[RelationshipType]
    RELATIONSHIP_TYPE_REBASES_WITH: _ClassVar[RelationshipType]

class DataSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_SOURCE_UNSPECIFIED: _ClassVar[DataSource]
    DATA_SOURCE_COINGECKO: _ClassVar[DataSource]
    DATA_SOURCE_COINMARKETCAP: _ClassVar[DataSource]
    DATA_SOURCE_DEFILLAMA: _ClassVar[DataSource]
    DATA_SOURCE_MESSARI: _ClassVar[DataSource]
    DATA_SOURCE_INTERNAL: _ClassVar[DataSource]

class FlagType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLAG_TYPE_UNSPECIFIED: _ClassVar[FlagType]
    FLAG_TYPE_SCAM: _ClassVar[FlagType]
    FLAG_TYPE_RUGPULL: _ClassVar[FlagType]
    FLAG_TYPE_EXPLOITED: _ClassVar[FlagType]
    FLAG_TYPE_DEPRECATED: _ClassVar[FlagType]
    FLAG_TYPE_PAUSED: _ClassVar[FlagType]
    FLAG_TYPE_UNVERIFIED: _ClassVar[FlagType]
    FLAG_TYPE_LOW_LIQUIDITY: _ClassVar[FlagType]
    FLAG_TYPE_HONEYPOT: _ClassVar[FlagType]
    FLAG_TYPE_TAX_TOKEN: _ClassVar[FlagType]

class FlagSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FLAG_SEVERITY_UNSPECIFIED: _ClassVar[FlagSeverity]
    FLAG_SEVERITY_INFO: _ClassVar[FlagSeverity]
    FLAG_SEVERITY_LOW: _ClassVar[FlagSeverity]
    FLAG_SEVERITY_MEDIUM: _ClassVar[FlagSeverity]
    FLAG_SEVERITY_HIGH: _ClassVar[FlagSeverity]
    FLAG_SEVERITY_CRITICAL: _ClassVar[FlagSeverity]
ASSET_TYPE_UNSPECIFIED: AssetType
ASSET_TYPE_NATIVE: AssetType
ASSET_TYPE_ERC20: AssetType
ASSET_TYPE_SPL: AssetType
ASSET_TYPE_ERC721: AssetType
ASSET_TYPE_ERC1155: AssetType
ASSET_TYPE_SYNTHETIC: AssetType
ASSET_TYPE_LP_TOKEN: AssetType
ASSET_TYPE_RECEIPT_TOKEN: AssetType
ASSET_TYPE_WRAPPED: AssetType
RELATIONSHIP_TYPE_UNSPECIFIED: RelationshipType
RELATIONSHIP_TYPE_WRAPS: RelationshipType
RELATIONSHIP_TYPE_BRIDGES: RelationshipType
RELATIONSHIP_TYPE_STAKES: RelationshipType
RELATIONSHIP_TYPE_SYNTHETIC_OF: RelationshipType
RELATIONSHIP_TYPE_LIQUIDITY_PAIR: RelationshipType
RELATIONSHIP_TYPE_MIGRATES_TO: RelationshipType
RELATIONSHIP_TYPE_FORKS_FROM: RelationshipType
RELATIONSHIP_TYPE_REBASES_WITH: RelationshipType
DATA_SOURCE_UNSPECIFIED: DataSource
DATA_SOURCE_COINGECKO: DataSource
DATA_SOURCE_COINMARKETCAP: DataSource
DATA_SOURCE_DEFILLAMA: DataSource
DATA_SOURCE_MESSARI: DataSource
DATA_SOURCE_INTERNAL: DataSource
FLAG_TYPE_UNSPECIFIED: FlagType
FLAG_TYPE_SCAM: FlagType
FLAG_TYPE_RUGPULL: FlagType
FLAG_TYPE_EXPLOITED: FlagType
FLAG_TYPE_DEPRECATED: FlagType
FLAG_TYPE_PAUSED: FlagType
FLAG_TYPE_UNVERIFIED: FlagType
FLAG_TYPE_LOW_LIQUIDITY: FlagType
FLAG_TYPE_HONEYPOT: FlagType
FLAG_TYPE_TAX_TOKEN: FlagType
FLAG_SEVERITY_UNSPECIFIED: FlagSeverity
FLAG_SEVERITY_INFO: FlagSeverity
FLAG_SEVERITY_LOW: FlagSeverity
FLAG_SEVERITY_MEDIUM: FlagSeverity
FLAG_SEVERITY_HIGH: FlagSeverity
FLAG_SEVERITY_CRITICAL: FlagSeverity

class Asset(_message.Message):
    __slots__ = ('asset_id', 'symbol', 'name', 'asset_type', 'category', 'description', 'logo_url', 'website_url', 'created_at', 'updated_at', 'metadata')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSET_TYPE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOGO_URL_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_URL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    symbol: str
    name: str
    asset_type: AssetType
    category: str
    description: str
    logo_url: str
    website_url: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, asset_id: _Optional[str]=..., symbol: _Optional[str]=..., name: _Optional[str]=..., asset_type: _Optional[_Union[AssetType, str]]=..., category: _Optional[str]=..., description: _Optional[str]=..., logo_url: _Optional[str]=..., website_url: _Optional[str]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class AssetIdentifier(_message.Message):
    __slots__ = ('identifier_id', 'asset_id', 'source', 'external_id', 'is_primary', 'created_at', 'metadata')
    IDENTIFIER_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    IS_PRIMARY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    identifier_id: str
    asset_id: str
    source: DataSource
    external_id: str
    is_primary: bool
    created_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, identifier_id: _Optional[str]=..., asset_id: _Optional[str]=..., source: _Optional[_Union[DataSource, str]]=..., external_id: _Optional[str]=..., is_primary: bool=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class AssetDeployment(_message.Message):
    __slots__ = ('deployment_id', 'asset_id', 'chain_id', 'chain_name', 'address', 'decimals', 'deployed_at', 'created_at', 'updated_at', 'metadata')
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DECIMALS_FIELD_NUMBER: _ClassVar[int]
    DEPLOYED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str
    asset_id: str
    chain_id: str
    chain_name: str
    address: str
    decimals: int
    deployed_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, deployment_id: _Optional[str]=..., asset_id: _Optional[str]=..., chain_id: _Optional[str]=..., chain_name: _Optional[str]=..., address: _Optional[str]=..., decimals: _Optional[int]=..., deployed_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class AssetRelationship(_message.Message):
    __slots__ = ('relationship_id', 'from_asset_id', 'to_asset_id', 'relationship_type', 'conversion_rate', 'protocol', 'description', 'created_at', 'updated_at', 'metadata')
    RELATIONSHIP_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_RATE_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    relationship_id: str
    from_asset_id: str
    to_asset_id: str
    relationship_type: RelationshipType
    conversion_rate: str
    protocol: str
    description: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, relationship_id: _Optional[str]=..., from_asset_id: _Optional[str]=..., to_asset_id: _Optional[str]=..., relationship_type: _Optional[_Union[RelationshipType, str]]=..., conversion_rate: _Optional[str]=..., protocol: _Optional[str]=..., description: _Optional[str]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class AssetGroup(_message.Message):
    __slots__ = ('group_id', 'name', 'description', 'members', 'created_at', 'updated_at', 'metadata')
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    description: str
    members: _containers.RepeatedCompositeFieldContainer[AssetGroupMember]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    metadata: _struct_pb2.Struct

    def __init__(self, group_id: _Optional[str]=..., name: _Optional[str]=..., description: _Optional[str]=..., members: _Optional[_Iterable[_Union[AssetGroupMember, _Mapping]]]=..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class AssetGroupMember(_message.Message):
    __slots__ = ('member_id', 'group_id', 'asset_id', 'weight', 'added_at')
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    ADDED_AT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    group_id: str
    asset_id: str
    weight: float
    added_at: _timestamp_pb2.Timestamp

    def __init__(self, member_id: _Optional[str]=..., group_id: _Optional[str]=..., asset_id: _Optional[str]=..., weight: _Optional[float]=..., added_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=...) -> None:
        ...

class AssetQualityFlag(_message.Message):
    __slots__ = ('flag_id', 'asset_id', 'flag_type', 'severity', 'source', 'reason', 'evidence_url', 'raised_at', 'resolved_at', 'resolved_by', 'resolution_notes', 'metadata')
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    FLAG_TYPE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_URL_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_NOTES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    flag_id: str
    asset_id: str
    flag_type: FlagType
    severity: FlagSeverity
    source: str
    reason: str
    evidence_url: str
    raised_at: _timestamp_pb2.Timestamp
    resolved_at: _timestamp_pb2.Timestamp
    resolved_by: str
    resolution_notes: str
    metadata: _struct_pb2.Struct

    def __init__(self, flag_id: _Optional[str]=..., asset_id: _Optional[str]=..., flag_type: _Optional[_Union[FlagType, str]]=..., severity: _Optional[_Union[FlagSeverity, str]]=..., source: _Optional[str]=..., reason: _Optional[str]=..., evidence_url: _Optional[str]=..., raised_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., resolved_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]]=..., resolved_by: _Optional[str]=..., resolution_notes: _Optional[str]=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...

class Chain(_message.Message):
    __slots__ = ('chain_id', 'chain_name', 'native_asset_id', 'chain_type', 'network_id', 'explorer_url', 'is_testnet', 'metadata')
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_NAME_FIELD_NUMBER: _ClassVar[int]
    NATIVE_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_TYPE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_ID_FIELD_NUMBER: _ClassVar[int]
    EXPLORER_URL_FIELD_NUMBER: _ClassVar[int]
    IS_TESTNET_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    chain_name: str
    native_asset_id: str
    chain_type: str
    network_id: int
    explorer_url: str
    is_testnet: bool
    metadata: _struct_pb2.Struct

    def __init__(self, chain_id: _Optional[str]=..., chain_name: _Optional[str]=..., native_asset_id: _Optional[str]=..., chain_type: _Optional[str]=..., network_id: _Optional[int]=..., explorer_url: _Optional[str]=..., is_testnet: bool=..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]]=...) -> None:
        ...