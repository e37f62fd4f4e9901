"""What every importer shares: reading a source, reporting, batches, the command base.

An importer is a module ``<app>/importers/<source>.py``, one per source format, of two
functions, so that ``--dry-run`` can stop between them and write nothing (``Importer``,
``run_import``):

1. ``plan(data, *, report, **options) -> Plan``: check the parsed source (SourceError
   when it is not of its format) and each item, look up what already exists by natural
   key (in bulk), and decide per item: create, update, unchanged or rejected (an
   ``ItemRejected`` recorded in the report with the item's index or line and the
   reason);
2. ``apply(plan, *, report, batch_size, strict, progress)``: write the plan through the
   apps' services in batches, each batch one transaction (``--strict``: the whole import
   one transaction, and any rejected item rejects all), so events go through the outbox
   and exactly the affected hot keys are invalidated.

A dry run is the plan: the plan checks every row it would write with the validation
the write runs (``registry.services.check_create``, ``check_update``,
``bulk_create_errors``), so a dry run's counts and verdicts are the real run's.

``ImportCommand`` gives every importer the same options and output: ``--dry-run``,
``--strict``, ``--json``, ``--batch-size``, ``--overwrite`` and a progress bar on a
terminal. Its exit status is non-zero when nothing could be imported (every item
rejected), and under ``--strict`` when anything was rejected; a dry run exits as the
real run would.
"""

import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from registry.actors import acting_as, current_actor
from registry.exceptions import RegistryError

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 1000
MAX_SOURCE_BYTES = 200 * 1024 * 1024
URL_TIMEOUT_SECONDS = 30
WARNING_EXAMPLES = 5  # examples shown per group of like warnings
CHANGES_SHOWN = 100  # changes the text report names per kind (--json names all)
EXCERPT_WIDTH = 70  # characters of the offending line a syntax error shows


class SourceError(Exception):
    """The source as a whole cannot be imported (unreadable, not this format): nothing is."""


class SourceSyntaxError(SourceError):
    """The source breaks its format's syntax (JSON, CSV): where, what, and the line.

    ``str()`` reads "list.json is not valid JSON: line 3, column 14: expected a comma
    between two values", then the line with a caret under the column.
    """

    def __init__(
        self,
        source: str,
        format_name: str,
        problem: str,
        *,
        line: int | None = None,
        column: int | None = None,
        text: str | None = None,
    ) -> None:
        self.source, self.format_name, self.problem = source, format_name, problem
        self.line, self.column = line, column
        where = ""
        if line is not None:
            where = f"line {line}" + (f", column {column}" if column is not None else "") + ": "
        message = f"{source} is not valid {format_name}: {where}{problem}"
        if text is not None:
            message += "\n" + _excerpt(text, column)
        super().__init__(message)


