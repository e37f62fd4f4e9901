from . import assets_pb2
