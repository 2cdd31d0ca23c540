"""What every benchmark shares: the machine it ran on, and its section of docs/benchmarks.md."""

from __future__ import annotations

import importlib
import os
import platform
from pathlib import Path

INTRO = (
    "# Benchmarks\n\nEach section below is written by its benchmark under `benchmarks/`; "
    "rerun the command it shows to refresh it.\n\n"
)


def machine(*engines: str) -> str:
    """CPU model, cores, RAM (from /proc) and the versions of Python and ``engines`` modules."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        total = next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
        )
        memory = f", {int(total.split()[1]) / 2**20:.1f} GiB RAM"
    versions = [f"Python {platform.python_version()}"]
    for name in engines:
        module = importlib.import_module(name)
        versions.append(f"{name} {getattr(module, '__version__', '?')}")
    return f"{cpu}, {os.cpu_count()} cores{memory}; {', '.join(versions)}"


def write_section(path: Path, text: str) -> None:
    """Replace the section of ``path`` that ``text`` heads (``## Name``), or append it."""
    heading = text.split("\n", 1)[0]
    if not heading.startswith("## "):
        raise ValueError("a benchmark section starts with its '## ' heading")
    current = path.read_text() if path.exists() else INTRO
    start = current.find(heading + "\n")
    if start < 0:
        path.write_text(current.rstrip("\n") + "\n\n" + text)
        return
    end = current.find("\n## ", start + len(heading))
    rest = current[end + 1 :] if end >= 0 else ""
    path.write_text(current[:start] + text + ("\n" + rest if rest else ""))
