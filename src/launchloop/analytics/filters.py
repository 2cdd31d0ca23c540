"""Property filters and property references: on event properties, extracted columns or persons.

Names are validated (extracted columns from a fixed list; JSON keys without quotes, backslashes
or control characters, then bound as parameters); values are always bound as parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from launchloop.analytics.sql import Printer
from launchloop.errors import InvalidInput

PropertySource = Literal["event", "column", "person"]
Operator = Literal[
    "eq", "neq", "contains", "not_contains", "regex", "gt", "lt", "gte", "lte", "is_set", "not_set"
]

#: Columns of the events table a filter or breakdown may name directly.
COLUMNS: frozenset[str] = frozenset(
    {
        "event",
        "distinct_id",
        "session_id",
        "url",
        "path",
        "referrer",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "browser",
        "os",
        "device_type",
        "element",
    }
)
_OPERATOR_ALIASES = {
    "=": "eq",
    "==": "eq",
    "!=": "neq",
    ">": "gt",
    "<": "lt",
    ">=": "gte",
    "<=": "lte",
    "is set": "is_set",
    "is not set": "not_set",
    "exact": "eq",
    "is_not": "neq",
    "icontains": "contains",
    "not_icontains": "not_contains",
}
_NUMERIC = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<="}
_KEY = re.compile(r'^[^"\\\x00-\x1f\x7f]{1,200}$')


@dataclass(frozen=True)
class PropertyRef:
    """A property of an event row: a JSON event property, an extracted column, or a person's."""

    name: str
    source: PropertySource = "event"

    def text(self, p: Printer) -> str:
        """The property as text (NULL when missing or empty)."""
        if self.source == "column":
            return (
                f"nullif(CAST(e.{self.name} AS VARCHAR), '')"
                if p.dialect == "duckdb"
                else (f"nullIf(toString(e.{self.name}), '')")
            )
        document = "e.properties" if self.source == "event" else "pp.properties"
        return p.json_text(document, self.name)

    def number(self, p: Printer) -> str:
        """The property as a double (NULL when it is not a number)."""
        return p.to_number(self.text(p))


@dataclass(frozen=True)
class PropertyFilter:
    """``property operator value``; ``value`` is None for is_set / not_set."""

    property: PropertyRef
    operator: Operator
    value: str | float | None = None

    def sql(self, p: Printer) -> str:
        """The condition, with its value bound as a parameter."""
        op = self.operator
        if op in ("is_set", "not_set"):
            return f"({self.property.text(p)} IS {'NOT ' if op == 'is_set' else ''}NULL)"
        if op in _NUMERIC:
            return f"({self.property.number(p)} {_NUMERIC[op]} {p.param(float(self.value))})"  # type: ignore[arg-type]
        text, value = self.property.text(p), p.param(str(self.value))
        if op == "eq":
            return f"({text} = {value})"
        if op == "neq":
            return f"({text} IS NULL OR {text} <> {value})"
        if op == "regex":
            return f"coalesce({p.regex(text, value)}, false)"
        found = f"coalesce({p.contains(text, value)}, false)"
        return found if op == "contains" else f"(NOT {found})"


def check_key(name: Any, field: str) -> str:
    """A property key that is safe to bind into a JSON path, else InvalidInput."""
    if not isinstance(name, str) or not _KEY.match(name):
        raise InvalidInput(
            field, "must be 1-200 characters without quotes, backslashes or controls"
        )
    return name


def property_ref(name: Any, source: Any = "event", *, field: str = "property") -> PropertyRef:
    """A validated property reference (``field`` names it in errors)."""
    if source not in get_args(PropertySource):
        raise InvalidInput(f"{field}.type", "must be one of event, column, person")
    if source == "column":
        if name not in COLUMNS:
            raise InvalidInput(f"{field}.key", f"unknown column {name!r}")
        return PropertyRef(name, "column")
    return PropertyRef(check_key(name, f"{field}.key"), source)


def parse_filter(raw: Any, field: str = "filters[0]") -> PropertyFilter:
    """A filter from ``{"key", "operator", "value", "type"}`` (type: event, column, person)."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(field, "must be an object with key, operator and value")
    ref = property_ref(raw.get("key"), raw.get("type", "event"), field=field)
    named = _OPERATOR_ALIASES.get(str(raw.get("operator", "eq")), raw.get("operator", "eq"))
    if named not in get_args(Operator):
        raise InvalidInput(f"{field}.operator", f"unknown operator {raw.get('operator')!r}")
    op = cast(Operator, named)
    value = raw.get("value")
    if op in ("is_set", "not_set"):
        return PropertyFilter(ref, op, None)
    if op in _NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidInput(f"{field}.value", "must be a number")
        try:
            return PropertyFilter(ref, op, float(value))
        except ValueError:
            raise InvalidInput(f"{field}.value", "must be a number") from None
    if isinstance(value, bool):
        value = "true" if value else "false"
    if not isinstance(value, str | int | float) or len(str(value)) > 1000:
        raise InvalidInput(f"{field}.value", "must be a string or number (at most 1000 chars)")
    if op == "regex":
        _check_regex(str(value), f"{field}.value")
    return PropertyFilter(ref, op, str(value))


def parse_filters(raw: Iterable[Any] | None, field: str = "filters") -> tuple[PropertyFilter, ...]:
    """Filters from a list of filter objects (None means none)."""
    if raw is None:
        return ()
    if isinstance(raw, str | bytes | Mapping):
        raise InvalidInput(field, "must be a list of filters")
    return tuple(parse_filter(item, f"{field}[{i}]") for i, item in enumerate(raw))


def where(filters: Iterable[PropertyFilter], p: Printer) -> str:
    """The filters joined with AND (``true`` when there are none)."""
    parts = [f.sql(p) for f in filters]
    return " AND ".join(parts) if parts else "true"


def uses_person(refs: Iterable[PropertyRef | PropertyFilter | None]) -> bool:
    """Whether any reference needs the persons table joined."""
    for ref in refs:
        target = ref.property if isinstance(ref, PropertyFilter) else ref
        if target is not None and target.source == "person":
            return True
    return False


def _check_regex(pattern: str, field: str) -> None:
    # Both engines use RE2; Python's re is a close enough first check for obvious mistakes.
    try:
        re.compile(pattern)
    except re.error as error:
        raise InvalidInput(field, f"invalid regular expression: {error}") from None


@dataclass(frozen=True)
class EventSpec:
    """Which events count: one event name (None: any event) and filters on them."""

    event: str | None
    filters: tuple[PropertyFilter, ...] = ()

    def sql(self, p: Printer) -> str:
        """The condition on an event row."""
        name = f"e.event = {p.param(self.event)} AND " if self.event is not None else ""
        return f"({name}{where(self.filters, p)})"


def parse_event(raw: Any, field: str) -> EventSpec:
    """An EventSpec from ``{"event": name, "filters": [...]}`` or a bare event name."""
    if isinstance(raw, str):
        raw = {"event": raw}
    if not isinstance(raw, Mapping):
        raise InvalidInput(field, "must be an event name or {event, filters}")
    name = raw.get("event")
    if name is not None and (not isinstance(name, str) or not name or len(name) > 200):
        raise InvalidInput(f"{field}.event", "must be a non-empty event name")
    return EventSpec(name, parse_filters(raw.get("filters"), f"{field}.filters"))
