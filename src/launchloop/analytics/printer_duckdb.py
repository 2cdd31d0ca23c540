"""The DuckDB printer: ``$n`` parameters, ``lambda x:`` syntax (DuckDB 2.0), ICU time zones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from launchloop.analytics.sql import Compiled, Printer


class DuckDBPrinter(Printer):
    """DuckDB 2.0: ``?`` parameters, ``lambda x:`` syntax, ICU time zones."""

    dialect = "duckdb"

    def param(self, value: Any) -> str:
        # Numbered placeholders: a fragment may be printed before the text that precedes it.
        self.params.values.append(value)
        return f"${len(self.params.values)}"

    def compiled(self, sql: str) -> Compiled:
        return Compiled(sql + self.suffix(), list(self.params.values))

    def json_text(self, document: str, key: str) -> str:
        return f"nullif(json_extract_string({document}, {self.param(_json_path(key))}), '')"

    def to_number(self, text: str) -> str:
        return f"TRY_CAST({text} AS DOUBLE)"

    def micros(self, timestamp: str) -> str:
        return f"epoch_us({timestamp})"

    def from_micros(self, placeholder: str) -> str:
        return f"make_timestamp({placeholder})"

    def _local(self, timestamp: str) -> str:
        if self.tz == "UTC":  # the stored timestamps are UTC already: no ICU conversion per row
            return timestamp
        return f"timezone('{self.tz}', {timestamp} AT TIME ZONE 'UTC')"

    def local_seconds(self, timestamp: str) -> str:
        # Floored like ClickHouse's toUnixTimestamp (epoch() is fractional, a cast rounds it:
        # 23:59:59.7 fell in the next day).
        return f"CAST(floor(epoch_us({self._local(timestamp)}) / 1000000) AS BIGINT)"

    def local_month(self, timestamp: str) -> str:
        local = self._local(timestamp)
        return f"(year({local}) * 12 + month({local}) - 1)"

    def int_div(self, left: str, right: str) -> str:
        return f"(({left}) // ({right}))"

    def regex(self, text: str, pattern: str) -> str:
        return f"regexp_matches({text}, {pattern})"

    def contains(self, text: str, needle: str) -> str:
        return f"contains(lower({text}), lower({needle}))"

    def bit_and(self, left: str, right: str) -> str:
        return f"(({left}) & ({right}))"

    def list_of(self, value: str, order: str) -> str:
        return f"list({value} ORDER BY {order})"

    def sorted_list(self, value: str) -> str:
        return f"list_sort(list({value}))"

    def lam(self, arg: str, body: str) -> str:
        return f"lambda {arg}: {body}"

    def list_filter(self, items: str, lam: str) -> str:
        return f"list_filter({items}, {lam})"

    def list_map(self, items: str, lam: str) -> str:
        return f"list_transform({items}, {lam})"

    def first_or_zero(self, items: str) -> str:
        return f"coalesce(({items})[1], 0)"

    def list_contains(self, items: str, value: str) -> str:
        return f"coalesce(list_contains({items}, {value}), false)"

    def unnest(self, items: str) -> str:
        return f"unnest({items})"

    def list_concat(self, first: str, second: str) -> str:
        return f"list_concat({first}, {second})"

    def distinct_list_if(self, value: str, condition: str) -> str:
        return f"list_distinct(list({value}) FILTER (WHERE {condition}))"

    def pair(self, first: str, second: str) -> str:
        return f"struct_pack(a := {first}, b := {second})"

    def pair_item(self, pair: str, index: int) -> str:
        return f"{pair}.{'a' if index == 1 else 'b'}"

    def map_zip(self, lists: Sequence[str], body: Callable[..., str]) -> str:
        items = [f"{name}[k]" for name in lists]
        return f"list_transform(generate_series(1, len({lists[0]})), lambda k: {body(*items)})"

    def positions(self, masks: str, bits: int) -> str:
        test = f"({masks}[i] & {int(bits)}) <> 0"
        return f"list_filter(generate_series(1, len({masks})), lambda i: {test})"

    def values_at(self, values: str, masks: str, bits: int) -> str:
        return f"list_transform({self.positions(masks, bits)}, lambda i: {values}[i])"

    def first_position(self, positions: str, times: str, test: Callable[[str, str], str]) -> str:
        # DuckDB reads the time through the position: cheaper than zipping lists.
        return f"coalesce((list_filter({positions}, lambda x: {test('x', 'ts[x]')}))[1], 0)"

    def first_item(self, items: str, test: Callable[[str], str]) -> str:
        return f"coalesce((list_filter({items}, lambda w: {test('w')}))[1], 0)"

    def first_nonzero(self, items: str) -> str:
        return f"coalesce(list_position(list_transform({items}, lambda w: w <> 0), true), 0)"

    def length(self, items: str) -> str:
        return f"len({items})"

    def indexes(self, items: str) -> str:
        return f"generate_series(1, len({items}))"

    def slice(self, items: str, start: str, count: str) -> str:
        return f"list_slice({items}, {start}, ({start}) + ({count}) - 1)"

    def list_max(self, items: str) -> str:
        return f"list_max({items})"

    def position(self, items: str, value: str) -> str:
        return f"coalesce(list_position({items}, {value}), 0)"

    def list_sort(self, items: str) -> str:
        return f"list_sort({items})"

    def join_text(self, items: str) -> str:
        return f"array_to_string({items}, chr(31))"

    def count_if(self, condition: str) -> str:
        return f"count(*) FILTER (WHERE {condition})"

    def quantile_if(self, value: str, level: float, condition: str) -> str:
        return f"quantile_cont({value}, {float(level)}) FILTER (WHERE {condition})"


def _json_path(key: str) -> str:
    # Keys are validated (no quote, no backslash) before they get here: see filters.check_key.
    return '$."' + key + '"'
