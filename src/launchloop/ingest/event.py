"""A validated event and the row a store appends for it (columns extracted for speed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from launchloop.ingest.batch import PersonChange, PersonIdentify, PersonMerge, PersonUpdate
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
        """The tuple in ``ROW_COLUMNS`` order that the store appends.

        The hot path of ingestion (every event, on the request thread): lookups are bound
        once and the common case (string values) takes no extra call.
        """
        get = self.properties.get
        url = _text(get("$current_url") or get("url"))
        path, query = _split_url(url) if url else (None, _NO_QUERY)
        browser, system, device = _agent(get)
        return (
            self.uuid,
            project_id,
            self.timestamp,
            received_at,
            self.event,
            self.distinct_id,
            _text(get("$session_id") or get("session_id")),
            self.properties_json
            or orjson.dumps(self.properties, option=orjson.OPT_NON_STR_KEYS).decode(),
            url,
            _text(get("$pathname") or get("path") or path),
            _text(get("$referrer") or get("referrer")),
            _text(get("utm_source")) or _first(query, "utm_source"),
            _text(get("utm_medium")) or _first(query, "utm_medium"),
            _text(get("utm_campaign")) or _first(query, "utm_campaign"),
            browser,
            system,
            device,
            _element(get),
        )

    def person_changes(self, project_id: int) -> list[PersonChange]:
        """Merges (identify, alias), identification and property updates ($set, $set_once).

        ``$identify`` merges its ``$anon_distinct_id`` only while that id's person is anonymous
        (guarded); ``$create_alias`` and ``$merge_dangerously`` merge explicitly. All three
        leave the person of ``distinct_id`` identified (docs/data-model.md "Persons").
        """
        props = self.properties
        changes: list[PersonChange] = []
        other = None
        identifies = self.event in _IDENTIFYING
        if self.event == "$identify":
            other = props.get("$anon_distinct_id")
        elif identifies:
            other = props.get("alias")
        if isinstance(other, str | int) and str(other) and str(other) != self.distinct_id:
            guarded = self.event == "$identify"
            changes.append(PersonMerge(project_id, self.distinct_id, str(other), guarded))
        if identifies:
            changes.append(PersonIdentify(project_id, self.distinct_id))
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


#: Events that make their distinct id's person a known user.
_IDENTIFYING = frozenset({"$identify", "$create_alias", "$merge_dangerously"})

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
    return value if type(value) is str else str(value)


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name) if query else None
    return values[0] if values else None


def _agent(get: Callable[[str], Any]) -> tuple[str | None, str | None, str | None]:
    """(browser, os, device type): a browser SDK's own values, else the forwarded User-Agent.

    posthog-js sends ``$browser``, ``$os`` and ``$device_type`` together and they describe the
    user's device. Server SDKs send no ``$browser`` but add ``$os`` of the *server* (posthog-python
    does), so there a forwarded ``$user_agent`` describes the user better and wins.
    """
    browser, system, device = _text(get("$browser")), _text(get("$os")), _text(get("$device_type"))
    if browser and system and device:
        return browser, system, device
    agent = get("$user_agent") or get("$raw_user_agent")
    if not isinstance(agent, str):
        return browser, system, device
    parsed = parse_user_agent(agent)
    if browser:
        return browser, system or parsed[1], device or parsed[2]
    return parsed[0] or browser, parsed[1] or system, parsed[2] or device


def _element(get: Callable[[str], Any]) -> str | None:
    found = _text(get("$selector") or get("$element") or get("element"))
    if found:
        return found
    chain = get("$elements_chain")
    if isinstance(chain, str) and chain:
        return chain.split(";", 1)[0].split(":", 1)[0] or None
    return None
