"""The web app's pure parts: message catalogues, language choice, query cache, charts, snippets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from launchloop.analytics.funnels import FunnelResult, FunnelStepResult
from launchloop.analytics.retention import Cohort, RetentionResult
from launchloop.web.ui.charts import funnel_bars, retention_heatmap
from launchloop.web.ui.i18n import ENGLISH, FRENCH, language_from_header, translator
from launchloop.web.ui.query_cache import QueryCache
from launchloop.web.ui.snippets import snippets


def test_both_catalogues_have_the_same_messages_and_placeholders() -> None:
    assert set(ENGLISH) == set(FRENCH)
    for key, text in ENGLISH.items():
        assert ("{" in text) == ("{" in FRENCH[key]), key
    assert translator("fr")("signed_in_as", name="Zoé") == "Connecté·e : Zoé"
    assert translator("xx")("sign_in") == "Sign in"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-US,fr;q=0.5", "en"),
        ("de-DE,fr;q=0.3,en;q=0.7", "en"),
        ("de, fr;q=0.2", "fr"),
        ("", "en"),
        (None, "en"),
        ("fr;q=bad, en", "en"),
    ],
)
def test_language_from_accept_language(header: str | None, language: str) -> None:
    assert language_from_header(header) == language


def test_the_cache_keeps_an_answer_for_its_ttl_then_recomputes() -> None:
    now = [100.0]
    cache = QueryCache(ttl=60, clock=lambda: now[0])
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    key = (7, "funnel", "2026-11-01..2026-11-28")
    assert cache.get(key, compute) == 1
    now[0] = 159.9
    assert cache.get(key, compute) == 1
    assert cache.get((8, "funnel", "2026-11-01..2026-11-28"), compute) == 2  # another project
    now[0] = 160.0
    assert cache.get(key, compute) == 3
    cache.forget_project(7)
    assert cache.get(key, compute) == 4


def _step(index: int, entered: int, converted: int) -> FunnelStepResult:
    return FunnelStepResult(
        index, f"s{index}", entered, converted, entered - converted, 0, 0, None, None
    )


def test_funnel_bars_split_each_step_in_went_on_and_dropped() -> None:
    result = FunnelResult((_step(1, 10, 6), _step(2, 6, 2), _step(3, 2, 2)))
    series = funnel_bars(result, ("on", "off"))["series"]
    assert series[0]["data"] == [6, 2, 2] and series[1]["data"] == [4, 4, 0]
    assert [a + b for a, b in zip(series[0]["data"], series[1]["data"], strict=True)] == [10, 6, 2]


def test_retention_heatmap_shows_shares_and_leaves_empty_cohorts_blank() -> None:
    monday = datetime(2026, 11, 2, tzinfo=UTC)
    result = RetentionResult(
        "week",
        (
            Cohort(monday, 8, (8, 2, 1)),
            Cohort(monday.replace(day=9), 0, (0, 0, None)),
            Cohort(monday.replace(day=16), 4, (4, None, None)),
        ),
    )
    option = retention_heatmap(result, "cohort")
    assert option["yAxis"]["data"] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert option["series"][0]["data"] == [[0, 0, 100.0], [1, 0, 25.0], [2, 0, 12.5], [0, 2, 100.0]]
    assert date(2026, 11, 2).isoformat() in option["yAxis"]["data"]


def test_snippets_carry_the_host_and_the_public_key() -> None:
    made = {s.name: s.code for s in snippets("https://ll.example.com/", "llpk_abc")}
    assert "api_host: 'https://ll.example.com'" in made["posthog-js"]
    assert "apiHost: 'll.example.com/v1', protocol: 'https'" in made["Segment analytics.js"]
    assert "fetch('https://ll.example.com/api/v1/events'" in made["fetch"]
    assert all("llpk_abc" in code for code in made.values())
