"""The gRPC client fixtures of tests/rpc, for the gRPC twins of the races here."""

from tests.rpc.conftest import client_modules, steward_md  # noqa: F401  (fixtures)
