"""The snippets to paste in a product's pages: posthog-js, Segment analytics.js, plain fetch."""

from __future__ import annotations

from dataclasses import dataclass

POSTHOG_JS = """\
import posthog from 'posthog-js'

posthog.init('{key}', {{
  api_host: '{host}',
  person_profiles: 'identified_only',
  autocapture: true,
}})
"""

SEGMENT_JS = """\
import {{ AnalyticsBrowser }} from '@segment/analytics-next'

// launchloop answers as Segment's API: no call to Segment's CDN or servers.
export const analytics = AnalyticsBrowser.load(
  {{
    writeKey: '{key}',
    cdnSettings: {{ integrations: {{ 'Segment.io': {{ apiKey: '{key}' }} }} }},
  }},
  {{ integrations: {{ 'Segment.io': {{ apiHost: '{bare_host}/v1', protocol: '{scheme}' }} }} }},
)
analytics.page()
"""

FETCH_JS = """\
fetch('{host}/api/v1/events', {{
  method: 'POST',
  headers: {{ 'Content-Type': 'application/json' }},
  keepalive: true,
  body: JSON.stringify({{
    api_key: '{key}',
    events: [{{
      event: 'signup_completed',
      distinct_id: 'user-42',
      uuid: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      properties: {{ $current_url: location.href }},
    }}],
  }}),
}})
"""


@dataclass(frozen=True)
class Snippet:
    """A named piece of code to paste, with the package it needs."""

    name: str
    needs: str
    code: str


def snippets(host: str, public_key: str) -> tuple[Snippet, ...]:
    """The three ways to send events to ``host`` with the project's public key."""
    host = host.rstrip("/")
    scheme, _, bare_host = host.rpartition("://")
    values = {"host": host, "key": public_key, "bare_host": bare_host, "scheme": scheme or "https"}
    return (
        Snippet("posthog-js", "npm install posthog-js", POSTHOG_JS.format(**values)),
        Snippet(
            "Segment analytics.js",
            "npm install @segment/analytics-next",
            SEGMENT_JS.format(**values),
        ),
        Snippet("fetch", "", FETCH_JS.format(**values)),
    )
