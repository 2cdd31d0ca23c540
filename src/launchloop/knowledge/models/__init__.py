"""SQLAlchemy models of the knowledge base; importing this registers every table."""

from launchloop.knowledge.models.base import Base
from launchloop.knowledge.models.project import ApiToken, Project

__all__ = ["ApiToken", "Base", "Project"]
