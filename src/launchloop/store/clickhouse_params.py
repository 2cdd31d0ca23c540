"""Query parameters for ClickHouse: ``?`` placeholders become typed ``{pN:Type}`` ones.

Callers of :meth:`EventStore.query` write ``?`` on both stores; ClickHouse binds parameters by
name and type, so each ``?`` outside quotes and comments is rewritten to ``{p0:Int64}`` and the
like, the type inferred from the Python value. Values are never spliced into the SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

_SCALAR_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "Bool"),
    (int, "Int64"),
    (float, "Float64"),
    (str, "String"),
    (datetime, "DateTime64(6, 'UTC')"),
    (date, "Date"),
)

# ClickHouse reads parameter values in its "escaped" text format (as in TSV).
_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0", "\b": "\\b", "\f": "\\f"}
)


def clickhouse_type(value: Any) -> str:
    """The ClickHouse type a Python parameter value binds as."""
    if value is None:
        return "Nullable(String)"
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        return f"Array({clickhouse_type(items[0]) if items else 'String'})"
    for kind, name in _SCALAR_TYPES:
        if isinstance(value, kind):
            return name
    raise TypeError(f"cannot bind a {type(value).__name__} as a ClickHouse parameter")


def bind_positional(sql: str, params: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """Rewrite each ``?`` of ``sql`` (outside literals and comments) to a named, typed parameter.

    :raises ValueError: when the number of ``?`` differs from ``len(params)``.
    """
    pieces: list[str] = []
    named: dict[str, Any] = {}
    start = 0
    for position in _placeholders(sql):
        index = len(named)
        if index >= len(params):
            raise ValueError(f"the query has more ? than the {len(params)} parameters given")
        value = params[index]
        pieces.append(sql[start:position])
        pieces.append(f"{{p{index}:{clickhouse_type(value)}}}")
        named[f"p{index}"] = value
        start = position + 1
    if len(named) != len(params):
        raise ValueError(f"the query has {len(named)} ? for {len(params)} parameters")
    pieces.append(sql[start:])
    return "".join(pieces), named


def _placeholders(sql: str) -> list[int]:
    """Offsets of the ``?`` that stand for parameters (not inside quotes or comments)."""
    found: list[int] = []
    i, length = 0, len(sql)
    while i < length:
        char = sql[i]
        if char in "'\"`":
            i = _end_of_quoted(sql, i)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = length if end < 0 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = length if end < 0 else end + 2
        else:
            if char == "?":
                found.append(i)
            i += 1
    return found


def _end_of_quoted(sql: str, start: int) -> int:
    quote, i = sql[start], start + 1
    while i < len(sql):
        if sql[i] == "\\":
            i += 2
        elif sql[i] == quote:
            if sql.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        else:
            i += 1
    return i


def parameter_text(value: Any) -> str:
    """A value as ClickHouse parses a query parameter's text (chdb takes parameters as text)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _utc_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ",".join(_literal(item) for item in value) + "]"
    return str(value).translate(_ESCAPES)


def parameter_texts(params: Mapping[str, Any]) -> dict[str, str]:
    """Every named parameter as text."""
    return {name: parameter_text(value) for name, value in params.items()}


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.translate(_ESCAPES).replace("'", "\\'") + "'"
    if isinstance(value, datetime | date):
        return "'" + parameter_text(value) + "'"
    if value is None:
        return "NULL"
    return parameter_text(value)


def _utc_text(moment: datetime) -> str:
    """``YYYY-MM-DD hh:mm:ss.ffffff`` in UTC (a naive datetime is taken as UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ", timespec="microseconds")
