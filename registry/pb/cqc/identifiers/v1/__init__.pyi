from . import identifiers_pb2
