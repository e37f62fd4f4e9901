"""manage.py import_csv ENTITY PATH: create or update an entity's rows from a CSV file."""

from pathlib import Path

from registry.actors import acting_as
from registry.exchange import ENTITIES, CsvImport
from registry.importing import ImportCommand, read_source


class Command(ImportCommand):
    help = (
        "Import a CSV of an entity, with the API's field names as its header (what "
        "`export ENTITY --format csv` writes). Rows are validated by the API serializer, "
        "found by natural key and written through the services; unchanged rows write "
        "nothing. For an empty registry import in this order: " + ", ".join(ENTITIES) + "."
    )
    source_kind = "csv"

    def add_source_arguments(self, parser) -> None:
        parser.add_argument("entity", choices=list(ENTITIES), help="The API resource path.")
        parser.add_argument("path", help="The CSV file (UTF-8, with or without a BOM).")

    def describe_source(self, options: dict) -> str:
        return f"{options['entity']} from {options['path']}"

    def run(self, options, report, progress) -> None:
        path = options["path"]
        source = f"import:csv:{Path(path).name}"
        run = CsvImport(
            ENTITIES[options["entity"]],
            report,
            source=source,
            overwrite=options["overwrite"],
            dry_run=options["dry_run"],
            strict=options["strict"],
            batch_size=options["batch_size"],
            progress=progress,
        )
        with acting_as(options["actor"], source=source):
            run.run(read_source(path), path)
