from cqc.assets.v1 import assets_pb2 as _assets_pb2
from cqc.identifiers.v1 import identifiers_pb2 as _identifiers_pb2
from cqc.markets.v1 import markets_pb2 as _markets_pb2
from cqc.venues.v1 import venues_pb2 as _venues_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union
DESCRIPTOR: _descriptor.FileDescriptor

class CreateAssetRequest(_message.Message):
    __slots__ = ('symbol', 'name', 'asset_type', 'category', 'description', 'logo_url', 'website_url')
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSET_TYPE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOGO_URL_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_URL_FIELD_NUMBER: _ClassVar[int]
    symbol: str
    name: str
    asset_type: _assets_pb2.AssetType
    category: str
    description: str
    logo_url: str
    website_url: str

    def __init__(self, symbol: _Optional[str]=..., name: _Optional[str]=..., asset_type: _Optional[_Union[_assets_pb2.AssetType, str]]=..., category: _Optional[str]=..., description: _Optional[str]=..., logo_url: _Optional[str]=..., website_url: _Optional[str]=...) -> None:
        ...

class CreateAssetResponse(_message.Message):
    __slots__ = ('asset',)
    ASSET_FIELD_NUMBER: _ClassVar[int]
    asset: _assets_pb2.Asset

    def __init__(self, asset: _Optional[_Union[_assets_pb2.Asset, _Mapping]]=...) -> None:
        ...

class GetAssetRequest(_message.Message):
    __slots__ = ('asset_id',)
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str

    def __init__(self, asset_id: _Optional[str]=...) -> None:
        ...

class GetAssetResponse(_message.Message):
    __slots__ = ('asset',)
    ASSET_FIELD_NUMBER: _ClassVar[int]
    asset: _assets_pb2.Asset

    def __init__(self, asset: _Optional[_Union[_assets_pb2.Asset, _Mapping]]=...) -> None:
        ...

class UpdateAssetRequest(_message.Message):
    __slots__ = ('asset_id', 'symbol', 'name', 'asset_type', 'category', 'description', 'logo_url', 'website_url')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSET_TYPE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOGO_URL_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_URL_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    symbol: str
    name: str
    asset_type: _assets_pb2.AssetType
    category: str
    description: str
    logo_url: str
    website_url: str

    def __init__(self, asset_id: _Optional[str]=..., symbol: _Optional[str]=..., name: _Optional[str]=..., asset_type: _Optional[_Union[_assets_pb2.AssetType, str]]=..., category: _Optional[str]=..., description: _Optional[str]=..., logo_url: _Optional[str]=..., website_url: _Optional[str]=...) -> None:
        ...

class UpdateAssetResponse(_message.Message):
    __slots__ = ('asset',)
    ASSET_FIELD_NUMBER: _ClassVar[int]
    asset: _assets_pb2.Asset

    def __init__(self, asset: _Optional[_Union[_assets_pb2.Asset, _Mapping]]=...) -> None:
        ...

class DeleteAssetRequest(_message.Message):
    __slots__ = ('asset_id',)
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str

    def __init__(self, asset_id: _Optional[str]=...) -> None:
        ...

class DeleteAssetResponse(_message.Message):
    __slots__ = ('success',)
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    success: bool

    def __init__(self, success: bool=...) -> None:
        ...

class ListAssetsRequest(_message.Message):
    __slots__ = ('page_size', 'page_token', 'asset_type', 'category')
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ASSET_TYPE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    asset_type: _assets_pb2.AssetType
    category: str

    def __init__(self, page_size: _Optional[int]=..., page_token: _Optional[str]=..., asset_type: _Optional[_Union[_assets_pb2.AssetType, str]]=..., category: _Optional[str]=...) -> None:
        ...

class ListAssetsResponse(_message.Message):
    __slots__ = ('assets', 'next_page_token', 'total_count')
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    assets: _containers.RepeatedCompositeFieldContainer[_assets_pb2.Asset]
    next_page_token: str
    total_count: int

    def __init__(self, assets: _Optional[_Iterable[_Union[_assets_pb2.Asset, _Mapping]]]=..., next_page_token: _Optional[str]=..., total_count: _Optional[int]=...) -> None:
        ...

class SearchAssetsRequest(_message.Message):
    __slots__ = ('query', 'limit')
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    query: str
    limit: int

    def __init__(self, query: _Optional[str]=..., limit: _Optional[int]=...) -> None:
        ...

