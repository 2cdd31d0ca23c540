"""tracker.js in a real headless Chromium: page views, experience signals, identity, delivery.

The test page comes from another loopback origin than launchloop (CORS, as on a real site);
events are read back with ``GET /api/v1/events`` and counted by the friction analytics.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from tests import tracker_pages
from tests.conftest import Server
from tests.tracker_pages import (
    SLOW_PAGE_MS,
    Site,
    app_page,
    events_of,
    friction,
    named,
    wait_for,
)

site = tracker_pages.site  # the test page's server (another origin)
browser = tracker_pages.browser  # Debian's Chromium

STATIC = Path(__file__).parent.parent / "src" / "launchloop" / "web" / "static"


def test_tracker_is_under_10_kb_gzipped() -> None:
    size = len(gzip.compress((STATIC / "tracker.js").read_bytes(), compresslevel=9))
    assert size < 10_000, f"tracker.js is {size} bytes gzipped"


def _open(chromium: Any, url: str, **goto: Any) -> Any:
    page = chromium.new_page()
    page.goto(url, **goto)
    page.wait_for_function("() => window.launchloop && window.launchloop.loaded")
    return page


def test_page_views_with_spa_navigation_referrer_utm_and_session(
    server: Server, site: Site, browser: Any
) -> None:
    url = site.page("/app/home", app_page(server))
    page = _open(
        browser, f"{url}?utm_source=news&utm_campaign=launch", referer="https://blog.example/post"
    )
    page.click("#next")  # history.pushState to /app/checkout
    page.click("#tab")  # a hash change
    page.go_back()  # popstate back to /app/checkout without the hash
    page.evaluate("launchloop.flush()")
    views = wait_for(events_of(server), lambda rows: len(named(rows, "$pageview")) >= 4)
    views = named(views, "$pageview")
    assert [v["path"] for v in views] == [
        "/app/home",
        "/app/checkout",
        "/app/checkout",
        "/app/checkout",
    ]
    assert views[2]["url"].endswith("/app/checkout#reviews")
    assert views[3]["url"].endswith("/app/checkout")
    first = views[0]
    assert (first["utm_source"], first["utm_campaign"]) == ("news", "launch")
    assert first["referrer"] == "https://blog.example/post"
    assert first["properties"]["$referring_domain"] == "blog.example"
    assert views[1]["properties"]["$prev_pathname"] == "/app/home"
    assert len({v["session_id"] for v in views}) == 1 and views[0]["session_id"]
    anon = page.evaluate("launchloop.distinctId()")
    assert {v["distinct_id"] for v in views} == {anon}
    assert page.evaluate("localStorage.getItem('ll_anon_id')") == anon
    page.close()


def test_experience_signals_reach_friction_analytics(
    server: Server, site: Site, browser: Any
) -> None:
    url = site.page("/app/home", app_page(server))
    page = _open(browser, f"{url}?slow=1")
    fetch = events_of(server)
    # A dead click is a click after which nothing on the page changes for 1 s: steps that
    # change the page wait until the dead clicks before them are in.
    page.locator("#rage").click(click_count=3)  # three clicks at one spot: a rage click
    page.click("#boom")  # throws a TypeError (and changes nothing: a dead click)
    page.click("#reject")  # an unhandled rejection (and a dead click)
    wait_for(fetch, lambda rows: len(named(rows, "$dead_click")) >= 5)
    page.click("#live")  # changes the title: not a dead click
    page.fill("#email", "ana@example.com")  # starts the sign-up form...
    page.click("#next")  # ...and leaves it for another route unsubmitted
    rows = wait_for(fetch, lambda rows: named(rows, "$form_abandon"))
    page.goto("about:blank")  # page hide: $web_vitals and $pageleave go by sendBeacon
    rows = wait_for(fetch, lambda rows: named(rows, "$web_vitals") and named(rows, "$pageleave"))

    rage = named(rows, "$rageclick")
    assert len(rage) == 1 and rage[0]["element"] == "div#rage"
    assert rage[0]["properties"]["$pathname"] == "/app/home"
    assert rage[0]["properties"]["$clicks"] == 3
    dead = sorted(e["element"] for e in named(rows, "$dead_click"))
    assert dead == ["button#boom", "button#reject", "div#rage", "div#rage", "div#rage"]
    errors = {
        e["properties"]["$exception_type"]: e["properties"] for e in named(rows, "$exception")
    }
    assert set(errors) == {"TypeError", "RangeError"}
    assert errors["TypeError"]["$exception_message"] == "boom in the test page"
    assert errors["RangeError"]["$exception_is_rejection"] is True
    assert [e["element"] for e in named(rows, "$form_start")] == ["form#signup"]
    abandoned = named(rows, "$form_abandon")
    assert [(e["element"], e["path"]) for e in abandoned] == [("form#signup", "/app/home")]
    vitals = named(rows, "$web_vitals")[0]["properties"]
    assert vitals["$performance_page_loaded"] >= SLOW_PAGE_MS

    found = friction(server, slow_ms=SLOW_PAGE_MS / 2)
    summary = found["summary"]
    assert summary["sessions"] == 1
    assert (summary["rage_clicks"], summary["dead_clicks"], summary["errors"]) == (1, 5, 2)
    assert summary["slow_pages"] == 1
    assert summary["abandoned_forms"] == 1
    assert found["forms"] == [{"path": "/app/home", "started": 1, "abandoned": 1, "rate": 1.0}]
    spots = {(s["kind"], s["target"]): s["events"] for s in found["hotspots"]}
    assert spots[("rage_click", "div#rage")] == 1 and spots[("dead_click", "div#rage")] == 3


def test_identify_merges_the_anonymous_id_into_the_person(
    server: Server, site: Site, browser: Any
) -> None:
    page = _open(browser, site.page("/app/home", app_page(server)))
    anon = page.evaluate("launchloop.distinctId()")
    page.evaluate("launchloop.track('plan chosen', {plan: 'pro'})")
    page.evaluate("launchloop.identify('user-42', {email: 'ana@example.com'})")
    page.evaluate("launchloop.track('signup', {plan: 'pro'})")
    page.evaluate("launchloop.flush()")
    rows = wait_for(events_of(server), lambda rows: named(rows, "signup"))
    identify = named(rows, "$identify")[0]
    assert identify["distinct_id"] == "user-42"
    assert identify["properties"]["$anon_distinct_id"] == anon
    assert named(rows, "plan chosen")[0]["distinct_id"] == anon
    assert named(rows, "signup")[0]["distinct_id"] == "user-42"
    with server.api() as api:
        person = api.get("/api/v1/persons/user-42").json()
    assert set(person["distinct_ids"]) == {anon, "user-42"}
    assert person["properties"]["email"] == "ana@example.com"
    assert named(rows, "plan chosen")[0]["person_id"] == named(rows, "signup")[0]["person_id"]


def test_cookieless_mode_keeps_nothing_on_the_device(
    server: Server, site: Site, browser: Any
) -> None:
    page = _open(browser, site.page("/app/home", app_page(server, 'data-cookieless="true"')))
    page.evaluate("launchloop.track('opened', {})")
    page.evaluate("launchloop.flush()")
    rows = wait_for(events_of(server), lambda rows: named(rows, "opened"))
    assert named(rows, "opened")[0]["distinct_id"] == page.evaluate("launchloop.distinctId()")
    assert named(rows, "opened")[0]["session_id"] == named(rows, "$pageview")[0]["session_id"]
    kept = page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]")
    assert kept == [0, 0, ""]


def test_global_privacy_control_is_respected_when_configured(
    server: Server, site: Site, browser: Any
) -> None:
    sent: list[str] = []
    page = browser.new_page()
    page.add_init_script(
        "Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})"
    )
    page.on("request", lambda r: sent.append(r.url) if "/api/v1/events" in r.url else None)
    page.goto(site.page("/app/home", app_page(server, 'data-respect-dnt="true"')))
    page.wait_for_function("() => window.launchloop && window.launchloop.loaded")
    page.evaluate("launchloop.track('opened', {}); launchloop.identify('u-1')")
    page.evaluate("launchloop.flush()")
    page.goto("about:blank")
    assert sent == []
    assert events_of(server)() == []


def test_failed_sends_are_retried_and_the_queue_is_bounded(
    server: Server, site: Site, browser: Any
) -> None:
    page = browser.new_page()
    refused: list[int] = []

    def refuse(route: Any) -> None:
        refused.append(1)
        route.fulfill(status=503, body="busy")

    endpoint = f"{server.url}/api/v1/events"
    page.route(endpoint, refuse)
    page.goto(
        site.page("/app/home", app_page(server, 'data-max-queue="5" data-autocapture="false"'))
    )
    page.wait_for_function("() => window.launchloop && window.launchloop.loaded")
    page.evaluate("for (let i = 0; i < 20; i++) launchloop.track('e' + i, {})")
    # Playwright's sync API runs route handlers while it waits on the page: evaluate pumps it.
    wait_for(lambda: page.evaluate("[]") + refused, lambda got: len(got) >= 1)
    page.unroute(endpoint)
    page.evaluate("launchloop.flush()")
    rows = wait_for(events_of(server), lambda rows: len(rows) >= 5)
    assert sorted(e["event"] for e in rows) == ["e15", "e16", "e17", "e18", "e19"]


POSTHOG_JS = Path(__file__).parent / "fixtures" / "posthog-js" / "array.no-external.js"
POSTHOG_PAGE = """<!doctype html><html><head><title>Other shop</title>
<script src="/posthog.js"></script>
<script>/* headless Chromium looks like a bot to posthog-js: opt out of its filter */
posthog.init("{key}", {{api_host: "{server}", persistence: "memory", autocapture: false,
  capture_pageview: true, disable_session_recording: true, disable_surveys: true,
  advanced_disable_flags: true, request_batching: false, opt_out_useragent_filter: true}});
</script></head><body><h1>Other shop</h1></body></html>
"""


def test_posthog_js_pointed_at_launchloop_records_page_views_and_events(
    server: Server, site: Site, browser: Any
) -> None:
    site.page("/posthog.js", POSTHOG_JS.read_text())
    html = POSTHOG_PAGE.format(key=server.project.public_key, server=server.url)
    page = browser.new_page()
    page.goto(site.page("/shop/home", html) + "?utm_source=ads")
    page.wait_for_function("() => window.posthog && window.posthog.__loaded")
    page.evaluate("posthog.capture('plan chosen', {plan: 'pro'})")
    rows = wait_for(events_of(server), lambda rows: named(rows, "plan chosen"))
    rows = wait_for(events_of(server), lambda rows: named(rows, "$pageview"))
    view, custom = named(rows, "$pageview")[0], named(rows, "plan chosen")[0]
    assert (view["path"], view["utm_source"]) == ("/shop/home", "ads")
    assert custom["properties"]["plan"] == "pro"
    assert (
        custom["distinct_id"] == view["distinct_id"] == page.evaluate("posthog.get_distinct_id()")
    )
