"""What each team can act on (issue 9, routing): the questions support can anticipate, and
the findings marketing and tech can act on, shown in the team's feed.

- A team that observes ``feedback:support`` or ``signal:theme_surge`` gets, for each feedback
  theme with items in the last ``days``, a suggested FAQ entry: the theme's name, its count, its
  trend (items in the last ``days`` minus the ``days`` before), up to three representative
  questions (its newest items that ask something, else its quotes) and an answer skeleton.
- A team that observes ``signal:funnel_drop`` (marketing: channels and messages) or
  ``signal:friction_hotspot`` (tech: friction and errors) gets those signals since ``since``,
  each with where it happens (the funnel step and segments; the friction, page and target).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from launchloop.knowledge.models import FeedbackItem, Signal, Team, Theme
from launchloop.loop.feeds import aware

SUPPORT_HANDLES = frozenset({"feedback:support", "signal:theme_surge"})
FINDING_KINDS: tuple[str, ...] = ("funnel_drop", "friction_hotspot")
QUESTIONS = 3
QUESTION_WORDS = ("how", "why", "what", "when", "where", "can", "is", "do", "does", "comment")


@dataclass(frozen=True)
class FaqSuggestion:
    """A feedback theme turned into a suggested FAQ entry or support macro."""

    theme_id: int
    name: str
    count: int
    recent: int
    previous: int
    questions: tuple[str, ...]
    answer: str

    @property
    def trend(self) -> int:
        """Items in the recent period minus the one before."""
        return self.recent - self.previous


@dataclass(frozen=True)
class TeamFinding:
    """A signal a team can act on, and where it happens."""

    signal_id: int
    kind: str
    title: str
    where: str
    observed_at: datetime


@dataclass(frozen=True)
class TeamBrief:
    """A team's questions to anticipate and findings to act on."""

    team: str
    questions: tuple[FaqSuggestion, ...]
    findings: tuple[TeamFinding, ...]

    def as_dict(self) -> dict[str, Any]:
        """The brief as JSON-ready values."""
        questions = [asdict(q) | {"trend": q.trend} for q in self.questions]
        findings = [
            asdict(f) | {"observed_at": aware(f.observed_at).isoformat()} for f in self.findings
        ]
        return {"team": self.team, "questions": questions, "findings": findings}


def team_brief(
    session: Session, project_id: int, team: Team, *, now: datetime, days: int = 7
) -> TeamBrief:
    """The brief of ``team`` from what it observes (see the module's docstring)."""
    observes = set(team.observes or [])
    since = now - timedelta(days=days)
    questions = (
        anticipated_questions(session, project_id, now=now, days=days)
        if observes & SUPPORT_HANDLES
        else ()
    )
    kinds = [k for k in FINDING_KINDS if f"signal:{k}" in observes]
    return TeamBrief(team.name, questions, findings(session, project_id, kinds, since))


def anticipated_questions(
    session: Session, project_id: int, *, now: datetime, days: int = 7
) -> tuple[FaqSuggestion, ...]:
    """Themes with items in the last ``days``, most asked first, as suggested FAQ entries."""
    recent = _counts(session, project_id, now - timedelta(days=days), now)
    previous = _counts(
        session, project_id, now - timedelta(days=2 * days), now - timedelta(days=days)
    )
    totals = _counts(session, project_id, None, None)
    themes = session.scalars(select(Theme).where(Theme.project_id == project_id))
    rows = [
        FaqSuggestion(
            theme.id,
            theme.name,
            totals.get(theme.id, 0),
            recent[theme.id],
            previous.get(theme.id, 0),
            representative_questions(session, theme),
            answer_skeleton(theme.name),
        )
        for theme in themes
        if recent.get(theme.id)
    ]
    return tuple(sorted(rows, key=lambda r: (-r.recent, -r.trend, r.theme_id)))


def is_question(text: str) -> bool:
    """Whether a feedback text asks something (a question mark or a question word first)."""
    words = text.strip().lower().split()
    return "?" in text or bool(words and words[0].strip(",:") in QUESTION_WORDS)


def representative_questions(session: Session, theme: Theme) -> tuple[str, ...]:
    """The theme's newest items that ask something; else its representative quotes."""
    query = (
        select(FeedbackItem.text)
        .where(FeedbackItem.theme_id == theme.id)
        .order_by(FeedbackItem.observed_at.desc(), FeedbackItem.id.desc())
    )
    asked = [text for text in session.scalars(query) if is_question(text)]
    if not asked:
        asked = [str(q.get("text", "")) for q in theme.quotes or [] if q.get("text")]
    return tuple(asked[:QUESTIONS])


def answer_skeleton(name: str) -> str:
    """A support macro to fill in: acknowledge, explain, steps, where to read more, escalate."""
    return (
        f"Thanks for your question about {name}.\n"
        "What happens: <explain the cause in one sentence>.\n"
        "What to do: 1. <first step> 2. <second step>.\n"
        "More: <link to the page or the docs>.\n"
        "Still stuck? Reply to this message and we will look at your account."
    )


def findings(
    session: Session, project_id: int, kinds: list[str], since: datetime
) -> tuple[TeamFinding, ...]:
    """Signals of ``kinds`` observed since ``since``, newest first, with where they happen."""
    if not kinds:
        return ()
    query = select(Signal).where(
        Signal.project_id == project_id, Signal.kind.in_(kinds), Signal.observed_at >= since
    )
    return tuple(
        TeamFinding(s.id, s.kind, s.text, where(s), s.observed_at)
        for s in session.scalars(query.order_by(Signal.observed_at.desc(), Signal.id.desc()))
    )


def where(signal: Signal) -> str:
    """Where a funnel drop or a friction hot spot happens, from its payload."""
    payload = signal.payload or {}
    if signal.kind == "friction_hotspot":
        parts = [payload.get("friction"), payload.get("path"), payload.get("target")]
        return " · ".join(str(p) for p in parts if p)
    segments = [
        f"{s.get('dimension')}={s.get('value')}"
        for s in payload.get("segments", [])
        if isinstance(s, dict)
    ]
    step = payload.get("to_event") or payload.get("step")
    return " · ".join(str(p) for p in [f"step {step}" if step else None, *segments] if p)


def _counts(
    session: Session, project_id: int, start: datetime | None, end: datetime | None
) -> dict[int, int]:
    query = select(FeedbackItem.theme_id, func.count()).where(
        FeedbackItem.project_id == project_id, FeedbackItem.theme_id.is_not(None)
    )
    if start is not None and end is not None:
        query = query.where(FeedbackItem.observed_at >= start, FeedbackItem.observed_at < end)
    rows = session.execute(query.group_by(FeedbackItem.theme_id))
    return {theme_id: count for theme_id, count in rows if theme_id is not None}
