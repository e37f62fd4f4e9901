"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'cqar/registry/v1/registry.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import struct_pb2 as google_dot_protobuf_dot_struct__pb2
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1fcqar/registry/v1/registry.proto\x12\x10cqar.registry.v1\x1a\x1cgoogle/protobuf/struct.proto\x1a\x1fgoogle/protobuf/timestamp.proto"\xfe\x01\n\x0fAssetIdentifier\x12\x15\n\ridentifier_id\x18\x01 \x01(\t\x12\x10\n\x08asset_id\x18\x02 \x01(\t\x12\x0e\n\x06source\x18\x03 \x01(\t\x12\x13\n\x0bexternal_id\x18\x04 \x01(\t\x12\x12\n\nis_primary\x18\x05 \x01(\x08\x12.\n\ncreated_at\x18\x06 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\x07 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\x08 \x01(\x0b2\x17.google.protobuf.Struct"\xe8\x01\n\nAssetGroup\x12\x10\n\x08group_id\x18\x01 \x01(\t\x12\x18\n\x10canonical_symbol\x18\x02 \x01(\t\x12\x0e\n\x06issuer\x18\x03 \x01(\t\x12\x13\n\x0bdescription\x18\x04 \x01(\t\x12.\n\ncreated_at\x18\x05 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\x06 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\x07 \x01(\x0b2\x17.google.protobuf.Struct"\xcd\x01\n\x10AssetGroupMember\x12\x11\n\tmember_id\x18\x01 \x01(\t\x12\x10\n\x08group_id\x18\x02 \x01(\t\x12\x10\n\x08asset_id\x18\x03 \x01(\t\x12\x14\n\x0cis_canonical\x18\x04 \x01(\x08\x12\x0e\n\x06weight\x18\x05 \x01(\t\x12,\n\x08added_at\x18\x06 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\x07 \x01(\x0b2\x1a.google.protobuf.Timestamp"\xab\x02\n\x05Venue\x12\x10\n\x08venue_id\x18\x01 \x01(\t\x12\x0c\n\x04name\x18\x02 \x01(\t\x12\x12\n\nvenue_type\x18\x03 \x01(\t\x12\x10\n\x08chain_id\x18\x04 \x01(\t\x12\x18\n\x10protocol_address\x18\x05 \x01(\t\x12\x13\n\x0bwebsite_url\x18\x06 \x01(\t\x12\x0f\n\x07api_url\x18\x07 \x01(\t\x12\x11\n\tis_active\x18\x08 \x01(\x08\x12.\n\ncreated_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\n \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\x0b \x01(\x0b2\x17.google.protobuf.Struct"\xce\x02\n\nVenueAsset\x12\x16\n\x0evenue_asset_id\x18\x01 \x01(\t\x12\x10\n\x08venue_id\x18\x02 \x01(\t\x12\x10\n\x08asset_id\x18\x03 \x01(\t\x12\x1a\n\x12venue_asset_symbol\x18\x04 \x01(\t\x12\x17\n\x0fdeposit_enabled\x18\x05 \x01(\x08\x12\x18\n\x10withdraw_enabled\x18\x06 \x01(\x08\x12\x17\n\x0ftrading_enabled\x18\x07 \x01(\x08\x12\x11\n\tis_active\x18\x08 \x01(\x08\x12.\n\ncreated_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\n \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\x0b \x01(\x0b2\x17.google.protobuf.Struct"\x85\x03\n\x0bVenueSymbol\x12\x17\n\x0fvenue_symbol_id\x18\x01 \x01(\t\x12\x10\n\x08venue_id\x18\x02 \x01(\t\x12\x0e\n\x06symbol\x18\x03 \x01(\t\x12\x13\n\x0bmarket_type\x18\x04 \x01(\t\x12\x10\n\x08asset_id\x18\x05 \x01(\t\x12\x16\n\x0equote_asset_id\x18\x06 \x01(\t\x12\x11\n\tis_active\x18\x07 \x01(\x08\x12-\n\tlisted_at\x18\x08 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12/\n\x0bdelisted_at\x18\t \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\ncreated_at\x18\n \x01(\x0b2\x1a.google.protobuf.Timestamp\x12.\n\nupdated_at\x18\x0b \x01(\x0b2\x1a.google.protobuf.Timestamp\x12)\n\x08metadata\x18\x0c \x01(\x0b2\x17.google.protobuf.Structb\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'cqar.registry.v1.registry_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_ASSETIDENTIFIER']._serialized_start = 117
    _globals['_ASSETIDENTIFIER']._serialized_end = 371
    _globals['_ASSETGROUP']._serialized_start = 374
    _globals['_ASSETGROUP']._serialized_end = 606
    _globals['_ASSETGROUPMEMBER']._serialized_start = 609
    _globals['_ASSETGROUPMEMBER']._serialized_end = 814
    _globals['_VENUE']._serialized_start = 817
    _globals['_VENUE']._serialized_end = 1116
    _globals['_VENUEASSET']._serialized_start = 1119
    _globals['_VENUEASSET']._serialized_end = 1453
    _globals['_VENUESYMBOL']._serialized_start = 1456
    _globals['_VENUESYMBOL']._serialized_end = 1845