"""Draw a blind audit sample of Benin's "partial" judgements (gold/gap_audit/).

    .venv/bin/python benchmarks/gap_audit_items.py --out items4.csv [--per-stratum 20]

Partials whose first quote no earlier audit read, split by the `weak_basis` marker (or, with
`--strata subject`, marked only for not naming the obligation's subject, against not marked),
the same number drawn from each stratum (seeded), shuffled. Each row gives what the reviewer
needs and no more: the obligation (labels, sources, the treaty's own words when the corpus
holds them) and the exact text of the Benin article the judgement rests on. No status,
rationale or marker.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_gaps  # noqa: E402  (the audits read so far)
import bench_match  # noqa: E402  (document loader)

COLUMNS = [
    "item",
    "obligation_id",
    "obligation_en",
    "obligation_fr",
    "treaty_sources",
    "treaty_text",
    "national_document",
    "national_id",
    "national_eid",
    "national_text",
]


def treaty_text(obligation) -> str:  # type: ignore[no-untyped-def]
    from lexcompare import match

    parts = []
    for s in obligation.sources:
        try:
            text = match.provision_text(bench_match.load_doc(s.instrument), s.eid)
            parts.append(f"[{s.instrument} {s.eid}] {text}")
        except Exception:  # noqa: BLE001 - instrument not in the corpus (ACRWC, soft law)
            continue
    return "\n".join(parts)


def stratum_of(gap, strata: str) -> bool | None:  # type: ignore[no-untyped-def]
    """ "marker": marked weak basis (True) or not (False). "subject": marked only because the
    article never names the obligation's subject (True), not marked (False), other (None)."""
    if strata == "marker":
        return bool(gap.weak_basis)
    if not gap.weak_basis:
        return False
    reasons = " ".join(e.detail for e in gap.evidence if e.method == "weak-basis")
    only_subject = "does not mention" in reasons and "low match" not in reasons
    return True if only_subject and "another theme" not in reasons else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--study", default="bj-tip")
    ap.add_argument("--per-stratum", type=int, default=20)
    ap.add_argument("--seed", default="lexcompare-gap-audit-4")
    ap.add_argument("--strata", choices=["marker", "subject"], default="marker")
    ap.add_argument("--prefix", default="M", help="item ids: M001... (audit 4), N001... (5)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    from lexcompare.study import Study

    study = Study.load(args.study)
    obligations = {o.id: o for o in study.obligations}
    seen = set().union(*bench_gaps.read_audits().values())
    fresh = [
        g
        for g in study.gap_records
        if g.status == "partial"
        and g.quotes
        and (g.obligation_id, g.quotes[0].document_id, g.quotes[0].eid) not in seen
    ]
    rng = random.Random(args.seed)
    sample = []
    for marked in (True, False):
        stratum = sorted(
            (g for g in fresh if stratum_of(g, args.strata) == marked),
            key=lambda g: g.obligation_id,
        )
        sample += rng.sample(stratum, min(args.per_stratum, len(stratum)))
    rng.shuffle(sample)
    with args.out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for i, g in enumerate(sample, 1):
            o, q = obligations[g.obligation_id], g.quotes[0]
            doc = bench_match.load_doc(q.document_id)
            w.writerow(
                [
                    f"{args.prefix}{i:03d}",
                    g.obligation_id,
                    o.label_en,
                    o.label_fr,
                    ";".join(f"{s.instrument}#{s.eid}" for s in o.sources),
                    treaty_text(o),
                    doc.document.title,
                    q.document_id,
                    q.eid,
                    q.text,
                ]
            )
    print(f"{len(sample)} partials ({len(fresh)} not audited before) -> {args.out}")


if __name__ == "__main__":
    main()
