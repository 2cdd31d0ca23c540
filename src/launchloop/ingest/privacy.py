"""IP anonymization at ingestion: the last octet of IPv4, the last 80 bits of IPv6 zeroed."""

from __future__ import annotations

import ipaddress
from typing import Any

_V6_KEEP = ~((1 << 80) - 1) & ((1 << 128) - 1)


def anonymize_ip(value: Any) -> Any:
    """``value`` with its host part zeroed when it is an IP address; anything else unchanged."""
    if not isinstance(value, str):
        return value
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return value
    if address.version == 4:
        return str(ipaddress.IPv4Address(int(address) & 0xFFFFFF00))
    return str(ipaddress.IPv6Address(int(address) & _V6_KEEP))


def anonymize_event_ips(raw: Any) -> None:
    """Zero the host part of ``$ip`` and Segment's ``$context.ip`` of a canonical event."""
    props = raw.get("properties") if isinstance(raw, dict) else None
    if not isinstance(props, dict):
        return
    if "$ip" in props:
        props["$ip"] = anonymize_ip(props["$ip"])
    context = props.get("$context")
    if isinstance(context, dict) and "ip" in context:
        context["ip"] = anonymize_ip(context["ip"])
