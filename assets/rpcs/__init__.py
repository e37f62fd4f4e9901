"""The assets app's methods of the AssetRegistry gRPC service (docs/GRPC.md): assets,
their deployments and CreateChain (``assets.rpcs.assets``); identifiers, relationships
and groups (``assets.rpcs.links``)."""

from assets.rpcs import assets, links


def register() -> None:
    assets.register()
    links.register()