class SearchAssetsResponse(_message.Message):
    __slots__ = ('assets',)
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    assets: _containers.RepeatedCompositeFieldContainer[_assets_pb2.Asset]

    def __init__(self, assets: _Optional[_Iterable[_Union[_assets_pb2.Asset, _Mapping]]]=...) -> None:
        ...

class CreateAssetDeploymentRequest(_message.Message):
    __slots__ = ('asset_id', 'chain_id', 'contract_address', 'decimals', 'is_native')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DECIMALS_FIELD_NUMBER: _ClassVar[int]
    IS_NATIVE_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    chain_id: str
    contract_address: str
    decimals: int
    is_native: bool

    def __init__(self, asset_id: _Optional[str]=..., chain_id: _Optional[str]=..., contract_address: _Optional[str]=..., decimals: _Optional[int]=..., is_native: bool=...) -> None:
        ...

class CreateAssetDeploymentResponse(_message.Message):
    __slots__ = ('deployment',)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: _assets_pb2.AssetDeployment

    def __init__(self, deployment: _Optional[_Union[_assets_pb2.AssetDeployment, _Mapping]]=...) -> None:
        ...

class GetAssetDeploymentRequest(_message.Message):
    __slots__ = ('deployment_id',)
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    deployment_id: str

    def __init__(self, deployment_id: _Optional[str]=...) -> None:
        ...

class GetAssetDeploymentResponse(_message.Message):
    __slots__ = ('deployment',)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: _assets_pb2.AssetDeployment

    def __init__(self, deployment: _Optional[_Union[_assets_pb2.AssetDeployment, _Mapping]]=...) -> None:
        ...

class ListAssetDeploymentsRequest(_message.Message):
    __slots__ = ('asset_id', 'chain_id')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    chain_id: str

    def __init__(self, asset_id: _Optional[str]=..., chain_id: _Optional[str]=...) -> None:
        ...

class ListAssetDeploymentsResponse(_message.Message):
    __slots__ = ('deployments',)
    DEPLOYMENTS_FIELD_NUMBER: _ClassVar[int]
    deployments: _containers.RepeatedCompositeFieldContainer[_assets_pb2.AssetDeployment]

    def __init__(self, deployments: _Optional[_Iterable[_Union[_assets_pb2.AssetDeployment, _Mapping]]]=...) -> None:
        ...

class CreateAssetIdentifierRequest(_message.Message):
    __slots__ = ('asset_id', 'source', 'external_id', 'is_primary')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    IS_PRIMARY_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    source: _assets_pb2.DataSource
    external_id: str
    is_primary: bool

    def __init__(self, asset_id: _Optional[str]=..., source: _Optional[_Union[_assets_pb2.DataSource, str]]=..., external_id: _Optional[str]=..., is_primary: bool=...) -> None:
        ...

class CreateAssetIdentifierResponse(_message.Message):
    __slots__ = ('identifier',)
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    identifier: _assets_pb2.AssetIdentifier

    def __init__(self, identifier: _Optional[_Union[_assets_pb2.AssetIdentifier, _Mapping]]=...) -> None:
        ...

class GetAssetIdentifierRequest(_message.Message):
    __slots__ = ('asset_id', 'source')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    source: _assets_pb2.DataSource

    def __init__(self, asset_id: _Optional[str]=..., source: _Optional[_Union[_assets_pb2.DataSource, str]]=...) -> None:
        ...

class GetAssetIdentifierResponse(_message.Message):
    __slots__ = ('identifier',)
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    identifier: _assets_pb2.AssetIdentifier

    def __init__(self, identifier: _Optional[_Union[_assets_pb2.AssetIdentifier, _Mapping]]=...) -> None:
        ...

class ListAssetIdentifiersRequest(_message.Message):
    __slots__ = ('asset_id',)
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    asset_id: str

    def __init__(self, asset_id: _Optional[str]=...) -> None:
        ...

class ListAssetIdentifiersResponse(_message.Message):
    __slots__ = ('identifiers',)
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_assets_pb2.AssetIdentifier]

    def __init__(self, identifiers: _Optional[_Iterable[_Union[_assets_pb2.AssetIdentifier, _Mapping]]]=...) -> None:
        ...

