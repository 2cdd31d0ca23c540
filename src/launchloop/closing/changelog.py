"""The public changelog of a project (opt-in): shipped actions, how many asked, when; Atom feed.

Only titles, counts and dates leave: no author, email, distinct id or feedback text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

from sqlalchemy.orm import Session

from launchloop.closing.changes import shipped_changes
from launchloop.closing.links import supporters
from launchloop.closing.preferences import closing_settings, project_name
from launchloop.errors import NotFound
from launchloop.knowledge.models import Project

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class ChangelogEntry:
    """One shipped action as the public sees it."""

    action_id: int
    summary: str
    asked_by: int
    shipped_at: datetime


@dataclass(frozen=True)
class Changelog:
    """A project's public changelog, newest first."""

    project_id: int
    project: str
    entries: tuple[ChangelogEntry, ...]


def public_changelog(session: Session, project_id: int) -> Changelog:
    """The changelog of a project that published it (NotFound otherwise, as if absent)."""
    if session.get(Project, project_id) is None or not (
        closing_settings(session, project_id).changelog_public
    ):
        raise NotFound(f"no public changelog for project {project_id}")
    entries: dict[int, ChangelogEntry] = {}
    for change in shipped_changes(session, project_id):
        action = change.action
        if action.id in entries:
            continue
        items = supporters(session, project_id, action)
        askers = {item.author or f"item:{item.id}" for item in items}
        entries[action.id] = ChangelogEntry(action.id, action.title, len(askers), change.shipped_at)
    ordered = sorted(entries.values(), key=lambda e: (e.shipped_at, e.action_id), reverse=True)
    return Changelog(project_id, project_name(session, project_id), tuple(ordered))


def atom_feed(changelog: Changelog, public_url: str) -> bytes:
    """The changelog as an Atom 1.0 document (RFC 4287)."""
    base = f"{public_url.rstrip('/')}/changelog/{changelog.project_id}"
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _text(feed, "title", f"{changelog.project}: changelog")
    _text(feed, "id", base)
    latest = changelog.entries[0].shipped_at if changelog.entries else None
    _text(feed, "updated", (latest or datetime(2000, 1, 1)).isoformat())
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", href=base)
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base}.atom")
    for entry in changelog.entries:
        node = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(node, "title", entry.summary)
        _text(node, "id", f"{base}#action-{entry.action_id}")
        _text(node, "updated", entry.shipped_at.isoformat())
        ElementTree.SubElement(node, f"{{{ATOM}}}link", href=f"{base}#action-{entry.action_id}")
        _text(node, "summary", f"{entry.summary} ({entry.asked_by} asked for it)")
        author = ElementTree.SubElement(node, f"{{{ATOM}}}author")
        _text(author, "name", changelog.project)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ElementTree.Element, tag: str, value: str) -> None:
    ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}").text = value
