"""The monthly generalization review as Markdown and as a printable HTML page (issue 9)."""

from __future__ import annotations

from html import escape

from launchloop.loop.ritual_monthly import MonthlyReview, Outcome
from launchloop.loop.ritual_reports import STYLE, signed

HEADERS = ("item", "decision", "expected", "measured", "reached", "proposal")


def monthly_title(review: MonthlyReview) -> str:
    """The review's title."""
    scope = f" — {review.launch}" if review.launch else ""
    return f"Generalization review{scope}, {review.start} to {review.end}"


def reached_text(outcome: Outcome) -> str:
    """The share of the expected change reached, as a percentage."""
    return "n/a" if outcome.reached is None else f"{outcome.reached * 100:.0f}%"


def outcome_cells(outcome: Outcome) -> tuple[str, ...]:
    """The cells of an outcome's row, as plain text."""
    return (
        f"{outcome.title} ({outcome.kind} {outcome.item_id})",
        outcome.decision or "n/a",
        signed(outcome.expected_change),
        signed(outcome.measured_change),
        reached_text(outcome),
        outcome.proposal,
    )


def monthly_markdown(review: MonthlyReview) -> str:
    """The review as Markdown: outcomes table, learnings to capitalize, insights to re-validate."""
    lines = [f"# {monthly_title(review)}", "", "## Concluded experiments and evaluated actions", ""]
    lines += ["| " + " | ".join(HEADERS) + " |", "| --- | --- | ---: | ---: | ---: | --- |"]
    lines += ["| " + " | ".join(_md(c) for c in outcome_cells(o)) + " |" for o in review.outcomes]
    lines += ["", "## Learnings to capitalize", ""]
    lines += [f"- {_md(title)} (learning {i})" for i, title in review.to_capitalize]
    lines += [] if review.to_capitalize else ["Nothing."]
    lines += ["", "## Insights to re-validate", ""]
    lines += [f"- {_md(text)} (insight {i}; {why})" for i, text, why in review.to_revalidate]
    lines += [] if review.to_revalidate else ["Nothing."]
    return "\n".join(lines) + "\n"


def monthly_html(review: MonthlyReview) -> str:
    """The review as one printable, self-contained HTML page."""
    title = escape(monthly_title(review))
    head = "".join(f"<th>{h}</th>" for h in HEADERS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in outcome_cells(o)) + "</tr>"
        for o in review.outcomes
    )
    learned = "".join(
        f"<li>{escape(t)} <small>(learning {i})</small></li>" for i, t in review.to_capitalize
    )
    stale = "".join(
        f"<li>{escape(t)} <small>(insight {i}; {escape(w)})</small></li>"
        for i, t, w in review.to_revalidate
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}</style></head><body><h1>{title}</h1>"
        f"<h2>Concluded experiments and evaluated actions</h2><table><thead><tr>{head}</tr>"
        f"</thead><tbody>{rows}</tbody></table>"
        f"<h2>Learnings to capitalize</h2>{_listed(learned)}"
        f"<h2>Insights to re-validate</h2>{_listed(stale)}</body></html>\n"
    )


def _listed(entries: str) -> str:
    return f"<ul>{entries}</ul>" if entries else "<p>Nothing.</p>"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