class CreateAssetRelationshipRequest(_message.Message):
    __slots__ = ('source_asset_id', 'target_asset_id', 'relationship_type', 'description')
    SOURCE_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    source_asset_id: str
    target_asset_id: str
    relationship_type: _assets_pb2.RelationshipType
    description: str

    def __init__(self, source_asset_id: _Optional[str]=..., target_asset_id: _Optional[str]=..., relationship_type: _Optional[_Union[_assets_pb2.RelationshipType, str]]=..., description: _Optional[str]=...) -> None:
        ...

class CreateAssetRelationshipResponse(_message.Message):
    __slots__ = ('relationship',)
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    relationship: _assets_pb2.AssetRelationship

    def __init__(self, relationship: _Optional[_Union[_assets_pb2.AssetRelationship, _Mapping]]=...) -> None:
        ...

class ListAssetRelationshipsRequest(_message.Message):
    __slots__ = ('asset_id', 'relationship_type')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_TYPE_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    relationship_type: _assets_pb2.RelationshipType

    def __init__(self, asset_id: _Optional[str]=..., relationship_type: _Optional[_Union[_assets_pb2.RelationshipType, str]]=...) -> None:
        ...

class ListAssetRelationshipsResponse(_message.Message):
    __slots__ = ('relationships',)
    RELATIONSHIPS_FIELD_NUMBER: _ClassVar[int]
    relationships: _containers.RepeatedCompositeFieldContainer[_assets_pb2.AssetRelationship]

    def __init__(self, relationships: _Optional[_Iterable[_Union[_assets_pb2.AssetRelationship, _Mapping]]]=...) -> None:
        ...

class CreateAssetGroupRequest(_message.Message):
    __slots__ = ('name', 'description', 'group_type')
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    group_type: str

    def __init__(self, name: _Optional[str]=..., description: _Optional[str]=..., group_type: _Optional[str]=...) -> None:
        ...

class CreateAssetGroupResponse(_message.Message):
    __slots__ = ('group',)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _assets_pb2.AssetGroup

    def __init__(self, group: _Optional[_Union[_assets_pb2.AssetGroup, _Mapping]]=...) -> None:
        ...

class GetAssetGroupRequest(_message.Message):
    __slots__ = ('group_id',)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str

    def __init__(self, group_id: _Optional[str]=...) -> None:
        ...

class GetAssetGroupResponse(_message.Message):
    __slots__ = ('group',)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _assets_pb2.AssetGroup

    def __init__(self, group: _Optional[_Union[_assets_pb2.AssetGroup, _Mapping]]=...) -> None:
        ...

class AddAssetToGroupRequest(_message.Message):
    __slots__ = ('group_id', 'asset_id', 'weight')
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    asset_id: str
    weight: float

    def __init__(self, group_id: _Optional[str]=..., asset_id: _Optional[str]=..., weight: _Optional[float]=...) -> None:
        ...

class AddAssetToGroupResponse(_message.Message):
    __slots__ = ('member',)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: _assets_pb2.AssetGroupMember

    def __init__(self, member: _Optional[_Union[_assets_pb2.AssetGroupMember, _Mapping]]=...) -> None:
        ...

class RemoveAssetFromGroupRequest(_message.Message):
    __slots__ = ('group_id', 'asset_id')
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    asset_id: str

    def __init__(self, group_id: _Optional[str]=..., asset_id: _Optional[str]=...) -> None:
        ...

class RemoveAssetFromGroupResponse(_message.Message):
    __slots__ = ('success',)
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    success: bool

    def __init__(self, success: bool=...) -> None:
        ...

class RaiseQualityFlagRequest(_message.Message):
    __slots__ = ('asset_id', 'flag_type', 'severity', 'description', 'raised_by')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    FLAG_TYPE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RAISED_BY_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    flag_type: _assets_pb2.FlagType
    severity: _assets_pb2.FlagSeverity
    description: str
    raised_by: str

    def __init__(self, asset_id: _Optional[str]=..., flag_type: _Optional[_Union[_assets_pb2.FlagType, str]]=..., severity: _Optional[_Union[_assets_pb2.FlagSeverity, str]]=..., description: _Optional[str]=..., raised_by: _Optional[str]=...) -> None:
        ...

