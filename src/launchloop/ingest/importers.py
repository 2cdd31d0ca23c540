"""Bulk import of event files (CSV, JSONL, Parquet) through the same validation and writer.

A file is streamed, never loaded whole: each row becomes a canonical event dict (``event``,
``distinct_id``, ``timestamp``, ``uuid``, ``properties``), chunks of rows go through
:func:`launchloop.ingest.pipeline.prepare` and :meth:`GroupWriter.write_sync`. A bad row is
reported with its line number (row number for Parquet) while the good rows are stored (issue 2).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, get_args

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from launchloop.errors import InvalidInput
from launchloop.ingest.pipeline import prepare
from launchloop.ingest.writer import GroupWriter

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = get_args(Format)
#: Canonical fields a column can fill; any other column becomes a property.
CANONICAL_FIELDS: tuple[str, ...] = ("event", "distinct_id", "timestamp", "uuid")
EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: ``on_progress(bytes_done, bytes_total)``; Parquet reports the share of rows read as bytes.
Progress = Callable[[int, int], None]

_NUMBER = re.compile(r"\d+(\.\d+)?")
_BOM = b"\xef\xbb\xbf"


class BadRow(NamedTuple):
    """A row that was not stored: its 1-based line (row for Parquet), the field and why."""

    line: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read, events accepted and committed, bad rows in line order."""

    rows_read: int
    events_stored: int
    bad_rows: tuple[BadRow, ...]

    @property
    def failed(self) -> bool:
        """True when nothing could be stored and some rows were bad."""
        return self.events_stored == 0 and bool(self.bad_rows)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of a file: its line (row for Parquet) and its values by column name."""

    line: int
    columns: dict[str, Any]


@dataclass(slots=True)
class _Reading:
    """An open file being read, and how far (in bytes) the reading went."""

    file: IO[bytes]
    size: int
    batch_rows: int
    done: int = 0


def format_for_path(path: Path) -> Format:
    """The format named by a file's extension (``.csv``, ``.jsonl``/``.ndjson``, ``.parquet``)."""
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(
            "format", f"cannot tell from the extension {path.suffix!r}: give csv, jsonl or parquet"
        )
    return found


class FieldMap:
    """Where each file column goes: a canonical field, ``properties`` (merged) or a property."""

    def __init__(self, mapping: dict[str, str]) -> None:
        for column, target in mapping.items():
            _check_target(column, target)
        repeated = [target for target, n in Counter(mapping.values()).items() if n > 1]
        if repeated:
            raise InvalidInput("map", f"several columns map to {repeated[0]!r}")
        self.mapping = dict(mapping)
        self._taken = set(mapping.values())
        self._targets: dict[str, str] = {}

    def check_columns(self, columns: Iterable[str]) -> None:
        """Refuse a mapping that names a column the file does not have."""
        names = list(columns)
        missing = [column for column in self.mapping if column not in names]
        if missing:
            raise InvalidInput("map", f"column {missing[0]!r} is not in the file ({names})")

    def target(self, column: str) -> str:
        """The field a column fills (an explicit mapping wins over a same-named column)."""
        found = self._targets.get(column)
        if found is None:
            found = self.mapping.get(column) or _default_target(column, self._taken)
            self._targets[column] = found
        return found

    def event(self, row: SourceRow) -> dict[str, Any] | BadRow:
        """The canonical event of a row; ``None`` values (empty CSV cells) are left out."""
        event: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        properties: dict[str, Any] = {}
        # Mapped columns go last so that they win over a same-named unmapped column.
        ordered = row.columns.items()
        if self.mapping:
            ordered = sorted(ordered, key=lambda item: item[0] in self.mapping)  # type: ignore[assignment]
        for column, value in ordered:
            if value is None:
                continue
            target = self.target(column)
            if target == "properties":
                found = _properties_object(value)
                if found is None:
                    return BadRow(row.line, column, "must hold a JSON object of properties")
                merged.update(found)
            elif target.startswith("properties."):
                properties[target.removeprefix("properties.")] = value
            else:
                event[target] = _timestamp(value) if target == "timestamp" else value
        event["properties"] = {**merged, **properties}
        return event


def _check_target(column: str, target: str) -> None:
    if not column:
        raise InvalidInput("map", "a column name must not be empty")
    name = target.removeprefix("properties.")
    if target in (*CANONICAL_FIELDS, "properties") or (target.startswith("properties.") and name):
        return
    raise InvalidInput(
        "map",
        f"{column}={target}: the field must be one of {', '.join(CANONICAL_FIELDS)}, "
        "properties or properties.NAME",
    )


def _default_target(column: str, taken: set[str]) -> str:
    if column in (*CANONICAL_FIELDS, "properties") and column not in taken:
        return column
    return f"properties.{column}"


def _properties_object(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, str | bytes):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def _timestamp(value: Any) -> Any:
    """Digits in a text cell are epoch milliseconds, as validation expects of a number."""
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    return value


def _csv_rows(reading: _Reading, fields: FieldMap) -> Iterator[SourceRow | BadRow]:
    lines = _TextLines(reading)
    reader = csv.reader(lines)
    header = _csv_header(reader, lines)
    if header is None:
        return
    fields.check_columns(header)
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield BadRow(start, "row", f"is not valid CSV: {error}")
            continue
        if lines.invalid_between(start, reader.line_num):
            yield BadRow(start, "row", "is not valid UTF-8")
        elif not values:
            continue  # a blank line
        elif len(values) != len(header):
            yield BadRow(start, "row", f"has {len(values)} values, the header has {len(header)}")
        else:
            yield SourceRow(start, {h: v or None for h, v in zip(header, values, strict=True)})


