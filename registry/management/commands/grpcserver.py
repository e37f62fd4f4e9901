"""manage.py grpcserver: serve the AssetRegistry gRPC service (docs/GRPC.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.grpc.server import RegistryServer


class Command(BaseCommand):
    help = (
        "Serve cqc.services.v1.AssetRegistry over gRPC, with health and reflection, until "
        "SIGTERM or SIGINT (calls in flight then finish)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=settings.GRPC_BIND,
            help=f"host:port to listen on (GRPC_BIND, default {settings.GRPC_BIND}).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=settings.GRPC_MAX_WORKERS,
            help="Calls served at once (GRPC_MAX_WORKERS).",
        )

    def handle(self, *args, bind, workers, **options):
        if workers < 1:
            raise CommandError("--workers: at least 1.")
        try:
            server = RegistryServer(bind, max_workers=workers)
        except (RuntimeError, OSError) as error:
            raise CommandError(str(error)) from None
        server.serve_until_signalled()
