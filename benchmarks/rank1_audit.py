"""Blind audits of the learned ranker where no gold exists: rank 1, and the top-5 shortlist.

    .venv/bin/python benchmarks/rank1_audit.py draw rank1|top5 [--per-order 30]
    .venv/bin/python benchmarks/rank1_audit.py score rank1|top5

Both align Benin (`bj-tip`) as the study does and compare two orders on the obligations whose
sources are no gold provision (the ranker never learned from them, and the gold cannot grade
them), among those where the two orders disagree:
- `rank1` (gold/rank1/): the weighted mean's first article against the learned model's own
  first (probability + BLEND x weighted mean). It decided that rank 1 stays the weighted mean's.
- `top5` (gold/top5/): the weighted mean's top 5 against the product's (`ranker.order_key`:
  rank 1 by weighted mean, then the model). Does the model's shortlist hold more relevant
  articles outside the gold, as it does on the gold?

`draw` takes a seeded sample of those obligations and writes every article either order puts in
its top k, one item each, shuffled through the file with no order, score or rank shown
(items.csv, in the gap audits' format; which orders chose each article goes to key.csv). A blind
reviewer grades each item as the gap audits do: does this article meet the obligation (meets /
partly / no)? `score` tabulates those grades (judgements.csv) per order.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_match  # noqa: E402  (gold readers, document loader)
from gap_audit_items import COLUMNS, treaty_text  # noqa: E402

from lexcompare import ranker  # noqa: E402

Key = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (probability, weighted mean) -> order key
ORDERS: dict[str, Key] = {
    "weighted mean": lambda p, c: c,
    "learned model": lambda p, c: np.where(p >= 0, p + ranker.BLEND * c, c - 2.0),
    "product": ranker.order_key,
}
# audit: (folder, item prefix, depth compared, the two orders)
AUDITS = {
    "rank1": ("rank1", "R", 1, ("weighted mean", "learned model")),
    "top5": ("top5", "T", 5, ("weighted mean", "product")),
}


def tops(study_id: str, orders: tuple[str, ...], depth: int) -> dict[str, dict[str, list]]:
    """{order: {obligation id: its top `depth` articles as (document id, eid)}}, as the study
    aligns (candidates scoring at least `MatchConfig.min_score`)."""
    from lexcompare import corpus, match
    from lexcompare.study import Study

    study = Study.load(study_id)
    _ = study.themes  # the provisions' theme tags, as `Study.alignment_records` reads them
    sources = match.source_texts_for(
        study.obligations,
        lambda d: study.parsed[d] if d in study.parsed else corpus.load(d),
    )
    config = match.MatchConfig(progress=False)
    queries = [match.query_from_obligation(o, sources) for o in study.obligations]
    out: dict[str, dict[str, list]] = {order: {} for order in orders}
    for country in study.countries:
        units = match.roll_up(study.national_provisions(country, in_force=True), config.level)
        combined, components = match.score_matrix(queries, units, config=config)
        p = ranker.load().probability(components, combined, config.ranker_pool)
        for order in orders:
            key = ORDERS[order](p, combined)
            for qi, q in enumerate(queries):
                ranked = np.argsort(-key[qi], kind="stable")
                kept = [u for u in ranked if combined[qi, u] >= config.min_score][:depth]
                if kept:
                    out[order][q.id] = [(units[u].document_id, units[u].eid) for u in kept]
    return out


def draw(audit: str, study_id: str, per_order: int, seed: str) -> None:
    from lexcompare.match import provision_text
    from lexcompare.study import Study

    folder, prefix, depth, orders = AUDITS[audit]
    out_dir = bench_match.ROOT / "benchmarks" / "gold" / folder
    obligations = {o.id: o for o in Study.load(study_id).obligations}
    gold = {k for view in bench_match.gold_views(bench_match.read_gold()).values() for k in view}
    top = tops(study_id, orders, depth)
    a, b = top[orders[0]], top[orders[1]]
    differ = sorted(
        oid
        for oid in a.keys() & b.keys()
        if set(a[oid]) != set(b[oid])
        and not any((s.instrument, s.eid) in gold for s in obligations[oid].sources)
    )
    rng = random.Random(seed)
    chosen = rng.sample(differ, min(per_order, len(differ)))
    items = []
    for oid in chosen:
        refs = list(dict.fromkeys(r for order in orders for r in top[order][oid]))
        items += [(oid, r, [o for o in orders if r in top[o][oid]]) for r in refs]
    rng.shuffle(items)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        (out_dir / "items.csv").open("w", newline="", encoding="utf-8") as f,
        (out_dir / "key.csv").open("w", newline="", encoding="utf-8") as k,
    ):
        w, wk = csv.writer(f), csv.writer(k)
        w.writerow(COLUMNS)
        wk.writerow(["item", "obligation_id", "orders"])
        for i, (oid, (doc_id, eid), chosen_by) in enumerate(items, 1):
            o, doc = obligations[oid], bench_match.load_doc(doc_id)
            item = f"{prefix}{i:03d}"
            w.writerow(
                [
                    item,
                    oid,
                    o.label_en,
                    o.label_fr,
                    ";".join(f"{s.instrument}#{s.eid}" for s in o.sources),
                    treaty_text(o),
                    doc.document.title,
                    doc_id,
                    eid,
                    provision_text(doc, eid),
                ]
            )
            wk.writerow([item, oid, ";".join(chosen_by)])
    print(
        f"{len(differ)} obligations without gold whose top {depth} differs; {len(chosen)} "
        f"drawn -> {len(items)} items in {out_dir / 'items.csv'}"
    )


def score(audit: str) -> None:
    folder, _, depth, orders = AUDITS[audit]
    out_dir = bench_match.ROOT / "benchmarks" / "gold" / folder
    with (out_dir / "key.csv").open(encoding="utf-8") as f:
        key = {r["item"]: r for r in csv.DictReader(f)}
    with (out_dir / "judgements.csv").open(encoding="utf-8") as f:
        grades = {r["item"]: r["verdict"] for r in csv.DictReader(f)}
    missing = sorted(key.keys() - grades.keys())
    if missing:
        sys.exit(f"judgements.csv lacks {len(missing)} items ({', '.join(missing[:5])}...)")
    value = {"meets": 2, "partly": 1, "no": 0}
    best: dict[str, dict[str, int]] = {}  # obligation -> order -> best grade in its top k
    found: dict[str, Counter] = {order: Counter() for order in orders}
    for i, r in key.items():
        for order in r["orders"].split(";"):
            found[order][grades[i]] += 1
            b = best.setdefault(r["obligation_id"], {})
            b[order] = max(b.get(order, 0), value[grades[i]])
    print(f"| top {depth} of | obligations | articles meets / partly / no | with a relevant one |")
    print("|---|---:|---|---:|")
    for order in orders:
        c, hit = found[order], sum(b.get(order, 0) > 0 for b in best.values())
        print(f"| {order} | {len(best)} | {c['meets']} / {c['partly']} / {c['no']} | {hit} |")
    a, b = orders
    higher = Counter(
        b if g.get(b, 0) > g.get(a, 0) else a if g.get(a, 0) > g.get(b, 0) else "same"
        for g in best.values()
    )
    print(
        f"\nper obligation, best grade in the top {depth}: {b} higher {higher[b]}, "
        f"{a} higher {higher[a]}, same {higher['same']} (of {len(best)})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["draw", "score"])
    ap.add_argument("audit", choices=sorted(AUDITS))
    ap.add_argument("--study", default="bj-tip")
    ap.add_argument("--per-order", type=int, default=30, help="obligations drawn")
    ap.add_argument("--seed", default=None, help="default: lexcompare-<audit>-audit-1")
    args = ap.parse_args()
    if args.command == "draw":
        draw(
            args.audit, args.study, args.per_order, args.seed or f"lexcompare-{args.audit}-audit-1"
        )
    else:
        score(args.audit)


if __name__ == "__main__":
    main()
