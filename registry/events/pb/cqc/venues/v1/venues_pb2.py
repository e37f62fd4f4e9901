"""Generated protocol buffer code."""
from google.protobuf import descriptor as _descriptor
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import runtime_version as _runtime_version
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
_runtime_version.ValidateProtobufRuntimeVersion(_runtime_version.Domain.PUBLIC, 5, 29, 0, '', 'cqc/venues/v1/venues.proto')
_sym_db = _symbol_database.Default()
from google.protobuf import struct_pb2 as google_dot_protobuf_dot_struct__pb2
from google.protobuf import timestamp_pb2 as google_dot_protobuf_dot_timestamp__pb2
DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'\n\x1acqc/venues/v1/venues.proto\x12\rcqc.venues.v1\x1a\x1cgoogle/protobuf/struct.proto\x1a\x1fgoogle/protobuf/timestamp.proto"\xf1\x05\n\nVenueAsset\x12\x15\n\x08venue_id\x18\x01 \x01(\tH\x00\x88\x01\x01\x12\x15\n\x08asset_id\x18\x02 \x01(\tH\x01\x88\x01\x01\x12\x1f\n\x12venue_asset_symbol\x18\x03 \x01(\tH\x02\x88\x01\x01\x12\x1a\n\rdeployment_id\x18\x04 \x01(\tH\x03\x88\x01\x01\x12\x1c\n\x0fdeposit_enabled\x18\x05 \x01(\x08H\x04\x88\x01\x01\x12\x1d\n\x10withdraw_enabled\x18\x06 \x01(\x08H\x05\x88\x01\x01\x12\x1c\n\x0ftrading_enabled\x18\x07 \x01(\x08H\x06\x88\x01\x01\x12\x18\n\x0bmin_deposit\x18\x08 \x01(\x01H\x07\x88\x01\x01\x12\x1b\n\x0emin_withdrawal\x18\t \x01(\x01H\x08\x88\x01\x01\x12\x1b\n\x0ewithdrawal_fee\x18\n \x01(\x01H\t\x88\x01\x01\x12\x18\n\x0bdeposit_fee\x18\x0b \x01(\x01H\n\x88\x01\x01\x122\n\tlisted_at\x18\x0c \x01(\x0b2\x1a.google.protobuf.TimestampH\x0b\x88\x01\x01\x124\n\x0bdelisted_at\x18\r \x01(\x0b2\x1a.google.protobuf.TimestampH\x0c\x88\x01\x01\x12\x16\n\tis_active\x18\x0e \x01(\x08H\r\x88\x01\x01\x12.\n\x08metadata\x18\x0f \x01(\x0b2\x17.google.protobuf.StructH\x0e\x88\x01\x01B\x0b\n\t_venue_idB\x0b\n\t_asset_idB\x15\n\x13_venue_asset_symbolB\x10\n\x0e_deployment_idB\x12\n\x10_deposit_enabledB\x13\n\x11_withdraw_enabledB\x12\n\x10_trading_enabledB\x0e\n\x0c_min_depositB\x11\n\x0f_min_withdrawalB\x11\n\x0f_withdrawal_feeB\x0e\n\x0c_deposit_feeB\x0c\n\n_listed_atB\x0e\n\x0c_delisted_atB\x0c\n\n_is_activeB\x0b\n\t_metadatab\x06proto3')
_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, 'cqc.venues.v1.venues_pb2', _globals)
if not _descriptor._USE_C_DESCRIPTORS:
    DESCRIPTOR._loaded_options = None
    _globals['_VENUEASSET']._serialized_start = 109
    _globals['_VENUEASSET']._serialized_end = 862