"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'cqc/events/v1/events.proto')
_sym_db = _symbol_database.Default()
from ....cqc.assets.v1 import assets_pb2 as cqc_dot_assets_dot_v1_dot_assets__pb2
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1acqc/events/v1/events.proto\x12\rcqc.events.v1\x1a\x1acqc/assets/v1/assets.proto\x1a\x1fgoogle/protobuf/timestamp.proto"\x96\x01\n\x0cAssetCreated\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x12#\n\x05asset\x18\x04 \x01(\x0b2\x14.cqc.assets.v1.Asset\x12\x0e\n\x06source\x18\x05 \x01(\t"\xc6\x01\n\x16AssetDeploymentCreated\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x122\n\ndeployment\x18\x04 \x01(\x0b2\x1e.cqc.assets.v1.AssetDeployment\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x15\n\rauto_detected\x18\x06 \x01(\x08"\xc6\x01\n\x17RelationshipEstablished\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x126\n\x0crelationship\x18\x04 \x01(\x0b2 .cqc.assets.v1.AssetRelationship\x12\x0e\n\x06source\x18\x05 \x01(\t\x12\x10\n\x08protocol\x18\x06 \x01(\t"\xdd\x02\n\x11QualityFlagRaised\x12\x10\n\x08event_id\x18\x01 \x01(\t\x12-\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.Timestamp\x12\x10\n\x08actor_id\x18\x03 \x01(\t\x12-\n\x04flag\x18\x04 \x01(\x0b2\x1f.cqc.assets.v1.AssetQualityFlag\x12\x10\n\x08asset_id\x18\x05 \x01(\t\x12*\n\tflag_type\x18\x06 \x01(\x0e2\x17.cqc.assets.v1.FlagType\x12)\n\x08severity\x18\x07 \x01(\x0e2\x17.cqc.assets.v1.Severity\x12\x0e\n\x06source\x18\x08 \x01(\t\x12\x17\n\x0fsuspend_trading\x18\t \x01(\x08\x12\x1d\n\x15force_close_positions\x18\n \x01(\x08\x12\x15\n\ralert_message\x18\x0b \x01(\tb\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'cqc.events.v1.events_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_ASSETCREATED']._serialized_start = 107
    _globals['_ASSETCREATED']._serialized_end = 257
    _globals['_ASSETDEPLOYMENTCREATED']._serialized_start = 260
    _globals['_ASSETDEPLOYMENTCREATED']._serialized_end = 458
    _globals['_RELATIONSHIPESTABLISHED']._serialized_start = 461
    _globals['_RELATIONSHIPESTABLISHED']._serialized_end = 659
    _globals['_QUALITYFLAGRAISED']._serialized_start = 662
    _globals['_QUALITYFLAGRAISED']._serialized_end = 1011