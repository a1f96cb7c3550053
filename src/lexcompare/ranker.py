"""The learned ranker: orders the matcher's candidates from the similarity components.

The weighted mean of the components (`match.combine`) stays the alignment's score: it is what the
gap analysis thresholds and what the explanation shows, and its best candidate stays rank 1. The
ranker chooses and orders the others: a gradient-boosted tree model (scikit-learn) over the six
components, their per-query ranks and the weighted mean, fitted by `benchmarks/fit_ranker.py` on
the dev half of the gold alignments only (benchmarks/RESULTS.md). It re-orders each
obligation's `pool` best candidates by weighted mean; the others keep their order below them.

The model ships as `models/ranker.pkl` with `models/ranker.json` (features, training data,
scikit-learn version). A pickle only loads with the scikit-learn it was written with, so that
version is pinned in pyproject.toml and checked on load.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LexcompareError

MODEL_DIR = Path(__file__).parent / "models"
# The components the model reads, in its feature order (then their ranks, then the weighted
# mean's rank and value: see `features`).
COMPONENTS = ("element", "bm25", "fuzzy", "embedding", "theme", "heading")
FEATURES = (
    *COMPONENTS,
    *(f"rank:{c}" for c in COMPONENTS),
    "rank:hybrid",
    "hybrid",
)

# scikit-learn HistGradientBoostingClassifier settings (benchmarks/fit_ranker.py): small trees,
# many samples per leaf, a slow learning rate; the first setting tried, and the best of four on
# dev out-of-fold (RESULTS.md, sixth session). No early stopping: its 10 % validation split made
# the model depend on the order of the rows, and it never stopped before max_iter anyway.
PARAMS: dict[str, Any] = dict(
    max_iter=150,
    learning_rate=0.05,
    max_leaf_nodes=8,
    min_samples_leaf=40,
    l2_regularization=1.0,
    early_stopping=False,
    random_state=0,
)


# The order after rank 1 is the model's probability plus BLEND x the weighted mean, both in
# [0, 1]. The model learns "relevant or not" (any grade), so alone it puts a partial article
# first as readily as one that meets the obligation. Any BLEND from 0.25 to 3 gives the same
# Hit@5 on dev (RESULTS.md): the plain sum was kept.
BLEND = 1.0


class RankerError(LexcompareError):
    pass


def _rank_feature(m: np.ndarray) -> np.ndarray:
    """1 / log2(2 + rank) of every unit in its query's row (rank 0 = best): the DCG discount,
    so the top ranks are told apart and the tail flattens."""
    order = np.argsort(-m, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(m.shape[1])[None, :], axis=1)
    return 1.0 / np.log2(2.0 + ranks)


def features(components: Sequence[Any], combined: np.ndarray) -> np.ndarray:
    """(n_queries, n_units, len(FEATURES)): each component's score where it applies (0 where it
    does not), the rank features of those and of the weighted mean, and the weighted mean."""
    by_name = {c.name: c for c in components}
    missing = [n for n in COMPONENTS if n not in by_name]
    if missing:
        raise RankerError(
            f"the ranker needs the components {', '.join(COMPONENTS)}; "
            f"missing: {', '.join(missing)}"
        )
    masked = [by_name[n].scores * by_name[n].applies[:, None] for n in COMPONENTS]
    ranks = [_rank_feature(m) for m in [*masked, combined]]
    return np.stack([*masked, *ranks, combined], axis=-1)


@dataclass(frozen=True)
class Ranker:
    model: Any  # sklearn HistGradientBoostingClassifier
    info: dict[str, Any]

    def probability(self, components: Sequence[Any], combined: np.ndarray, pool: int) -> np.ndarray:
        """The learned probability of relevance of each query's `pool` best candidates by
        weighted mean; -1 for the others."""
        out = np.full(combined.shape, -1.0)
        if combined.size == 0:
            return out
        x = features(components, combined)
        top = np.argsort(-combined, axis=1, kind="stable")[:, :pool]
        rows = np.take_along_axis(x, top[:, :, None], axis=1).reshape(-1, x.shape[-1])
        p = self.model.predict_proba(rows)[:, 1].reshape(top.shape)
        np.put_along_axis(out, top, p, axis=1)
        return out

    @property
    def note(self) -> str:
        return (
            f"rank 1: best weighted mean; then learned probability + {BLEND:g} x weighted mean "
            f"({self.info['model']} fitted on {self.info['provisions']} dev gold provisions, "
            f"{self.info['fitted']})"
        )


def order_key(probability: np.ndarray, combined: np.ndarray) -> np.ndarray:
    """What `match.rank` sorts by, from `Ranker.probability` (-1 outside the pool). Rank 1 is
    the best weighted mean: in a blind audit of 30 Benin obligations outside the gold, the
    model's own first choice was relevant 7 times against the weighted mean's 12 (RESULTS.md).
    Then the probability plus BLEND x the weighted mean, and below the pool the weighted mean
    minus 2 (in [-2, -1]: under every pooled candidate, in its own order)."""
    key = np.where(probability >= 0, probability + BLEND * combined, combined - 2.0)
    if key.size:
        rows = np.arange(key.shape[0])
        key[rows, np.argmax(combined, axis=1)] = key.max(axis=1) + 1.0
    return key


def save(model: Any, info: dict[str, Any], folder: Path = MODEL_DIR) -> None:
    import sklearn

    folder.mkdir(parents=True, exist_ok=True)
    info = {**info, "features": list(FEATURES), "sklearn": sklearn.__version__}
    (folder / "ranker.pkl").write_bytes(pickle.dumps(model, protocol=5))
    (folder / "ranker.json").write_text(
        json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


@cache
def load(folder: Path = MODEL_DIR) -> Ranker:
    """The shipped ranker. Raises RankerError (saying what to do) when it is missing, was
    written for other features or by another scikit-learn."""
    import sklearn

    meta, pkl = folder / "ranker.json", folder / "ranker.pkl"
    if not meta.exists() or not pkl.exists():
        raise RankerError(
            f"no ranker model in {folder}: run `python benchmarks/fit_ranker.py`, "
            "or align with MatchConfig(ranker=False)"
        )
    info = json.loads(meta.read_text(encoding="utf-8"))
    if tuple(info.get("features", ())) != FEATURES:
        raise RankerError(
            f"{meta} was fitted on features {info.get('features')}, expected "
            f"{list(FEATURES)}: refit with `python benchmarks/fit_ranker.py`"
        )
    if info.get("sklearn") != sklearn.__version__:
        raise RankerError(
            f"{pkl} was written by scikit-learn {info.get('sklearn')}, this is "
            f"{sklearn.__version__}: install the version pinned in pyproject.toml, "
            "or refit with `python benchmarks/fit_ranker.py`"
        )
    return Ranker(pickle.loads(pkl.read_bytes()), info)
