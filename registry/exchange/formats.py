"""The files of the exchange: what ``manage.py export`` writes and ``import_csv`` reads.

**Export** rows are exactly the API serializer's output for each object the API lists,
by primary key. In a CSV the header is the field names and a cell holds the value as
text: nested values (metadata, lists, nested objects) as compact JSON, None as an
empty cell, booleans as ``true``/``false``. JSON is one array, JSONL one object a line.

A text cell a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a
carriage return: ``=HYPERLINK(…)`` in an asset's name) is written with a ``'`` before it,
as OWASP advises against CSV injection, and so is one that starts with ``'``; the import
takes that one ``'`` off again, so a file exported and imported keeps every value.

**Import** reads a CSV (``read_csv``) or the first sheet of an XLSX workbook
(``read_xlsx``, the admin imports both) into the same rows.
"""

import csv
import datetime
import io
import json
import re
import zipfile
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rest_framework.utils.encoders import JSONEncoder

from registry.importing import MAX_SOURCE_BYTES, SourceError

if TYPE_CHECKING:
    from registry.exchange.entities import Entity

EXPORT_FORMATS = ("csv", "json", "jsonl")
DEFAULT_CHUNK_SIZE = 1000


@dataclass
class Row:
    line: int  # the CSV line the record starts on (XLSX: its row); the header is line 1
    cells: dict[str, str]


# The header, the rows and the records of the wrong width (line, reason) of a file.
Table = tuple[list[str], list[Row], list[tuple[int, str]]]


# ---- export ---------------------------------------------------------------------------


# What a spreadsheet runs as a formula at the start of a cell, and the quote that escapes it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def cell(value: Any) -> str:
    """A value of a serializer's output as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return without_formula(str(value))


def without_formula(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: a ``'`` before a formula's first character
    (or before a leading ``'``, so that the import can take exactly one off). A plain
    number such as ``-1.5`` is a number to a spreadsheet, not a formula."""
    if text.startswith((*FORMULA_STARTS, ESCAPE)) and not _PLAIN_NUMBER.fullmatch(text):
        return ESCAPE + text
    return text


def with_formula(text: str) -> str:
    """The value ``without_formula`` escaped: the one ``'`` it put before it taken off."""
    if text.startswith(ESCAPE) and text[1:].startswith((*FORMULA_STARTS, ESCAPE)):
        return text[1:]
    return text


def export(
    entity: "Entity",
    fmt: str,
    write: Callable[[str], None],
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    pks: Iterable | None = None,
) -> int:
    """Write every row of ``entity`` (or those of ``pks``, as ``export_rows`` takes them)
    in ``fmt`` through ``write``; returns the row count."""
    chunks = export_chunks(entity, fmt, chunk_size, pks)
    while True:
        try:
            write(next(chunks))
        except StopIteration as end:
            return end.value


def export_chunks(
    entity: "Entity", fmt: str, chunk_size: int = DEFAULT_CHUNK_SIZE, pks: Iterable | None = None
) -> Generator[str, None, int]:
    """The export of ``entity`` (or of the rows of ``pks``) in ``fmt``, as text a chunk of
    ``chunk_size`` rows at a time, read from the database as it goes; the generator
    returns the row count. What a streamed download sends: the whole file is never in
    memory."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Unknown format {fmt}: use one of {', '.join(EXPORT_FORMATS)}.")
    count = 0
    rows = entity.export_rows(chunk_size, pks)
    buffer = io.StringIO()
    if fmt == "csv":
        columns = entity.columns()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        if fmt == "csv":
            writer.writerow([cell(row[name]) for name in columns])
        else:
            if fmt == "json":
                buffer.write("[\n" if count == 1 else ",\n")
            buffer.write(json.dumps(row, cls=JSONEncoder, ensure_ascii=False))
            if fmt == "jsonl":
                buffer.write("\n")
        if count % chunk_size == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if fmt == "json":
        buffer.write("\n]\n" if count else "[]\n")
    if buffer.tell():
        yield buffer.getvalue()
    return count


# ---- import ---------------------------------------------------------------------------


def read_csv(data: bytes, what: str) -> Table:
    """The header, the rows and the records of the wrong width (line, reason) of a CSV
    file (UTF-8, with or without a byte order mark). SourceError if it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(f"{what} is not UTF-8 text: {error}") from None
    if "\x00" in text:
        raise SourceError(f"{what} holds NUL bytes: it is not a CSV file.")
    # A cell may be as long as the file (a long description); the module's limit is global.
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    # strict: a stray quote is an error, not a cell that silently swallows the lines after.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, malformed = [], []
    start = 1  # the line the record being read starts on
    try:
        header = next(reader, None)
        if header is None:
            raise SourceError(f"{what} is empty: a CSV file starts with its header line.")
        header = [name.strip() for name in header]
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record:
                continue
            if len(record) != len(header):
                malformed.append(
                    (line, f"{len(record)} cells, but the header names {len(header)} columns.")
                )
                continue
            cells = map(with_formula, record)
            rows.append(Row(line, dict(zip(header, cells, strict=True))))
    except csv.Error as error:
        raise SourceError(f"{what} is not CSV: {quote_error_text(error, start, reader)}") from None
    return header, rows, malformed


def quote_error_text(error: csv.Error, start: int, reader) -> str:
    """What the csv module's complaint means, at the line a person should look at."""
    if "unexpected end of data" in str(error):
        return (
            f"line {start}: a quoted cell opens on this line and is never closed (a missing "
            'closing quote "), so the rest of the file would be one cell.'
        )
    if "expected after" in str(error):
        return (
            f"line {reader.line_num}: text follows the closing quote of a quoted cell (a quote "
            'inside a quoted cell is written twice: "say ""hi""").'
        )
    return f"line {reader.line_num}: {error}."


def xlsx_cell(value: Any) -> str:
    """A spreadsheet cell's value as the text a CSV export holds for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 18, not 18.0: a sheet may store a whole number as 18.0
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, what: str, max_unpacked: int = MAX_SOURCE_BYTES) -> Table:
    """What ``read_csv`` returns, from the first sheet of an XLSX workbook: row 1 is the
    header, a row's line is its row number and each cell is read as ``xlsx_cell``.
    Trailing empty cells are not stored in a sheet, so a short row is padded."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise SourceError(f"{what} is not an XLSX workbook (not a zip archive).") from None
    if unpacked > max_unpacked:  # a small file can unpack to gigabytes
        raise SourceError(f"{what} unpacks to more than {max_unpacked} bytes.")
    from openpyxl import load_workbook  # a tenth of a second to import; only XLSX needs it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            records = [
                [with_formula(xlsx_cell(value)) for value in record]
                for record in workbook.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            workbook.close()
    except Exception as error:  # openpyxl reports a damaged workbook with what its parser raises
        raise SourceError(f"{what} is not an XLSX workbook: {error}") from None

    def trimmed(cells: list[str]) -> list[str]:
        while cells and cells[-1] == "":
            cells = cells[:-1]
        return cells

    header = trimmed([name.strip() for name in records[0]]) if records else []
    if not header:
        raise SourceError(f"{what} is empty: the first row of its first sheet is the header.")
    rows, malformed = [], []
    for line, record in enumerate(records[1:], start=2):
        cells = trimmed(record)
        if not cells:
            continue
        if len(cells) > len(header):
            malformed.append(
                (line, f"{len(cells)} cells, but the header names {len(header)} columns.")
            )
            continue
        cells += [""] * (len(header) - len(cells))
        rows.append(Row(line, dict(zip(header, cells, strict=True))))
    return header, rows, malformed
