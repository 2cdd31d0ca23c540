"""Export and import of a project's whole knowledge base as JSON.

The export lists each table's rows (ids included, project left out). The import writes them
into a project that has no knowledge yet, giving new ids and rewriting every reference
(foreign keys, KPI lists, the items of comments and history). API tokens and sign-in users
are never exported.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Table, insert, select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput
from launchloop.knowledge.models import (
    Action,
    Change,
    Comment,
    DecisionRule,
    Evidence,
    Experiment,
    ExperimentAnalysis,
    Insight,
    InsightTag,
    Kpi,
    Launch,
    Learning,
    Member,
    Signal,
    Team,
    action_insights,
    insight_teams,
)
from launchloop.knowledge.roles import Caller, require_role

FORMAT = "launchloop-knowledge"
VERSION = 1
#: Tables in the order an import writes them (what is referenced comes first).
TABLES: tuple[Table, ...] = tuple(
    model if isinstance(model, Table) else model.__table__  # type: ignore[misc]
    for model in (
        Team,
        Member,
        DecisionRule,
        Launch,
        Kpi,
        Signal,
        Insight,
        InsightTag,
        insight_teams,
        Action,
        action_insights,
        Experiment,
        ExperimentAnalysis,
        Learning,
        Evidence,
        Comment,
        Change,
    )
)
#: The table each foreign-key column points at.
REFERENCES: dict[str, str] = {
    "team_id": "teams",
    "owner_team_id": "teams",
    "launch_id": "launches",
    "kpi_id": "kpis",
    "impact_kpi_id": "kpis",
    "primary_kpi_id": "kpis",
    "signal_id": "signals",
    "insight_id": "insights",
    "action_id": "actions",
    "experiment_id": "experiments",
    "learning_id": "learnings",
}
ITEM_TABLES: dict[str, str] = {
    "insight": "insights",
    "action": "actions",
    "experiment": "experiments",
    "learning": "learnings",
    "signal": "signals",
    "launch": "launches",
    "kpi": "kpis",
    "team": "teams",
    "member": "members",
}
#: Tables without a project_id column, and the parent column that ties them to one.
CHILDREN: dict[str, tuple[str, Table]] = {
    "insight_tags": ("insight_id", Insight.__table__),  # type: ignore[dict-item]
    "insight_teams": ("insight_id", Insight.__table__),  # type: ignore[dict-item]
    "action_insights": ("action_id", Action.__table__),  # type: ignore[dict-item]
    "experiment_analyses": ("experiment_id", Experiment.__table__),  # type: ignore[dict-item]
    "evidence": ("insight_id", Insight.__table__),  # type: ignore[dict-item]
}


def export_knowledge(session: Session, project_id: int) -> dict[str, Any]:
    """The project's knowledge base as a JSON-ready dict."""
    tables = {str(table.name): _rows(session, table, project_id) for table in TABLES}
    return {"format": FORMAT, "version": VERSION, "tables": tables}


def import_knowledge(session: Session, caller: Caller, document: dict[str, Any]) -> dict[str, int]:
    """Write an export into the caller's project (which has no knowledge yet); admins only.

    Teams, KPIs and launches already in the project (its default teams, the KPIs synced from
    launchloop.toml) are kept, and the imported rows that name them point at them.

    Returns how many rows each table received.
    """
    require_role(caller, "admin", "importing knowledge")
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise InvalidInput("format", f"expected a {FORMAT} export, version {VERSION}")
    if session.scalar(select(Insight.id).where(Insight.project_id == caller.project_id)):
        raise InvalidInput("project", "import only into a project without insights")
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise InvalidInput("tables", "missing")
    ids: dict[str, dict[int, int]] = {}
    counts = {}
    for table in TABLES:
        rows = tables.get(table.name, [])
        counts[table.name] = _write(session, table, rows, caller.project_id, ids)
    session.flush()
    return counts


def _rows(session: Session, table: Table, project_id: int) -> list[dict[str, Any]]:
    query = select(table)
    if "project_id" in table.c:
        query = query.where(table.c.project_id == project_id)
    else:
        column, parent = CHILDREN[table.name]
        owned = select(parent.c.id).where(parent.c.project_id == project_id)
        query = query.where(table.c[column].in_(owned))
    order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
    return [_jsonable(row._mapping) for row in session.execute(query.order_by(*order))]


def _jsonable(mapping: Any) -> dict[str, Any]:
    row = {}
    for key, value in mapping.items():
        if key in ("project_id", "user_id"):
            continue
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # SQLite gives back the UTC times it stored, naive
        row[str(key)] = value.isoformat() if isinstance(value, date | datetime) else value
    return row


def _write(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    project_id: int,
    ids: dict[str, dict[int, int]],
) -> int:
    known = ids.setdefault(table.name, {})
    for raw in rows:
        values = _values(table, raw, project_id, ids)
        old_id = values.pop("id", None)
        same = _same_name(session, table, project_id, values)
        if same is not None and old_id is not None:
            known[int(old_id)] = same  # a default team or a launchloop.toml KPI already there
            continue
        result = session.execute(insert(table).values(**values))
        if old_id is not None:
            known[int(old_id)] = int(result.inserted_primary_key[0])  # type: ignore[attr-defined]
    return len(rows)


#: Tables whose names are unique in a project: an imported row meets the one already there.
NAMED_TABLES = ("teams", "kpis", "launches")


def _same_name(
    session: Session, table: Table, project_id: int, values: dict[str, Any]
) -> int | None:
    if table.name not in NAMED_TABLES or "name" not in values:
        return None
    query = select(table.c.id).where(
        table.c.project_id == project_id, table.c.name == values["name"]
    )
    return session.scalar(query)


def _values(
    table: Table, raw: dict[str, Any], project_id: int, ids: dict[str, dict[int, int]]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.key not in raw or column.key in ("project_id", "user_id"):
            continue
        value = raw[column.key]
        if column.key in REFERENCES and value is not None:
            value = _new_id(ids, REFERENCES[column.key], value, column.key)
        values[column.key] = _typed(column.type, value)
    if "project_id" in table.c:
        values["project_id"] = project_id
    if "item_kind" in raw and "item_id" in raw:
        values["item_id"] = _new_id(ids, ITEM_TABLES[raw["item_kind"]], raw["item_id"], "item_id")
    if "guardrail_kpi_ids" in raw:
        values["guardrail_kpi_ids"] = [
            _new_id(ids, "kpis", k, "guardrail_kpi_ids") for k in raw["guardrail_kpi_ids"]
        ]
    return values


def _new_id(ids: dict[str, dict[int, int]], table: str, old: Any, field: str) -> int:
    try:
        return ids[table][int(old)]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(field, f"refers to {table} {old!r}, not in the export") from None


def _typed(kind: Any, value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value
