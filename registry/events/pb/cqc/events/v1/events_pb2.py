"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'cqc/events/v1/events.proto')
_sym_db = _symbol_database.Default()
from ....cqc.assets.v1 import assets_pb2 as cqc_dot_assets_dot_v1_dot_assets__pb2
from ....cqc.venues.v1 import venues_pb2 as cqc_dot_venues_dot_v1_dot_venues__pb2
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1acqc/events/v1/events.proto\x12\rcqc.events.v1\x1a\x1acqc/assets/v1/assets.proto\x1a\x1acqc/venues/v1/venues.proto\x1a\x1fgoogle/protobuf/timestamp.proto"\xec\x01\n\x0cAssetCreated\x12\x15\n\x08event_id\x18\x01 \x01(\tH\x00\x88\x01\x01\x122\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.TimestampH\x01\x88\x01\x01\x12\x15\n\x08actor_id\x18\x03 \x01(\tH\x02\x88\x01\x01\x12(\n\x05asset\x18\x04 \x01(\x0b2\x14.cqc.assets.v1.AssetH\x03\x88\x01\x01\x12\x13\n\x06source\x18\x05 \x01(\tH\x04\x88\x01\x01B\x0b\n\t_event_idB\x0c\n\n_timestampB\x0b\n\t_actor_idB\x08\n\x06_assetB\t\n\x07_source"\xb8\x02\n\x16AssetDeploymentCreated\x12\x15\n\x08event_id\x18\x01 \x01(\tH\x00\x88\x01\x01\x122\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.TimestampH\x01\x88\x01\x01\x12\x15\n\x08actor_id\x18\x03 \x01(\tH\x02\x88\x01\x01\x127\n\ndeployment\x18\x04 \x01(\x0b2\x1e.cqc.assets.v1.AssetDeploymentH\x03\x88\x01\x01\x12\x13\n\x06source\x18\x05 \x01(\tH\x04\x88\x01\x01\x12\x1a\n\rauto_detected\x18\x06 \x01(\x08H\x05\x88\x01\x01B\x0b\n\t_event_idB\x0c\n\n_timestampB\x0b\n\t_actor_idB\r\n\x0b_deploymentB\t\n\x07_sourceB\x10\n\x0e_auto_detected"\xb5\x02\n\x17RelationshipEstablished\x12\x15\n\x08event_id\x18\x01 \x01(\tH\x00\x88\x01\x01\x122\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.TimestampH\x01\x88\x01\x01\x12\x15\n\x08actor_id\x18\x03 \x01(\tH\x02\x88\x01\x01\x12;\n\x0crelationship\x18\x04 \x01(\x0b2 .cqc.assets.v1.AssetRelationshipH\x03\x88\x01\x01\x12\x13\n\x06source\x18\x05 \x01(\tH\x04\x88\x01\x01\x12\x15\n\x08protocol\x18\x06 \x01(\tH\x05\x88\x01\x01B\x0b\n\t_event_idB\x0c\n\n_timestampB\x0b\n\t_actor_idB\x0f\n\r_relationshipB\t\n\x07_sourceB\x0b\n\t_protocol"\xbc\x04\n\x11QualityFlagRaised\x12\x15\n\x08event_id\x18\x01 \x01(\tH\x00\x88\x01\x01\x122\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.TimestampH\x01\x88\x01\x01\x12\x15\n\x08actor_id\x18\x03 \x01(\tH\x02\x88\x01\x01\x122\n\x04flag\x18\x04 \x01(\x0b2\x1f.cqc.assets.v1.AssetQualityFlagH\x03\x88\x01\x01\x12\x15\n\x08asset_id\x18\x05 \x01(\tH\x04\x88\x01\x01\x12/\n\tflag_type\x18\x06 \x01(\x0e2\x17.cqc.assets.v1.FlagTypeH\x05\x88\x01\x01\x122\n\x08severity\x18\x07 \x01(\x0e2\x1b.cqc.assets.v1.FlagSeverityH\x06\x88\x01\x01\x12\x13\n\x06source\x18\x08 \x01(\tH\x07\x88\x01\x01\x12\x1c\n\x0fsuspend_trading\x18\t \x01(\x08H\x08\x88\x01\x01\x12"\n\x15force_close_positions\x18\n \x01(\x08H\t\x88\x01\x01\x12\x1a\n\ralert_message\x18\x0b \x01(\tH\n\x88\x01\x01B\x0b\n\t_event_idB\x0c\n\n_timestampB\x0b\n\t_actor_idB\x07\n\x05_flagB\x0b\n\t_asset_idB\x0c\n\n_flag_typeB\x0b\n\t_severityB\t\n\x07_sourceB\x12\n\x10_suspend_tradingB\x18\n\x16_force_close_positionsB\x10\n\x0e_alert_message"\x91\x02\n\x10VenueAssetListed\x12\x15\n\x08event_id\x18\x01 \x01(\tH\x00\x88\x01\x01\x122\n\ttimestamp\x18\x02 \x01(\x0b2\x1a.google.protobuf.TimestampH\x01\x88\x01\x01\x12\x15\n\x08actor_id\x18\x03 \x01(\tH\x02\x88\x01\x01\x123\n\x0bvenue_asset\x18\x04 \x01(\x0b2\x19.cqc.venues.v1.VenueAssetH\x03\x88\x01\x01\x12\x1b\n\x0eis_new_listing\x18\x05 \x01(\x08H\x04\x88\x01\x01B\x0b\n\t_event_idB\x0c\n\n_timestampB\x0b\n\t_actor_idB\x0e\n\x0c_venue_assetB\x11\n\x0f_is_new_listingb\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'cqc.events.v1.events_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_ASSETCREATED']._serialized_start = 135
    _globals['_ASSETCREATED']._serialized_end = 371
    _globals['_ASSETDEPLOYMENTCREATED']._serialized_start = 374
    _globals['_ASSETDEPLOYMENTCREATED']._serialized_end = 686
    _globals['_RELATIONSHIPESTABLISHED']._serialized_start = 689
    _globals['_RELATIONSHIPESTABLISHED']._serialized_end = 998
    _globals['_QUALITYFLAGRAISED']._serialized_start = 1001
    _globals['_QUALITYFLAGRAISED']._serialized_end = 1573
    _globals['_VENUEASSETLISTED']._serialized_start = 1576
    _globals['_VENUEASSETLISTED']._serialized_end = 1849