"""Segment's HTTP Tracking API (``/v1/batch``, ``/v1/track``...) mapped to canonical events."""

from __future__ import annotations

from typing import Any

from launchloop.errors import InvalidInput
from launchloop.ingest.formats import Envelope, as_object

TYPES = ("track", "page", "screen", "identify", "group", "alias")


def read_segment(payload: Any, *, path_type: str | None = None) -> Envelope:
    """The key and events of a Segment body; ``path_type`` is the type a single call names."""
    if not isinstance(payload, dict):
        raise InvalidInput("body", "must be a JSON object")
    if path_type is None:
        messages = payload.get("batch")
        if not isinstance(messages, list):
            raise InvalidInput("batch", "is required: a list of messages")
    else:
        messages = [{"type": path_type, **payload}]
    key = payload.get("writeKey")
    return Envelope(key if isinstance(key, str) else None, [_canonical(m) for m in messages])


def _canonical(message: Any) -> Any:
    if not isinstance(message, dict):
        return message
    kind = message.get("type")
    context = as_object(message.get("context"))
    user_id, anonymous_id = message.get("userId"), message.get("anonymousId")
    props = _context_properties(context)
    own = message.get("properties")
    if isinstance(own, dict):
        props.update(own)
    event = message.get("event")
    if kind == "page":
        event = "$pageview"
        props.setdefault("name", message.get("name"))
    elif kind == "screen":
        event = "$screen"
        props["$screen_name"] = message.get("name")
    elif kind == "identify":
        # Without a userId it only sets traits on an anonymous visitor: PostHog's $set event,
        # which leaves the person anonymous (mergeable by a later identify).
        event = "$identify" if user_id not in (None, "") else "$set"
        props["$set"] = message.get("traits") or context.get("traits") or {}
        if user_id and anonymous_id:
            props["$anon_distinct_id"] = anonymous_id
    elif kind == "alias":
        event = "$create_alias"
        props["alias"] = message.get("previousId")
    elif kind == "group":
        event = "$groupidentify"
        props.update({"$group_key": message.get("groupId"), "$group_set": message.get("traits")})
    elif kind != "track":
        event = None  # validation then names the problem
        props["$segment_type"] = kind
    return {
        "event": event,
        "distinct_id": user_id if user_id not in (None, "") else anonymous_id,
        "timestamp": message.get("timestamp") or message.get("originalTimestamp"),
        "uuid": message.get("messageId"),
        "properties": props,
    }


def _context_properties(context: dict[str, Any]) -> dict[str, Any]:
    """PostHog-named properties from Segment's context: page, user agent, campaign, library."""
    props: dict[str, Any] = {}
    page = as_object(context.get("page"))
    for ours, theirs in (("$current_url", "url"), ("$pathname", "path"), ("$referrer", "referrer")):
        if page.get(theirs):
            props[ours] = page[theirs]
    if context.get("userAgent"):
        props["$user_agent"] = context["userAgent"]
    campaign = as_object(context.get("campaign"))
    for name in ("source", "medium", "name"):
        if campaign.get(name):
            props["utm_campaign" if name == "name" else f"utm_{name}"] = campaign[name]
    library = as_object(context.get("library"))
    if library.get("name"):
        props["$lib"] = library["name"]
    if context:
        props["$context"] = context
    return props
