"""manage.py import_csv ENTITY PATH: create or update an entity's rows from a CSV file."""

from pathlib import Path

from django.core.management.base import CommandError

from registry.actors import acting_as
from registry.exchange.entities import ENTITIES, Entity
from registry.exchange.run import CsvImport
from registry.importing import ImportCommand, ImportReport, read_source


def offering_duplicates() -> list[Entity]:
    """The entities whose rows without a natural key may be imported as new rows beside
    stored ones that look the same (--allow-duplicates)."""
    return [entity for entity in ENTITIES.values() if entity.duplicates_choice]


class Command(ImportCommand):
    help = (
        "Import a CSV of an entity, with the API's field names as its header (what "
        "`export ENTITY --format csv` writes). Rows are validated by the API serializer, "
        "found by natural key and written through the services; unchanged rows write "
        "nothing; --dry-run writes them and rolls back. Exits non-zero when nothing could "
        "be imported. For an empty registry import in this order: " + ", ".join(ENTITIES) + "."
    )
    source_kind = "csv"

    def add_source_arguments(self, parser) -> None:
        parser.add_argument("entity", choices=list(ENTITIES), help="The API resource path.")
        parser.add_argument("path", help="The CSV file (UTF-8, with or without a BOM).")
        parser.add_argument(
            "--allow-duplicates",
            action="store_true",
            help="; ".join(
                f"{entity.name}: {entity.duplicates_help}" for entity in offering_duplicates()
            ),
        )

    def describe_source(self, options: dict) -> str:
        return f"{options['entity']} from {options['path']}"

    def handle(self, *args, **options) -> None:
        entity = ENTITIES[options["entity"]]
        if options["allow_duplicates"] and not entity.duplicates_choice:
            raise CommandError(
                f"--allow-duplicates: {entity.name} rows are found by their natural key "
                f"({', '.join(entity.key)}) only; it applies to "
                f"{', '.join(e.name for e in offering_duplicates())}."
            )
        super().handle(*args, **options)
        report: ImportReport = self.report
        imported = (report.created, report.updated, report.unchanged)
        if report.rejected and not sum(sum(counter.values()) for counter in imported):
            nothing = "Nothing would be imported" if report.dry_run else "Nothing imported"
            raise CommandError(
                f"{nothing}: all {report.items:,} items were rejected (the report says why)."
            )

    def run(self, options, report, progress) -> None:
        self.report = report
        path = options["path"]
        source = f"import:csv:{Path(path).name}"
        run = CsvImport(
            ENTITIES[options["entity"]],
            report,
            source=source,
            overwrite=options["overwrite"],
            allow_duplicates=options["allow_duplicates"],
            dry_run=options["dry_run"],
            strict=options["strict"],
            batch_size=options["batch_size"],
            progress=progress,
        )
        with acting_as(options["actor"], source=source):
            run.run(read_source(path), path)
