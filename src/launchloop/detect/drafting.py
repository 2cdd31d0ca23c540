"""Draft insights from detected signals: group what concerns the same thing, state it once.

Signals that share a subject (a KPI, a funnel step, a page, a segment, a theme) form a group.
The group's draft insight states, in one sentence, the lead signal's figure and comparison (a
funnel drop first, then a KPI move, a missed target, a theme surge, a friction hot spot) and
in a few words the corroborating signals of the other kinds (``wording.py``); it cites every
signal as an evidence record, and the users' words the signals carry as feedback evidence,
each quote once (confidence then follows the kinds of evidence, ``knowledge/confidence.py``).
A group whose subject already has an open insight (tag ``detect:<subject>``) adds its signals
to it as evidence instead of a new draft; one whose draft was dismissed (retired without being
validated) gets no new draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from launchloop.detect.wording import headline, statement
from launchloop.knowledge.evidence import add_evidence
from launchloop.knowledge.insights import create_insight, list_insights
from launchloop.knowledge.models import Insight, Signal
from launchloop.knowledge.roles import Caller

#: Which signal leads a draft: the first kind present in this order.
LEAD_ORDER: tuple[str, ...] = (
    "funnel_drop",
    "kpi_moved",
    "kpi_off_target",
    "theme_surge",
    "friction_hotspot",
)
#: The order corroborating signals are told in: other sources first, then the KPI's state.
CORROBORATION_ORDER: tuple[str, ...] = (
    "friction_hotspot",
    "theme_surge",
    "funnel_drop",
    "kpi_moved",
    "kpi_off_target",
)
#: Signals about a KPI's state, left untold when the lead is about the same KPI.
KPI_STATE = ("kpi_moved", "kpi_off_target")
TAG = "detected"
#: Which subject names a group, most specific first.
TAG_ORDER: tuple[str, ...] = ("step", "page", "theme", "kpi", "segment")
OPEN = ("draft", "validated", "stale")
#: Quotes an insight cites from its signals (the signals keep the rest).
MAX_QUOTES = 5


@dataclass
class DraftReport:
    """Insights drafted, and open insights that received new evidence."""

    created: list[Insight] = field(default_factory=list)
    enriched: list[Insight] = field(default_factory=list)
    #: Subjects (tags) whose earlier draft was dismissed: no new draft for them.
    dismissed: list[str] = field(default_factory=list)


def subjects_of(signal: Signal) -> list[str]:
    """What a signal concerns; autocaptured events (``$pageview``...) are too broad to join on."""
    raw = (signal.payload or {}).get("subjects", [])
    return [s for s in raw if isinstance(s, str) and not s.startswith("step:$")]


def group_signals(signals: Sequence[Signal]) -> list[list[Signal]]:
    """Signals joined when they share a subject (transitively), in the order first seen."""
    parent = list(range(len(signals)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, signal in enumerate(signals):
        for subject in subjects_of(signal):
            if subject in owner:
                parent[root(i)] = root(owner[subject])
            else:
                owner[subject] = i
    groups: dict[int, list[Signal]] = {}
    for i, signal in enumerate(signals):
        groups.setdefault(root(i), []).append(signal)
    return list(groups.values())


def lead_of(group: Sequence[Signal]) -> Signal:
    """The signal a draft is written around: the first kind of :data:`LEAD_ORDER`; among
    those, the one sharing most subjects with signals of other kinds, then the most significant.
    """
    rank = {kind: i for i, kind in enumerate(LEAD_ORDER)}

    def corroboration(signal: Signal) -> int:
        mine = set(subjects_of(signal))
        others = {x for s in group if s.kind != signal.kind for x in subjects_of(s)}
        return len(mine & others)

    def p_value(signal: Signal) -> float:
        value = (signal.payload or {}).get("p_value")
        return float(value) if isinstance(value, int | float) else 1.0

    return min(
        group,
        key=lambda s: (rank.get(s.kind, len(rank)), -corroboration(s), p_value(s), s.id or 0),
    )


def draft_statement(group: Sequence[Signal]) -> str:
    """One sentence: the lead's figure and comparison, then the other kinds that corroborate it."""
    lead = lead_of(group)
    order = {kind: i for i, kind in enumerate(CORROBORATION_ORDER)}
    others = sorted(
        (s for s in group if s is not lead and s.kind != lead.kind),
        key=lambda s: (order.get(s.kind, len(order)), s.id or 0),
    )
    # One signal of each kind is told (all of them are cited as evidence), and not the state of
    # the KPI the lead is about: its figure already says it.
    others = [s for i, s in enumerate(others) if s.kind not in {o.kind for o in others[:i]}]
    others = [s for s in others if not _restates(s, lead)]
    return statement(lead, others, group_tag(group).removeprefix("detect:"))


