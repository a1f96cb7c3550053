"""PDF ingest benchmark: speed and column-order correctness on a two-column Journal officiel.

Generates (reportlab, ``tests/pdfgen.py``) a 200-page two-column JO-like PDF from the Benin penal
code and code of criminal procedure (real corpus text), with running headers, page numbers,
hyphenation and a content stream drawn row by row across both columns, then reads it with:

- ``lexcompare.ingest.read_source`` (pypdfium2 character boxes + geometric layout),
- bare ``pdfplumber`` ``page.extract_text()``,
- raw ``pypdfium2`` ``textpage.get_text_range()`` (content-stream order),

and prints a markdown table: pages/s (wall clock and CPU time of this process, since the
machine may be shared), plus two correctness figures computed against the source text:

- *headings in order*: the longest run of source article headings ("Article 499 :") found in
  the output in source order (longest increasing subsequence), as a fraction of all headings;
- *heading + own words*: fraction of articles whose heading is directly followed by the first
  four words of that same article (fails when the other column is interleaved);
- *furniture left*: running-header lines still present in the output.

    .venv/bin/python benchmarks/bench_ingest.py [--pages 200] [--skip-plumber]
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import pdfgen  # noqa: E402

from lexcompare.ingest import read_source  # noqa: E402

_HEAD = re.compile(r"^Article\s+(\d+(?:-\d+)?)\s*:", re.M)


def source_text() -> str:
    bj = ROOT / "corpus" / "national" / "bj"
    return (
        (bj / "bj-code-penal-2018.fr.txt").read_text(encoding="utf-8")
        + "\n"
        + (bj / "bj-cpp.fr.txt").read_text(encoding="utf-8")
    )


def expected_articles(paragraphs: list[str]) -> list[tuple[str, str]]:
    """(heading, first four words of the article) in source order, from drawn paragraphs."""
    out: list[tuple[str, str]] = []
    for k, para in enumerate(paragraphs[:-1]):
        if _HEAD.match(para) and para.strip().endswith(":"):
            words = paragraphs[k + 1].split()[:4]
            out.append((" ".join(para.split()), " ".join(words)))
    return out


def lis_length(seq: list[int]) -> int:
    tails: list[int] = []
    for x in seq:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def correctness(text: str, arts: list[tuple[str, str]]) -> tuple[float, float, int]:
    flat = " ".join(text.split())
    # headings in order: positions of each expected heading occurrence, matched left to right
    positions: list[int] = []
    start_at: dict[str, int] = {}
    for k, (head, _) in enumerate(arts):
        pos = flat.find(head, start_at.get(head, 0))
        if pos >= 0:
            start_at[head] = pos + 1
            positions.append((pos, k))  # type: ignore[arg-type]
    order = [k for _, k in sorted(positions)]  # type: ignore[misc]
    in_order = lis_length(order) / max(len(arts), 1)
    own = sum(1 for head, first in arts if f"{head} {first}" in flat) / max(len(arts), 1)
    furniture = text.count(pdfgen.HEADER)
    return in_order, own, furniture


def timed(fn: Callable[[Path], str], path: Path) -> tuple[str, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    text = fn(path)
    return text, time.perf_counter() - w0, time.process_time() - c0


def run_lexcompare(path: Path) -> str:
    return read_source(path).text


def run_plumber(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def run_pdfium_raw(path: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    parts = []
    for i in range(len(doc)):
        page = doc[i]
        tp = page.get_textpage()
        parts.append(tp.get_text_range())
        tp.close()
        page.close()
    doc.close()
    return "\n".join(parts).replace("\r\n", "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--skip-plumber", action="store_true", help="pdfplumber takes ~30 s")
    ap.add_argument("--keep", type=Path, help="also save the generated PDF here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "jo-bench.pdf"
        t0 = time.perf_counter()
        layout = pdfgen.jo_pdf(source_text(), pdf, max_pages=args.pages)
        gen_s = time.perf_counter() - t0
        if args.keep:
            args.keep.write_bytes(pdf.read_bytes())
        arts = expected_articles(layout.paragraphs)
        print(
            f"Generated {layout.pages} two-column pages ({pdf.stat().st_size / 1e6:.1f} MB, "
            f"{len(arts)} article headings, {len(layout.soft_breaks)} hyphenated words) "
            f"in {gen_s:.1f} s\n"
        )
        readers: list[tuple[str, Callable[[Path], str]]] = [
            ("lexcompare `read_source` (pypdfium2 boxes + layout)", run_lexcompare),
            ("pypdfium2 raw `get_text_range()`", run_pdfium_raw),
        ]
        if not args.skip_plumber:
            readers.append(("pdfplumber bare `extract_text()`", run_plumber))
        rows = []
        for name, fn in readers:
            text, wall, cpu = timed(fn, pdf)
            in_order, own, furniture = correctness(text, arts)
            rows.append((name, layout.pages / wall, layout.pages / cpu, in_order, own, furniture))
        print(
            "| reader | pages/s (wall) | pages/s (CPU) | headings in order | "
            "heading + own first words | running-header lines left |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for name, pw, pc, io_, own, fur in rows:
            print(f"| {name} | {pw:.0f} | {pc:.0f} | {io_:.1%} | {own:.1%} | {fur} |")


if __name__ == "__main__":
    main()