def _excerpt(text: str, column: int | None) -> str:
    """The offending line (a window of it, when long) and a caret under ``column``."""
    text = text.rstrip("\r\n").expandtabs(1)
    start = 0
    if column is not None and len(text) > EXCERPT_WIDTH:
        start = max(0, min(column - 1 - EXCERPT_WIDTH // 2, len(text) - EXCERPT_WIDTH))
    shown = ("…" if start else "") + text[start : start + EXCERPT_WIDTH]
    shown += "…" if start + EXCERPT_WIDTH < len(text) else ""
    lines = f"    {shown}"
    if column is not None:
        lines += "\n    " + " " * (column - 1 - start + (1 if start else 0)) + "^"
    return lines


class ItemRejected(Exception):
    """One item of a source (a token, a chain, a market, a CSV row) cannot be imported;
    the message says why, naming the field where one is at fault. Every importer raises
    this one error; the run records it as a ``Rejection`` and goes on."""


@dataclass
class Rejection:
    item: str  # "token 12", "line 7", "market BTC/USD", "chainId 5 (614 tokens: …)"
    reason: str
    count: int = 1  # the items it covers: one rejection may name 614 tokens

    def __str__(self) -> str:
        return f"{self.item}: {self.reason}"


@dataclass
class PlannedChange:
    """A named change of the run (what a dry run would do), for the report."""

    action: str  # "create", "update", "replace"
    entity: str  # "chain", "asset", "venue symbol"
    item: str  # "eth (chain 0, Ethereum Mainnet)"
    fields: tuple[str, ...] = ()


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    # Warnings said once; ``warn`` groups the ones said of many items.
    warnings: list[str] = field(default_factory=list)
    # Fields an import left alone because a person set them (field provenance, docs/IMPORT.md).
    kept: Counter = field(default_factory=Counter)
    # Facts on which the source disagrees with another one (registry.provenance), by
    # fact; a real run counts the DATA_CONFLICT flags it raised, a dry run the conflicts.
    conflicts: Counter = field(default_factory=Counter)
    items: int = 0  # how many items (tokens, chains, markets, lines) the source holds
    seconds: float = 0.0
    # Facts about how the source was read ("chain ids: the Solana token-list clusters").
    notes: list[str] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    _grouped: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _grouped_counts: Counter = field(default_factory=Counter, repr=False)
    _last_example: dict[str, str | None] = field(default_factory=dict, repr=False)

    def reject(self, item: str, reason: str, count: int = 1) -> None:
        """``item`` is refused for ``reason``; ``count`` items when it names several."""
        self.rejected.append(Rejection(item, reason, count))

    def warn(self, kind: str, example: str | None = None) -> None:
        """A warning said of many items reads as one line: the kind, how many, examples.
        The same example again in a row is the same item (a token with two bad tags)."""
        if example is not None and self._last_example.get(kind) == example:
            return
        self._last_example[kind] = example
        self._grouped_counts[kind] += 1
        examples = self._grouped.setdefault(kind, [])
        if example is not None and len(examples) < WARNING_EXAMPLES:
            examples.append(example)

    def change(self, action: str, entity: str, item: str, fields: Iterable[str] = ()) -> None:
        self.changes.append(PlannedChange(action, entity, item, tuple(fields)))

    @property
    def rejected_items(self) -> int:
        return sum(rejection.count for rejection in self.rejected)

    @property
    def imported_nothing(self) -> bool:
        """The source had items and none was imported or found already there."""
        accepted = self.created.total() + self.updated.total() + self.unchanged.total()
        return self.items > 0 and not accepted

    @property
    def wrote(self) -> bool:
        return not self.dry_run and bool(sum(self.created.values()) + sum(self.updated.values()))

    def warning_lines(self) -> list[str]:
        lines = list(self.warnings)
        for kind, examples in self._grouped.items():
            count = self._grouped_counts[kind]
            if count == 1:
                lines.append(f"{kind}: {examples[0]}" if examples else kind)
                continue
            shown = ", ".join(examples)
            more = f" and {count - len(examples):,} more" if count > len(examples) else ""
            lines.append(f"{kind} ({count:,}{': ' + shown + more if shown else ''})")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "notes": self.notes,
            "created": _nonzero(self.created),
            "updated": _nonzero(self.updated),
            "unchanged": _nonzero(self.unchanged),
            "kept_manual_fields": _nonzero(self.kept),
            "conflicts": _nonzero(self.conflicts),
            "changes": [
                {"action": c.action, "entity": c.entity, "item": c.item, "fields": list(c.fields)}
                for c in self.changes
            ],
            "rejected": [
                {"item": r.item, "reason": r.reason, **({"count": r.count} if r.count > 1 else {})}
                for r in self.rejected
            ],
            "rejected_items": self.rejected_items,
            "warnings": self.warning_lines(),
            "items": self.items,
            "seconds": round(self.seconds, 3),
            "items_per_second": round(self.items / self.seconds) if self.seconds else None,
        }

    def summary(self) -> list[str]:
        def counts(counter: Counter) -> str:
            return ", ".join(f"{n:,} {kind}" for kind, n in sorted(counter.items()) if n) or "none"

        verb = "would be " if self.dry_run else ""
        rate = f", {self.items / self.seconds:,.0f}/s" if self.seconds else ""
        lines = [
            f"{self.source}{' (dry run: nothing written)' if self.dry_run else ''}",
            f"  {self.items:,} items in {self.seconds:.2f} s{rate}",
            *(f"  {note}" for note in self.notes),
            f"  {verb}created: {counts(self.created)}",
            f"  {verb}updated: {counts(self.updated)}",
            f"  unchanged: {counts(self.unchanged)}",
        ]
        if self.kept:
            lines.append(f"  kept (set by hand; --overwrite replaces): {counts(self.kept)}")
        if self.conflicts:
            said = "conflicts with other sources" if self.dry_run else "DATA_CONFLICT flags raised"
            lines.append(f"  {said}: {counts(self.conflicts)}")
        lines += self._change_lines()
        lines.append(f"  rejected: {self.rejected_items:,}")
        lines += [f"    {rejection}" for rejection in self.rejected]
        warnings = self.warning_lines()
        if warnings:
            lines.append(f"  warnings: {len(warnings):,}")
            lines += [f"    {warning}" for warning in warnings]
        return lines

    def _change_lines(self) -> list[str]:
        """Per kind of change: each item (and the fields an update sets), the first
        CHANGES_SHOWN of them."""
        by_kind: dict[tuple[str, str], list[PlannedChange]] = {}
        for change in self.changes:
            by_kind.setdefault((change.action, change.entity), []).append(change)
        lines = []
        for (action, entity), changes in by_kind.items():
            past = f"{action}d" if action.endswith("e") else f"{action}ed"  # created, delisted
            said = f"would {action}" if self.dry_run else past
            lines.append(f"  {said} {entity}s: {len(changes):,}")
            for change in changes[:CHANGES_SHOWN]:
                fields = f": {', '.join(change.fields)}" if change.fields else ""
                lines.append(f"    {change.item}{fields}")
            if len(changes) > CHANGES_SHOWN:
                lines.append(
                    f"    … and {len(changes) - CHANGES_SHOWN:,} more (--json lists every one)"
                )
        return lines


def _nonzero(counter: Counter) -> dict:
    return {kind: n for kind, n in sorted(counter.items()) if n}


def read_source(path_or_url: str) -> bytes:
    """The bytes of a local file or an http(s) URL; SourceError saying why not."""
    if path_or_url.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(path_or_url, timeout=URL_TIMEOUT_SECONDS) as response:
                data = response.read(MAX_SOURCE_BYTES + 1)
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise SourceError(f"cannot fetch {path_or_url}: {error}") from None
    else:
        path = Path(path_or_url)
        if not path.is_file():
            raise SourceError(f"no such file: {path_or_url}")
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise SourceError(f"{path_or_url} is larger than {MAX_SOURCE_BYTES} bytes")
        data = path.read_bytes()
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(f"{path_or_url} is larger than {MAX_SOURCE_BYTES} bytes")
    return data


def read_json(path_or_url: str) -> Any:
    """The parsed JSON of a file or URL; SourceSyntaxError saying where it is broken."""
    return parse_json(read_source(path_or_url), path_or_url)


def parse_json(data: bytes, source: str) -> Any:
    """``data`` parsed as JSON (UTF-8); SourceSyntaxError saying where it is broken."""
    text = decode_utf8(data, source, "JSON")
    try:
        return json.loads(text)
    except RecursionError:
        # "[[[[…" a few thousand deep: the parser gives up, as the import must, not crash.
        raise SourceSyntaxError(
            source, "JSON", "values are nested too deeply (thousands of [ or { levels)"
        ) from None
    except json.JSONDecodeError as error:
        lines = text.splitlines() or [""]
        line = lines[error.lineno - 1] if error.lineno <= len(lines) else ""
        raise SourceSyntaxError(
            source,
            "JSON",
            _json_problem(error.msg),
            line=error.lineno,
            column=error.colno,
            text=line,
        ) from None


def decode_utf8(data: bytes, source: str, format_name: str) -> str:
    """``data`` as text (a UTF-8 byte-order mark dropped); SourceSyntaxError naming the
    line and column of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise SourceSyntaxError(
            source,
            format_name,
            f"byte 0x{data[error.start]:02x} is not UTF-8 text (save the file as UTF-8)",
            line=line,
            column=column,
        ) from None


# json's messages, in words a steward reads without knowing the parser.
_JSON_PROBLEMS = {
    "Expecting value": "expected a value (a string, number, object, array, true, false or null)",
    "Expecting ',' delimiter": "expected a comma between two values",
    "Expecting ':' delimiter": "expected a colon after the key",
    "Expecting property name enclosed in double quotes": (
        "expected a key in double quotes (a trailing comma, or a key in single quotes?)"
    ),
    "Unterminated string starting at": "a string is never closed (a missing double quote?)",
    "Invalid control character at": "a string holds a raw line break or control character",
    "Extra data": "more follows the end of the JSON value (two documents, or a stray bracket?)",
    "Invalid \\escape": "a backslash escape that JSON does not know",
}


def _json_problem(message: str) -> str:
    for known, said in _JSON_PROBLEMS.items():
        if message.startswith(known):
            return said
    return message


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def error_text(error: Exception) -> str:
    """One line for a refused write: the fields and their reasons, or the domain error."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                # A rule of the whole row (NON_FIELD_ERRORS, "__all__") is said without it.
                f"{'' if name == NON_FIELD_ERRORS else name + ': '}"
                f"{' '.join(str(m) for e in errors for m in e.messages)}"
                for name, errors in error.error_dict.items()
            )
        return " ".join(error.messages)
    return str(error)


