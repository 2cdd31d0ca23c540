"""Change history: who changed what on which item, field by field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.record import ProjectRecord


class Change(ProjectRecord, Base):
    """One change of an item: ``changes`` maps each field to ``[before, after]``."""

    __tablename__ = "changes"

    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    verb: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
