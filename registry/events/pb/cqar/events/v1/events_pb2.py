"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'cqar/events/v1/events.proto')
_sym_db = _symbol_database.Default()
from ....cqar.registry.v1 import registry_pb2 as cqar_dot_registry_dot_v1_dot_registry__pb2
from ....cqc.assets.v1 import assets_pb2 as cqc_dot_assets_dot_v1_dot_assets__pb2
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1bcqar/events/v1/events.proto\x12\x0ecqar.events.v1\x1a\x1fcqar/registry/v1/registry.proto\x1a\x1acqc/assets/v1/assets.proto\x1a\x1fgoogle/protobuf/timestamp.proto"\xc4\x01\n\nAssetEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x12#\n\x05asset\x18\x04 \x01(\x0b2\x14.cqc.assets.v1.Asset\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xdd\x01\n\x14AssetDeploymentEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x122\n\ndeployment\x18\x04 \x01(\x0b2\x1e.cqc.assets.v1.AssetDeployment\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xe0\x01\n\x14AssetIdentifierEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x125\n\nidentifier\x18\x04 \x01(\x0b2!.cqar.registry.v1.AssetIdentifier\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xde\x01\n\x11RelationshipEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x126\n\x0crelationship\x18\x04 \x01(\x0b2 .cqc.assets.v1.AssetRelationship\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xd1\x01\n\x0fAssetGroupEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x12+\n\x05group\x18\x04 \x01(\x0b2\x1c.cqar.registry.v1.AssetGroup\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xd9\x01\n\x10GroupMemberEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x122\n\x06member\x18\x04 \x01(\x0b2".cqar.registry.v1.AssetGroupMember\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xd4\x01\n\x10QualityFlagEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x12-\n\x04flag\x18\x04 \x01(\x0b2\x1f.cqc.assets.v1.AssetQualityFlag\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xc4\x01\n\nChainEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x12#\n\x05chain\x18\x04 \x01(\x0b2\x14.cqc.assets.v1.Chain\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xc7\x01\n\nVenueEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x12&\n\x05venue\x18\x04 \x01(\x0b2\x17.cqar.registry.v1.Venue\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xd7\x01\n\x0fVenueAssetEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x121\n\x0bvenue_asset\x18\x04 \x01(\x0b2\x1c.cqar.registry.v1.VenueAsset\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03"\xda\x01\n\x10VenueSymbolEvent\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x123\n\x0cvenue_symbol\x18\x04 \x01(\x0b2\x1d.cqar.registry.v1.VenueSymbol\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x16\n\x0echanged_fields\x18\x06 \x03(\t\x12\x16\n\x0eentity_version\x18\x07 \x01(\x03b\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'cqar.events.v1.events_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_ASSETEVENT']._serialized_start = 142
    _globals['_ASSETEVENT']._serialized_end = 338
    _globals['_ASSETDEPLOYMENTEVENT']._serialized_start = 341
    _globals['_ASSETDEPLOYMENTEVENT']._serialized_end = 562
    _globals['_ASSETIDENTIFIEREVENT']._serialized_start = 565
    _globals['_ASSETIDENTIFIEREVENT']._serialized_end = 789
    _globals['_RELATIONSHIPEVENT']._serialized_start = 792
    _globals['_RELATIONSHIPEVENT']._serialized_end = 1014
    _globals['_ASSETGROUPEVENT']._serialized_start = 1017
    _globals['_ASSETGROUPEVENT']._serialized_end = 1226
    _globals['_GROUPMEMBEREVENT']._serialized_start = 1229
    _globals['_GROUPMEMBEREVENT']._serialized_end = 1446
    _globals['_QUALITYFLAGEVENT']._serialized_start = 1449
    _globals['_QUALITYFLAGEVENT']._serialized_end = 1661
    _globals['_CHAINEVENT']._serialized_start = 1664
    _globals['_CHAINEVENT']._serialized_end = 1860
    _globals['_VENUEEVENT']._serialized_start = 1863
    _globals['_VENUEEVENT']._serialized_end = 2062
    _globals['_VENUEASSETEVENT']._serialized_start = 2065
    _globals['_VENUEASSETEVENT']._serialized_end = 2280
    _globals['_VENUESYMBOLEVENT']._serialized_start = 2283
    _globals['_VENUESYMBOLEVENT']._serialized_end = 2501