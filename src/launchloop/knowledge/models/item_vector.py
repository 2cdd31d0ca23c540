"""Stored embeddings of knowledge items, so that "similar items" embeds only what changed."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from launchloop.knowledge.models.base import Base


class ItemVector(Base):
    """One item's unit vector in one embedder's space, and a hash of the text it embeds.

    An item whose text no longer matches ``text_hash`` is embedded again (issue 5).
    """

    __tablename__ = "item_vectors"

    #: insight, action, experiment, learning or quote (an evidence row).
    item_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``Embedder.name`` of the model that made ``vector``.
    embedder: Mapped[str] = mapped_column(String(100), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 (hex) of the embedded text.
    text_hash: Mapped[str] = mapped_column(String(64))
    #: float32 bytes (``launchloop.feedback.embeddings.to_blob``).
    vector: Mapped[bytes] = mapped_column(LargeBinary)
