"""Short wording of detected signals, for the one sentence a draft insight states.

A detector's text says everything (figures, comparison, test, segments, quotes); a draft's
statement says one thing: the lead signal's figure and comparison, and in a few words which
other signals point the same way, like "37% of users abandon before validation; session data
and support tickets point at missing visual feedback". The rest goes to the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from launchloop.detect.friction_hotspot import LABELS
from launchloop.knowledge.models import Signal

#: The most a drafted statement says (characters): one sentence, read at a glance.
MAX_SENTENCE = 240
#: The period, already known from the evidence and the context: left out of the sentence.
_SPAN = re.compile(r" over \d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}")
#: What the corroborating signals point at, by the prefix of the group's subject.
_NOUNS = {"step": "step", "page": "page", "theme": "theme", "kpi": "KPI", "segment": "segment"}


def headline(text: str) -> str:
    """The first clause of a signal's text, without parentheses or dates: figure and comparison.

    Detectors write the figure and its comparison first, then details after ``;`` and the
    users' words after ``: "``; what is in parentheses (tests, shares) stays in the signal.
    """
    kept: list[str] = []
    depth = 0
    for i, char in enumerate(text):
        if char in "()":
            depth = depth + 1 if char == "(" else max(depth - 1, 0)
        elif depth == 0 and (char == ";" or text.startswith(': "', i)):
            break
        elif depth == 0:
            kept.append(char)
    clause = " ".join(_SPAN.sub("", "".join(kept)).split())
    return clause.replace(" ,", ",").rstrip(" .,:")


def gists(signal: Signal) -> tuple[str, ...]:
    """A few words naming a corroborating signal, longest first ("50 rage clicks on /signup",
    "50 rage clicks"): the sentence takes the longest that fits."""
    payload = signal.payload or {}
    if signal.kind == "friction_hotspot" and {"events", "friction", "path"} <= payload.keys():
        label = LABELS.get(str(payload["friction"]), str(payload["friction"]))
        return f"{payload['events']} {label} on {payload['path']}", f"{payload['events']} {label}"
    if signal.kind == "theme_surge" and {"items", "theme"} <= payload.keys():
        items = f"{payload['items']} feedback items"
        return f'{items} about "{payload["theme"]}"', items
    if signal.kind == "kpi_moved" and isinstance(payload.get("z"), int | float):
        return (f"the {'rise' if payload['z'] > 0 else 'fall'} of {payload.get('kpi')}",)
    if signal.kind == "kpi_off_target" and "kpi" in payload:
        return (f"the missed target of {payload['kpi']}",)
    return (headline(signal.text).split(",", 1)[0],)


def statement(lead: Signal, others: Sequence[Signal], subject: str) -> str:
    """One sentence: the lead's figure and comparison, then the signals that corroborate it, as
    many as fit in :data:`MAX_SENTENCE` (all of them stay cited as evidence).

    :param subject: what the group is about (``step:signup_completed``), named at the end.
    """
    first = _bounded(headline(lead.text) or lead.text.strip())
    noun = _NOUNS.get(subject.split(":", 1)[0], "problem")
    told: list[str] = []
    for other in others:
        fits = (g for g in gists(other) if len(_sentence(first, [*told, g], noun)) <= MAX_SENTENCE)
        told += [fitting] if (fitting := next(fits, None)) else []
    return _sentence(first, told, noun)


def _sentence(first: str, told: Sequence[str], noun: str) -> str:
    if not told:
        return f"{first}."
    names = told[0] if len(told) == 1 else ", ".join(told[:-1]) + " and " + told[-1]
    # "50 rage clicks ... point", "the fall of Sign-up conversion points".
    verb = "point" if len(told) > 1 or told[0][:1].isdigit() else "points"
    return f"{first}; {names} {verb} at the same {noun}."


def _bounded(clause: str) -> str:
    """A clause cut at a word so that the sentence (with its full stop) fits."""
    if len(clause) < MAX_SENTENCE:
        return clause
    return clause[: MAX_SENTENCE - 2].rsplit(" ", 1)[0] + "…"
