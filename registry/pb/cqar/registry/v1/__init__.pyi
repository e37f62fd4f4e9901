from . import registry_pb2