def _csv_header(reader: Any, lines: _TextLines) -> list[str] | None:
    try:
        header: list[str] | None = next(reader, None)
    except csv.Error as error:
        raise InvalidInput("file", f"the CSV header is not valid: {error}") from None
    if header is None:
        return None
    if lines.invalid_between(1, reader.line_num):
        raise InvalidInput("file", "the CSV header is not valid UTF-8")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InvalidInput("file", f"the CSV header repeats the column {duplicated[0]!r}")
    return header


class _TextLines:
    """Decoded lines of a binary file, remembering which ones were not valid UTF-8."""

    def __init__(self, reading: _Reading) -> None:
        self.reading = reading
        self.invalid: list[int] = []

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.reading.file, start=1):
            self.reading.done += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.invalid.append(number)
                text = raw.decode("utf-8", "replace")
            yield text.removeprefix("\ufeff") if number == 1 else text

    def invalid_between(self, first: int, last: int) -> bool:
        """Whether a line in ``first..last`` was not UTF-8 (forgets lines up to ``last``)."""
        found = any(first <= number <= last for number in self.invalid)
        self.invalid = [number for number in self.invalid if number > last]
        return found


def _jsonl_rows(reading: _Reading, fields: FieldMap) -> Iterator[SourceRow | BadRow]:
    for number, raw in enumerate(reading.file, start=1):
        reading.done += len(raw)
        line = raw.removeprefix(_BOM) if number == 1 else raw
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield BadRow(number, "row", _json_problem(line, error))
            continue
        if not isinstance(value, dict):
            yield BadRow(number, "row", "must be a JSON object")
            continue
        yield SourceRow(number, value)


def _json_problem(line: bytes, error: orjson.JSONDecodeError) -> str:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return "is not valid UTF-8"
    return f"is not valid JSON: {error}"


def _parquet_rows(reading: _Reading, fields: FieldMap) -> Iterator[SourceRow | BadRow]:
    try:
        parquet = pq.ParquetFile(reading.file)
    except (pa.ArrowException, OSError) as error:
        raise InvalidInput("file", f"is not a Parquet file: {error}") from None
    fields.check_columns(parquet.schema_arrow.names)
    total = max(parquet.metadata.num_rows, 1)
    number = 0
    for batch in parquet.iter_batches(batch_size=reading.batch_rows):
        reading.done = reading.size * (number + batch.num_rows) // total
        for values in batch.to_pylist():
            number += 1
            yield SourceRow(number, {name: _plain(value) for name, value in values.items()})


def _plain(value: Any) -> Any:
    """A Parquet value as JSON can hold it (times as ISO-8601, decimals as floats)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


_READERS: dict[Format, Callable[[_Reading, FieldMap], Iterator[SourceRow | BadRow]]] = {
    "csv": _csv_rows,
    "jsonl": _jsonl_rows,
    "parquet": _parquet_rows,
}


@dataclass(slots=True)
class _Tally:
    """Counts so far, and the events waiting to be written with the line each came from."""

    rows_read: int = 0
    events_stored: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def write(self, *, project_id: int, writer: GroupWriter, max_bytes: int) -> None:
        """Validate the waiting events, record rejections as bad rows, commit the rest."""
        if not self.events:
            return
        prepared = prepare(self.events, project_id=project_id, max_event_bytes=max_bytes)
        for rejected in prepared.rejections:
            self.bad_rows.append(
                BadRow(self.lines[rejected.index], rejected.field, rejected.reason)
            )
        if prepared.accepted:
            self.events_stored += writer.write_sync(prepared.batch)
        self.events.clear()
        self.lines.clear()


def import_events(
    path: Path | str,
    *,
    fmt: Format,
    mapping: dict[str, str],
    project_id: int,
    writer: GroupWriter,
    max_event_bytes: int,
    chunk_rows: int = 10_000,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Stream a file of events into a project; bad rows are reported, good rows stored.

    :param fmt: ``csv`` (a header line first), ``jsonl`` (one JSON object per line) or ``parquet``.
    :param mapping: file column -> ``event``, ``distinct_id``, ``timestamp``, ``uuid``,
        ``properties`` (a JSON object merged in) or ``properties.NAME``. Unmapped columns named
        like a canonical field fill it; every other column becomes a property.
    :param chunk_rows: rows validated and committed together.
    :raises InvalidInput: unknown format, missing file, bad mapping, unreadable header.
    """
    source = _check_file(Path(path))
    if fmt not in FORMATS:
        raise InvalidInput("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    if chunk_rows < 1:
        raise InvalidInput("chunk_rows", "must be at least 1")
    fields = FieldMap(mapping)
    # Property values may be as long as an event may be; the csv module's default is 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), max_event_bytes))
    tally = _Tally()

    def flush() -> None:
        tally.write(project_id=project_id, writer=writer, max_bytes=max_event_bytes)
        if on_progress is not None:
            on_progress(reading.done, reading.size)

    with source.open("rb") as file:
        reading = _Reading(file, source.stat().st_size, chunk_rows)
        for item in _READERS[fmt](reading, fields):
            tally.rows_read += 1
            event = fields.event(item) if isinstance(item, SourceRow) else item
            if isinstance(event, BadRow):
                tally.bad_rows.append(event)
                continue
            tally.events.append(event)
            tally.lines.append(item.line)
            if len(tally.events) >= chunk_rows:
                flush()
        reading.done = reading.size
        flush()
    bad = tuple(sorted(tally.bad_rows, key=lambda row: row.line))
    return ImportReport(tally.rows_read, tally.events_stored, bad)


def _check_file(path: Path) -> Path:
    if not path.exists():
        raise InvalidInput("file", f"{str(path)!r} does not exist")
    if not path.is_file():
        raise InvalidInput("file", f"{str(path)!r} is not a file")
    return path