class StrictAbort(Exception):
    """Raised inside the strict transaction to roll it back."""


def apply_in_batches(
    items: Sequence[T],
    write: Callable[[Sequence[T]], None],
    *,
    batch_size: int,
    strict: bool,
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    """Run ``write`` on each batch in a transaction of its own; under ``strict`` all
    batches share one transaction (the caller rolls it back if anything was rejected)."""
    if strict:
        for batch in batched(items, batch_size):
            write(batch)
            progress(len(batch))
        return
    for batch in batched(items, batch_size):
        with transaction.atomic():
            write(batch)
        progress(len(batch))


class Progress:
    """A tqdm bar on a terminal; nothing otherwise (logs and --json stay clean)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = None

    def start(self, total: int, description: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        self.close()
        self._bar = tqdm(total=total, desc=description, unit="row", file=sys.stderr)

    def __call__(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Plan(Protocol):
    """What every importer's plan offers the run (each importer module has its ``Plan``)."""

    # The provenance source its writes are attributed to (``import:<kind>:<list name>``);
    # "" keeps the command's (``import:<kind>``).
    source: str

    def count(self, report: ImportReport) -> None:
        """Count into ``report`` what applying the plan would create and update: what a
        dry run reports. What the plan found unchanged, it counted when planning."""


class Importer(Protocol):
    """An importer module, ``<app>/importers/<source>.py``."""

    def plan(self, data: Any, /, *, report: ImportReport, **options: Any) -> Plan:
        """Decide each item of the parsed source, reading only; SourceError when it is not
        of the importer's format, rejected items (ItemRejected) recorded in ``report``."""

    def apply(
        self,
        plan: Any,
        /,
        *,
        report: ImportReport,
        batch_size: int,
        strict: bool,
        progress: Progress,
    ) -> None:
        """Write ``plan`` through the services in batches, counting what it writes."""


def run_import(
    importer: Importer,
    data: Any,
    *,
    report: ImportReport,
    dry_run: bool = False,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    **options: Any,
) -> Plan:
    """Plan ``data`` with ``importer`` (``options`` are its plan's own), then apply the
    plan unless ``dry_run``, its writes attributed to the plan's source."""
    plan = importer.plan(data, report=report, **options)
    if dry_run:
        plan.count(report)
        return plan
    if strict and report.rejected:
        return plan  # all or nothing: the command reports that nothing was imported
    with acting_as(current_actor(), source=plan.source):
        importer.apply(
            plan,
            report=report,
            batch_size=batch_size,
            strict=strict,
            progress=progress or Progress(enabled=False),
        )
    return plan


class ImportCommand(BaseCommand):
    """Base of the import commands. Subclasses define ``add_source_arguments`` and either
    ``importer`` (the module whose plan and apply ``run`` calls on the JSON source) with
    ``plan_options``, or a ``run(options, report, progress) -> None`` of their own."""

    source_kind = "import"
    importer: Importer

    def add_arguments(self, parser):
        self.add_source_arguments(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created, updated, unchanged or rejected; write nothing.",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="All or nothing: if any item is rejected, nothing is imported and the "
            "command exits non-zero (with --dry-run: reports so and exits non-zero).",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace fields a person edited by hand (normally kept).",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--actor",
            default="service:importer",
            help="Who the changes are attributed to (default service:importer).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def add_source_arguments(self, parser) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def plan_options(self, options: dict) -> dict[str, Any]:
        """The importer's own options of its plan, from the command's."""
        return {}

    def run(self, options: dict, report: ImportReport, progress: Progress) -> None:
        """Plan the source, then apply the plan unless ``--dry-run`` (``run_import``)."""
        plan_options = self.plan_options(options)  # a bad option is said before the source
        run_import(
            self.importer,
            read_json(options["source"]),
            report=report,
            dry_run=options["dry_run"],
            strict=options["strict"],
            batch_size=options["batch_size"],
            progress=progress,
            **plan_options,
        )

    def describe_source(self, options: dict) -> str:
        return self.source_kind

    def handle(self, *args, **options) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size: must be at least 1.")
        report = ImportReport(source=self.describe_source(options), dry_run=options["dry_run"])
        show = not options["no_progress"] and not options["json"] and sys.stderr.isatty()
        progress = Progress(enabled=show)
        started = time.perf_counter()
        try:
            with acting_as(options["actor"], source=f"import:{self.source_kind}"):
                if options["strict"]:
                    try:
                        with transaction.atomic():
                            self.run(options, report, progress)
                            if report.rejected:
                                raise StrictAbort
                    except StrictAbort:
                        report.created.clear()
                        report.updated.clear()
                        report.warnings.append(
                            "--strict: nothing was imported because items were rejected."
                        )
                else:
                    self.run(options, report, progress)
        except SourceError as error:
            raise CommandError(f"Nothing imported: {error}") from None
        except (RegistryError, ValidationError) as error:  # a batch the database refused
            raise CommandError(f"Import stopped: {error_text(error)}") from None
        except DatabaseError as error:  # a rule no check caught; the batch rolled back
            raise CommandError(f"Import stopped by the database: {error}") from None
        finally:
            progress.close()
            report.seconds = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        else:
            for line in report.summary():
                self.stdout.write(line)
        exit_error = self.exit_error(report, strict=options["strict"])
        if exit_error:
            raise CommandError(exit_error)

    @staticmethod
    def exit_error(report: ImportReport, *, strict: bool) -> str | None:
        """Why the run fails (a non-zero exit), or None: under --strict, any rejection;
        always, a source none of whose items could be imported. A dry run fails as the
        real run would."""
        nothing = "nothing would be imported" if report.dry_run else "nothing imported"
        if strict and report.rejected:
            return f"{report.rejected_items} items rejected; {nothing}."
        if report.imported_nothing:
            if report.rejected:
                return (
                    f"{nothing.capitalize()}: all {report.items:,} items were rejected "
                    "(the report says why)."
                )
            return f"{nothing.capitalize()}: none of the {report.items:,} items was selected."
        return None
