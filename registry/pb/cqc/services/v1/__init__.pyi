from . import asset_registry_pb2
