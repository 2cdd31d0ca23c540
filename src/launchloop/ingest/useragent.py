"""Browser, OS and device type from a User-Agent string, for events whose SDK sends none.

posthog-js sends ``$browser``/``$os``/``$device_type`` itself; server SDKs and Segment only
forward the User-Agent. A dozen ordered rules cover the browsers that matter for product
analytics; anything else is "Other" rather than a guess.
"""

from __future__ import annotations

import re
from functools import lru_cache

_BROWSERS = (
    ("Edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Samsung Internet", re.compile(r"SamsungBrowser/")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/")),
    ("Safari", re.compile(r"Version/[\d.]+.*Safari/")),
)
_SYSTEMS = (
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("Mac OS X", re.compile(r"Mac OS X|Macintosh")),
    ("Chrome OS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
)
_BOTS = re.compile(r"bot|crawl|spider|headless", re.IGNORECASE)


@lru_cache(maxsize=4096)
def parse_user_agent(agent: str) -> tuple[str | None, str | None, str | None]:
    """(browser, os, device type) of a User-Agent; None where it says nothing."""
    if not agent:
        return (None, None, None)
    browser = next((name for name, rule in _BROWSERS if rule.search(agent)), "Other")
    system = next((name for name, rule in _SYSTEMS if rule.search(agent)), "Other")
    if _BOTS.search(agent):
        device = "Bot"
    elif "iPad" in agent or "Tablet" in agent:
        device = "Tablet"
    elif "Mobi" in agent or "iPhone" in agent or "iPod" in agent:
        device = "Mobile"
    elif system == "Android":
        device = "Tablet"  # Android tablets leave "Mobile" out of their User-Agent
    else:
        device = "Desktop"
    return (browser, system, device)
