"""Import help-desk exports (CSV, JSONL) with column presets: Zendesk, Intercom, Freshdesk, generic.

Each preset lists, per feedback field, the column names that export uses (matched without case,
spaces or underscores; nested JSON keys as ``via.channel``). The preset name is the items'
source, so a re-import of the same export skips the tickets already stored (external id).
Undecodable bytes are kept as escapes and refused per row, never for the whole file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from launchloop.errors import InvalidInput
from launchloop.feedback.items import add_items
from launchloop.knowledge.database import Database


@dataclass(frozen=True)
class Preset:
    """How one help desk names the columns of its export."""

    name: str
    kind: str
    #: feedback field -> candidate column names, the first present wins.
    columns: dict[str, tuple[str, ...]]
    #: fields joined (blank line between) into the item's text.
    text_parts: tuple[str, ...] = ("subject", "text")


PRESETS: dict[str, Preset] = {
    "zendesk": Preset(
        "zendesk",
        "support_ticket",
        {
            "external_id": ("id", "ticket id"),
            "subject": ("subject",),
            "text": ("description", "comment", "first comment"),
            "author": ("requester email", "requester.email", "requester", "requester id"),
            "time": ("created at", "created_at"),
            "tags": ("tags",),
            "channel": ("via", "via.channel", "channel"),
            "score": ("satisfaction score", "satisfaction_rating.score"),
        },
    ),
    "intercom": Preset(
        "intercom",
        "support_ticket",
        {
            "external_id": ("conversation id", "id"),
            "subject": ("conversation title", "title"),
            "text": ("first message", "conversation first message", "source.body", "body"),
            "author": ("user email", "contact email", "email", "user id", "source.author.email"),
            "time": ("created at", "conversation started at", "created_at"),
            "tags": ("tags", "conversation tags"),
            "channel": ("channel", "source.delivered_as", "initiated via"),
            "score": ("conversation rating", "rating"),
        },
    ),
    "freshdesk": Preset(
        "freshdesk",
        "support_ticket",
        {
            "external_id": ("ticket id", "id"),
            "subject": ("subject",),
            "text": ("description", "description_text"),
            "author": ("requester email", "contact email", "email", "requester id"),
            "time": ("created time", "created at", "created_at"),
            "tags": ("tags",),
            "channel": ("source",),
            "score": ("satisfaction rating", "customer satisfaction"),
        },
    ),
    "generic": Preset(
        "generic",
        "support_ticket",
        {
            "kind": ("kind", "type"),
            "text": ("text", "comment", "message", "body", "feedback"),
            "score": ("score", "rating"),
            "author": ("author", "distinct_id", "email", "user"),
            "time": ("time", "observed_at", "created_at", "timestamp", "date"),
            "tags": ("tags",),
            "external_id": ("external_id", "id"),
            "channel": ("channel",),
            "page": ("page", "url"),
            "feature": ("feature",),
            "language": ("language",),
        },
        text_parts=("text",),
    ),
}
FORMATS = ("csv", "jsonl")
CHUNK_ROWS = 500
#: ``on_progress(bytes_done, bytes_total)``.
Progress = Callable[[int, int], None]


class BadLine(NamedTuple):
    """A row not stored: its 1-based line in the file, the field and why."""

    line: int
    field: str
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    rows_read: int = 0
    stored: int = 0
    duplicates: int = 0
    bad_rows: list[BadLine] = field(default_factory=list)


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch not in " _-")


def preset_for(name: str) -> Preset:
    """The preset called ``name`` (zendesk, intercom, freshdesk or generic)."""
    try:
        return PRESETS[name.lower()]
    except KeyError:
        raise InvalidInput("preset", f"{name!r} is not one of {', '.join(PRESETS)}") from None


def feedback_row(preset: Preset, record: dict[str, Any]) -> dict[str, Any]:
    """A feedback row (the fields of :func:`validate_row`) from one exported record."""
    flat = {_key(k): v for k, v in _flatten(record).items()}
    found: dict[str, Any] = {}
    for target, candidates in preset.columns.items():
        for column in candidates:
            value = flat.get(_key(column))
            if value not in (None, ""):
                found[target] = value
                break
    parts = [str(found.pop(p)).strip() for p in preset.text_parts if p in found]
    row = {"kind": preset.kind, **found, "text": "\n\n".join(p for p in parts if p)}
    if isinstance(row.get("tags"), str) and " " in row["tags"] and "," not in row["tags"]:
        row["tags"] = row["tags"].split()  # Zendesk separates tags with spaces
    return row


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        flat[name] = value
    return flat


def import_feedback(
    database: Database,
    path: Path,
    *,
    project_id: int,
    preset: str = "generic",
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV or JSONL export in chunks (one transaction each); bad rows are listed."""
    chosen = preset_for(preset)
    fmt = format_for(path)
    total = path.stat().st_size
    report = ImportReport()
    chunk: list[tuple[int, dict[str, Any]]] = []
    with path.open("rb") as raw:
        for line, record in _records(raw, fmt, report):
            chunk.append((line, feedback_row(chosen, record)))
            if len(chunk) >= CHUNK_ROWS:
                _store(database, project_id, chosen.name, chunk, report)
                chunk = []
                if on_progress:
                    on_progress(raw.tell(), total)
        _store(database, project_id, chosen.name, chunk, report)
    if on_progress:
        on_progress(total, total)
    report.bad_rows.sort()
    return report


def format_for(path: Path) -> str:
    """csv or jsonl from the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    raise InvalidInput("file", f"{path.name}: expected a .csv or .jsonl file")


def _store(
    database: Database,
    project_id: int,
    source: str,
    chunk: list[tuple[int, dict[str, Any]]],
    report: ImportReport,
) -> None:
    if not chunk:
        return
    with database.session() as session:
        added = add_items(
            session, project_id=project_id, rows=[row for _, row in chunk], source=source
        )
    report.rows_read += len(chunk)
    report.stored += len(added.stored)
    report.duplicates += added.duplicates
    report.bad_rows.extend(BadLine(chunk[b.index][0], b.field, b.reason) for b in added.bad_rows)


def _records(
    raw: io.BufferedReader, fmt: str, report: ImportReport
) -> Iterator[tuple[int, dict[str, Any]]]:
    # surrogateescape keeps invalid bytes as lone surrogates: validation refuses that row only.
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
    if fmt == "csv":
        reader = csv.DictReader(text)
        for record in reader:
            yield reader.line_num, {k: v for k, v in record.items() if k is not None}
        return
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            report.rows_read += 1
            report.bad_rows.append(BadLine(number, "line", f"not JSON: {error.msg}"))
            continue
        if not isinstance(record, dict):
            report.rows_read += 1
            report.bad_rows.append(BadLine(number, "line", "not a JSON object"))
            continue
        yield number, record
