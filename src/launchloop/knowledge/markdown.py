"""An insight as Markdown: statement, status, confidence, evidence, actions and comments."""

from __future__ import annotations

import json
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.knowledge.comments import comments_on
from launchloop.knowledge.evidence import insight_confidence
from launchloop.knowledge.freshness import format_figure
from launchloop.knowledge.insights import get_insight
from launchloop.knowledge.models import (
    Action,
    Evidence,
    Insight,
    Launch,
    Learning,
    Signal,
    Team,
    action_insights,
)

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_BLOCK_START = re.compile(r"^(\s*)([#>|=+*-]|\d+[.)])", re.MULTILINE)


def markdown_text(value: object, *, block: bool = False) -> str:
    """User text made inert in Markdown: HTML escaped, no line breaks (``block``: no headings)."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("`", "&#96;").replace("[", "\\[").replace("]", "\\]")
    if block:
        return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return _LINE_BREAKS.sub(" ", text)


def insight_markdown(session: Session, project_id: int, insight_id: int) -> str:
    """The insight as a Markdown document, to paste in a wiki or a ticket."""
    insight = get_insight(session, project_id, insight_id)
    lines = [
        f"# Insight {insight.id}: {markdown_text(insight.statement)}",
        "",
        *_facts(session, insight),
        "",
    ]
    if insight.context:
        lines += ["## Context", "", markdown_text(insight.context, block=True), ""]
    lines += ["## Evidence", ""]
    lines += [_evidence(session, n, piece) for n, piece in enumerate(insight.evidence, 1)] or [
        "None yet."
    ]
    lines += ["", *_actions(session, insight), *_comments(session, insight)]
    return "\n".join(lines).rstrip() + "\n"


def _facts(session: Session, insight: Insight) -> list[str]:
    computed = insight_confidence(session, insight)
    families = ", ".join(computed.agreeing) or "no evidence"
    status = insight.status
    if insight.validated_by and insight.validated_at:
        on = insight.validated_at.date().isoformat()
        status += f" (by {markdown_text(insight.validated_by)}, {on})"
    facts = [
        f"- Status: {status}",
        f"- Confidence: {computed.score:g} ({computed.level}: {families})",
        f"- Author: {markdown_text(insight.author)}",
    ]
    if insight.review_by:
        facts.append(f"- Review by: {insight.review_by.isoformat()}")
    if insight.teams:
        facts.append("- Teams: " + ", ".join(markdown_text(team.name) for team in insight.teams))
    if insight.tags:
        facts.append("- Tags: " + ", ".join(markdown_text(tag) for tag in insight.tags))
    if insight.launch_id:
        launch = session.get(Launch, insight.launch_id)
        facts.append(f"- Launch: {markdown_text(launch.name) if launch else insight.launch_id}")
    return facts


def _evidence(session: Session, number: int, piece: Evidence) -> str:
    against = "" if piece.supports else " (contradicts)"
    if piece.kind == "query":
        label = markdown_text(piece.figure_label or "figure")
        now = ""
        if piece.last_figure is not None:
            now = f", {format_figure(piece.last_figure)} when re-run"
        query = json.dumps(piece.query, sort_keys=True).replace("`", "'")
        figure = format_figure(piece.figure)
        return f"{number}. Query{against}: {label} {figure} at capture{now} — `{query}`"
    if piece.kind == "feedback":
        source = f" (feedback {piece.feedback_id})" if piece.feedback_id else ""
        return f"{number}. Feedback{against}{source}: > {markdown_text(piece.quote or '')}"
    if piece.kind == "signal":
        signal = session.get(Signal, piece.signal_id) if piece.signal_id else None
        text = f"{signal.kind}: {markdown_text(signal.text)}" if signal else "removed"
        return f"{number}. Signal {piece.signal_id}{against} ({text})"
    learning = session.get(Learning, piece.learning_id) if piece.learning_id else None
    title = markdown_text(learning.title) if learning else "removed"
    return f"{number}. Learning {piece.learning_id}{against}: {title}"


def _actions(session: Session, insight: Insight) -> list[str]:
    actions = session.scalars(
        select(Action)
        .join(action_insights, action_insights.c.action_id == Action.id)
        .where(action_insights.c.insight_id == insight.id)
        .order_by(Action.id)
    ).all()
    if not actions:
        return []
    rows = [f"- Action {a.id} ({a.kind}, {a.status}): {markdown_text(a.title)}" for a in actions]
    return ["## Actions", "", *rows, ""]


def _comments(session: Session, insight: Insight) -> list[str]:
    found = comments_on(session, insight.project_id, "insight", insight.id)
    if not found:
        return []
    rows = []
    for comment in found:
        team = session.get(Team, comment.team_id) if comment.team_id else None
        who = markdown_text(f"{comment.author} ({team.name})" if team else comment.author)
        rows.append(
            f"- {who}, {comment.created_at.date().isoformat()}: {markdown_text(comment.body)}"
        )
    return ["## Comments", "", *rows, ""]
