"""Write blind judging batches for the gold's unlabelled top 5 (pooling, as in TREC).

    .venv/bin/python benchmarks/pool_batches.py --split heldout --batches 7 --out DIR

The gold alignments were made by reading the texts, not by reading the methods' output, so a
method's top 5 can hold a relevant article nobody listed; counted as wrong, it penalises the
methods that find what the annotators missed. This script takes, for every gold provision of the
split and every gold view, the top 5 of each method of `bench_match.METHODS` (fuzzy, BM25,
embedding, hybrid) and of the product's order (the hybrid re-ordered by the learned ranker;
with `--fusions`, also rank fusion, min-max and the learned model of
`bench_match.py --fusion`), keeps the articles nobody judged yet, and slips in two known gold pairs
(controls: are they found again?) and one random article of the same documents (decoy: is it
accepted?). Each provision's candidates are shuffled, and nothing says which method proposed
them. DIR gets `batchN.md` (treaty provision, its whole article for context, then the candidate
articles' text), `key.csv` (what each candidate is: pool / control1 / control2 / decoy) and the
judging guide, `GUIDE.md`. The judgements go to `gold/pool/` (see its BRIEF.md).
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
from collections import defaultdict
from pathlib import Path

import bench_match as bm
import numpy as np

from lexcompare import match
from lexcompare.embed import Encoder
from lexcompare.match import MatchConfig

GUIDE = bm.ROOT / "benchmarks" / "gold" / "pool" / "GUIDE.md"
TOP = 5
MAX_CHARS = 3000  # a candidate article's text shown to the judge
MAX_CONTEXT = 3500  # the treaty article shown around a paragraph


def pool(
    split: str, fusions: bool = False, depth: int = TOP
) -> dict[tuple[str, str], list[tuple[tuple[str, str], str]]]:
    rows = bm.read_gold(pool=None)  # controls come from the annotators' gold
    views = bm.gold_views(rows)
    split_of = {(r.instrument_id, r.instrument_eid): r.split for r in rows}
    keys = list(dict.fromkeys(k for v in views.values() for k in v))
    flat_q, owner, _ = bm.gold_queries(keys)
    units = bm.candidate_units(rows)
    base = MatchConfig(progress=False)
    comps = {n: sc(flat_q, units, base) for n, sc in bm.hybrid_scorers(Encoder()).items()}
    scores = bm.method_scores(comps, base)
    scores["product"] = bm.product_order(
        [comps[n] for n in bm.METHODS["hybrid"][0]], scores["hybrid"], base
    )
    rows_of = defaultdict(list)
    for i, k in enumerate(owner):
        rows_of[k].append(i)
    if fusions:  # also the other fusions of `bench_match.py --fusion`, fitted as there
        full = bm.gold_views(bm.read_gold())
        scores.update(
            bm.other_fusions(
                [comps[n] for n in bm.METHODS["hybrid"][0]],
                full[next(v for v in bm.FUSION_GOLD if v in full)],
                rows_of,
                split_of,
                units,
            )
        )
    unit_doc = np.array([u.document_id for u in units])
    judged: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g in views.values():
        for k, pairs in g.items():
            for p, r in pairs.items():
                judged[k][p] = max(r, judged[k].get(p, 0))
                docs[k].add(p[0])
    seen = bm.pool_judged()  # an earlier round's pairs are not asked again
    found: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for g in views.values():
        for k in g:
            if split_of[k] != split:
                continue
            idx = np.flatnonzero(np.isin(unit_doc, list({d for d, _ in g[k]})))
            for m in scores.values():
                row = m[rows_of[k]].max(axis=0)
                for i in idx[np.argsort(-row[idx], kind="stable")][:depth]:
                    p = (units[i].document_id, units[i].eid)
                    if p not in judged[k] and p not in seen[k]:
                        found[k].add(p)
    rng = random.Random(f"lexcompare-pool-{split}")
    out = {}
    for k in sorted(found):
        cands = [(p, "pool") for p in sorted(found[k])]
        gold = sorted(set(judged[k]) - seen[k])  # a control is never judged twice
        rng.shuffle(gold)
        cands += [(p, f"control{judged[k][p]}") for p in gold[:2]]
        others = [
            (u.document_id, u.eid)
            for u in units
            if u.document_id in docs[k]
            and (u.document_id, u.eid) not in judged[k].keys() | found[k] | seen[k]
        ]
        cands.append((rng.choice(others), "decoy"))
        rng.shuffle(cands)
        out[k] = cands
    return out


def write(split: str, n_batches: int, out: Path, fusions: bool = False, depth: int = TOP) -> None:
    items = pool(split, fusions, depth)
    batches: list[list[tuple[str, str]]] = [[] for _ in range(n_batches)]
    load = [0] * n_batches
    for k in sorted(items, key=lambda k: -len(items[k])):  # balance by number of pairs
        b = load.index(min(load))
        batches[b].append(k)
        load[b] += len(items[k])
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(GUIDE, out / "GUIDE.md")
    units = {(u.document_id, u.eid): u for u in bm.candidate_units(bm.read_gold())}
    with (out / "key.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            ["batch", "instrument_id", "instrument_eid", "national_id", "national_eid", "kind"]
        )
        for b, keys in enumerate(batches, 1):
            parts = [f"# Batch {b}\n"]
            for inst, eid in keys:
                doc = bm.load_doc(inst)
                parts.append(
                    f"\n\n{'=' * 70}\n## TREATY PROVISION {inst} {eid}\n({doc.document.title})\n\n"
                    f"{match.provision_text(doc, eid).strip()}\n"
                )
                if "__" in eid:
                    art = match.provision_text(doc, eid.split("__")[0]).strip()
                    if len(art) > MAX_CONTEXT:
                        art = art[:MAX_CONTEXT] + " [...]"
                    parts.append(
                        "\nWhole article, for context (judge against the provision above):\n"
                        f"{art}\n"
                    )
                for (d, e), kind in items[(inst, eid)]:
                    w.writerow([b, inst, eid, d, e, kind])
                    text = units[(d, e)].text.strip()
                    if len(text) > MAX_CHARS:
                        text = text[:MAX_CHARS] + " [...article continues]"
                    parts.append(f"\n--- candidate {inst} {eid} :: {d} {e}\n{text}\n")
            (out / f"batch{b}.md").write_text("".join(parts), encoding="utf-8")
    print(f"{split}: {len(items)} provisions, {sum(load)} pairs in {n_batches} batches: {load}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=["dev", "heldout"], default="heldout")
    ap.add_argument("--batches", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--fusions", action="store_true", help="also the top 5 of the other fusions")
    ap.add_argument("--depth", type=int, default=TOP, help="pool the top DEPTH (Hit@10: 10)")
    args = ap.parse_args()
    write(args.split, args.batches, args.out, args.fusions, args.depth)
