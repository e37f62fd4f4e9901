"""Compile the stand-in CQC contracts at test time and hand out their message classes,
enums and the AssetRegistry service.

The classes live in a private descriptor pool, never the default one: the production
modules register the same full names (``cqc.events.v1.AssetCreated`` ...) in the default
pool, and sharing it would either clash or silently hand back the production classes,
which would make a wire-compatibility test compare the encoder with itself.
"""

from __future__ import annotations

import functools
import importlib.resources
import tempfile
from pathlib import Path

from google.protobuf import (
    descriptor,
    descriptor_pb2,
    descriptor_pool,
    message,
    message_factory,
)
from grpc_tools import protoc

CONTRACTS_DIR = Path(__file__).resolve().parent
PROTO_FILES = (
    "cqc/assets/v1/assets.proto",
    "cqc/venues/v1/venues.proto",
    "cqc/markets/v1/markets.proto",
    "cqc/events/v1/events.proto",
    "cqc/identifiers/v1/identifiers.proto",
    "cqc/services/v1/asset_registry.proto",
)
SERVICE = "cqc.services.v1.AssetRegistry"
# Every message of the contracts' cqc.events.v1 package at v0.4.0 (proto/events/v1/*.proto),
# published by CQAR or not: no event of CQAR's own may take a subject named after one.
CONTRACT_EVENTS = (
    "AssetCreated",
    "AssetDeploymentCreated",
    "RelationshipEstablished",
    "InstrumentCreated",
    "MarketCreated",
    "PriceUpdated",
    "OrderPlaced",
    "PositionChanged",
    "RiskAlert",
    "QualityFlagRaised",
    "VenueAssetListed",
    "VenueAssetDelisted",
    "VenueMarketListed",
    "VenueMarketDelisted",
)


class ContractCompileError(RuntimeError):
    """protoc could not compile the stand-in contract files."""


@functools.cache
def _pool() -> descriptor_pool.DescriptorPool:
    """Compile the .proto files once and load them into a new, private pool."""
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "contracts.pb"
        args = [
            "grpc_tools.protoc",
            f"-I{CONTRACTS_DIR}",
            f"-I{well_known}",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *PROTO_FILES,
        ]
        rc = protoc.main(args)
        if rc != 0:
            raise ContractCompileError(
                f"protoc exited with {rc} compiling {', '.join(PROTO_FILES)} in {CONTRACTS_DIR}"
            )
        fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:
        pool.Add(file_proto)
    return pool


def contract_message(full_name: str) -> type[message.Message]:
    """Return the stand-in contract class for ``full_name`` (from the private pool)."""
    return message_factory.GetMessageClass(_pool().FindMessageTypeByName(full_name))


def contract_enum(full_name: str) -> descriptor.EnumDescriptor:
    return _pool().FindEnumTypeByName(full_name)


def contract_service(full_name: str = SERVICE) -> descriptor.ServiceDescriptor:
    """The stand-in's service (by default the AssetRegistry) with its methods."""
    return _pool().FindServiceByName(full_name)
