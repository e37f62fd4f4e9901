"""What every importer shares: reading a source, reporting, batches, the command base.

An importer is two steps, so that ``--dry-run`` can stop between them and write nothing:

1. **plan**: parse the source, check each item, look up what already exists by natural
   key (in bulk), and decide per item: create, update, unchanged or rejected (with the
   item's index or line and the reason);
2. **apply**: write the plan through the apps' services in batches, each batch one
   transaction (``--strict``: the whole import one transaction, and any rejected item
   rejects all), so events go through the outbox and exactly the affected hot keys are
   invalidated.

``ImportCommand`` gives every importer the same options and output: ``--dry-run``,
``--strict``, ``--json``, ``--batch-size``, ``--overwrite`` and a progress bar on a
terminal.
"""

import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from registry.actors import acting_as
from registry.exceptions import RegistryError

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 1000
MAX_SOURCE_BYTES = 200 * 1024 * 1024
URL_TIMEOUT_SECONDS = 30


class SourceError(Exception):
    """The source as a whole cannot be imported (unreadable, not this format): nothing is."""


@dataclass
class Rejection:
    item: str  # "token 12", "line 7", "market BTC/USD"
    reason: str

    def __str__(self) -> str:
        return f"{self.item}: {self.reason}"


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Fields an import left alone because a person set them (see assets.provenance).
    kept: Counter = field(default_factory=Counter)
    items: int = 0  # how many items (tokens, chains, markets, lines) the source holds
    seconds: float = 0.0

    def reject(self, item: str, reason: str) -> None:
        self.rejected.append(Rejection(item, reason))

    @property
    def wrote(self) -> bool:
        return not self.dry_run and bool(sum(self.created.values()) + sum(self.updated.values()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "created": _nonzero(self.created),
            "updated": _nonzero(self.updated),
            "unchanged": _nonzero(self.unchanged),
            "kept_manual_fields": _nonzero(self.kept),
            "rejected": [{"item": r.item, "reason": r.reason} for r in self.rejected],
            "warnings": self.warnings,
            "items": self.items,
            "seconds": round(self.seconds, 3),
            "items_per_second": round(self.items / self.seconds) if self.seconds else None,
        }

    def summary(self) -> list[str]:
        def counts(counter: Counter) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items()) if n) or "none"

        verb = "would be " if self.dry_run else ""
        rate = f", {self.items / self.seconds:,.0f}/s" if self.seconds else ""
        lines = [
            f"{self.source}{' (dry run: nothing written)' if self.dry_run else ''}",
            f"  {self.items:,} items in {self.seconds:.2f} s{rate}",
            f"  {verb}created: {counts(self.created)}",
            f"  {verb}updated: {counts(self.updated)}",
            f"  unchanged: {counts(self.unchanged)}",
        ]
        if self.kept:
            lines.append(f"  kept (set by hand; --overwrite replaces): {counts(self.kept)}")
        lines.append(f"  rejected: {len(self.rejected)}")
        lines += [f"    {rejection}" for rejection in self.rejected]
        if self.warnings:
            lines.append(f"  warnings: {len(self.warnings)}")
            lines += [f"    {warning}" for warning in self.warnings]
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
    try:
        return json.loads(read_source(path_or_url))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(f"{path_or_url} is not JSON: {error}") from None


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def error_text(error: Exception) -> str:
    """One line for a refused write: the fields and their reasons, or the domain error."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{name}: {' '.join(str(m) for e in errors for m in e.messages)}"
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


class ImportCommand(BaseCommand):
    """Base of the import commands. Subclasses define ``add_source_arguments`` and
    ``run(options, report, progress) -> None`` (plan, then apply unless dry run)."""

    source_kind = "import"

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
            help="All or nothing: any rejected item (or warning-free refusal) imports nothing.",
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

    def run(self, options: dict, report: ImportReport, progress: "Progress") -> None:
        raise NotImplementedError  # pragma: no cover - overridden

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
        if options["strict"] and report.rejected:
            raise CommandError(f"{len(report.rejected)} items rejected; nothing imported.")


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
