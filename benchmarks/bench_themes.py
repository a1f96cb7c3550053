"""Theme-tagging benchmark: precision / recall / F1 per theme and macro-F1, dev and heldout.

Compares the rule tagger (``lexcompare.tag``) with a keyword-only baseline (plain lowercase
substring search of the same cue strings, no lemmas, no rules) on ``benchmarks/gold/themes.csv``.

    .venv/bin/python benchmarks/bench_themes.py [--speed] [--errors dev]

Article text comes from a small slicer on the "Article N" headings of the .txt files (heading
and title lines included, trailing structural headings cut). TODO: switch to
``lexcompare.parse`` once it lands, and check the gold eids against its output.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lexcompare import tag as tagmod  # noqa: E402
from lexcompare.themes import THEMES, load_taxonomy  # noqa: E402

GOLD = ROOT / "benchmarks" / "gold" / "themes.csv"
CORPUS = ROOT / "corpus"

_HEAD = re.compile(
    r"^[ \t]*(?:Article|ARTICLE)[ \t]+"
    r"(premier|1er|\d+(?:[ \t]*(?:-[ \t]*\d+|bis|ter|quater|nouveau|ancien))*)"
    r"[ \t]*(?::|\.|$|-|–)",
    re.MULTILINE,
)
_STRUCT = re.compile(
    r"^[ \t]*(?:LIVRE|TITRE|CHAPITRE|Chapitre|SECTION|Section|Sous-section|SOUS-SECTION|"
    r"PARAGRAPHE|Paragraphe|PARAGRAPHES|PART|Part|Titre)\b.*$|^[ \t]*[IVX]+[ \t]*$",
    re.MULTILINE,
)


def doc_path(document_id: str) -> Path:
    name = document_id if document_id.endswith(".fr") else document_id
    for path in CORPUS.rglob("*.txt"):
        stem = path.name[: -len(".txt")]
        if stem.rsplit(".", 1)[0] == name or stem == name:
            return path
    raise FileNotFoundError(document_id)


def doc_lang(path: Path) -> str:
    return path.name.rsplit(".", 2)[-2]


def eid_of(number: str) -> str:
    n = number.strip().lower()
    n = "1" if n in ("premier", "1er") else n
    n = re.sub(r"\s*-\s*", "-", n)
    n = re.sub(r"\s+(nouveau|ancien)$", r"-\1", n)
    n = re.sub(r"\s+(bis|ter|quater)$", r"\1", n)
    return f"art_{n}"


@dataclass(frozen=True)
class Article:
    document_id: str
    eid: str
    label: str
    text: str
    lang: str


def _clean_tail(block: str) -> str:
    """Cut structural headings (and a treaty part title after a roman numeral) off the end."""
    m = _STRUCT.search(block, pos=block.find("\n") + 1 if "\n" in block else len(block))
    return block[: m.start()].rstrip() if m else block.rstrip()


def slice_articles(document_id: str) -> list[Article]:
    path = doc_path(document_id)
    text = path.read_text(encoding="utf-8")
    heads = list(_HEAD.finditer(text))
    out: list[Article] = []
    seen: dict[str, int] = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        block = _clean_tail(text[m.start() : end])
        eid = eid_of(m.group(1))
        seen[eid] = seen.get(eid, 0) + 1
        if seen[eid] > 1:
            eid = f"{eid}_{seen[eid]}"
        label = f"Article {m.group(1)}"
        out.append(Article(document_id, eid, label, block, doc_lang(path)))
    return out


def load_articles(document_id: str) -> dict[str, Article]:
    return {a.eid: a for a in slice_articles(document_id)}


# -- gold ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoldRow:
    document_id: str
    article_label: str
    eid: str
    themes: frozenset[str]
    split: str
    note: str


def read_gold(path: Path = GOLD) -> list[GoldRow]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            themes = frozenset(t.strip() for t in r["themes"].split(";") if t.strip())
            unknown = themes - set(THEMES)
            if unknown:
                raise ValueError(f"{r['document_id']}#{r['eid']}: unknown themes {unknown}")
            rows.append(
                GoldRow(
                    r["document_id"], r["article_label"], r["eid"], themes, r["split"], r["note"]
                )
            )
    return rows


def gold_texts(rows: Sequence[GoldRow]) -> list[tuple[GoldRow, Article]]:
    cache: dict[str, dict[str, Article]] = {}
    out = []
    for row in rows:
        if row.document_id not in cache:
            cache[row.document_id] = load_articles(row.document_id)
        out.append((row, cache[row.document_id][row.eid]))
    return out


# -- baseline --------------------------------------------------------------------------------
def baseline_tag(texts: Sequence[str], lang: str) -> list[frozenset[str]]:
    """Plain lowercase substring search of the theme cue strings: no lemmas, no rules."""
    tax = load_taxonomy()
    terms = {
        tid: [t.lower() for t in spec.cues.get(lang, ()) if isinstance(t, str)]
        for tid, spec in tax.items()
    }
    out = []
    for text in texts:
        low = text.lower()
        out.append(
            frozenset(
                tid for tid, ts in terms.items() if any(t.replace("*", "") in low for t in ts)
            )
        )
    return out


# -- scoring ---------------------------------------------------------------------------------
def prf(pairs: Iterable[tuple[frozenset[str], frozenset[str]]]) -> dict[str, tuple[float, ...]]:
    tp = dict.fromkeys(THEMES, 0)
    fp = dict.fromkeys(THEMES, 0)
    fn = dict.fromkeys(THEMES, 0)
    for gold, pred in pairs:
        for t in THEMES:
            if t in pred and t in gold:
                tp[t] += 1
            elif t in pred:
                fp[t] += 1
            elif t in gold:
                fn[t] += 1
    out = {}
    for t in THEMES:
        p = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else float("nan")
        r = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else float("nan")
        f = 2 * p * r / (p + r) if tp[t] else (0.0 if fp[t] + fn[t] else float("nan"))
        out[t] = (p, r, f, tp[t] + fn[t], tp[t], fp[t], fn[t])
    return out


def macro(scores: dict[str, tuple[float, ...]]) -> float:
    fs = [v[2] for v in scores.values() if v[2] == v[2]]  # themes with support or FP
    return sum(fs) / len(fs) if fs else float("nan")


def micro(scores: dict[str, tuple[float, ...]]) -> float:
    tp = sum(v[4] for v in scores.values())
    fp = sum(v[5] for v in scores.values())
    fn = sum(v[6] for v in scores.values())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def predict(items: Sequence[tuple[GoldRow, Article]]) -> tuple[list[frozenset], list[frozenset]]:
    tagger: list[frozenset[str]] = [frozenset()] * len(items)
    base: list[frozenset[str]] = [frozenset()] * len(items)
    for lang in ("fr", "en"):
        idx = [i for i, (_, a) in enumerate(items) if a.lang == lang]
        texts = [items[i][1].text for i in idx]
        for i, res in zip(idx, tagmod.tag_texts(texts, lang), strict=True):
            tagger[i] = frozenset(res.themes)
        for i, res in zip(idx, baseline_tag(texts, lang), strict=True):
            base[i] = res
    return tagger, base


def _fmt(x: float) -> str:
    return "  -  " if x != x else f"{x:5.2f}"


def report(items, tagger, base, split: str) -> tuple[float, float]:
    sel = [i for i, (row, _) in enumerate(items) if row.split == split]
    st = prf((items[i][0].themes, tagger[i]) for i in sel)
    sb = prf((items[i][0].themes, base[i]) for i in sel)
    n_neg = sum(1 for i in sel if not items[i][0].themes)
    print(f"\n== {split}: {len(sel)} provisions ({n_neg} with no theme)")
    cols = f"{'P':>5} {'R':>5} {'F1':>5}"
    print(f"{'theme':28} {'sup':>4} | {cols} | base {cols}")
    for t in THEMES:
        a, b = st[t], sb[t]
        if a[3] == 0 and a[5] == 0 and b[5] == 0:
            continue
        print(
            f"{t:28} {a[3]:4d} | {_fmt(a[0])} {_fmt(a[1])} {_fmt(a[2])} | "
            f"     {_fmt(b[0])} {_fmt(b[1])} {_fmt(b[2])}"
        )
    exact_t = sum(items[i][0].themes == tagger[i] for i in sel) / max(len(sel), 1)
    exact_b = sum(items[i][0].themes == base[i] for i in sel) / max(len(sel), 1)
    print(
        f"{'macro-F1':28} {'':4} | {'':11} {macro(st):5.3f} |      {'':11} {macro(sb):5.3f}\n"
        f"{'micro-F1':28} {'':4} | {'':11} {micro(st):5.3f} |      {'':11} {micro(sb):5.3f}\n"
        f"{'exact set match':28} {'':4} | {'':11} {exact_t:5.3f} |      {'':11} {exact_b:5.3f}"
    )
    return macro(st), macro(sb)


def errors(items, tagger, split: str) -> None:
    for i, (row, art) in enumerate(items):
        if row.split != split or row.themes == tagger[i]:
            continue
        missing = sorted(row.themes - tagger[i])
        extra = sorted(tagger[i] - row.themes)
        print(f"\n{row.document_id}#{row.eid}  missing={missing} extra={extra}")
        print("   ", art.text[:300].replace("\n", " "))


def speed() -> None:
    """Tag every article and every line-level unit of every corpus text (~provision level)."""
    by_lang: dict[str, list[str]] = {"fr": [], "en": []}
    for path in sorted(CORPUS.rglob("*.txt")):
        lang = doc_lang(path)
        if lang not in by_lang:
            continue
        text = path.read_text(encoding="utf-8")
        heads = list(_HEAD.finditer(text))
        for i, m in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            block = text[m.start() : end]
            by_lang[lang].append(block)
            lines = [ln for ln in block.splitlines()[1:] if ln.strip()]
            if len(lines) > 1:
                by_lang[lang].extend(lines)
    n = sum(len(v) for v in by_lang.values())
    words = sum(len(t.split()) for v in by_lang.values() for t in v)
    tagmod.clear_cache()
    for lang in by_lang:  # load pipelines and build the matcher outside the timing
        tagmod.tag_texts(["x"], lang)
    tagmod.clear_cache()
    t0, c0 = time.perf_counter(), time.process_time()
    for lang, texts in by_lang.items():
        tagmod.tag_texts(texts, lang)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"\nspeed: {n} provisions, {words} words, cold cache: {dt:.1f} s wall, {cpu:.1f} s CPU "
        f"({n / cpu:.0f} provisions/s, {words / cpu:.0f} words/s of CPU; one process)"
    )
    t0 = time.perf_counter()
    for lang, texts in by_lang.items():
        tagmod.tag_texts(texts, lang)
    print(f"speed: same texts again (checksum cache): {time.perf_counter() - t0:.2f} s")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--speed", action="store_true", help="also time the whole corpus")
    ap.add_argument("--errors", choices=["dev", "heldout"], help="list wrong provisions")
    args = ap.parse_args(argv)
    items = gold_texts(read_gold())
    tagger, base = predict(items)
    results = {s: report(items, tagger, base, s) for s in ("dev", "heldout")}
    print("\nsummary macro-F1 (tagger / keyword baseline):")
    for s, (a, b) in results.items():
        print(f"  {s:8} {a:.3f} / {b:.3f}")
    if args.errors:
        errors(items, tagger, args.errors)
    if args.speed:
        speed()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
