"""In-app survey rules: which NPS or CSAT survey the widget shows, where, after what (issue 10).

Rules are settings (``[[surveys]]`` tables of ``launchloop.toml``), not knowledge: the widget
reads them with the public key and keeps the "once per N days" state on the device.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from launchloop.errors import InvalidInput

SurveyKind = Literal["nps", "csat"]
SURVEY_KINDS: tuple[SurveyKind, ...] = ("nps", "csat")
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
_LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class SurveyRule:
    """One survey: shown on pages matching ``page`` (``*`` wildcards), after ``after_event``
    (else on a page view), at most once per ``once_per_days`` per device; ``project`` limits
    it to one project id (all projects when None)."""

    id: str
    kind: SurveyKind
    page: str | None = None
    after_event: str | None = None
    once_per_days: float = 90.0
    question: Mapping[str, str] = field(default_factory=dict)
    feature: str | None = None
    project: int | None = None

    def public(self) -> dict[str, Any]:
        """What the widget needs (the project filter stays on the server)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "page": self.page,
            "after_event": self.after_event,
            "once_per_days": self.once_per_days,
            "question": dict(self.question),
            "feature": self.feature,
        }


def survey_rule(raw: Mapping[str, Any], index: int = 0) -> SurveyRule:
    """A :class:`SurveyRule` from a ``[[surveys]]`` table, or InvalidInput naming the field."""
    where = f"surveys[{index}]"
    rule_id = str(raw.get("id", "")).strip()
    if not _ID.match(rule_id):
        raise InvalidInput(f"{where}.id", "is required: letters, digits, '.', '_' or '-'")
    kind = raw.get("kind")
    if kind not in SURVEY_KINDS:
        raise InvalidInput(f"{where}.kind", f"{kind!r} is not one of {', '.join(SURVEY_KINDS)}")
    days = raw.get("once_per_days", 90)
    if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
        raise InvalidInput(f"{where}.once_per_days", "must be a number of days, 0 or more")
    project = raw.get("project")
    if project is not None and (isinstance(project, bool) or not isinstance(project, int)):
        raise InvalidInput(f"{where}.project", "must be a project id")
    return SurveyRule(
        id=rule_id,
        kind=kind,
        page=_text(raw.get("page"), f"{where}.page"),
        after_event=_text(raw.get("after_event"), f"{where}.after_event"),
        once_per_days=float(days),
        question=_question(raw.get("question"), f"{where}.question"),
        feature=_text(raw.get("feature"), f"{where}.feature"),
        project=project,
    )


def _text(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 500:
        raise InvalidInput(name, "must be a string of at most 500 characters")
    return value


def _question(value: Any, name: str) -> dict[str, str]:
    """A question per language: ``"text"`` (English) or ``{en = "...", fr = "..."}``."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        return {"en": value}
    if not isinstance(value, Mapping) or not set(value) <= set(_LANGUAGES):
        raise InvalidInput(name, "must be a string or a table of en / fr texts")
    return {lang: str(_text(text, f"{name}.{lang}")) for lang, text in value.items()}


def project_surveys(raw_rules: Iterable[Mapping[str, Any]], project_id: int) -> list[SurveyRule]:
    """The valid rules that apply to ``project_id``, in the order of the settings."""
    rules = [survey_rule(raw, index) for index, raw in enumerate(raw_rules)]
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.id in seen:
            raise InvalidInput(f"surveys[{index}].id", f"{rule.id!r} is used twice")
        seen.add(rule.id)
    return [rule for rule in rules if rule.project in (None, project_id)]
