"""Whole-corpus parse time (no cache) against a bare regex split baseline, in the same run.

Target (issue 2): every corpus text parsed in < 5 s on 2 cores.
    python benchmarks/bench_parse.py
"""

from __future__ import annotations

import os
import platform
import re
import time

from lexcompare import corpus
from lexcompare.model import SourceText
from lexcompare.parse import parse_text

BARE = re.compile(r"^\s*Article\s+\S+", re.MULTILINE)


def main() -> None:
    entries = [e for e in corpus.catalogue() if e.in_corpus]
    sources = [(e, corpus.read_entry_source(e)) for e in entries]
    chars = sum(len(s.text) for _, s in sources)

    t0 = time.perf_counter()
    bare = sum(len(BARE.findall(s.text)) for _, s in sources)
    t_bare = time.perf_counter() - t0

    t0 = time.perf_counter()
    parsed = [parse_text(SourceText(s.path, s.text, s.sha256), e.document) for e, s in sources]
    t_parse = time.perf_counter() - t0
    articles = sum(len(p.articles) for p in parsed)
    provisions = sum(len(p.provisions) for p in parsed)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; {len(sources)} texts, {chars / 1e6:.2f} M characters")
    print("| method | seconds | articles | provisions | chars/s |")
    print("|---|---:|---:|---:|---:|")
    print(f"| bare regex split (baseline) | {t_bare:.2f} | {bare} | - | {chars / t_bare:,.0f} |")
    print(f"| lexcompare parse_text | {t_parse:.2f} | {articles} | {provisions} | "
          f"{chars / t_parse:,.0f} |")
    print(f"ratio parse/baseline: {t_parse / t_bare:.1f}x slower; target < 5 s: "
          f"{'met' if t_parse < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
