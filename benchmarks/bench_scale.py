"""How parse, tag and match scale with the size of a country's corpus; local vs dask.

    .venv/bin/python benchmarks/bench_scale.py [--scales 1,4,16] [--obligations N]
                                               [--dask-at 16] [--no-dask]

The Benin corpus (bj-code-penal-2018, bj-code-enfant-2015, bj-code-travail,
bj-constitution-2019) is copied k times under distinct document ids (``<id>~k``):

- **parse**: `parse.parse_text` of each copy (no cache involved: always computed);
- **tag**: `tag.tag_texts` of every provision of every copy. Copies would hit the tag cache
  (keyed by text), so the provisions of copy k >= 1 carry a short marker ("[copie k]") and the
  tag cache is cleared first: every figure is cold, real work;
- **match**: `match.align` of all the copies' provisions (one "country") against the
  obligations. Copies share their texts, so the **embedding vectors are warm** (cached once
  before timing; the encoder embeds nothing during the timed runs), and theme scoring finds the
  tags of the tag stage; cue matching, BM25 and fuzzy scoring are real work on every unit.

One-time loads (spaCy lookup tables, the sentence-encoder model) happen before timing. Local vs
dask compares the same three stages at one scale on a LocalCluster of 2 worker processes
(1 thread each), including starting and closing the cluster, on this machine.
Markdown tables on stdout, for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lexcompare import corpus, match, tag  # noqa: E402
from lexcompare.model import ParsedDocument, Provision  # noqa: E402
from lexcompare.parse import parse_text  # noqa: E402

BENIN = ["bj-code-penal-2018", "bj-code-enfant-2015", "bj-code-travail", "bj-constitution-2019"]


def copy_id(doc_id: str, k: int) -> str:
    return doc_id if k == 0 else f"{doc_id}~{k}"


def parse_copies(scale: int) -> tuple[list[ParsedDocument], float]:
    entries = [corpus.entry(d) for d in BENIN]
    sources = [corpus.read_entry_source(e) for e in entries]
    t0 = time.perf_counter()
    docs = [parse_text(src, replace(e.document, id=copy_id(e.id, k)))
            for k in range(scale) for e, src in zip(entries, sources, strict=True)]
    return docs, time.perf_counter() - t0


def tag_inputs(docs: list[ParsedDocument]) -> dict[str, list[str]]:
    by_lang: dict[str, list[str]] = {}
    for doc in docs:
        k = int(doc.document.id.rsplit("~", 1)[1]) if "~" in doc.document.id else 0
        for p in doc.provisions:
            by_lang.setdefault(p.language, []).append(p.text + (f"\n[copie {k}]" if k else ""))
    return by_lang


def tag_local(docs: list[ParsedDocument]) -> float:
    tag.clear_cache()
    t0 = time.perf_counter()
    for lang, texts in tag_inputs(docs).items():
        tag.tag_texts(texts, lang)
    return time.perf_counter() - t0


def provisions_of(docs: list[ParsedDocument]) -> list[Provision]:
    return [p for d in docs for p in d.provisions if "-ancien" not in p.article_eid]


def match_local(provs: list[Provision], obligations: list[Any],
                sources: dict[str, str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    records = match.align(provs, obligations, source_texts=sources,
                          config=match.MatchConfig(progress=False))
    return time.perf_counter() - t0, len(records)


def warm_up(docs: list[ParsedDocument], obligations: list[Any], sources: dict[str, str]) -> None:
    """Load spaCy and the encoder, cache the 1x texts' vectors and tags (not timed)."""
    for lang, texts in tag_inputs(docs).items():
        tag.tag_texts(texts, lang)
    match.align(provisions_of(docs), obligations[:2], source_texts=sources,
                config=match.MatchConfig(progress=False))
    match.align(provisions_of(docs), obligations, source_texts=sources,
                config=match.MatchConfig(progress=False, top_k=1))


