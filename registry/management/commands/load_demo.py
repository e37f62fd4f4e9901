"""manage.py load_demo: load the small, real demo data set (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from registry.demo import demo_loaders


class Command(BaseCommand):
    help = (
        "Load the demo data set: BTC, ETH, stablecoins and ETH variants on seven chains, "
        "four venues and their tickers. Running it again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        created: dict[str, int] = {}
        log = self.stdout.write if options["verbosity"] > 1 else (lambda message: None)
        with transaction.atomic():
            for _app_label, loader in demo_loaders():
                for entity, count in loader(log).items():
                    created[entity] = created.get(entity, 0) + count
        total = sum(created.values())
        if total:
            details = ", ".join(f"{count} {entity}" for entity, count in created.items() if count)
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: created {details}."))
        else:
            self.stdout.write("Demo data already present: nothing to change.")
