from . import venues_pb2
