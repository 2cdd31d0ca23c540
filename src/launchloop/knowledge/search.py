"""Full-text search over insights, actions, experiments, learnings and feedback quotes.

SQLite: the FTS5 table ``knowledge_fts`` kept by triggers (migration 0004), ranked by bm25.
PostgreSQL: ``to_tsvector('english', ...)`` over the same columns (GIN indexes), ranked by
ts_rank. Both stem English words, so "abandoning" finds "abandon". ``match="any"`` ranks items
sharing any word: the lexical "similar items" used when a new insight or action is written.
Filters (status, team, tag, launch, dates) apply to the ranked candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.lookup import choice
from launchloop.knowledge.models import Action, Evidence, Experiment, Insight, Learning

KINDS: tuple[str, ...] = ("insight", "action", "experiment", "learning", "quote")
#: kind -> (table, searched columns); migration 0004 indexes the same columns.
SEARCHED: dict[str, tuple[str, tuple[str, ...]]] = {
    "insight": ("insights", ("statement", "context")),
    "action": ("actions", ("title", "observation", "hypothesis")),
    "experiment": ("experiments", ("name", "decision_reason")),
    "learning": ("learnings", ("title", "tried", "context")),
    "quote": ("evidence", ("quote",)),
}
MODELS: dict[str, type[Any]] = {
    "insight": Insight,
    "action": Action,
    "experiment": Experiment,
    "learning": Learning,
    "quote": Evidence,
}
#: How many ranked candidates the filters look at.
CANDIDATES = 1_000
Match = Literal["all", "any"]


@dataclass(frozen=True)
class SearchFilters:
    """What the hits must be: kinds, status, team, tag, launch, created between dates."""

    kinds: tuple[str, ...] = KINDS
    status: str | None = None
    team_id: int | None = None
    tag: str | None = None
    launch_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class SearchHit:
    """One item found, best first: its kind, id, title, status and score."""

    kind: str
    id: int
    title: str
    status: str | None
    score: float
    insight_id: int | None = None


def search(
    session: Session,
    project_id: int,
    query: str,
    *,
    filters: SearchFilters | None = None,
    match: Match = "all",
    limit: int = 20,
) -> list[SearchHit]:
    """Items of the project matching ``query`` (all its words, or any), best first."""
    words = re.findall(r"\w+", query.lower())
    if not words:
        raise InvalidInput("q", "give at least one word to search for")
    wanted = filters or SearchFilters()
    for kind in wanted.kinds:
        choice(kind, KINDS, "kind")
    ranked = _ranked(session, project_id, words, match, wanted.kinds)
    hits = []
    for kind, item_id, score in ranked:
        record = session.get(MODELS[kind], item_id)
        if record is not None and _passes(record, kind, wanted):
            hits.append(_hit(record, kind, score))
        if len(hits) >= limit:
            break
    return hits


def similar(
    session: Session, project_id: int, statement: str, *, limit: int = 5
) -> list[SearchHit]:
    """Items that share words with ``statement``, best first (lexical similarity)."""
    if not re.search(r"\w", statement):
        return []
    return search(session, project_id, statement, match="any", limit=limit)


def _ranked(
    session: Session, project_id: int, words: list[str], match: Match, kinds: tuple[str, ...]
) -> list[tuple[str, int, float]]:
    if session.get_bind().dialect.name == "sqlite":
        rows = _sqlite_ranked(session, project_id, words, match)
    else:
        rows = _postgresql_ranked(session, project_id, words, match, kinds)
    found = [(kind, int(item_id), float(score)) for kind, item_id, score in rows if kind in kinds]
    return sorted(found, key=lambda row: (-row[2], row[0], row[1]))


def _sqlite_ranked(session: Session, project_id: int, words: list[str], match: Match) -> list[Any]:
    joiner = " OR " if match == "any" else " "
    expression = joiner.join(f'"{word}"' for word in words)
    sql = text(
        "SELECT kind, item_id, -bm25(knowledge_fts) FROM knowledge_fts "
        "WHERE knowledge_fts MATCH :expression AND project_id = :project "
        "ORDER BY bm25(knowledge_fts) LIMIT :limit"
    )
    params = {"expression": expression, "project": project_id, "limit": CANDIDATES}
    return list(session.execute(sql, params))


def _postgresql_ranked(
    session: Session, project_id: int, words: list[str], match: Match, kinds: tuple[str, ...]
) -> list[Any]:
    joiner = " | " if match == "any" else " & "
    parts = [_postgresql_select(kind) for kind in kinds]
    sql = text(
        "WITH q AS (SELECT to_tsquery('english', :expression) AS query) "
        + " UNION ALL ".join(parts)
        + " ORDER BY 3 DESC LIMIT :limit"
    )
    params = {"expression": joiner.join(words), "project": project_id, "limit": CANDIDATES}
    return list(session.execute(sql, params))


def _postgresql_select(kind: str) -> str:
    table, columns = SEARCHED[kind]
    vector = (
        "to_tsvector('english', "
        + " || ' ' || ".join(f"coalesce({table}.{c}, '')" for c in columns)
        + ")"
    )
    project = "insights.project_id" if kind == "quote" else f"{table}.project_id"
    join = " JOIN insights ON insights.id = evidence.insight_id" if kind == "quote" else ""
    return (
        f"SELECT '{kind}', {table}.id, ts_rank({vector}, q.query) FROM {table}{join}, q "
        f"WHERE {project} = :project AND {vector} @@ q.query"
    )


def _insight_of(record: Any, kind: str) -> Insight | None:
    if kind == "insight":
        return record
    if kind == "quote":
        return record.insight
    return None


def _passes(record: Any, kind: str, wanted: SearchFilters) -> bool:
    insight = _insight_of(record, kind)
    status = insight.status if insight is not None else getattr(record, "status", None)
    checks = [
        wanted.status is None or status == wanted.status,
        wanted.tag is None or (insight is not None and wanted.tag.lower() in insight.tags),
        wanted.team_id is None or _concerns_team(record, insight, wanted.team_id),
        wanted.launch_id is None or _of_launch(record, kind, insight, wanted.launch_id),
        wanted.since is None or record.created_at.date() >= wanted.since,
        wanted.until is None or record.created_at.date() <= wanted.until,
    ]
    return all(checks)


def _concerns_team(record: Any, insight: Insight | None, team_id: int) -> bool:
    if insight is not None:
        return team_id in insight.team_ids
    return getattr(record, "owner_team_id", None) == team_id


def _of_launch(record: Any, kind: str, insight: Insight | None, launch_id: int) -> bool:
    if insight is not None:
        return insight.launch_id == launch_id
    if kind == "action":
        return any(i.launch_id == launch_id for i in record.insights)
    return False


def _hit(record: Any, kind: str, score: float) -> SearchHit:
    insight = _insight_of(record, kind)
    titles = {
        "insight": lambda r: r.statement,
        "action": lambda r: r.title,
        "experiment": lambda r: r.name,
        "learning": lambda r: r.title,
        "quote": lambda r: r.quote or "",
    }
    status = insight.status if insight is not None else getattr(record, "status", None)
    insight_id = insight.id if insight is not None else None
    return SearchHit(kind, record.id, titles[kind](record)[:300], status, score, insight_id)
