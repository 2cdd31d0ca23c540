"""The declared KPIs and launches of a deployment, read from ``launchloop.toml``.

``[[kpis]]`` and ``[[launches]]`` arrays sit beside the settings in the same file (the file that
``LAUNCHLOOP_CONFIG`` names, else ``./launchloop.toml``). They are kept in the knowledge database
(``knowledge/launches.py``: synced at startup and by ``launchloop kpi sync``, read back with
``catalog_of``); the dataclasses of ``kpis.py`` and ``launches.py`` stay the definition format.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from launchloop.analytics.kpis import Kpi, kpis_from_config
from launchloop.analytics.launches import Launch, launches_from_config
from launchloop.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class Catalog:
    """KPIs and launches, looked up by name."""

    kpis: tuple[Kpi, ...] = ()
    launches: tuple[Launch, ...] = ()

    def kpi(self, name: str) -> Kpi:
        """The KPI named ``name``, else NotFound."""
        for kpi in self.kpis:
            if kpi.name == name:
                return kpi
        raise NotFound(f"no KPI named {name!r}")

    def launch(self, name: str) -> Launch:
        """The launch named ``name``, else NotFound."""
        for launch in self.launches:
            if launch.name == name:
                return launch
        raise NotFound(f"no launch named {name!r}")


def config_path() -> Path:
    """The file that holds settings, KPIs and launches."""
    return Path(os.environ.get("LAUNCHLOOP_CONFIG", "launchloop.toml"))


def load_catalog(path: Path | None = None) -> Catalog:
    """The KPIs and launches of ``path`` (default :func:`config_path`); empty when no file."""
    path = path or config_path()
    if not path.is_file():
        return Catalog()
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(str(path), f"not valid TOML: {error}") from None
    return Catalog(kpis_from_config(config), launches_from_config(config))