class RaiseQualityFlagResponse(_message.Message):
    __slots__ = ('flag',)
    FLAG_FIELD_NUMBER: _ClassVar[int]
    flag: _assets_pb2.AssetQualityFlag

    def __init__(self, flag: _Optional[_Union[_assets_pb2.AssetQualityFlag, _Mapping]]=...) -> None:
        ...

class ResolveQualityFlagRequest(_message.Message):
    __slots__ = ('flag_id', 'resolution_notes', 'resolved_by')
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_NOTES_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    flag_id: str
    resolution_notes: str
    resolved_by: str

    def __init__(self, flag_id: _Optional[str]=..., resolution_notes: _Optional[str]=..., resolved_by: _Optional[str]=...) -> None:
        ...

class ResolveQualityFlagResponse(_message.Message):
    __slots__ = ('flag',)
    FLAG_FIELD_NUMBER: _ClassVar[int]
    flag: _assets_pb2.AssetQualityFlag

    def __init__(self, flag: _Optional[_Union[_assets_pb2.AssetQualityFlag, _Mapping]]=...) -> None:
        ...

class ListQualityFlagsRequest(_message.Message):
    __slots__ = ('asset_id', 'min_severity', 'include_resolved')
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    min_severity: _assets_pb2.FlagSeverity
    include_resolved: bool

    def __init__(self, asset_id: _Optional[str]=..., min_severity: _Optional[_Union[_assets_pb2.FlagSeverity, str]]=..., include_resolved: bool=...) -> None:
        ...

class ListQualityFlagsResponse(_message.Message):
    __slots__ = ('flags',)
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    flags: _containers.RepeatedCompositeFieldContainer[_assets_pb2.AssetQualityFlag]

    def __init__(self, flags: _Optional[_Iterable[_Union[_assets_pb2.AssetQualityFlag, _Mapping]]]=...) -> None:
        ...

class CreateChainRequest(_message.Message):
    __slots__ = ('name', 'chain_type', 'chain_id', 'native_asset_symbol', 'block_explorer_url')
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHAIN_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    NATIVE_ASSET_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    BLOCK_EXPLORER_URL_FIELD_NUMBER: _ClassVar[int]
    name: str
    chain_type: str
    chain_id: int
    native_asset_symbol: str
    block_explorer_url: str

    def __init__(self, name: _Optional[str]=..., chain_type: _Optional[str]=..., chain_id: _Optional[int]=..., native_asset_symbol: _Optional[str]=..., block_explorer_url: _Optional[str]=...) -> None:
        ...

class CreateChainResponse(_message.Message):
    __slots__ = ('chain',)
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: _assets_pb2.Chain

    def __init__(self, chain: _Optional[_Union[_assets_pb2.Chain, _Mapping]]=...) -> None:
        ...

class GetChainRequest(_message.Message):
    __slots__ = ('chain_id',)
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    chain_id: str

    def __init__(self, chain_id: _Optional[str]=...) -> None:
        ...

class GetChainResponse(_message.Message):
    __slots__ = ('chain',)
    CHAIN_FIELD_NUMBER: _ClassVar[int]
    chain: _assets_pb2.Chain

    def __init__(self, chain: _Optional[_Union[_assets_pb2.Chain, _Mapping]]=...) -> None:
        ...

class ListChainsRequest(_message.Message):
    __slots__ = ('chain_type',)
    CHAIN_TYPE_FIELD_NUMBER: _ClassVar[int]
    chain_type: str

    def __init__(self, chain_type: _Optional[str]=...) -> None:
        ...

class ListChainsResponse(_message.Message):
    __slots__ = ('chains',)
    CHAINS_FIELD_NUMBER: _ClassVar[int]
    chains: _containers.RepeatedCompositeFieldContainer[_assets_pb2.Chain]

    def __init__(self, chains: _Optional[_Iterable[_Union[_assets_pb2.Chain, _Mapping]]]=...) -> None:
        ...

class GetInstrumentRequest(_message.Message):
    __slots__ = ('instrument_id',)
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str

    def __init__(self, instrument_id: _Optional[str]=...) -> None:
        ...

class GetInstrumentResponse(_message.Message):
    __slots__ = ('instrument',)
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    instrument: _markets_pb2.Instrument

    def __init__(self, instrument: _Optional[_Union[_markets_pb2.Instrument, _Mapping]]=...) -> None:
        ...

