"""The ClickHouse printer: typed ``{pN:Type}`` parameters, ``x ->`` lambdas, NULLs in joins."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from launchloop.analytics.sql import Compiled, Printer

_CLICKHOUSE_TYPES = ((bool, "Bool"), (int, "Int64"), (float, "Float64"), (str, "String"))


class ClickHousePrinter(Printer):
    """ClickHouse: ``{pN:Type}`` server-side parameters, ``x ->`` lambdas, NULLs in joins."""

    dialect = "clickhouse"

    def param(self, value: Any) -> str:
        kind = next((name for py, name in _CLICKHOUSE_TYPES if isinstance(value, py)), None)
        if kind is None:
            raise TypeError(f"cannot bind {type(value).__name__} as a ClickHouse parameter")
        self.params.values.append(value)
        return f"{{p{len(self.params.values) - 1}:{kind}}}"

    def compiled(self, sql: str) -> Compiled:
        bound = {f"p{i}": value for i, value in enumerate(self.params.values)}
        return Compiled(sql + self.suffix(), bound)

    def inline_person(self, project_id: int) -> str | None:
        # ClickHouse joins every row to the merged ids (FINAL view), doubling a funnel's time;
        # a lookup in the project's (distinct id, person id) arrays, read once, costs a third.
        ids = (
            "(SELECT (groupArray(distinct_id), groupArray(person_id))"
            f" FROM {self.person_ids_table()} WHERE project_id = {self.param(int(project_id))})"
        )
        return f"transform(e.distinct_id, {ids}.1, {ids}.2, e.distinct_id)"

    def json_text(self, document: str, key: str) -> str:
        return f"nullIf(JSONExtractString({document}, {self.param(key)}), '')"

    def to_number(self, text: str) -> str:
        return f"toFloat64OrNull({text})"

    def micros(self, timestamp: str) -> str:
        return f"toUnixTimestamp64Micro({timestamp})"

    def from_micros(self, placeholder: str) -> str:
        return f"fromUnixTimestamp64Micro({placeholder}, 'UTC')"

    def local_seconds(self, timestamp: str) -> str:
        if self.tz == "UTC":  # no offset to look up per row
            return f"toInt64(toUnixTimestamp({timestamp}))"
        return (
            f"(toInt64(toUnixTimestamp({timestamp}))"
            f" + timeZoneOffset(toTimeZone({timestamp}, '{self.tz}')))"
        )

    def local_month(self, timestamp: str) -> str:
        local = f"toTimeZone({timestamp}, '{self.tz}')"
        return f"(toInt64(toYear({local})) * 12 + toMonth({local}) - 1)"

    def int_div(self, left: str, right: str) -> str:
        return f"intDiv({left}, {right})"

    def regex(self, text: str, pattern: str) -> str:
        return f"match({text}, {pattern})"

    def contains(self, text: str, needle: str) -> str:
        return f"(positionCaseInsensitiveUTF8({text}, {needle}) > 0)"

    def bit_and(self, left: str, right: str) -> str:
        return f"bitAnd({left}, {right})"

    def list_of(self, value: str, order: str) -> str:
        # arraySort by a tuple key keeps ties in a deterministic order, like DuckDB's ORDER BY.
        return (
            f"arrayMap(x -> x.1, arraySort(x -> x.2, groupArray(tuple({value}, tuple({order})))))"
        )

    def sorted_list(self, value: str) -> str:
        return f"arraySort(groupArray({value}))"

    def lam(self, arg: str, body: str) -> str:
        return f"{arg} -> {body}"

    def list_filter(self, items: str, lam: str) -> str:
        return f"arrayFilter({lam}, {items})"

    def list_map(self, items: str, lam: str) -> str:
        return f"arrayMap({lam}, {items})"

    def first_or_zero(self, items: str) -> str:
        return f"arrayElement({items}, 1)"

    def list_contains(self, items: str, value: str) -> str:
        return f"has({items}, {value})"

    def unnest(self, items: str) -> str:
        return f"arrayJoin({items})"

    def list_concat(self, first: str, second: str) -> str:
        return f"arrayConcat({first}, {second})"

    def distinct_list_if(self, value: str, condition: str) -> str:
        return f"groupUniqArrayIf({value}, {condition})"

    def pair(self, first: str, second: str) -> str:
        return f"tuple({first}, {second})"

    def pair_item(self, pair: str, index: int) -> str:
        return f"{pair}.{int(index)}"

    # ClickHouse copies every array a lambda captures once per element it maps over, so these
    # zip the arrays they walk instead of indexing captured ones (quadratic, not cubic).
    def map_zip(self, lists: Sequence[str], body: Callable[..., str]) -> str:
        args = [f"a{i}" for i in range(len(lists))]
        return f"arrayMap(({', '.join(args)}) -> {body(*args)}, {', '.join(lists)})"

    def positions(self, masks: str, bits: int) -> str:
        test = f"bitAnd(v, {int(bits)}) <> 0"
        return f"arrayFilter((i, v) -> {test}, arrayEnumerate({masks}), {masks})"

    def values_at(self, values: str, masks: str, bits: int) -> str:
        return f"arrayFilter((w, v) -> bitAnd(v, {int(bits)}) <> 0, {values}, {masks})"

    def first_position(self, positions: str, times: str, test: Callable[[str, str], str]) -> str:
        return f"arrayFirst((q, u) -> {test('q', 'u')}, {positions}, {times})"

    def first_item(self, items: str, test: Callable[[str], str]) -> str:
        return f"arrayFirst(w -> {test('w')}, {items})"

    def first_nonzero(self, items: str) -> str:
        return f"arrayFirstIndex(w -> w <> 0, {items})"

    def length(self, items: str) -> str:
        return f"length({items})"

    def indexes(self, items: str) -> str:
        return f"arrayEnumerate({items})"

    def slice(self, items: str, start: str, count: str) -> str:
        return f"arraySlice({items}, {start}, {count})"

    def list_max(self, items: str) -> str:
        return f"arrayMax({items})"

    def position(self, items: str, value: str) -> str:
        return f"indexOf({items}, {value})"

    def list_sort(self, items: str) -> str:
        return f"arraySort({items})"

    def join_text(self, items: str) -> str:
        return f"arrayStringConcat({items}, char(31))"

    def count_if(self, condition: str) -> str:
        return f"countIf({condition})"

    def quantile_if(self, value: str, level: float, condition: str) -> str:
        return f"quantileExactInclusiveIf({float(level)})({value}, {condition})"

    def window_funnel(self, window_micros: int, time: str, conditions: list[str]) -> str | None:
        # The window is a parameter of the aggregate function: ClickHouse wants a literal.
        return f"windowFunnel({int(window_micros)})(toUInt64({time}), {', '.join(conditions)})"

    def suffix(self) -> str:
        return "\nSETTINGS join_use_nulls = 1"