def slope(ns: list[int], ts: list[float]) -> float:
    """Exponent b of t ~ n^b (least squares on logs): 1 = linear."""
    xs, ys = [math.log(n) for n in ns], [math.log(max(t, 1e-9)) for t in ts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 1.0


def dask_stages(scale: int, docs: list[ParsedDocument], obligations: list[Any],
                sources: dict[str, str]) -> dict[str, float]:
    from lexcompare import distributed as lxd

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    with lxd.connect() as client:
        out["cluster start"] = time.perf_counter() - t0
        entries = [corpus.entry(d) for d in BENIN]
        sources_txt = [corpus.read_entry_source(e) for e in entries]
        t = time.perf_counter()
        futures = [client.submit(parse_text, src, replace(e.document, id=copy_id(e.id, k)),
                                 pure=False)
                   for k in range(scale) for e, src in zip(entries, sources_txt, strict=True)]
        client.gather(futures)
        out["parse"] = time.perf_counter() - t
        tag.clear_cache()
        t = time.perf_counter()
        lxd.tag_many(client, tag_inputs(docs))
        out["tag"] = time.perf_counter() - t
        for lang, texts in tag_inputs(docs[: len(BENIN)]).items():  # copy 0 = unit texts
            tag.tag_texts(texts, lang)  # (cache refill for theme scoring, as after local tag)
        t = time.perf_counter()
        timings: dict[str, float] = {}
        fs = lxd.submit_align(client, provisions_of(docs), obligations, source_texts=sources,
                              config=match.MatchConfig(progress=False), timings=timings)
        lxd.gather_alignments(client, fs)
        out["match"] = time.perf_counter() - t
        t0 = time.perf_counter()
    out["cluster stop"] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,4,16")
    ap.add_argument("--obligations", type=int, default=0,
                    help="match against N obligations spread over the checklist (0 = all)")
    ap.add_argument("--dask-at", type=int, default=0, help="scale for local vs dask (0 = max)")
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    dask_at = args.dask_at or max(scales)

    from lexcompare.obligations import load_checklist

    all_obligations = load_checklist()
    obligations = all_obligations
    if args.obligations and args.obligations < len(all_obligations):
        step = len(all_obligations) / args.obligations
        obligations = [all_obligations[int(i * step)] for i in range(args.obligations)]
    sources = match.source_texts_for(obligations, corpus.load)
    load0 = os.getloadavg()
    base, _ = parse_copies(1)
    warm_up(base, obligations, sources)

    rows: list[dict[str, Any]] = []
    keep: dict[int, list[ParsedDocument]] = {}
    for scale in scales:
        docs, t_parse = parse_copies(scale)
        t_tag = tag_local(docs)
        for lang, texts in tag_inputs(docs[: len(BENIN)]).items():
            tag.tag_texts(texts, lang)
        provs = provisions_of(docs)
        t_match, n_records = match_local(provs, obligations, sources)
        n_prov = sum(len(d.provisions) for d in docs)
        n_units = len(match.roll_up(provs))
        rows.append({"scale": scale, "provisions": n_prov, "units": n_units, "parse": t_parse,
                     "tag": t_tag, "match": t_match, "records": n_records})
        print(f"[{scale}x] {n_prov} provisions, {n_units} units: parse {t_parse:.1f} s, "
              f"tag {t_tag:.1f} s, match {t_match:.1f} s", file=sys.stderr, flush=True)
        if scale == dask_at:
            keep[scale] = docs
    load1 = os.getloadavg()

    subset = ("all " if obligations is all_obligations else "a subset of ") + \
        f"{len(obligations)} of {len(all_obligations)} obligations"
    print("## Scale: Benin corpus x k (distinct document ids), local engine\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}; load average "
          f"{load0[0]:.2f} at start, {load1[0]:.2f} after the local runs (shared machine).\n"
          f"Match: against {subset}. parse: cold (no cache); tag: cold (distinct texts, cache "
          "cleared); match: embedding vectors **warm** (copies share texts), tags warm, the "
          "rest computed.\n")
    print("| scale | provisions | article units | parse s | tag s | match s | "
          "parse s/1k prov | tag s/1k prov | match s/1k units |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['scale']}x | {r['provisions']} | {r['units']} | {r['parse']:.1f} | "
              f"{r['tag']:.1f} | {r['match']:.1f} | {1000 * r['parse'] / r['provisions']:.2f} | "
              f"{1000 * r['tag'] / r['provisions']:.2f} | "
              f"{1000 * r['match'] / r['units']:.2f} |")
    if len(rows) > 1:
        ns = [r["provisions"] for r in rows]
        print("\nSlope (exponent b of time ~ size^b; 1 = linear): " + ", ".join(
            f"{stage} {slope(ns, [r[stage] for r in rows]):.2f}"
            for stage in ("parse", "tag", "match")))

    if args.no_dask or dask_at not in keep:
        return
    d = dask_stages(dask_at, keep[dask_at], obligations, sources)
    local = next(r for r in rows if r["scale"] == dask_at)
    load2 = os.getloadavg()
    print(f"\n## Local vs dask at {dask_at}x (LocalCluster: 2 worker processes x 1 thread)\n")
    print(f"Load average during the dask run: {load2[0]:.2f}. Same inputs and cache state as "
          "the local row above (tag cold, embeddings warm).\n")
    print("| stage | local s | dask s |")
    print("|---|---:|---:|")
    print(f"| cluster start | - | {d['cluster start']:.1f} |")
    for stage in ("parse", "tag", "match"):
        print(f"| {stage} | {local[stage]:.1f} | {d[stage]:.1f} |")
    print(f"| cluster stop | - | {d['cluster stop']:.1f} |")
    tl = local["parse"] + local["tag"] + local["match"]
    td = sum(d.values())
    print(f"| **total** | **{tl:.1f}** | **{td:.1f}** |")
    print(f"\nDask/local: {td / tl:.2f} (below 1 = dask faster).")


if __name__ == "__main__":
    main()
