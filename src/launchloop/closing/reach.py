"""How to reach a feedback author: the email on the item, or the person's email property."""

from __future__ import annotations

import re
from collections.abc import Callable

from launchloop.store.base import EventStore

#: Finds an author's address from a feedback item's author.
AddressBook = Callable[[str | None], str | None]
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def author_address(store: EventStore | None, project_id: int, author: str | None) -> str | None:
    """The author's email address (lower case), or None when they cannot be reached."""
    if not author:
        return None
    if EMAIL.match(author.strip()):
        return author.strip().lower()
    if store is None:
        return None
    person = store.person(project_id, author)
    email = ((person or {}).get("properties") or {}).get("email")
    return email.strip().lower() if isinstance(email, str) and EMAIL.match(email.strip()) else None


def address_book(store: EventStore | None, project_id: int) -> AddressBook:
    """The project's :func:`author_address`, as one function of the author."""
    return lambda author: author_address(store, project_id, author)
