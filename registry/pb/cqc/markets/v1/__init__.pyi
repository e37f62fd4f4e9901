from . import markets_pb2
