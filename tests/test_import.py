"""Bulk import of event files: CSV, JSONL and Parquet, mappings, bad rows, re-imports, the CLI."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from launchloop.config import Settings
from launchloop.errors import InvalidInput
from launchloop.ingest.importers import BadRow, ImportReport, format_for_path, import_events
from launchloop.knowledge.projects import NewProject
from launchloop.runtime import Runtime, open_runtime

BIN = Path(sys.executable).parent


@pytest.fixture
def runtime(settings: Settings, project: NewProject) -> Iterator[Runtime]:
    """An open runtime on a data dir that has one project."""
    opened = open_runtime(settings)
    yield opened
    opened.close()


def run_import(runtime: Runtime, path: Path, fmt: Any, **options: Any) -> ImportReport:
    """Import into the runtime's first project with its settings' event size limit."""
    return import_events(
        path,
        fmt=fmt,
        mapping=options.pop("mapping", {}),
        project_id=1,
        writer=runtime.writer,
        max_event_bytes=runtime.settings.max_event_bytes,
        **options,
    )


def stored(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """Every stored event of project 1 by uuid."""
    return {row["uuid"]: row for row in runtime.store.recent_events(1, limit=10_000)}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    return path


def write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def utc(text: str) -> datetime:
    """A stored timestamp: naive UTC."""
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


def test_csv_good_rows_stored_and_bad_rows_have_their_lines(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "events.csv",
        [
            ["event", "distinct_id", "timestamp", "uuid", "plan", "properties"],
            ["signup", "u1", "2024-03-01T10:00:00Z", "a1", "pro", '{"seats": 3, "plan": "x"}'],
            ["", "u2", "2024-03-01T10:01:00Z", "a2", "free", ""],  # line 3: no event name
            ["view", "u3", "1709287320000", "a3", "multi\nline\nnote", ""],  # lines 4-6
            ["view", "u4", "yesterday", "a4", "", ""],  # line 7: bad timestamp
            ["view", "u5"],  # line 8: too few values
            ["click", "u6", "2024-03-01T10:05:00+02:00", "a6", "", "[1, 2]"],  # line 9
            ["click", "u7", "2024-03-01T10:06:00Z", "a7", "", ""],  # line 10
        ],
    )
    report = run_import(runtime, path, "csv", chunk_rows=2)
    assert report.rows_read == 7
    assert report.events_stored == 3
    assert report.bad_rows == (
        BadRow(3, "event", "is required: a non-empty string"),
        BadRow(7, "timestamp", "'yesterday' is not an ISO-8601 time"),
        BadRow(8, "row", "has 2 values, the header has 6"),
        BadRow(9, "properties", "must hold a JSON object of properties"),
    )
    events = stored(runtime)
    assert sorted(events) == ["a1", "a3", "a7"]
    # The plan column wins over the plan key of the properties object; empty cells are left out.
    assert events["a1"]["properties"] == {"seats": 3, "plan": "pro"}
    assert events["a1"]["timestamp"] == datetime(2024, 3, 1, 10, 0)
    assert events["a3"]["properties"] == {"plan": "multi\nline\nnote"}
    # Digits in a timestamp cell are epoch milliseconds: 1709287320000 = 2024-03-01T10:02Z.
    assert events["a3"]["timestamp"] == datetime(2024, 3, 1, 10, 2)
    assert events["a7"]["distinct_id"] == "u7"
    assert runtime.store.count_events(1) == 3


def test_csv_invalid_utf8_and_blank_lines(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(
        b"\xef\xbb\xbfevent,distinct_id,city\r\n"
        b"visit,u1,Paris\r\n"
        b"\r\n"
        b"visit,u2,S\xe3o Paulo\r\n"
        b'visit,u3,"Z\xc3\xbcrich"\r\n'
    )
    report = run_import(runtime, path, "csv")
    assert (report.rows_read, report.events_stored) == (3, 2)
    assert report.bad_rows == (BadRow(4, "row", "is not valid UTF-8"),)
    cities = sorted(e["properties"]["city"] for e in stored(runtime).values())
    assert cities == ["Paris", "Zürich"]


def test_csv_property_above_the_csv_module_default_limit(runtime: Runtime, tmp_path: Path) -> None:
    long_text = "x" * 200_000  # the csv module refuses fields over 131,072 characters by default
    limit = runtime.settings.max_event_bytes
    half = "y" * (limit // 2 + 10)  # under the field limit, but two make the event too big
    path = write_csv(
        tmp_path / "long.csv",
        [
            ["event", "distinct_id", "note", "more"],
            ["e", "u1", long_text, ""],
            ["e", "u2", half, half],
            ["e", "u3", "z" * (limit + 10), ""],
            ["e", "u4", "short", ""],
        ],
    )
    report = run_import(runtime, path, "csv")
    assert (report.rows_read, report.events_stored) == (4, 2)
    assert [(row.line, row.field) for row in report.bad_rows] == [(3, "properties"), (4, "row")]
    assert f"({limit})" in report.bad_rows[1].reason
    events = {e["distinct_id"]: e for e in stored(runtime).values()}
    assert sorted(events) == ["u1", "u4"]
    assert events["u1"]["properties"] == {"note": long_text}


def test_jsonl_lines_numbers_and_nested_properties(runtime: Runtime, tmp_path: Path) -> None:
    good = {"event": "pay", "distinct_id": 7, "uuid": "j1", "timestamp": 1709287200000}
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            orjson.dumps({**good, "properties": {"amount": 12.5}, "currency": "EUR"}),
            b"",
            b"   ",
            b'{"event": "pay", "distinct_id": "u2", ',  # line 4: cut short
            b'{"event": "pay", "distinct_id": "S\xe3o"}',  # line 5: not UTF-8
            b"[1, 2, 3]",  # line 6: not an object
            orjson.dumps({"event": "pay", "uuid": "j7"}),  # line 7: no distinct_id
            orjson.dumps({"event": "refund", "distinct_id": "u8", "uuid": "j8", "note": None}),
        ],
    )
    report = run_import(runtime, path, "jsonl")
    assert (report.rows_read, report.events_stored) == (6, 2)
    assert [(r.line, r.field) for r in report.bad_rows] == [
        (4, "row"),
        (5, "row"),
        (6, "row"),
        (7, "distinct_id"),
    ]
    assert report.bad_rows[0].reason.startswith("is not valid JSON")
    assert report.bad_rows[1].reason == "is not valid UTF-8"
    events = stored(runtime)
    assert events["j1"]["properties"] == {"amount": 12.5, "currency": "EUR"}
    assert events["j1"]["distinct_id"] == "7"
    assert events["j1"]["timestamp"] == datetime(2024, 3, 1, 10, 0)
    assert events["j8"]["properties"] == {}


def test_parquet_types_nulls_and_row_numbers_across_batches(
    runtime: Runtime, tmp_path: Path
) -> None:
    times = [datetime(2024, 3, 1, 9, minute, tzinfo=UTC) for minute in range(5)]
    table = pa.table(
        {
            "event": ["open", "open", None, "open", "close"],
            "distinct_id": ["u1", "u2", "u3", "u4", "u5"],
            "timestamp": pa.array(times, type=pa.timestamp("us", tz="UTC")),
            "uuid": [f"p{i}" for i in range(1, 6)],
            "score": [1.5, None, 3.0, 4.0, 5.0],
            "properties": [{"os": "mac"}, {"os": "win"}, None, None, {"os": "linux"}],
        }
    )
    path = tmp_path / "events.parquet"
    pq.write_table(table, path, row_group_size=2)
    progress: list[tuple[int, int]] = []
    report = run_import(
        runtime, path, "parquet", chunk_rows=2, on_progress=lambda d, t: progress.append((d, t))
    )
    assert (report.rows_read, report.events_stored) == (5, 4)
    assert report.bad_rows == (BadRow(3, "event", "is required: a non-empty string"),)
    events = stored(runtime)
    assert events["p1"]["properties"] == {"os": "mac", "score": 1.5}
    assert events["p2"]["properties"] == {"os": "win"}
    assert events["p4"]["properties"] == {"score": 4.0}
    assert [events[f"p{i}"]["timestamp"] for i in (1, 2, 4, 5)] == [
        datetime(2024, 3, 1, 9, m) for m in (0, 1, 3, 4)
    ]
    size = path.stat().st_size
    assert progress[-1] == (size, size)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_mapping_columns_to_fields_and_properties(runtime: Runtime, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "export.csv",
        [
            ["name", "user", "ts", "timestamp", "price", "meta", "id"],
            ["buy", "u1", "2024-03-02T08:00:00Z", "legacy", "9.90", '{"shop": "a"}', "m1"],
            ["buy", "u2", "2024-03-02T08:30:00Z", "legacy", "19.90", "", "m2"],
        ],
    )
    mapping = {
        "name": "event",
        "user": "distinct_id",
        "ts": "timestamp",
        "price": "properties.amount",
        "meta": "properties",
        "id": "uuid",
    }
    report = run_import(runtime, path, "csv", mapping=mapping)
    assert (report.events_stored, report.bad_rows) == (2, ())
    events = stored(runtime)
    assert events["m1"]["event"] == "buy"
    assert events["m1"]["distinct_id"] == "u1"
    assert events["m1"]["timestamp"] == utc("2024-03-02T08:00:00+00:00")
    # "timestamp" is not the time here (ts is mapped to it), so it is kept as a property.
    assert events["m1"]["properties"] == {"amount": "9.90", "shop": "a", "timestamp": "legacy"}
    assert events["m2"]["properties"] == {"amount": "19.90", "timestamp": "legacy"}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"user": "person"}, "the field must be one of"),
        ({"user": "properties."}, "the field must be one of"),
        ({"a": "event", "b": "event"}, "several columns map to 'event'"),
        ({"missing": "event"}, "column 'missing' is not in the file"),
    ],
)
def test_bad_mappings_are_refused(
    runtime: Runtime, tmp_path: Path, mapping: dict[str, str], message: str
) -> None:
    path = write_csv(tmp_path / "m.csv", [["user", "a", "b"], ["u1", "x", "y"]])
    with pytest.raises(InvalidInput) as raised:
        run_import(runtime, path, "csv", mapping=mapping)
    assert raised.value.field == "map"
    assert message in raised.value.reason
    assert runtime.store.count_events(1) == 0


def test_unknown_format_missing_file_and_not_parquet(runtime: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [b'{"event": "a", "distinct_id": "b"}'])
    with pytest.raises(InvalidInput) as raised:
        run_import(runtime, path, "xml")
    assert raised.value.field == "format"
    with pytest.raises(InvalidInput) as raised:
        run_import(runtime, tmp_path / "nope.csv", "csv")
    assert raised.value.field == "file"
    with pytest.raises(InvalidInput) as raised:
        run_import(runtime, path, "parquet")
    assert raised.value.field == "file"
    assert format_for_path(Path("x.NDJSON")) == "jsonl"
    with pytest.raises(InvalidInput):
        format_for_path(Path("x.txt"))


def test_reimport_with_uuids_stores_nothing_twice(runtime: Runtime, tmp_path: Path) -> None:
    lines = [
        orjson.dumps(
            {
                "event": "step",
                "distinct_id": f"u{i % 4}",
                "uuid": f"r{i}",
                "timestamp": f"2024-03-03T10:{i:02d}:00Z",
            }
        )
        for i in range(25)
    ]
    path = write_jsonl(tmp_path / "again.jsonl", lines)
    first = run_import(runtime, path, "jsonl", chunk_rows=7)
    second = run_import(runtime, path, "jsonl", chunk_rows=10)
    assert (first.rows_read, first.events_stored, second.rows_read) == (25, 25, 25)
    assert runtime.store.count_events(1) == 25
    assert sorted(stored(runtime)) == sorted(f"r{i}" for i in range(25))


def launchloop(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHLOOP_")}
    return subprocess.run(
        [str(BIN / "launchloop"), *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_import_end_to_end(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert launchloop("init", "--json", data_dir=data_dir).returncode == 0
    good = write_csv(
        tmp_path / "history.csv",
        [
            ["kind", "who", "when", "uuid"],
            ["signup", "ann", "2024-03-04T12:00:00Z", "c1"],
            ["", "bob", "2024-03-04T12:01:00Z", "c2"],
            ["login", "ann", "2024-03-04T12:02:00Z", "c3"],
        ],
    )
    maps = ["--map", "kind=event", "--map", "who=distinct_id", "--map", "when=timestamp"]
    done = launchloop("import", str(good), *maps, "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    answer = orjson.loads(done.stdout)
    assert (answer["format"], answer["rows_read"], answer["events_stored"]) == ("csv", 3, 2)
    assert answer["bad_rows"] == [
        {"line": 3, "field": "event", "reason": "is required: a non-empty string"}
    ]
    tail = launchloop("events", "tail", "--json", data_dir=data_dir)
    assert [(e["uuid"], e["event"], e["distinct_id"]) for e in orjson.loads(tail.stdout)] == [
        ("c3", "login", "ann"),
        ("c1", "signup", "ann"),
    ]
    human = launchloop("import", str(good), *maps, data_dir=data_dir)
    assert human.returncode == 0
    assert "2 events stored, 1 bad rows" in human.stdout
    assert "│ 3    │ event" in human.stdout


def test_cli_exit_codes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert launchloop("init", data_dir=data_dir).returncode == 0
    bad = write_jsonl(tmp_path / "bad.ndjson", [b"{oops", b'{"event": "x"}'])
    failed = launchloop("import", str(bad), data_dir=data_dir)
    assert failed.returncode == 1
    assert "0 events stored, 2 bad rows" in failed.stdout
    wrong = launchloop("import", str(bad), "--format", "xml", data_dir=data_dir)
    assert wrong.returncode == 2
    assert "format" in wrong.stderr
    unmapped = launchloop("import", str(bad), "--map", "oops", data_dir=data_dir)
    assert unmapped.returncode == 2
    assert "map" in unmapped.stderr
