from . import events_pb2
