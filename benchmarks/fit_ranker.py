"""Fit the matcher's learned ranker (src/lexcompare/ranker.py) on the dev half of the gold.

    .venv/bin/python benchmarks/fit_ranker.py [--check]

Training rows: for every dev provision of the most complete gold view (every annotation and
the judged pool, bench_match.FUSION_GOLD), every obligation citing it against every article of
the national documents its gold names; label 1 when the pair is gold (any grade), else 0.
Heldout provisions are never read. The model (a scikit-learn HistGradientBoostingClassifier
with the settings of ranker.PARAMS, chosen on dev by 5-fold cross-validation over provisions,
RESULTS.md) is written to src/lexcompare/models/ with what it was fitted on. `--check`
refits and compares with the shipped model instead of writing (exit 1 when they differ beyond
float noise).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np
from bench_match import (
    FUSION_GOLD,
    GOLD,
    candidate_units,
    gold_queries,
    gold_views,
    hybrid_scorers,
    read_gold,
    training_rows,
)
from sklearn.ensemble import HistGradientBoostingClassifier

from lexcompare import match, ranker
from lexcompare.embed import Encoder
from lexcompare.match import MatchConfig


def gold_checksum() -> str:
    h = hashlib.sha256()
    for f in sorted(GOLD.parent.rglob("*.csv")):
        h.update(f.relative_to(GOLD.parent).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="compare with the shipped model")
    args = ap.parse_args()
    rows = read_gold()
    views = gold_views(rows)
    view = next(v for v in FUSION_GOLD if v in views)
    gold = views[view]
    split_of = {(r.instrument_id, r.instrument_eid): r.split for r in rows}
    dev = sorted(k for k in gold if split_of[k] == "dev")
    flat_q, owner, _ = gold_queries(dev)
    rows_of = {k: [i for i, o in enumerate(owner) if o == k] for k in dev}
    units = candidate_units(rows)
    base = MatchConfig(progress=False)
    comps = [sc(flat_q, units, base) for sc in hybrid_scorers(Encoder()).values()]
    x_all = ranker.features(comps, match.combine(comps, base))
    x, y = training_rows(x_all, gold, dev, rows_of, units)
    model = HistGradientBoostingClassifier(**ranker.PARAMS).fit(x, y)
    print(
        f"fitted on {len(dev)} dev provisions of '{view}': {len(y)} rows, {int(y.sum())} "
        f"relevant; {model.n_iter_} trees"
    )
    if args.check:
        shipped = ranker.load()
        diff = np.abs(shipped.model.predict_proba(x)[:, 1] - model.predict_proba(x)[:, 1])
        print(
            f"difference in probability: largest {diff.max():.2e}, mean {diff.mean():.2e}, "
            f"over 1e-3 on {np.mean(diff > 1e-3):.3%} of the rows"
        )
        # Sentence vectors encoded in other batches (a cold cache) differ in the last float32
        # bits (embedding component: 5e-7), enough to move a handful of rows across a split
        # threshold: the same fit leaves all but a few rows in 100,000 within 1e-3.
        same = diff.mean() < 1e-5 and np.mean(diff > 1e-3) < 1e-4
        print("the shipped model " + ("matches" if same else "DIFFERS from") + " this fit")
        sys.exit(0 if same else 1)
    info = {
        "model": "gradient-boosted trees",
        "params": dict(ranker.PARAMS),
        "view": view,
        "provisions": len(dev),
        "trained_on": sorted(f"{i}#{e}" for i, e in dev),
        "rows": len(y),
        "relevant": int(y.sum()),
        "gold_sha256": gold_checksum(),
        "fitted": datetime.date.today().isoformat(),
    }
    ranker.save(model, info)
    ranker.load.cache_clear()
    print(f"wrote {Path(ranker.MODEL_DIR) / 'ranker.pkl'} ({len(pickle.dumps(model)) // 1024} KB)")


if __name__ == "__main__":
    main()
