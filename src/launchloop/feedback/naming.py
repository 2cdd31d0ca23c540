"""Naming themes by their distinctive words: class-based TF-IDF (c-TF-IDF, as in BERTopic).

All the texts of a theme form one document; a word weighs tf(word, theme) * log(1 + A / f(word)),
with A the mean number of words per theme and f the word's frequency over all themes, so words
common to every theme ("app", "please") sink and the theme's own words rise.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

#: Words split at apostrophes, so French elisions drop out ("l'export" -> "l", "export").
_WORD = re.compile(r"[^\W\d_][\w-]*[^\W_]|[^\W\d_]", re.UNICODE)
_STOPWORDS_TEXT = """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing don doesn didn isn wasn aren won
    down during each few for from
    further had has have having he her here hers him his how i i'm i've if in into is isn't it
    it's its itself just me more most my no nor not now of off on once only or other our out over
    own same she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why will
    with would you your yours hi hello thanks thank please get got can't cannot still yet
    le la les l' un une des du de d' et en au aux ce ces cet cette il elle ils elles je j' tu
    nous vous on ne n' pas plus que qu' qui quoi dans par pour sur avec sans sous est sont suis
    es sommes êtes été être avoir ai as avons avez ont mon ma mes ton ta tes son sa ses notre
    nos votre vos leur leurs se s' c' ça cela ceci y à ou où mais donc car si très bien merci
    bonjour alors comme même aussi tout tous toute toutes fait faire peux peut veux"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def words_of(text: str) -> list[str]:
    """The lower-case content words of ``text`` (stop words of English and French removed)."""
    found = (w.strip("-") for w in _WORD.findall(text.lower()))
    return [w for w in found if len(w) > 1 and w not in STOPWORDS]


def theme_words(themes: Sequence[Sequence[str]], top: int = 5) -> list[list[str]]:
    """The ``top`` most distinctive words of each theme (a theme is a list of texts)."""
    counts = [Counter(w for text in texts for w in words_of(text)) for texts in themes]
    frequency: Counter[str] = Counter()
    for count in counts:
        frequency.update(count)
    average = sum(frequency.values()) / max(len(counts), 1)
    named: list[list[str]] = []
    for count in counts:
        size = sum(count.values()) or 1
        weights = {
            word: (n / size) * math.log(1 + average / frequency[word]) for word, n in count.items()
        }
        ranked = sorted(weights, key=lambda w: (-weights[w], w))
        named.append(ranked[:top])
    return named


def theme_name(words: Sequence[str], size: int = 3) -> str:
    """A short name from the first distinctive words: "button / submit / feedback"."""
    return " / ".join(words[:size]) or "(no words)"
