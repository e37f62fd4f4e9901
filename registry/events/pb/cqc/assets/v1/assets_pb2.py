"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'cqc/assets/v1/assets.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import struct_pb2 as google_dot_protobuf_dot_struct__pb2
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1acqc/assets/v1/assets.proto\x12\rcqc.assets.v1\x1a\x1cgoogle/protobuf/struct.proto\x1a\x1fgoogle/protobuf/timestamp.proto"\xbe\x02\n\x05Asset\x12\x10\n\x08asset_id\x18\x01 \x01(\t\x12\x0e\n\x06symbol\x18\x02 \x01(\t\x12\x0c\n\x04name\x18\x03 \x01(\t\x12,\n\nasset_type\x18\x04 \x01(\x0e2\x18.cqc.assets.v1.AssetType\x12\x10\n\x08category\x18\x05 \x01(\t\x12\x13\n\x0bdescription\x18\x06 \x01(\t\x12\x10\n\x08logo_url\x18\x07 \x01(\t\x12\x13\n\x0bwebsite_url\x18\x08 \x01(\t\x12.\n\ncreated_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\n \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\x0b \x01(\x0b2\x17.google.protobuf.Struct"\xbf\x02\n\x0fAssetDeployment\x12\x15\n\rdeployment_id\x18\x01 \x01(\t\x12\x10\n\x08asset_id\x18\x02 \x01(\t\x12\x10\n\x08chain_id\x18\x03 \x01(\t\x12\x12\n\nchain_name\x18\x04 \x01(\t\x12\x0f\n\x07address\x18\x05 \x01(\t\x12\x10\n\x08decimals\x18\x06 \x01(\x05\x12/\n\x0bdeployed_at\x18\x07 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\ncreated_at\x18\x08 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\n \x01(\x0b2\x17.google.protobuf.Struct"\xdf\x02\n\x11AssetRelationship\x12\x17\n\x0frelationship_id\x18\x01 \x01(\t\x12\x15\n\rfrom_asset_id\x18\x02 \x01(\t\x12\x13\n\x0bto_asset_id\x18\x03 \x01(\t\x12:\n\x11relationship_type\x18\x04 \x01(\x0e2\x1f.cqc.assets.v1.RelationshipType\x12\x17\n\x0fconversion_rate\x18\x05 \x01(\t\x12\x10\n\x08protocol\x18\x06 \x01(\t\x12\x13\n\x0bdescription\x18\x07 \x01(\t\x12.\n\ncreated_at\x18\x08 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\n \x01(\x0b2\x17.google.protobuf.Struct"\xfc\x02\n\x10AssetQualityFlag\x12\x0f\n\x07flag_id\x18\x01 \x01(\t\x12\x10\n\x08asset_id\x18\x02 \x01(\t\x12*\n\tflag_type\x18\x03 \x01(\x0e2\x17.cqc.assets.v1.FlagType\x12)\n\x08severity\x18\x04 \x01(\x0e2\x17.cqc.assets.v1.Severity\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x0e\n\x06reason\x18\x06 \x01(\t\x12\x14\n\x0cevidence_url\x18\x07 \x01(\t\x12-\n\traised_at\x18\x08 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12/\n\x0bresolved_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x13\n\x0bresolved_by\x18\n \x01(\t\x12\x18\n\x10resolution_notes\x18\x0b \x01(\t\x12)\n\x08metadata\x18\x0c \x01(\x0b2\x17.google.protobuf.Struct"\xc3\x01\n\x05Chain\x12\x10\n\x08chain_id\x18\x01 \x01(\t\x12\x12\n\nchain_name\x18\x02 \x01(\t\x12\x17\n\x0fnative_asset_id\x18\x03 \x01(\t\x12\x12\n\nchain_type\x18\x04 \x01(\t\x12\x12\n\nnetwork_id\x18\x05 \x01(\x03\x12\x14\n\x0cexplorer_url\x18\x06 \x01(\t\x12\x12\n\nis_testnet\x18\x07 \x01(\x08\x12)\n\x08metadata\x18\x08 \x01(\x0b2\x17.google.protobuf.Struct*\x80\x02\n\tAssetType\x12\x1a\n\x16ASSET_TYPE_UNSPECIFIED\x10\x00\x12\x15\n\x11ASSET_TYPE_NATIVE\x10\x01\x12\x14\n\x10ASSET_TYPE_ERC20\x10\x02\x12\x12\n\x0eASSET_TYPE_SPL\x10\x03\x12\x15\n\x11ASSET_TYPE_ERC721\x10\x04\x12\x16\n\x12ASSET_TYPE_ERC1155\x10\x05\x12\x18\n\x14ASSET_TYPE_SYNTHETIC\x10\x06\x12\x17\n\x13ASSET_TYPE_LP_TOKEN\x10\x07\x12\x1c\n\x18ASSET_TYPE_RECEIPT_TOKEN\x10\x08\x12\x16\n\x12ASSET_TYPE_WRAPPED\x10\t*\xc2\x02\n\x10RelationshipType\x12!\n\x1dRELATIONSHIP_TYPE_UNSPECIFIED\x10\x00\x12\x1b\n\x17RELATIONSHIP_TYPE_WRAPS\x10\x01\x12\x1d\n\x19RELATIONSHIP_TYPE_BRIDGES\x10\x02\x12\x1c\n\x18RELATIONSHIP_TYPE_STAKES\x10\x03\x12"\n\x1eRELATIONSHIP_TYPE_SYNTHETIC_OF\x10\x04\x12$\n RELATIONSHIP_TYPE_LIQUIDITY_PAIR\x10\x05\x12!\n\x1dRELATIONSHIP_TYPE_MIGRATES_TO\x10\x06\x12 \n\x1cRELATIONSHIP_TYPE_FORKS_FROM\x10\x07\x12"\n\x1eRELATIONSHIP_TYPE_REBASES_WITH\x10\x08*\x81\x02\n\x08FlagType\x12\x19\n\x15FLAG_TYPE_UNSPECIFIED\x10\x00\x12\x12\n\x0eFLAG_TYPE_SCAM\x10\x01\x12\x15\n\x11FLAG_TYPE_RUGPULL\x10\x02\x12\x17\n\x13FLAG_TYPE_EXPLOITED\x10\x03\x12\x18\n\x14FLAG_TYPE_DEPRECATED\x10\x04\x12\x14\n\x10FLAG_TYPE_PAUSED\x10\x05\x12\x18\n\x14FLAG_TYPE_UNVERIFIED\x10\x06\x12\x1b\n\x17FLAG_TYPE_LOW_LIQUIDITY\x10\x07\x12\x16\n\x12FLAG_TYPE_HONEYPOT\x10\x08\x12\x17\n\x13FLAG_TYPE_TAX_TOKEN\x10\t*\x88\x01\n\x08Severity\x12\x18\n\x14SEVERITY_UNSPECIFIED\x10\x00\x12\x11\n\rSEVERITY_INFO\x10\x01\x12\x10\n\x0cSEVERITY_LOW\x10\x02\x12\x13\n\x0fSEVERITY_MEDIUM\x10\x03\x12\x11\n\rSEVERITY_HIGH\x10\x04\x12\x15\n\x11SEVERITY_CRITICAL\x10\x05b\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'cqc.assets.v1.assets_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_ASSETTYPE']._serialized_start = 1687
    _globals['_ASSETTYPE']._serialized_end = 1943
    _globals['_RELATIONSHIPTYPE']._serialized_start = 1946
    _globals['_RELATIONSHIPTYPE']._serialized_end = 2268
    _globals['_FLAGTYPE']._serialized_start = 2271
    _globals['_FLAGTYPE']._serialized_end = 2528
    _globals['_SEVERITY']._serialized_start = 2531
    _globals['_SEVERITY']._serialized_end = 2667
    _globals['_ASSET']._serialized_start = 109
    _globals['_ASSET']._serialized_end = 427
    _globals['_ASSETDEPLOYMENT']._serialized_start = 430
    _globals['_ASSETDEPLOYMENT']._serialized_end = 749
    _globals['_ASSETRELATIONSHIP']._serialized_start = 752
    _globals['_ASSETRELATIONSHIP']._serialized_end = 1103
    _globals['_ASSETQUALITYFLAG']._serialized_start = 1106
    _globals['_ASSETQUALITYFLAG']._serialized_end = 1486
    _globals['_CHAIN']._serialized_start = 1489
    _globals['_CHAIN']._serialized_end = 1684