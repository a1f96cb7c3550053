"""How far can a "covered" be trusted? Benin's gap judgements checked against the alignment gold.

    .venv/bin/python benchmarks/bench_gaps.py [--study bj-tip]

The gold (`gold/alignments.csv`, `gold/annotator2/`, `gold/extension/`, pooled) says, for treaty
provisions the checklist cites, which Benin articles implement them (relevance 1: related / part
of the regime, 2: meets it). For every obligation whose sources have gold:

- **covered**: is the provision the judgement rests on (its first quote) a gold article, and does
  the gold say it meets the provision (relevance 2)? A carrier outside the gold is listed for a
  lawyer to read: the gold is not exhaustive, but that is where a wrong "covered" would hide;
- baseline, same obligations and same run: the matcher's rank-1 article taken as the carrier;
- **missing**: obligations judged missing although the gold names an article that meets them;
- **blind audits** (`gold/gap_audit/`): reviewers who saw neither the statuses nor the code
  judged, for 63, 40, 40, 40 and 26 of Benin's judgements, whether the article each rests on
  meets the obligation (meets / partly / no). Each is tabulated against today's status, and today's
  partials against the weak-basis marker, for the judgements that still rest on the audited
  article, with the audits' pairwise agreement.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_match  # noqa: E402  (the gold readers)


def article(eid: str) -> str:
    return eid.split("__", 1)[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--study", default="bj-tip")
    args = ap.parse_args()

    from lexcompare.study import Study

    views = bench_match.gold_views(bench_match.read_gold())
    gold = views.get("all, both annotators pooled") or views["all (pooled + extension)"]
    study = Study.load(args.study)
    obligations = {o.id: o for o in study.obligations}
    rank1 = {
        a.obligation_id: (a.national_id, a.national_eid)
        for a in study.alignment_records
        if a.rank == 1
    }

    def gold_for(oid: str) -> dict[tuple[str, str], int]:
        """Gold articles of every gold provision an obligation's sources cite (or sit in)."""
        out: dict[tuple[str, str], int] = {}
        for s in obligations[oid].sources:
            for (inst, eid), pairs in gold.items():
                if inst == s.instrument and (
                    eid == s.eid or s.eid.startswith(eid + "__") or eid.startswith(s.eid + "__")
                ):
                    for p, rel in pairs.items():
                        out[p] = max(out.get(p, 0), rel)
        return out

    with_gold = {g.obligation_id: gold_for(g.obligation_id) for g in study.gap_records}
    with_gold = {k: v for k, v in with_gold.items() if v}
    by_status = Counter(g.status for g in study.gap_records if g.obligation_id in with_gold)
    print(
        f"study {args.study}: {len(study.gap_records)} obligations, {len(with_gold)} with gold "
        f"({dict(by_status)})\n"
    )

    def verdict(carrier: tuple[str, str], g: dict[tuple[str, str], int]) -> int:
        return g.get((carrier[0], article(carrier[1])), 0)

    covered = [
        g for g in study.gap_records if g.status == "covered" and g.obligation_id in with_gold
    ]
    rows = []
    for name, carrier_of in (
        ("gap judgement (first quote)", lambda g: (g.quotes[0].document_id, g.quotes[0].eid)),
        ("baseline: matcher rank 1", lambda g: rank1.get(g.obligation_id, ("", ""))),
    ):
        v = [verdict(carrier_of(g), with_gold[g.obligation_id]) for g in covered]
        rows.append((name, len(v), sum(x >= 1 for x in v), sum(x == 2 for x in v)))
    print("| carrier of a 'covered' | obligations | in gold | meets it (2) |")
    print("|---|---:|---:|---:|")
    for name, n, any_rel, meets in rows:
        print(
            f"| {name} | {n} | {any_rel} ({any_rel / max(n, 1):.0%}) | "
            f"{meets} ({meets / max(n, 1):.0%}) |"
        )

    outside = [
        (g.obligation_id, f"{g.quotes[0].document_id}#{g.quotes[0].eid}")
        for g in covered
        if not verdict((g.quotes[0].document_id, g.quotes[0].eid), with_gold[g.obligation_id])
    ]
    print("\ncovered, carrier outside the gold (read these):")
    for oid, ref in outside:
        print(f"  {oid}: {ref}")

    false_missing = [
        g.obligation_id
        for g in study.gap_records
        if g.status == "missing" and 2 in with_gold.get(g.obligation_id, {}).values()
    ]
    print(f"\nmissing although the gold names an article that meets it: {len(false_missing)}")
    for oid in false_missing:
        meets = [f"{d}#{e}" for (d, e), r in with_gold[oid].items() if r == 2]
        print(f"  {oid}: {', '.join(meets[:4])}")
    if args.study == "bj-tip":
        blind_audit(study, obligations)


AUDITS = Path(__file__).resolve().parent / "gold" / "gap_audit"


def read_audits() -> dict[str, dict[tuple[str, str, str], str]]:
    """Each blind audit's verdicts (gold/gap_audit/judgements*.csv), keyed by obligation and
    the article judged."""
    audits = {}
    for path in sorted(AUDITS.glob("judgements*.csv")):
        with path.open(encoding="utf-8") as f:
            audits[path.name] = {
                (r["obligation_id"], r["national_id"], r["national_eid"]): r["verdict"]
                for r in csv.DictReader(f)
            }
    return audits


def blind_audit(study, obligations) -> None:  # type: ignore[no-untyped-def]
    """Today's statuses against each blind reviewer's verdict on the article each rests on."""
    audits = read_audits()
    for name, verdicts in audits.items():
        audit_table(study, obligations, name, verdicts)
    names = list(audits)
    for i, x in enumerate(names):  # how far the reviewers agree with one another
        for y in names[i + 1 :]:
            shared = set(audits[x]) & set(audits[y])
            if not shared:
                continue
            same = sum(audits[x][k] == audits[y][k] for k in shared)
            print(f"\n{x} and {y} agree on {same} of the {len(shared)} judgements both read")


def audit_table(study, obligations, name, verdicts) -> None:  # type: ignore[no-untyped-def]
    table: dict[str, Counter[str]] = {}
    marker: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for g in study.gap_records:
        if not g.quotes:
            continue
        v = verdicts.get((g.obligation_id, g.quotes[0].document_id, g.quotes[0].eid))
        if v is None:
            continue
        if g.status == "partial":
            marker[g.weak_basis][v] += 1
        group = g.status
        if g.status == "partial":
            one = len(obligations[g.obligation_id].elements) == 1
            group = "partial, one-element obligation" if one else "partial, several elements"
        table.setdefault(group, Counter())[v] += 1
    print(f"\nblind audit {name} ({len(verdicts)} judgements), still on the audited article:")
    print("| status now | audited | meets | partly | no |")
    print("|---|---:|---:|---:|---:|")
    for group, c in sorted(table.items()):
        n = sum(c.values())
        print(f"| {group} | {n} | {c['meets']} | {c['partly']} | {c['no']} |")
    for weak, c in marker.items():  # does "Fondement fragile" single out the unrelated ones?
        n = sum(c.values())
        if n:
            label = "partial, weak basis marked" if weak else "partial, not marked"
            print(f"| {label} | {n} | {c['meets']} | {c['partly']} | {c['no']} |")


if __name__ == "__main__":
    main()
