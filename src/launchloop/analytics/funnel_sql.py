"""The funnel statement, printed once for both engines (semantics in ``funnels``).

Shape (FACTS.md: one GROUP BY person with list aggregation is DuckDB's fast shape); every
row after ``ev`` is one person, and chains are lists with one item per start:

1. ``ev``: one row per candidate event with a bit mask of the steps (bits 0..n-1) and exclusions
   (bits n..) it matches, its time in microseconds and a tie order (its lowest step).
2. ``per``: the person's events sorted by (time, tie order, mask) as lists ``ts`` and ``ms``
   (one packed integer per event, sorted once, when the range and mask fit in 62 bits; ordered
   aggregates otherwise), and per step the list of positions that match it (``s1``...).
3. ``c2``..``cn``: for every start, the position of step k in its chain (0 = not reached).
4. ``chains``: the level each start reaches (0 when an exclusion voids its chain); ``best``: the
   person's level and best start (most steps, then earliest) and the gaps between its steps.
5. the counts and the median / p90 time from each step to the next, overall and by breakdown.

ClickHouse's ``windowFunnel`` gives only the level reached (no times, no exclusions, no
breakdown value of the start), so both engines run this shape; the tests check it against
``windowFunnel`` on generated data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from launchloop.analytics.filters import uses_person, where
from launchloop.analytics.funnel_packed import packed_ctes, packed_gap, packs
from launchloop.analytics.source import in_range, person_rows
from launchloop.analytics.sql import Compiled, Printer
from launchloop.analytics.timeframe import bucket_sql

if TYPE_CHECKING:
    from launchloop.analytics.funnels import FunnelQuery

#: Tests set it to compare the fast shape of ``funnel_packed`` with the general one.
GENERAL_SHAPE_ONLY = False


def funnel_sql(query: FunnelQuery, p: Printer) -> Compiled:
    """Counts and times per step: rows (is_total, breakdown, entered.., median.., p90..)."""
    n = len(query.steps)
    measures = ", ".join(
        [p.count_if(f"level >= {k}") for k in range(1, n + 1)]
        + [_quantile(p, k, 0.5) for k in range(1, n + 1)]
        + [_quantile(p, k, 0.9) for k in range(1, n + 1)]
    )
    if query.breakdown is None:
        return p.compiled(_persons(query, p) + f"SELECT 1, '', {measures} FROM best")
    # Top N values by persons (ties by value), the rest folded, and the total, in one pass over
    # ``best``: ClickHouse would compute a CTE once per reference.
    limit, other = p.param(int(query.breakdown_limit)), p.param("$other")
    ranked = (
        "SELECT *, dense_rank() OVER (ORDER BY bd = '', persons DESC, bd) AS rk FROM (\n"
        "SELECT *, count(*) OVER (PARTITION BY bd) AS persons FROM best\n) AS counted"
    )
    folded = (
        f"SELECT *, CASE WHEN bd = '' THEN '' WHEN rk <= {limit} THEN bd ELSE {other} END"
        f" AS folded FROM (\n{ranked}\n) AS ranked"
    )
    sql = _persons(query, p) + (
        f"SELECT grouping(folded), folded, {measures} FROM (\n{folded}\n) AS b\n"
        "GROUP BY GROUPING SETS ((folded), ())"
    )
    return p.compiled(sql)


def daily_funnel_sql(query: FunnelQuery, p: Printer) -> Compiled:
    """Per local day, the funnel of that day's events alone: rows (day key, entered..).

    One statement for every day: chains are built per (person, local day) instead of per
    person, so each day's chains see only that day's events.
    """
    n = len(query.steps)
    entered = ", ".join(p.count_if(f"level >= {k}") for k in range(1, n + 1))
    return p.compiled(
        _persons(query, p, daily=True) + f"SELECT dk, {entered} FROM best GROUP BY dk"
    )


def funnel_persons_sql(
    query: FunnelQuery, p: Printer, step: int, *, limit: int, offset: int
) -> Compiled:
    """The persons whose best chain stops at ``step`` (they dropped before the next step).

    Only levels are needed here, so ClickHouse uses its ``windowFunnel`` when it means the same
    thing: an ordered funnel without exclusions whose steps are distinct events (one event can
    then fill at most one step; ties are taken in step order by both).
    """
    n = len(query.steps)
    bits = [f"{p.bit_and('m', str(1 << k))} <> 0" for k in range(n)]
    fits = query.order == "ordered" and not query.exclusions
    fits = fits and len({s.event for s in query.steps}) == n
    native = p.window_funnel(query.window_seconds * 1_000_000, "t", bits) if fits else None
    if native is None:
        head = _persons(query, p)
    else:
        head = (
            f"WITH ev AS (\n{_events(query, p)}\n),\nbest AS (\n"
            f"SELECT person, {native} AS level FROM ev GROUP BY person\n)\n"
        )
    sql = head + (
        f"SELECT person FROM best WHERE level = {p.param(int(step))}\n"
        f"ORDER BY person LIMIT {p.param(int(limit))} OFFSET {p.param(int(offset))}"
    )
    return p.compiled(sql)


def _quantile(p: Printer, k: int, level: float) -> str:
    if k == 1:
        return "NULL"
    return p.quantile_if(f"d{k}", level, f"level >= {k}")


def _persons(query: FunnelQuery, p: Printer, *, daily: bool = False) -> str:
    """The CTEs up to ``best``: one row per person with its level, breakdown value and gaps.

    ``daily``: one row per person and local day (``dk``), each day's events taken alone.
    """
    n, keys = len(query.steps), "person, dk" if daily else "person"
    mask_bits, tie_bits = n + len(query.exclusions), (n + 1).bit_length()
    span_bits = (query.span.end_micros() - query.span.start_micros()).bit_length()
    ctes = [("ev", _events(query, p, daily))]
    if packs(query, span_bits, tie_bits, mask_bits) and not GENERAL_SHAPE_ONLY:
        shift = 1 << (tie_bits + mask_bits)
        ctes += packed_ctes(query, p, keys, shift, 1 << mask_bits)
        ctes.append(("best", _best(query, p, daily, shift)))
    else:
        ctes.append(("per", _per_person(query, p, daily)))
        ctes += _chain_steps(query, p)
        ctes.append(("chains", _chains(query, p)))
        ctes.append(("best", _best(query, p, daily)))
    return "WITH " + ",\n".join(f"{name} AS (\n{body}\n)" for name, body in ctes) + "\n"


def _events(query: FunnelQuery, p: Printer, daily: bool = False) -> str:
    n = len(query.steps)
    conditions = [
        f"(e.event = {p.param(s.event)} AND {where(s.filters, p)})" for s in query.steps
    ] + [f"(e.event = {p.param(x.event)} AND {where(x.filters, p)})" for x in query.exclusions]
    mask = " + ".join(f"CASE WHEN {c} THEN {1 << i} ELSE 0 END" for i, c in enumerate(conditions))
    tie = " ".join(f"WHEN {c} THEN {i + 1}" for i, c in enumerate(conditions[:n]))
    breakdown = f"coalesce({query.breakdown.text(p)}, '')" if query.breakdown else "''"
    refs = [query.breakdown, *query.filters, *(f for s in query.steps for f in s.filters)]
    refs += [f for x in query.exclusions for f in x.filters]
    if daily:
        breakdown += f" AS bd, {bucket_sql(p, 'day')} AS dk"
    else:
        breakdown += " AS bd"
    names = {s.event for s in query.steps} | {x.event for x in query.exclusions}
    only = ""
    if query.order != "strict":  # strict needs every event: any other one breaks the chain
        only = " AND e.event IN (" + ", ".join(p.param(name) for name in sorted(names)) + ")"
    person, joins = person_rows(p, query.project_id, with_persons=uses_person(refs))
    return (
        f"SELECT {person} AS person, {p.micros('e.timestamp')} AS t,\n"
        f"    {mask} AS m,\n    CASE {tie} ELSE {n + 1} END AS o, {breakdown}\n"
        f"{joins}\n"
        f"WHERE {in_range(p, query.project_id, query.span)}{only} AND {where(query.filters, p)}"
    )


def _per_person(query: FunnelQuery, p: Printer, daily: bool = False) -> str:
    n = len(query.steps)
    lists = [f"{p.positions('ms', 1 << k)} AS s{k + 1}" for k in range(n + len(query.exclusions))]
    lists += [f"{p.values_at('ts', 'ms', 1 << k)} AS u{k + 1}" for k in range(n)]
    if query.order == "any":
        lists.append(f"{p.positions('ms', (1 << n) - 1)} AS s0")
        lists.append(f"{p.values_at('ts', 'ms', (1 << n) - 1)} AS u0")
    start = "s0" if query.order == "any" else "s1"
    return (
        f"SELECT * FROM (\nSELECT decoded.*, {', '.join(lists)} FROM (\n"
        f"{_sorted_events(query, p, daily)}\n) AS decoded\n) AS listed WHERE {p.length(start)} > 0"
    )


def _sorted_events(query: FunnelQuery, p: Printer, daily: bool = False) -> str:
    """Per person (and day): ``ts`` and ``ms`` (and ``bds``), sorted by time, tie order, mask."""
    n, keys = len(query.steps), "person, dk" if daily else "person"
    mask_bits, tie_bits = n + len(query.exclusions), (n + 1).bit_length()
    span_bits = (query.span.end_micros() - query.span.start_micros()).bit_length()
    only = " WHERE m <> 0" if query.order != "strict" else ""
    if span_bits + tie_bits + mask_bits > 62:
        # A long range with many steps: ordered aggregates (slower, same order).
        order = "t, o, m, bd"
        lists = [p.list_of("t", order) + " AS ts", p.list_of("m", order) + " AS ms"]
        if query.breakdown is not None:
            lists.append(f"{p.list_of('bd', order)} AS bds")
        return f"SELECT {keys}, {', '.join(lists)} FROM ev{only} GROUP BY {keys}"
    # One integer per event (time since the range start, tie order, mask), paired with the
    # breakdown value if any, sorted once per person: 2-3x faster than ordered aggregates.
    # Events equal in every key are interchangeable, so no uuid is needed to break ties.
    shift, tie = 1 << (tie_bits + mask_bits), 1 << mask_bits
    since = f"(t - {p.param(query.span.start_micros())})"
    packed = f"{since} * {shift} + o * {tie} + m"
    key, lists = "v", []
    if query.breakdown is not None:
        packed, key = p.pair(packed, "bd"), p.pair_item("v", 1)
        lists.append(f"{p.list_map('x', p.lam('v', p.pair_item('v', 2)))} AS bds")
    lists.insert(0, f"{p.list_map('x', p.lam('v', p.int_div(key, str(shift))))} AS ts")
    lists.insert(1, f"{p.list_map('x', p.lam('v', f'{key} % {tie}'))} AS ms")
    grouped = f"SELECT {keys}, {p.sorted_list(packed)} AS x FROM ev{only} GROUP BY {keys}"
    return f"SELECT {keys}, {', '.join(lists)} FROM (\n{grouped}\n) AS grouped"


def _j(k: int) -> str:
    """The list of chain positions of step ``k`` (one per start; step 1's are the starts)."""
    return "s1" if k == 1 else f"j{k}"


def _chain_steps(query: FunnelQuery, p: Printer) -> list[tuple[str, str]]:
    """One CTE per step: for every start, the position of that step in its chain (0: none).

    ``s{k}`` / ``u{k}`` are the positions / times of step k's events; ``u1`` the start times.
    """
    n, window = len(query.steps), p.param(int(query.window_seconds) * 1_000_000)
    if query.order == "any":
        found = ", ".join(
            p.map_zip(["u0"], lambda t, k=k: _within(p, k, t, window)) + f" AS f{k}"
            for k in range(1, n + 1)
        )
        return [("c2", f"SELECT *, {found} FROM per")]
    ctes, source = [], "per"
    for k in range(2, n + 1):
        chain = p.map_zip(
            [_j(k - 1), "u1"], lambda prev, t, k=k: _next(query, p, k, prev, t, window)
        )
        ctes.append((f"c{k}", f"SELECT *, {chain} AS j{k} FROM {source}"))
        source = f"c{k}"
    return ctes


def _within(p: Printer, k: int, start: str, window: str) -> str:
    """Step k's first position within the window that opens at ``start`` (any order)."""
    return p.first_position(
        f"s{k}", f"u{k}", lambda _, u: f"{u} >= {start} AND {u} <= {start} + {window}"
    )


def _next(query: FunnelQuery, p: Printer, k: int, prev: str, start: str, window: str) -> str:
    """Step k's position after position ``prev`` in a chain that started at time ``start``."""
    if query.order == "strict":  # the very next event of the person
        found = p.first_position(
            f"s{k}", f"u{k}", lambda q, u: f"{q} = {prev} + 1 AND {u} <= {start} + {window}"
        )
    else:
        found = p.first_position(
            f"s{k}", f"u{k}", lambda q, u: f"{q} > {prev} AND {u} <= {start} + {window}"
        )
    return f"CASE WHEN {prev} = 0 THEN 0 ELSE {found} END"


def _chains(query: FunnelQuery, p: Printer) -> str:
    """Every start's level (0 when an exclusion voids its chain), as the list ``lv``."""
    n = len(query.steps)
    if query.order == "any":
        found = [f"f{k}" for k in range(1, n + 1)]
        level = p.map_zip(
            found, lambda *fs: " + ".join(f"CASE WHEN {f} <> 0 THEN 1 ELSE 0 END" for f in fs)
        )
        return f"SELECT *, {level} AS lv FROM c2"
    level = p.map_zip([_j(k) for k in range(1, n + 1)], lambda *js: _level(query, p, js))
    return f"SELECT *, {level} AS lv FROM c{n}"


def _level(query: FunnelQuery, p: Printer, js: tuple[str, ...]) -> str:
    """The level of one chain from its step positions ``js`` (0 when an exclusion voids it)."""
    n = len(query.steps)
    level = "CASE " + " ".join(f"WHEN {js[k - 1]} <> 0 THEN {k}" for k in range(n, 1, -1))
    level += " ELSE 1 END"
    void = []
    for i, x in enumerate(query.exclusions):
        first, last = js[x.from_step - 1], js[x.to_step - 1]
        between = p.lam("x", f"x > {first} AND x < {last}")
        hits = p.length(p.list_filter(f"s{n + i + 1}", between))
        void.append(f"({last} <> 0 AND {hits} > 0)")
    return f"CASE WHEN {' OR '.join(void)} THEN 0 ELSE {level} END" if void else level


def _best(query: FunnelQuery, p: Printer, daily: bool = False, packed: int = 0) -> str:
    """One row per person: the best chain (most steps, then earliest start) and its gaps.

    ``packed``: the chains are those of ``funnel_packed`` (its time factor).
    """
    n, start = len(query.steps), "s0" if query.order == "any" else "s1"
    ranked = (
        f"SELECT *, {p.list_max('lv')} AS level, {p.position('lv', p.list_max('lv'))} AS kb"
        " FROM chains"
    )
    if packed:  # ``chains`` has them already
        ranked = "SELECT * FROM chains"
    bd = f"bds[{start}[kb]]" if query.breakdown is not None else "''"
    if packed and query.breakdown is not None:
        bd = "bds[kb]"
    if query.order == "any":
        stamps = ", ".join(
            f"CASE WHEN f{k}[kb] <> 0 THEN ts[f{k}[kb]] ELSE -1 END" for k in range(1, n + 1)
        )
        times = p.list_sort(p.list_filter(f"[{stamps}]", p.lam("v", "v >= 0")))
        ranked = f"SELECT *, {times} AS tk FROM (\n{ranked}\n) AS chosen"
        gaps = [f"tk[{k}] - tk[{k - 1}]" for k in range(2, n + 1)]
    elif packed:
        gaps = [packed_gap(p, k, packed) for k in range(2, n + 1)]
    else:
        gaps = [f"ts[{_j(k)}[kb]] - ts[{_j(k - 1)}[kb]]" for k in range(2, n + 1)]
    picks = [
        f"CASE WHEN level >= {k} THEN {gap} ELSE -1 END AS d{k}"
        for k, gap in enumerate(gaps, start=2)
    ]
    return (
        f"SELECT person, {'dk, ' if daily else ''}level, {bd} AS bd, {', '.join(picks)}"
        f" FROM (\n{ranked}\n) AS ranked"
        " WHERE level > 0"
    )