class GetSpotInstrumentRequest(_message.Message):
    __slots__ = ('instrument_id',)
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str

    def __init__(self, instrument_id: _Optional[str]=...) -> None:
        ...

class GetSpotInstrumentResponse(_message.Message):
    __slots__ = ('spot_instrument',)
    SPOT_INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    spot_instrument: _markets_pb2.SpotInstrument

    def __init__(self, spot_instrument: _Optional[_Union[_markets_pb2.SpotInstrument, _Mapping]]=...) -> None:
        ...

class GetPerpContractRequest(_message.Message):
    __slots__ = ('instrument_id',)
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str

    def __init__(self, instrument_id: _Optional[str]=...) -> None:
        ...

class GetPerpContractResponse(_message.Message):
    __slots__ = ('perp_contract',)
    PERP_CONTRACT_FIELD_NUMBER: _ClassVar[int]
    perp_contract: _markets_pb2.PerpContract

    def __init__(self, perp_contract: _Optional[_Union[_markets_pb2.PerpContract, _Mapping]]=...) -> None:
        ...

class GetFutureContractRequest(_message.Message):
    __slots__ = ('instrument_id',)
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str

    def __init__(self, instrument_id: _Optional[str]=...) -> None:
        ...

class GetFutureContractResponse(_message.Message):
    __slots__ = ('future_contract',)
    FUTURE_CONTRACT_FIELD_NUMBER: _ClassVar[int]
    future_contract: _markets_pb2.FutureContract

    def __init__(self, future_contract: _Optional[_Union[_markets_pb2.FutureContract, _Mapping]]=...) -> None:
        ...

class GetOptionSeriesRequest(_message.Message):
    __slots__ = ('instrument_id',)
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str

    def __init__(self, instrument_id: _Optional[str]=...) -> None:
        ...

class GetOptionSeriesResponse(_message.Message):
    __slots__ = ('option_series',)
    OPTION_SERIES_FIELD_NUMBER: _ClassVar[int]
    option_series: _markets_pb2.OptionSeries

    def __init__(self, option_series: _Optional[_Union[_markets_pb2.OptionSeries, _Mapping]]=...) -> None:
        ...

class GetLendingDepositRequest(_message.Message):
    __slots__ = ('instrument_id',)
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str

    def __init__(self, instrument_id: _Optional[str]=...) -> None:
        ...

class GetLendingDepositResponse(_message.Message):
    __slots__ = ('lending_deposit',)
    LENDING_DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    lending_deposit: _markets_pb2.LendingDeposit

    def __init__(self, lending_deposit: _Optional[_Union[_markets_pb2.LendingDeposit, _Mapping]]=...) -> None:
        ...

class GetLendingBorrowRequest(_message.Message):
    __slots__ = ('instrument_id',)
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    instrument_id: str

    def __init__(self, instrument_id: _Optional[str]=...) -> None:
        ...

class GetLendingBorrowResponse(_message.Message):
    __slots__ = ('lending_borrow',)
    LENDING_BORROW_FIELD_NUMBER: _ClassVar[int]
    lending_borrow: _markets_pb2.LendingBorrow

    def __init__(self, lending_borrow: _Optional[_Union[_markets_pb2.LendingBorrow, _Mapping]]=...) -> None:
        ...

class GetMarketRequest(_message.Message):
    __slots__ = ('market_id',)
    MARKET_ID_FIELD_NUMBER: _ClassVar[int]
    market_id: str

    def __init__(self, market_id: _Optional[str]=...) -> None:
        ...

class GetMarketResponse(_message.Message):
    __slots__ = ('market',)
    MARKET_FIELD_NUMBER: _ClassVar[int]
    market: _markets_pb2.Market

    def __init__(self, market: _Optional[_Union[_markets_pb2.Market, _Mapping]]=...) -> None:
        ...

class ResolveMarketRequest(_message.Message):
    __slots__ = ('venue_id', 'venue_symbol')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    venue_symbol: str

    def __init__(self, venue_id: _Optional[str]=..., venue_symbol: _Optional[str]=...) -> None:
        ...

class ResolveMarketResponse(_message.Message):
    __slots__ = ('market_id', 'instrument_id')
    MARKET_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    market_id: str
    instrument_id: str

    def __init__(self, market_id: _Optional[str]=..., instrument_id: _Optional[str]=...) -> None:
        ...

