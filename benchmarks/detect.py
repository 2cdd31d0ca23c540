"""Detection benchmark: precision and recall of the detectors over seeded launch scenarios.

Run: ``.venv/bin/python benchmarks/detect.py [--seeds 20] [--out docs/benchmarks.md]``

Each seed (``launchloop.simulation``, the generator ``launchloop demo`` uses too) simulates 35 days
of a sign-up funnel with weekly seasonality, background friction and a steady theme of tickets; in
the last 7 days one browser's sign-up completion falls by 15 points, its sessions rage-click the
sign-up button, and a new theme of tickets about that button appears. Detection runs over those 7
days (28-day baseline) on DuckDB and SQLite. Recall: injected effects found (the drop localized to
the right browser, the hot spot on the sign-up page, the theme surge) over effects injected;
joined: scenarios whose three findings are cited by one draft insight; precision: true signals over
all signals (a fall of the sign-up KPI itself is true).
Writes the ``## Detection`` section of ``--out``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from report import write_section  # benchmarks/ is on sys.path when run

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from launchloop.detect.run import run_detection  # noqa: E402
from launchloop.knowledge.database import Database  # noqa: E402
from launchloop.knowledge.projects import create_project  # noqa: E402
from launchloop.knowledge.roles import Caller  # noqa: E402
from launchloop.store.base import open_store  # noqa: E402
from tests.detect_scenarios import Score, scenario, score, seed_scenario  # noqa: E402

SECTION = "## Detection"
INTRO = (
    'Written by `benchmarks/detect.py` (issue 8, "Tests with known truth"). Each seed '
    "(`launchloop.simulation`, shared with `launchloop demo`) simulates 35 days of a sign-up "
    "funnel (300 visitors a day, "
    "weekly seasonality), background rage clicks spread like traffic, a steady theme of tickets "
    "and a KPI that only wobbles (Poisson counts); in the last 7 days one browser's sign-up "
    "completion falls by 15 points, its sessions rage-click the sign-up button and a new theme "
    "of tickets about it appears. `launchloop detect` runs over those 7 days (28-day baseline) "
    "on DuckDB and SQLite. Recall: effects found (the drop localized to the right browser, the "
    "hot spot on /signup, the theme surge) over effects injected. Precision: true signals over "
    "all signals (moves of the sign-up KPI itself are true; anything else is a false alarm)."
)
TARGET_RECALL, TARGET_PRECISION = 0.95, 0.9


def run_seed(seed: int, folder: Path) -> tuple[Score, float]:
    """Seed one scenario into fresh stores, detect, score; with the detection's seconds."""
    database = Database(f"sqlite:///{folder / f'k{seed}.db'}")
    database.migrate()
    store = open_store(f"duckdb:///{folder / f'e{seed}.duckdb'}")
    case = scenario(seed)
    try:
        with database.session() as session:
            project_id = create_project(session, name="scenario").id
            theme_id = seed_scenario(case, store, session, project_id)
        began = time.perf_counter()
        with database.session() as session:
            caller = Caller(project_id, "admin", "benchmark")
            report = run_detection(session, store, caller, case.window)
            seconds = time.perf_counter() - began
            return score(case, report.created, report.drafts.created, theme_id), seconds
    finally:
        store.close()
        database.dispose()


def section(scores: list[Score], seconds: list[float], command: str) -> str:
    """The ``## Detection`` section."""
    found = sum(s.funnel_drop + s.friction_hotspot + s.theme_surge for s in scores)
    recall = found / (3 * len(scores))
    true = sum(s.true_signals for s in scores)
    false = sum(len(s.false_signals) for s in scores)
    precision = true / (true + false) if true + false else 1.0
    joined = sum(s.joined for s in scores)
    rows = [
        "| effect | found | of |",
        "| --- | ---: | ---: |",
        f"| funnel drop localized to the browser | {sum(s.funnel_drop for s in scores)} | "
        f"{len(scores)} |",
        f"| rage-click hot spot on /signup | {sum(s.friction_hotspot for s in scores)} | "
        f"{len(scores)} |",
        f"| new theme of tickets | {sum(s.theme_surge for s in scores)} | {len(scores)} |",
        f"| all three in one draft insight | {joined} | {len(scores)} |",
    ]
    verdict = (
        f"Recall {recall:.3f} (target >= {TARGET_RECALL}), precision {precision:.3f} "
        f"(target >= {TARGET_PRECISION}): {true} true signals, {false} false alarms. "
        f"Detection took {sorted(seconds)[len(seconds) // 2]:.1f} s per scenario (median)."
    )
    misses = [f"- seed {i}: {', '.join(_missed(s))}" for i, s in enumerate(scores) if _missed(s)]
    alarms = [f"- seed {i}: {t}" for i, s in enumerate(scores) for t in s.false_signals]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [SECTION, "", INTRO, "",
             f"- machine: {platform.machine()}, Python {platform.python_version()}",
             f"- date: {when}; {len(scores)} seeded scenarios", f"- command: `{command}`", "",
             *rows, "", verdict]  # fmt: skip
    if misses:
        lines += ["", "Missed:", *misses]
    if alarms:
        lines += ["", "False alarms:", *alarms]
    return "\n".join(lines) + "\n"


def _missed(s: Score) -> list[str]:
    names = ("funnel drop", "hot spot", "theme surge")
    return [
        n
        for n, ok in zip(names, (s.funnel_drop, s.friction_hotspot, s.theme_surge), strict=True)
        if not ok
    ]


def main() -> None:
    """Run the seeds, print and write the section."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="how many seeded scenarios")
    parser.add_argument("--out", default="docs/benchmarks.md", help="'' to write nothing")
    args = parser.parse_args()
    scores, seconds = [], []
    with tempfile.TemporaryDirectory(prefix="ll-detect-") as folder:
        for seed in range(args.seeds):
            result, took = run_seed(seed, Path(folder))
            scores.append(result)
            seconds.append(took)
    text = section(scores, seconds, f"python benchmarks/detect.py --seeds {args.seeds}")
    print(text)
    if args.out:
        write_section(ROOT / args.out, text)


if __name__ == "__main__":
    main()
