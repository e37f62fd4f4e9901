"""manage.py export ENTITY: every row of an entity, as the API shows it (CSV, JSON, JSONL)."""

from django.core.management.base import BaseCommand, CommandError

from registry.exchange.entities import ENTITIES
from registry.exchange.formats import DEFAULT_CHUNK_SIZE, EXPORT_FORMATS, export


class Command(BaseCommand):
    help = (
        "Export every row of an entity, exactly as the API serializes it, by primary key. "
        "CSV: the API's field names as the header, nested values as JSON, None as an empty "
        "cell; `import_csv` reads it back. JSON: one array; JSONL: one object a line."
    )

    def add_arguments(self, parser):
        parser.add_argument("entity", choices=list(ENTITIES), help="The API resource path.")
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
        parser.add_argument("--output", help="Write to this file (default: standard output).")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help="Rows read from the database at a time.",
        )

    def handle(self, *args, entity: str, output: str | None, **options) -> None:
        fmt, chunk_size = options["format"], options["chunk_size"]
        if chunk_size < 1:
            raise CommandError("--chunk-size: must be at least 1.")
        if output is None:
            export(ENTITIES[entity], fmt, self._write, chunk_size)
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as file:
                count = export(ENTITIES[entity], fmt, file.write, chunk_size)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from None
        self.stderr.write(f"Exported {count} {entity} to {output}.")

    def _write(self, text: str) -> None:
        self.stdout.write(text, ending="")