class GetIdentifierRequest(_message.Message):
    __slots__ = ('identifier_id',)
    IDENTIFIER_ID_FIELD_NUMBER: _ClassVar[int]
    identifier_id: str

    def __init__(self, identifier_id: _Optional[str]=...) -> None:
        ...

class GetIdentifierResponse(_message.Message):
    __slots__ = ('identifier',)
    IDENTIFIER_FIELD_NUMBER: _ClassVar[int]
    identifier: _identifiers_pb2.Identifier

    def __init__(self, identifier: _Optional[_Union[_identifiers_pb2.Identifier, _Mapping]]=...) -> None:
        ...

class ListIdentifiersRequest(_message.Message):
    __slots__ = ('entity_type', 'asset_id', 'instrument_id', 'market_id')
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    MARKET_ID_FIELD_NUMBER: _ClassVar[int]
    entity_type: str
    asset_id: str
    instrument_id: str
    market_id: str

    def __init__(self, entity_type: _Optional[str]=..., asset_id: _Optional[str]=..., instrument_id: _Optional[str]=..., market_id: _Optional[str]=...) -> None:
        ...

class ListIdentifiersResponse(_message.Message):
    __slots__ = ('identifiers',)
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    identifiers: _containers.RepeatedCompositeFieldContainer[_identifiers_pb2.Identifier]

    def __init__(self, identifiers: _Optional[_Iterable[_Union[_identifiers_pb2.Identifier, _Mapping]]]=...) -> None:
        ...

class CreateVenueRequest(_message.Message):
    __slots__ = ('name', 'venue_type', 'chain_id', 'api_endpoint', 'website_url')
    NAME_FIELD_NUMBER: _ClassVar[int]
    VENUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    API_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_URL_FIELD_NUMBER: _ClassVar[int]
    name: str
    venue_type: _venues_pb2.VenueType
    chain_id: str
    api_endpoint: str
    website_url: str

    def __init__(self, name: _Optional[str]=..., venue_type: _Optional[_Union[_venues_pb2.VenueType, str]]=..., chain_id: _Optional[str]=..., api_endpoint: _Optional[str]=..., website_url: _Optional[str]=...) -> None:
        ...

class CreateVenueResponse(_message.Message):
    __slots__ = ('venue',)
    VENUE_FIELD_NUMBER: _ClassVar[int]
    venue: _venues_pb2.Venue

    def __init__(self, venue: _Optional[_Union[_venues_pb2.Venue, _Mapping]]=...) -> None:
        ...

class GetVenueRequest(_message.Message):
    __slots__ = ('venue_id',)
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    venue_id: str

    def __init__(self, venue_id: _Optional[str]=...) -> None:
        ...

class GetVenueResponse(_message.Message):
    __slots__ = ('venue',)
    VENUE_FIELD_NUMBER: _ClassVar[int]
    venue: _venues_pb2.Venue

    def __init__(self, venue: _Optional[_Union[_venues_pb2.Venue, _Mapping]]=...) -> None:
        ...

class ListVenuesRequest(_message.Message):
    __slots__ = ('venue_type', 'chain_id')
    VENUE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    venue_type: _venues_pb2.VenueType
    chain_id: str

    def __init__(self, venue_type: _Optional[_Union[_venues_pb2.VenueType, str]]=..., chain_id: _Optional[str]=...) -> None:
        ...

class ListVenuesResponse(_message.Message):
    __slots__ = ('venues',)
    VENUES_FIELD_NUMBER: _ClassVar[int]
    venues: _containers.RepeatedCompositeFieldContainer[_venues_pb2.Venue]

    def __init__(self, venues: _Optional[_Iterable[_Union[_venues_pb2.Venue, _Mapping]]]=...) -> None:
        ...

class CreateVenueAssetRequest(_message.Message):
    __slots__ = ('venue_id', 'asset_id', 'venue_asset_symbol', 'deployment_id', 'deposit_enabled', 'withdraw_enabled', 'trading_enabled')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ASSET_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ENABLED_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_ENABLED_FIELD_NUMBER: _ClassVar[int]
    TRADING_ENABLED_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    asset_id: str
    venue_asset_symbol: str
    deployment_id: str
    deposit_enabled: bool
    withdraw_enabled: bool
    trading_enabled: bool

    def __init__(self, venue_id: _Optional[str]=..., asset_id: _Optional[str]=..., venue_asset_symbol: _Optional[str]=..., deployment_id: _Optional[str]=..., deposit_enabled: bool=..., withdraw_enabled: bool=..., trading_enabled: bool=...) -> None:
        ...

