"""Sentiment of a feedback item in English and French, from a lexicon (offline, explainable).

The lexicon is ours: a few hundred words that carry the mood of support tickets and survey
answers, weighted -3..+3, with negation ("not", "ne ... pas") and intensifiers. The score is
normalized like VADER's compound score (x / sqrt(x^2 + 15)), so it lies in [-1, 1].
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Label = Literal["positive", "neutral", "negative"]
NpsCategory = Literal["promoter", "passive", "detractor"]

#: Compound scores within (-THRESHOLD, THRESHOLD) are neutral.
THRESHOLD = 0.05

_EN = {
    3: "love loved awesome amazing excellent fantastic perfect wonderful brilliant outstanding",
    2: "great good nice happy pleased helpful easy fast intuitive smooth thanks thank useful "
    "enjoy enjoyed recommend reliable clear simple delighted glad impressed beautiful",
    1: "ok okay fine works work working worked fixed solved like liked better quick",
    -1: "slow confusing confused unclear issue issues problem problems missing wait waiting "
    "difficult hard lost stuck odd weird expensive annoying annoyed",
    -2: "bad bug bugs buggy error errors broken fail fails failed failing crash crashes crashed "
    "frustrating frustrated disappointed disappointing unhappy useless impossible unable "
    "poor wrong problematic unusable freezes frozen hangs complicated nothing refund",
    -3: "terrible horrible awful worst hate hated furious unacceptable disaster scam rubbish "
    "garbage pathetic nightmare",
}
_FR = {
    3: "adore excellent excellente parfait parfaite genial geniale magnifique formidable "
    "superbe incroyable top",
    2: "bien bon bonne super merci pratique facile rapide utile agreable content contente "
    "satisfait satisfaite recommande clair claire simple fiable efficace ravi ravie "
    "aime aimons",
    1: "marche fonctionne fonctionnent marchent ok resolu corrige mieux",
    -1: "lent lente lents confus confuse complique compliquee attente attendre bloque bloquee "
    "probleme problemes souci soucis manque difficile cher chere etrange perdu perdue",
    -2: "mauvais mauvaise bug bugs bogue erreur erreurs casse cassee plante plantage echec "
    "echoue decu decue decevant decevante frustrant frustrante inutilisable impossible "
    "inutile nul nulle rembourser remboursement incapable",
    -3: "horrible affreux affreuse deteste inacceptable catastrophe arnaque pire honteux "
    "lamentable cauchemar",
}
_NEGATOR_TEXT = (
    "not no never none nobody nothing without cannot cant dont doesnt didnt isnt wasnt "
    "arent wont wouldnt couldnt shouldnt hasnt havent ne n pas jamais rien aucun aucune "
    "sans plus"
)
_NEGATORS = frozenset(_NEGATOR_TEXT.split())
#: French words that close a "ne ... pas" negation opened before them.
_TRAILING_NEGATORS = frozenset({"pas", "jamais", "plus", "rien"})
_INTENSIFIERS = {
    "very": 1.5,
    "really": 1.4,
    "so": 1.3,
    "extremely": 1.8,
    "totally": 1.5,
    "completely": 1.5,
    "tres": 1.5,
    "vraiment": 1.4,
    "trop": 1.3,
    "completement": 1.5,
    "totalement": 1.5,
    "extremement": 1.8,
}
_NEGATION_REACH = 3
_WORD = re.compile(r"[a-z0-9]+|[.,;:!?]")
_PUNCTUATION = frozenset(".,;:!?")


def _weights() -> dict[str, int]:
    table: dict[str, int] = {}
    for lexicon in (_EN, _FR):
        for weight, words in lexicon.items():
            table.update(dict.fromkeys(words.split(), weight))
    return table


LEXICON: dict[str, int] = _weights()


@dataclass(frozen=True)
class Sentiment:
    """A compound score in [-1, 1] and its label."""

    score: float
    label: Label


def tokens(text: str) -> list[str]:
    """Lower-case words (accents folded, "n'est" -> "n", "est"; "don't" -> "dont") and stops."""
    folded = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch))
    ascii_text = re.sub(r"(\w)[\u2019'](t)\b", r"\1\2", ascii_text)  # English n't contractions
    return _WORD.findall(ascii_text)


def _negated(words: list[str]) -> set[int]:
    positions: set[int] = set()
    for i, word in enumerate(words):
        if word not in _NEGATORS:
            continue
        before = words[max(0, i - _NEGATION_REACH) : i]
        if word in _TRAILING_NEGATORS and ("ne" in before or "n" in before):
            continue  # "ne ... pas": the "ne" already negates the words up to one after "pas"
        positions.update(range(i + 1, _negation_end(words, i)))
    return positions


def _negation_end(words: list[str], start: int) -> int:
    """Where a negation stops: at a punctuation mark, 3 words on, or one word after "pas"."""
    end = min(start + 1 + _NEGATION_REACH, len(words))
    if words[start] in {"ne", "n"}:
        end = min(start + 2 + _NEGATION_REACH, len(words))
        for j in range(start + 1, end):
            if words[j] in _TRAILING_NEGATORS:
                end = j + 2
                break
    for j in range(start + 1, min(end, len(words))):
        if words[j] in _PUNCTUATION:
            return j
    return end


def raw_score(text: str) -> float:
    """The summed lexicon weights of ``text`` after negation and intensifiers."""
    words = tokens(text)
    negated = _negated(words)
    total = 0.0
    for i, word in enumerate(words):
        weight = LEXICON.get(word)
        if weight is None or word in _NEGATORS:
            continue
        value = float(weight)
        if i > 0 and words[i - 1] in _INTENSIFIERS:
            value *= _INTENSIFIERS[words[i - 1]]
        if i in negated:
            value *= -0.75  # "not great" is milder than "bad"
        total += value
    return total


def sentiment_of(text: str, *, kind: str | None = None, score: float | None = None) -> Sentiment:
    """The sentiment of ``text``; a neutral text with an NPS/CSAT score takes the score's mood."""
    total = raw_score(text)
    compound = total / math.sqrt(total * total + 15.0) if total else 0.0
    if abs(compound) < THRESHOLD and score is not None:
        compound = _score_mood(kind, score)
    return Sentiment(round(compound, 4), label_of(compound))


def label_of(compound: float) -> Label:
    """positive, neutral or negative for a compound score."""
    if compound >= THRESHOLD:
        return "positive"
    if compound <= -THRESHOLD:
        return "negative"
    return "neutral"


def _score_mood(kind: str | None, score: float) -> float:
    if kind == "nps":
        return {"promoter": 0.5, "passive": 0.0, "detractor": -0.5}[nps_category(score)]
    if kind == "csat":
        return 0.5 if score >= 4 else (-0.5 if score <= 2 else 0.0)
    return 0.0


def nps_category(score: float) -> NpsCategory:
    """Promoter (9-10), passive (7-8) or detractor (0-6) for a 0-10 NPS answer."""
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS score lies in 0..10, got {score}")
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def nps(scores: list[float]) -> float | None:
    """The Net Promoter Score (% promoters - % detractors) of 0-10 answers; None when empty."""
    if not scores:
        return None
    categories = [nps_category(s) for s in scores]
    promoters = categories.count("promoter")
    detractors = categories.count("detractor")
    return round(100.0 * (promoters - detractors) / len(scores), 2)
