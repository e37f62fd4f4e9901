"""The platform contracts' ``cqc.services.v1.AssetRegistry`` over gRPC.

Each entity app answers its own methods in its ``rpcs.py`` (registered from its
``AppConfig.ready()``, as its lookups and events are), through the same services,
serializers, QuerySet methods and hot-path cache as its REST endpoints. This package
holds what every method shares: authentication and permissions (``calls``), errors as
gRPC statuses (``errors``), reading request fields (``fields``) and the server
(``server``: health, reflection, TLS, metrics, graceful shutdown). docs/GRPC.md lists
every method with its REST twin and the conventions.
"""