class CreateVenueAssetResponse(_message.Message):
    __slots__ = ('venue_asset',)
    VENUE_ASSET_FIELD_NUMBER: _ClassVar[int]
    venue_asset: _venues_pb2.VenueAsset

    def __init__(self, venue_asset: _Optional[_Union[_venues_pb2.VenueAsset, _Mapping]]=...) -> None:
        ...

class GetVenueAssetRequest(_message.Message):
    __slots__ = ('venue_id', 'asset_id')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    asset_id: str

    def __init__(self, venue_id: _Optional[str]=..., asset_id: _Optional[str]=...) -> None:
        ...

class GetVenueAssetResponse(_message.Message):
    __slots__ = ('venue_asset',)
    VENUE_ASSET_FIELD_NUMBER: _ClassVar[int]
    venue_asset: _venues_pb2.VenueAsset

    def __init__(self, venue_asset: _Optional[_Union[_venues_pb2.VenueAsset, _Mapping]]=...) -> None:
        ...

class ListVenueAssetsRequest(_message.Message):
    __slots__ = ('venue_id', 'asset_id')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    asset_id: str

    def __init__(self, venue_id: _Optional[str]=..., asset_id: _Optional[str]=...) -> None:
        ...

class ListVenueAssetsResponse(_message.Message):
    __slots__ = ('venue_assets',)
    VENUE_ASSETS_FIELD_NUMBER: _ClassVar[int]
    venue_assets: _containers.RepeatedCompositeFieldContainer[_venues_pb2.VenueAsset]

    def __init__(self, venue_assets: _Optional[_Iterable[_Union[_venues_pb2.VenueAsset, _Mapping]]]=...) -> None:
        ...

class CreateVenueSymbolRequest(_message.Message):
    __slots__ = ('venue_id', 'symbol_id', 'venue_symbol', 'maker_fee', 'taker_fee')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    MAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    TAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    symbol_id: str
    venue_symbol: str
    maker_fee: float
    taker_fee: float

    def __init__(self, venue_id: _Optional[str]=..., symbol_id: _Optional[str]=..., venue_symbol: _Optional[str]=..., maker_fee: _Optional[float]=..., taker_fee: _Optional[float]=...) -> None:
        ...

class CreateVenueSymbolResponse(_message.Message):
    __slots__ = ('venue_symbol',)
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    venue_symbol: _venues_pb2.VenueSymbol

    def __init__(self, venue_symbol: _Optional[_Union[_venues_pb2.VenueSymbol, _Mapping]]=...) -> None:
        ...

class GetVenueSymbolRequest(_message.Message):
    __slots__ = ('venue_id', 'venue_symbol')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    venue_symbol: str

    def __init__(self, venue_id: _Optional[str]=..., venue_symbol: _Optional[str]=...) -> None:
        ...

class GetVenueSymbolResponse(_message.Message):
    __slots__ = ('venue_symbol',)
    VENUE_SYMBOL_FIELD_NUMBER: _ClassVar[int]
    venue_symbol: _venues_pb2.VenueSymbol

    def __init__(self, venue_symbol: _Optional[_Union[_venues_pb2.VenueSymbol, _Mapping]]=...) -> None:
        ...

class ListVenueSymbolsRequest(_message.Message):
    __slots__ = ('venue_id', 'symbol_id')
    VENUE_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_ID_FIELD_NUMBER: _ClassVar[int]
    venue_id: str
    symbol_id: str

    def __init__(self, venue_id: _Optional[str]=..., symbol_id: _Optional[str]=...) -> None:
        ...

class ListVenueSymbolsResponse(_message.Message):
    __slots__ = ('venue_symbols',)
    VENUE_SYMBOLS_FIELD_NUMBER: _ClassVar[int]
    venue_symbols: _containers.RepeatedCompositeFieldContainer[_venues_pb2.VenueSymbol]

    def __init__(self, venue_symbols: _Optional[_Iterable[_Union[_venues_pb2.VenueSymbol, _Mapping]]]=...) -> None:
        ...