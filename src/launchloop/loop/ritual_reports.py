"""The weekly reading as Markdown and as a printable, self-contained HTML page (issue 9)."""

from __future__ import annotations

from html import escape

from launchloop.loop.ritual_fortnightly import FortnightlyAgenda
from launchloop.loop.rituals import AgendaItem, KpiLine, WeeklyAgenda

SPARK_WIDTH = 120
SPARK_HEIGHT = 24
SPARK_TICKS = "▁▂▃▄▅▆▇█"


def figure(value: float | None) -> str:
    """A KPI figure for people: up to three decimals, "n/a" when unknown."""
    if value is None:
        return "n/a"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def signed(value: float | None) -> str:
    """A change with its sign."""
    return "n/a" if value is None else ("+" if value >= 0 else "") + figure(value)


def spark_text(series: tuple[float | None, ...]) -> str:
    """The series as block characters (a space for an unknown day)."""
    known = [v for v in series if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    top = len(SPARK_TICKS) - 1
    return "".join(
        " "
        if v is None
        else SPARK_TICKS[round((v - low) / (high - low) * top) if high > low else 0]
        for v in series
    )


def spark_points(series: tuple[float | None, ...]) -> str:
    """SVG polyline points of the series, scaled to the sparkline's box (unknown days skipped)."""
    known = [(i, v) for i, v in enumerate(series) if v is not None]
    if not known:
        return ""
    low, high = min(v for _, v in known), max(v for _, v in known)
    step = SPARK_WIDTH / max(len(series) - 1, 1)
    span = high - low or 1.0
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - (v - low) / span * SPARK_HEIGHT:.1f}" for i, v in known
    )


def target_state(line: KpiLine) -> str:
    """ "on target", "off target" or "no target"."""
    if line.on_target is None:
        return "no target"
    return "on target" if line.on_target else "off target"


def weekly_title(agenda: WeeklyAgenda) -> str:
    """The reading's title."""
    scope = f" — {agenda.launch}" if agenda.launch else ""
    return f"Weekly KPI reading{scope}, {agenda.start} to {agenda.end}"


def weekly_markdown(agenda: WeeklyAgenda) -> str:
    """The agenda as Markdown (tables of KPIs, lists of signals, drafts, evaluations)."""
    lines = [f"# {weekly_title(agenda)}", "", f"Days of {agenda.time_zone}.", "", "## KPIs", ""]
    lines += ["| KPI | team | value | previous week | change | target | | trend |"]
    lines += ["| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for k in agenda.kpis:
        lines.append(
            f"| {_md(k.name)} | {k.owner_team} | {figure(k.value)} | {figure(k.previous)} | "
            f"{signed(k.change)} | {figure(k.target)} | {target_state(k)} | "
            f"{spark_text(k.series)} |"
        )
    for heading, items in _sections(agenda):
        lines += ["", f"## {heading}", ""]
        lines += [f"- {_md(i.title)} ({i.kind} {i.item_id}; {_md(i.detail)})" for i in items]
        lines += [] if items else ["Nothing."]
    return "\n".join(lines) + "\n"


def weekly_html(agenda: WeeklyAgenda) -> str:
    """The agenda as one printable HTML page with inline SVG sparklines."""
    title = escape(weekly_title(agenda))
    rows = "".join(_html_row(k) for k in agenda.kpis)
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>",
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>",
        f"<p>Days of {escape(agenda.time_zone)}.</p><h2>KPIs</h2>",
        "<table><thead><tr><th>KPI</th><th>team</th><th>value</th><th>previous week</th>"
        "<th>change</th><th>target</th><th></th><th>trend</th></tr></thead>",
        f"<tbody>{rows}</tbody></table>",
    ]
    for heading, items in _sections(agenda):
        entries = "".join(
            f"<li>{escape(i.title)} <small>({i.kind} {i.item_id}; {escape(i.detail)})</small></li>"
            for i in items
        )
        parts.append(
            f"<h2>{heading}</h2>" + (f"<ul>{entries}</ul>" if items else "<p>Nothing.</p>")
        )
    return "".join(parts) + "</body></html>\n"


