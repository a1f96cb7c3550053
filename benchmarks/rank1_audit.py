"""Is the learned ranker's first article better than the weighted mean's, where no gold exists?

    .venv/bin/python benchmarks/rank1_audit.py draw [--per-order 30]
    .venv/bin/python benchmarks/rank1_audit.py score

`draw`: aligns Benin (`bj-tip`) and takes, per obligation, the weighted mean's best article and
the learned model's own best (`rank1_by_order`), keeps the obligations where they differ
and whose sources are no gold provision (the ranker never learned from them, and the gold
cannot grade them). A seeded sample of them gives two items each, the two rank-1 articles,
shuffled through the file with no order, score or rank shown (gold/rank1/items.csv, in the
gap audits' format; which order chose which article goes to key.csv). A blind reviewer grades
each item as the gap audits do: does this article meet the obligation (meets / partly / no)?
`score`: tabulates those grades (judgements.csv) per order.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_match  # noqa: E402  (gold readers, document loader)
from gap_audit_items import COLUMNS, treaty_text  # noqa: E402

FOLDER = bench_match.ROOT / "benchmarks" / "gold" / "rank1"
ORDERS = ("weighted mean", "learned ranker")


def rank1_by_order(study_id: str) -> dict[str, dict[str, tuple[str, str]]]:
    """{order: {obligation id: (document id, eid) of its rank-1 article}}: the weighted mean's
    best, and the learned model's own best (probability + BLEND x weighted mean, the order the
    product keeps for ranks 2 and below), as the study aligns."""
    import numpy as np

    from lexcompare import corpus, match, ranker
    from lexcompare.study import Study

    study = Study.load(study_id)
    _ = study.themes  # the provisions' theme tags, as `Study.alignment_records` reads them
    sources = match.source_texts_for(
        study.obligations,
        lambda d: study.parsed[d] if d in study.parsed else corpus.load(d),
    )
    config = match.MatchConfig(progress=False)
    queries = [match.query_from_obligation(o, sources) for o in study.obligations]
    out: dict[str, dict[str, tuple[str, str]]] = {order: {} for order in ORDERS}
    for country in study.countries:
        units = match.roll_up(study.national_provisions(country, in_force=True), config.level)
        combined, components = match.score_matrix(queries, units, config=config)
        p = ranker.load().probability(components, combined, config.ranker_pool)
        model = np.where(p >= 0, p + ranker.BLEND * combined, combined - 2.0)
        for qi, q in enumerate(queries):
            if combined[qi].max() < config.min_score:
                continue
            for order, key in zip(ORDERS, (combined, model), strict=True):
                u = units[int(np.argmax(key[qi]))]
                out[order][q.id] = (u.document_id, u.eid)
    return out


def draw(study_id: str, per_order: int, seed: str) -> None:
    from lexcompare.match import provision_text
    from lexcompare.study import Study

    obligations = {o.id: o for o in Study.load(study_id).obligations}
    gold = {k for view in bench_match.gold_views(bench_match.read_gold()).values() for k in view}
    firsts = rank1_by_order(study_id)
    a, b = firsts[ORDERS[0]], firsts[ORDERS[1]]
    differ = sorted(
        oid
        for oid in a.keys() & b.keys()
        if a[oid] != b[oid]
        and not any((s.instrument, s.eid) in gold for s in obligations[oid].sources)
    )
    rng = random.Random(seed)
    chosen = rng.sample(differ, min(per_order, len(differ)))
    items = [(oid, order, firsts[order][oid]) for oid in chosen for order in ORDERS]
    rng.shuffle(items)
    FOLDER.mkdir(parents=True, exist_ok=True)
    with (
        (FOLDER / "items.csv").open("w", newline="", encoding="utf-8") as f,
        (FOLDER / "key.csv").open("w", newline="", encoding="utf-8") as k,
    ):
        w, wk = csv.writer(f), csv.writer(k)
        w.writerow(COLUMNS)
        wk.writerow(["item", "obligation_id", "order"])
        for i, (oid, order, (doc_id, eid)) in enumerate(items, 1):
            o, doc = obligations[oid], bench_match.load_doc(doc_id)
            item = f"R{i:03d}"
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
            wk.writerow([item, oid, order])
    print(
        f"{len(differ)} obligations without gold whose rank 1 differs; {len(chosen)} drawn -> "
        f"{len(items)} items in {FOLDER / 'items.csv'}"
    )


def score() -> None:
    with (FOLDER / "key.csv").open(encoding="utf-8") as f:
        key = {r["item"]: r for r in csv.DictReader(f)}
    with (FOLDER / "judgements.csv").open(encoding="utf-8") as f:
        grades = {r["item"]: r["verdict"] for r in csv.DictReader(f)}
    missing = sorted(key.keys() - grades.keys())
    if missing:
        sys.exit(f"judgements.csv lacks {len(missing)} items ({', '.join(missing[:5])}...)")
    print("| rank-1 article chosen by | obligations | meets | partly | no |")
    print("|---|---:|---:|---:|---:|")
    for order in ORDERS:
        c = Counter(grades[i] for i, r in key.items() if r["order"] == order)
        n = sum(c.values())
        print(f"| {order} | {n} | {c['meets']} | {c['partly']} | {c['no']} |")
    rank = {"meets": 2, "partly": 1, "no": 0}
    by_obl: dict[str, dict[str, int]] = {}
    for i, r in key.items():
        by_obl.setdefault(r["obligation_id"], {})[r["order"]] = rank[grades[i]]
    better = Counter(
        "ranker"
        if g[ORDERS[1]] > g[ORDERS[0]]
        else "weighted"
        if g[ORDERS[0]] > g[ORDERS[1]]
        else "same grade"
        for g in by_obl.values()
    )
    print(
        f"\nper obligation: the ranker's article graded higher {better['ranker']}, lower "
        f"{better['weighted']}, same {better['same grade']} (of {len(by_obl)})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["draw", "score"])
    ap.add_argument("--study", default="bj-tip")
    ap.add_argument("--per-order", type=int, default=30, help="obligations drawn")
    ap.add_argument("--seed", default="lexcompare-rank1-audit-1")
    args = ap.parse_args()
    if args.command == "draw":
        draw(args.study, args.per_order, args.seed)
    else:
        score()


if __name__ == "__main__":
    main()
