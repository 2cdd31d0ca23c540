"""Finding one record of a project by id: another project's id is simply not found."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from launchloop.errors import InvalidInput, NotFound

Record = TypeVar("Record")


def one(session: Session, model: type[Record], project_id: int, item_id: int) -> Record:
    """The record ``item_id`` of ``model`` in the project, or NotFound (404)."""
    query: Any = select(model).where(
        model.id == item_id,  # type: ignore[attr-defined]
        model.project_id == project_id,  # type: ignore[attr-defined]
    )
    found: Record | None = session.scalar(query)
    if found is None:
        raise NotFound(f"no {_label(model)} {item_id} in this project")
    return found


def referenced(
    session: Session, model: type[Any], project_id: int, item_id: int | None, field: str
) -> None:
    """InvalidInput on ``field`` when ``item_id`` is given and not a record of the project."""
    if item_id is None:
        return
    try:
        one(session, model, project_id, item_id)
    except NotFound:
        raise InvalidInput(field, f"no {_label(model)} {item_id} in this project") from None


def _label(model: type[Any]) -> str:
    return {"Kpi": "KPI"}.get(model.__name__, model.__name__.lower())


def required_text(text: str | None, field: str) -> str:
    """``text`` stripped, or InvalidInput when it is missing or blank."""
    if text is None or not text.strip():
        raise InvalidInput(field, "must not be empty")
    return text.strip()


def choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    """``value`` if it is one of ``allowed``, else InvalidInput listing them."""
    if value not in allowed:
        raise InvalidInput(field, f"{value!r} is not one of {', '.join(allowed)}")
    return value