def sparkline_svg(series: tuple[float | None, ...]) -> str:
    """An inline SVG sparkline of the series."""
    return (
        f"<svg class='spark' width='{SPARK_WIDTH}' height='{SPARK_HEIGHT}' role='img' "
        f"aria-label='daily values'><polyline fill='none' stroke='currentColor' "
        f"points='{spark_points(series)}'/></svg>"
    )


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
    "table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ccc}"
    "td.n{text-align:right}@media print{body{margin:0}}"
)


def _html_row(k: KpiLine) -> str:
    cells = [escape(k.name), escape(k.owner_team)]
    numbers = [figure(k.value), figure(k.previous), signed(k.change), figure(k.target)]
    return (
        "<tr>"
        + "".join(f"<td>{c}</td>" for c in cells)
        + "".join(f"<td class='n'>{n}</td>" for n in numbers)
        + f"<td>{target_state(k)}</td><td>{sparkline_svg(k.series)}</td></tr>"
    )


def _sections(agenda: WeeklyAgenda) -> list[tuple[str, tuple[AgendaItem, ...]]]:
    return [
        ("New signals", agenda.signals),
        ("Drafts waiting for validation", agenda.drafts),
        ("Actions due for evaluation", agenda.evaluations),
        ("Decisions", agenda.decisions),
    ]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def fortnightly_markdown(agenda: FortnightlyAgenda) -> str:
    """The experiment definition's agenda as Markdown."""
    lines = [
        f"# Experiment definition, {agenda.today}",
        "",
        "## Validated insights without an action",
        "",
    ]
    lines += [
        f"- {_md(text)} (insight {insight_id})"
        for insight_id, text in agenda.insights_without_action
    ]
    lines += [
        "",
        "## Top of the backlog",
        "",
        "| action | kind | priority | persons per variant | days |",
    ]
    lines += ["| --- | --- | ---: | ---: | ---: |"]
    for c in agenda.candidates:
        size = figure(c.persons_per_variant) if c.sizing_problem is None else _md(c.sizing_problem)
        days = "n/a" if c.days is None else str(c.days)
        lines.append(
            f"| {_md(c.title)} ({c.action_id}) | {c.kind} | {figure(c.priority)} | "
            f"{size} | {days} |"
        )
    lines += ["", "## Running experiments", ""]
    lines += [
        f"- {_md(r.name)}: since {r.started}, {r.days_running} days, {r.analyses} analyses"
        for r in agenda.running
    ]
    return "\n".join(lines) + "\n"


def fortnightly_html(agenda: FortnightlyAgenda) -> str:
    """The experiment definition's agenda as one printable HTML page."""
    title = f"Experiment definition, {agenda.today}"
    insights = "".join(
        f"<li>{escape(text)} <small>(insight {insight_id})</small></li>"
        for insight_id, text in agenda.insights_without_action
    )
    rows = "".join(
        f"<tr><td>{escape(c.title)} ({c.action_id})</td><td>{c.kind}</td>"
        f"<td class='n'>{figure(c.priority)}</td><td class='n'>"
        f"{figure(c.persons_per_variant) if c.sizing_problem is None else escape(c.sizing_problem)}"
        f"</td><td class='n'>{'n/a' if c.days is None else c.days}</td></tr>"
        for c in agenda.candidates
    )
    running = "".join(
        f"<li>{escape(r.name)}: since {r.started}, {r.days_running} days, "
        f"{r.analyses} analyses</li>"
        for r in agenda.running
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
        f"<h2>Validated insights without an action</h2>{_list_or_nothing(insights)}"
        "<h2>Top of the backlog</h2><table><thead><tr><th>action</th><th>kind</th>"
        "<th>priority</th><th>persons per variant</th><th>days</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<h2>Running experiments</h2>{_list_or_nothing(running)}</body></html>\n"
    )


def _list_or_nothing(entries: str) -> str:
    return f"<ul>{entries}</ul>" if entries else "<p>Nothing.</p>"
