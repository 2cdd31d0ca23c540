"""A validated event and the row a store appends for it (columns extracted for speed)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from launchloop.ingest.batch import PersonChange, PersonMerge, PersonUpdate
from launchloop.ingest.useragent import parse_user_agent


@dataclass(slots=True)
class Event:
    """One usage record that passed validation; ``timestamp`` is UTC epoch microseconds."""

    uuid: str
    event: str
    distinct_id: str
    timestamp: int
    properties: dict[str, Any]
    #: ``properties`` as JSON, when validation already serialized them (to measure their size).
    properties_json: str = ""

    def row(self, project_id: int, received_at: int) -> tuple[Any, ...]:
        """The tuple in ``ROW_COLUMNS`` order that the store appends."""
        props = self.properties
        url = _text(props.get("$current_url") or props.get("url"))
        path, query = _split_url(url) if url else (None, _NO_QUERY)
        agent = _agent(props)
        return (
            self.uuid,
            project_id,
            self.timestamp,
            received_at,
            self.event,
            self.distinct_id,
            _text(props.get("$session_id") or props.get("session_id")),
            self.properties_json or orjson.dumps(props, option=orjson.OPT_NON_STR_KEYS).decode(),
            url,
            _text(props.get("$pathname") or props.get("path") or path),
            _text(props.get("$referrer") or props.get("referrer")),
            _utm(props, query, "utm_source"),
            _utm(props, query, "utm_medium"),
            _utm(props, query, "utm_campaign"),
            agent[0],
            agent[1],
            agent[2],
            _element(props),
        )

    def person_changes(self, project_id: int) -> list[PersonChange]:
        """Merges (identify, alias) and property updates ($set, $set_once) this event asks for."""
        props = self.properties
        changes: list[PersonChange] = []
        other = None
        if self.event == "$identify":
            other = props.get("$anon_distinct_id")
        elif self.event in ("$create_alias", "$merge_dangerously"):
            other = props.get("alias")
        if isinstance(other, str | int) and str(other) and str(other) != self.distinct_id:
            changes.append(PersonMerge(project_id, self.distinct_id, str(other)))
        to_set, to_set_once = props.get("$set"), props.get("$set_once")
        if isinstance(to_set, dict) or isinstance(to_set_once, dict):
            changes.append(
                PersonUpdate(
                    project_id,
                    self.distinct_id,
                    to_set if isinstance(to_set, dict) else {},
                    to_set_once if isinstance(to_set_once, dict) else {},
                )
            )
        return changes


_NO_QUERY: dict[str, list[str]] = {}


@lru_cache(maxsize=8192)
def _split_url(url: str) -> tuple[str, dict[str, list[str]]]:
    """Path and query parameters of a URL (read only): cached, as a site's page URLs repeat."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[oops": keep the URL as sent, extract nothing from it
        return "", _NO_QUERY
    return parts.path, parse_qs(parts.query) if parts.query else _NO_QUERY


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _utm(props: dict[str, Any], query: dict[str, list[str]], name: str) -> str | None:
    found = _text(props.get(name))
    if found:
        return found
    values = query.get(name)
    return values[0] if values else None


def _agent(props: dict[str, Any]) -> tuple[str | None, ...]:
    """(browser, os, device type): a browser SDK's own values, else the forwarded User-Agent.

    posthog-js sends ``$browser``, ``$os`` and ``$device_type`` together and they describe the
    user's device. Server SDKs send no ``$browser`` but add ``$os`` of the *server* (posthog-python
    does), so there a forwarded ``$user_agent`` describes the user better and wins.
    """
    given = (
        _text(props.get("$browser")),
        _text(props.get("$os")),
        _text(props.get("$device_type")),
    )
    if all(given):
        return given
    agent = props.get("$user_agent") or props.get("$raw_user_agent")
    parsed = parse_user_agent(agent) if isinstance(agent, str) else (None, None, None)
    if given[0]:
        return tuple(mine or theirs for mine, theirs in zip(given, parsed, strict=True))
    return tuple(theirs or mine for mine, theirs in zip(given, parsed, strict=True))


def _element(props: dict[str, Any]) -> str | None:
    found = _text(props.get("$selector") or props.get("$element") or props.get("element"))
    if found:
        return found
    chain = props.get("$elements_chain")
    if isinstance(chain, str) and chain:
        return chain.split(";", 1)[0].split(":", 1)[0] or None
    return None