def group_tag(group: Sequence[Signal]) -> str:
    """The tag that names what the group is about: the lead's most specific subject
    (a step, else a page, a theme, a KPI), so later findings about it join the same insight."""
    lead = lead_of(group)
    subjects = subjects_of(lead) or [f"{lead.kind}:{lead.id}"]
    rank = {prefix: i for i, prefix in enumerate(TAG_ORDER)}
    best = min(subjects, key=lambda s: rank.get(s.split(":", 1)[0], len(rank)))
    return f"detect:{best}".lower()[:100]


def draft_insights(session: Session, caller: Caller, signals: Sequence[Signal]) -> DraftReport:
    """Draft one insight per group of ``signals``, or add them to the open insight about it."""
    report = DraftReport()
    for group in group_signals(signals):
        tag = group_tag(group)
        found = list_insights(session, caller.project_id, tag=tag, limit=50)
        existing = next((i for i in found if i.status in OPEN), None)
        if existing is not None:
            _cite(session, caller, existing, group)
            report.enriched.append(existing)
            continue
        if any(_dismissed(i) for i in found):
            report.dismissed.append(tag)
            continue
        insight = create_insight(
            session,
            caller,
            statement=draft_statement(group),
            context=_context(group),
            team_ids=sorted({s.team_id for s in group if s.team_id is not None}),
            launch_id=next((s.launch_id for s in group if s.launch_id is not None), None),
            tags=[TAG, tag],
        )
        session.flush()
        _cite(session, caller, insight, group)
        report.created.append(insight)
    return report


def _restates(signal: Signal, lead: Signal) -> bool:
    same_kpi = lead.kpi_id is not None and signal.kpi_id == lead.kpi_id
    return signal.kind in KPI_STATE and same_kpi


def _dismissed(insight: Insight) -> bool:
    """A draft retired without ever being validated: someone said it is not worth a look."""
    return insight.status == "retired" and insight.validated_at is None


def _cite(session: Session, caller: Caller, insight: Insight, group: Sequence[Signal]) -> None:
    """Cite each signal of ``group`` and each quote it carries, unless the insight already does."""
    cited = {e.signal_id for e in insight.evidence if e.signal_id is not None}
    for signal in group:
        if signal.id not in cited:
            add_evidence(
                session, caller, insight.id, kind="signal", signal_id=signal.id,
                note=headline(signal.text), figure_label=signal.kind,
            )  # fmt: skip
    quoted = {e.quote for e in insight.evidence if e.quote}
    for quote in quotes_of(group):
        if quote not in quoted:
            add_evidence(session, caller, insight.id, kind="feedback", quote=quote,
                         note="quoted by a detected signal")  # fmt: skip
            quoted.add(quote)


def quotes_of(group: Sequence[Signal]) -> list[str]:
    """The users' words the signals carry (a theme's, the dropped persons'), each text once."""
    found: list[str] = []
    for signal in group:
        payload = signal.payload or {}
        dropped = payload.get("dropped_feedback")
        found += payload.get("quotes") or []
        found += (dropped.get("quotes") or []) if isinstance(dropped, dict) else []
    unique = dict.fromkeys(" ".join(str(q).split()) for q in found)
    return [q for q in unique if q][:MAX_QUOTES]


def _context(group: Sequence[Signal]) -> str:
    lines = ["Drafted by launchloop detect from these signals:"]
    lines += [f"- [{s.kind}] signal {s.id}: {s.text}" for s in group]
    return "\n".join(lines)
