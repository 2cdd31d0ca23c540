"""Test pages for tracker.js and widget.js, served from another loopback origin (CORS)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server

CHROMIUM = Path(os.environ.get("LAUNCHLOOP_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: A page asked with ``?slow=1`` is answered after this delay: it cannot load faster.
SLOW_PAGE_MS = 400
SLOW_IMAGE_MS = 100
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

APP = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>
<script src="{server}/static/tracker.js" data-key="{key}" {options} defer></script>
<script src="{server}/static/widget.js" defer></script>
</head><body>
<h1 id="title">Shop</h1>
<div id="rage" class="card promo" style="width:200px;height:80px">Free shipping</div>
<button id="live" onclick="document.getElementById('title').textContent='Changed'">Live</button>
<button id="boom" onclick="throw new TypeError('boom in the test page')">Boom</button>
<button id="reject" onclick="Promise.reject(new RangeError('refused'))">Reject</button>
<button id="next" onclick="history.pushState({{}}, '', '/app/checkout')">Checkout</button>
<a id="tab" href="#reviews">Reviews</a>
<form id="signup" name="signup"><input id="email" name="email"><button>Sign up</button></form>
<form id="search" onsubmit="event.preventDefault()">
<input id="q" name="q"><button id="go">Go</button></form>
<img src="/slow.png" alt="">
</body></html>
"""


@dataclass
class Site:
    """The test site: its origin and a way to build page URLs with tracker options."""

    url: str
    pages: dict[str, str]

    def page(self, path: str, html: str) -> str:
        """Serve ``html`` at ``path`` and return its full URL."""
        self.pages[path] = html
        return f"{self.url}{path}"


def app_page(server: Server, options: str = "", lang: str = "en") -> str:
    """The shop page, loading tracker.js and widget.js from the launchloop server."""
    return APP.format(server=server.url, key=server.project.public_key, options=options, lang=lang)


@pytest.fixture
def site() -> Iterator[Site]:
    """A tiny HTTP server on another loopback port; unknown paths get the first page (SPA)."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/slow.png"):
                time.sleep(SLOW_IMAGE_MS / 1000)
                self._answer(PIXEL, "image/png")
                return
            if "slow=1" in self.path:  # the whole page is late: load and LCP come after
                time.sleep(SLOW_PAGE_MS / 1000)
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            html = pages.get(path) or next(iter(pages.values()), "")
            kind = "text/javascript" if path.endswith(".js") else "text/html"
            self._answer(html.encode(), f"{kind}; charset=utf-8")

        def _answer(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{httpd.server_address[1]}", pages)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright; under CI a missing one fails."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "Playwright's Python package is not installed"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: the browser tests are mandatory in CI")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def wait_for(fetch: Callable[[], list[dict[str, Any]]], ready: Callable[[list[Any]], bool]) -> Any:
    """Poll ``fetch`` until ``ready`` holds (events travel in batches); fail after a while."""
    deadline = time.monotonic() + 30
    rows = fetch()
    while not ready(rows):
        if time.monotonic() > deadline:
            names = [row.get("event") if isinstance(row, dict) else row for row in rows]
            raise AssertionError(f"not there in time; last answer: {names}")
        time.sleep(0.1)
        rows = fetch()
    return rows


def events_of(server: Server) -> Callable[[], list[dict[str, Any]]]:
    """A fetcher of the project's stored events, oldest first."""

    def fetch() -> list[dict[str, Any]]:
        with server.api() as api:
            answer = api.get("/api/v1/events", params={"limit": 1000})
        assert answer.status_code == 200, answer.text
        return sorted(answer.json(), key=lambda e: e["timestamp"])

    return fetch


def named(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The events called ``name``."""
    return [event for event in events if event["event"] == name]


def friction(server: Server, slow_ms: float = 4000.0) -> dict[str, Any]:
    """The friction analytics of today and yesterday, over HTTP."""
    today = datetime.now(UTC).date()
    body = {
        "date_from": str(today - timedelta(days=1)),
        "date_to": str(today + timedelta(days=1)),
        "time_zone": "UTC",
        "slow_ms": slow_ms,
    }
    answer = httpx.post(
        f"{server.url}/api/v1/query/friction",
        json=body,
        headers={"Authorization": f"Bearer {server.project.secret_token}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()
