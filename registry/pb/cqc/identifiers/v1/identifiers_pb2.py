"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'cqc/identifiers/v1/identifiers.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import struct_pb2 as google_dot_protobuf_dot_struct__pb2
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n$cqc/identifiers/v1/identifiers.proto\x12\x12cqc.identifiers.v1\x1a\x1cgoogle/protobuf/struct.proto\x1a\x1fgoogle/protobuf/timestamp.proto"\xc3\x04\n\nIdentifier\x12\x0f\n\x02id\x18\x01 \x01(\tH\x00\x88\x01\x01\x12\x18\n\x0bentity_type\x18\x02 \x01(\tH\x01\x88\x01\x01\x12\x15\n\x08asset_id\x18\x03 \x01(\tH\x02\x88\x01\x01\x12\x1a\n\rinstrument_id\x18\x04 \x01(\tH\x03\x88\x01\x01\x12\x16\n\tmarket_id\x18\x05 \x01(\tH\x04\x88\x01\x01\x12\x13\n\x06source\x18\x06 \x01(\tH\x05\x88\x01\x01\x12\x18\n\x0bexternal_id\x18\x07 \x01(\tH\x06\x88\x01\x01\x12\x17\n\nis_primary\x18\x08 \x01(\x08H\x07\x88\x01\x01\x12.\n\x08metadata\x18\t \x01(\x0b2\x17.google.protobuf.StructH\x08\x88\x01\x01\x124\n\x0bverified_at\x18\n \x01(\x0b2\x1a.google.protobuf.TimestampH\t\x88\x01\x01\x123\n\ncreated_at\x18\x0b \x01(\x0b2\x1a.google.protobuf.TimestampH\n\x88\x01\x01\x123\n\nupdated_at\x18\x0c \x01(\x0b2\x1a.google.protobuf.TimestampH\x0b\x88\x01\x01B\x05\n\x03_idB\x0e\n\x0c_entity_typeB\x0b\n\t_asset_idB\x10\n\x0e_instrument_idB\x0c\n\n_market_idB\t\n\x07_sourceB\x0e\n\x0c_external_idB\r\n\x0b_is_primaryB\x0b\n\t_metadataB\x0e\n\x0c_verified_atB\r\n\x0b_created_atB\r\n\x0b_updated_atb\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'cqc.identifiers.v1.identifiers_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_IDENTIFIER']._serialized_start = 124
    _globals['_IDENTIFIER']._serialized_end = 703