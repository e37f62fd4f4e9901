"""The gRPC client a platform service would generate from proto/ with grpcio-tools,
compiled into a directory of the caller's; no Django (the reliability load uses it)."""

import importlib
import importlib.resources
import sys
from pathlib import Path

from grpc_tools import protoc

PROTO_DIR = Path(__file__).resolve().parents[2] / "proto"


def compile_client(out: Path):
    """``service`` (asset_registry_pb2), ``stubs`` (asset_registry_pb2_grpc) and the
    message modules, compiled from proto/ into ``out`` now."""
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    files = [str(path.relative_to(PROTO_DIR)) for path in PROTO_DIR.rglob("cqc/**/*.proto")]
    status = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{PROTO_DIR}",
            f"-I{well_known}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            *files,
        ]
    )
    assert status == 0, "protoc could not compile proto/"
    sys.path.insert(0, str(out))
    try:
        modules = {
            "service": importlib.import_module("cqc.services.v1.asset_registry_pb2"),
            "stubs": importlib.import_module("cqc.services.v1.asset_registry_pb2_grpc"),
            "assets": importlib.import_module("cqc.assets.v1.assets_pb2"),
            "markets": importlib.import_module("cqc.markets.v1.markets_pb2"),
            "venues": importlib.import_module("cqc.venues.v1.venues_pb2"),
            "identifiers": importlib.import_module("cqc.identifiers.v1.identifiers_pb2"),
        }
    finally:
        sys.path.remove(str(out))
    return type("Client", (), modules)
