"""Command line: `lexcompare corpus list|build`, `parse`, `add`, `export-akn`, `run`, `report`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import LexcompareError


def _cmd_corpus(args: argparse.Namespace) -> int:
    from . import corpus

    if args.action == "build":
        print(f"wrote {corpus.write_catalogue()}")
        return 0
    country = args.country.lower()
    rows = []
    for e in corpus.catalogue():
        status = "text not in corpus"
        count = "-"
        if e.in_corpus:
            try:
                parsed = corpus.load(e.id)
                count = str(len(parsed.articles))
                expected = e.expected_articles
                status = "ok" if expected in (None, len(parsed.articles)) else \
                    f"MISMATCH (expected {expected})"
                if parsed.problems:
                    status += f", {len(parsed.problems)} problems"
            except LexcompareError as exc:
                status = f"error: {exc}"
        party = "-" if e.document.scope == "national" else e.party(country).label
        date = e.party(country).date or "" if e.document.scope != "national" else ""
        rows.append((e.id, e.document.kind, e.document.scope, e.document.language, count, status,
                     f"{party} {date}".strip(), e.root))
    head = ("id", "kind", "scope", "lang", "articles", "parse", f"{country} party", "root")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    absent = corpus.absent_texts(country)
    if absent:
        print(f"\nKnown {country.upper()} texts NOT in the corpus (reports list them as not "
              "analysed):")
        for a in absent:
            print(f"  {a.id:28} {a.reference}")
    return 0


def _cmd_parse(args: argparse.Namespace) -> int:
    from . import corpus
    from .model import Document
    from .parse import parse_text

    target = Path(args.target)
    if target.exists():
        from .ingest import read_source

        source = read_source(target, ocr=args.ocr, max_pages=args.max_pages)
        doc = Document(id=target.stem.split(".")[0], title=target.name, kind="unknown",
                       scope="national", language=args.lang, sha256=source.sha256)
        parsed = parse_text(source, doc)
    else:
        parsed = corpus.load(args.target)
    shown = [p for p in parsed.provisions
             if (args.eid is None and p.level in ("article", "preamble"))
             or (args.eid is not None and (p.eid == args.eid or
                                           p.eid.startswith(args.eid + "__")))]
    if args.eid and not shown:
        print(f"no provision {args.eid!r} in {parsed.document.id}", file=sys.stderr)
        return 2
    for p in shown:
        pages = f" p.{','.join(map(str, p.pages))}" if p.pages else ""
        print(f"== {p.document_id} {p.eid} [{p.number}]{pages} line {p.line}")
        print(f"   {' > '.join(p.heading_path) or '(no heading)'}")
        print(p.text if args.eid else p.text[:300].replace("\n", " ") + ("…" if len(p.text) >
                                                                          300 else ""))
    print(f"\n{len(parsed.articles)} articles, {len(parsed.provisions)} provisions, "
          f"{len(parsed.problems)} problems", file=sys.stderr)
    for pr in parsed.problems[:20]:
        print(f"  line {pr.line}: {pr.kind}: {pr.message}", file=sys.stderr)
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    from . import corpus

    e, parsed = corpus.add_user_document(
        Path(args.file), doc_id=args.id, country=args.country, kind=args.kind, title=args.title,
        date=args.date, language=args.lang, ocr=args.ocr,
        carriers=args.carrier or (), max_pages=args.max_pages)
    print(f"added {e.id}: {len(parsed.articles)} articles, carriers {', '.join(e.carriers)}, "
          f"stored in {e.path().parent}")
    for pr in parsed.problems[:20]:
        print(f"  line {pr.line}: {pr.kind}: {pr.message}")
    return 0


def _cmd_export_akn(args: argparse.Namespace) -> int:
    from . import corpus
    from .akn import write_akn

    e = corpus.entry(args.doc_id)
    parsed = corpus.load(args.doc_id)
    out = Path(args.out or f"{args.doc_id}.akn.xml")
    write_akn(parsed, out, work_uri=e.document.work_uri,
              expression_date=e.document.date or "")
    print(f"wrote {out}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import run_study

    result = run_study(args.study, Path(args.out), formats=args.format, lang=args.lang,
                       engine=args.engine, scheduler=args.scheduler, peer=args.peer)
    for path in result.outputs:
        print(f"wrote {path}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .pipeline import report_study

    for path in report_study(args.study, Path(args.out), formats=args.format, lang=args.lang,
                             peer=args.peer):
        print(f"wrote {path}")
    return 0


def _cmd_align_laws(args: argparse.Namespace) -> int:
    from .pipeline import align_laws
    from .study import frame_to_csv

    articles = [a.strip() for a in (args.articles or "").split(",") if a.strip()]
    df = align_laws(args.a, args.b, versions=args.versions, articles=articles, top_k=args.top_k)
    out = frame_to_csv(df, Path(args.out))
    best = df[df["rank"] == 1]
    for r in best.head(20).itertuples():
        print(f"{r.document_id} {r.eid} -> {r.peer_document_id} {r.peer_eid} ({r.score:.2f})")
    print(f"wrote {out} ({len(best)} provisions aligned)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="lexcompare", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)

    c = sub.add_parser("corpus", help="list or rebuild the corpus catalogue")
    c.add_argument("action", choices=["list", "build"])
    c.add_argument("--country", default="gn", help="whose party status to show (default gn)")
    c.set_defaults(func=_cmd_corpus)

    p = sub.add_parser("parse", help="parse a file or a catalogued document and print provisions")
    p.add_argument("target", help="a file path (txt/pdf/docx) or a catalogue id")
    p.add_argument("--eid", help="show one provision (and its paragraphs), e.g. art_499")
    p.add_argument("--lang", default="fr")
    p.add_argument("--ocr", action="store_true")
    p.add_argument("--max-pages", type=int, default=3000, help="refuse longer PDFs")
    p.set_defaults(func=_cmd_parse)

    a = sub.add_parser("add", help="add your own law (PDF/DOCX/TXT) to the user corpus")
    a.add_argument("file")
    a.add_argument("--id", required=True)
    a.add_argument("--country", required=True)
    a.add_argument("--kind", required=True, help="code, law, decree, constitution...")
    a.add_argument("--title", required=True)
    a.add_argument("--date")
    a.add_argument("--lang", default="fr")
    a.add_argument("--carrier", action="append",
                   help="penal_code, tip_law, children_code, labour_code, ... (repeatable)")
    a.add_argument("--ocr", action="store_true")
    a.add_argument("--max-pages", type=int, default=3000, help="refuse longer PDFs")
    a.set_defaults(func=_cmd_add)

    x = sub.add_parser("export-akn", help="write a document as Akoma Ntoso 3.0 XML")
    x.add_argument("doc_id")
    x.add_argument("--out")
    x.set_defaults(func=_cmd_export_akn)

    lw = sub.add_parser("align-laws",
                        help="align the provisions of a law or treaty A with those of law B")
    lw.add_argument("a", help="catalogue id of the law or treaty whose provisions are looked up")
    lw.add_argument("b", help="catalogue id of the law searched (a peer, or a newer version)")
    lw.add_argument("--versions", action="store_true",
                    help="A and B are two versions of one law: same article number counts")
    lw.add_argument("--articles", help="comma-separated article eIds of A (default: all)")
    lw.add_argument("--top-k", type=int, default=3)
    lw.add_argument("--out", default="law-alignment.csv")
    lw.set_defaults(func=_cmd_align_laws)

    for name, func, helptext in (("run", _cmd_run, "run a study end to end"),
                                 ("report", _cmd_report, "write reports for a study")):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("--study", default="gn-tip")
        r.add_argument("--out", default="out")
        r.add_argument("--format", action="append", choices=["docx", "xlsx", "html", "pdf"],
                       help="repeatable; default all")
        r.add_argument("--lang", default="fr", choices=["fr", "en"])
        r.add_argument("--peer", action="store_true",
                       help="show the study's peer country's wording beside the gaps "
                            "(its texts are aligned and judged too)")
        if name == "run":
            r.add_argument("--engine", default="local", choices=["local", "dask"])
            r.add_argument("--scheduler", help="tcp://HOST:PORT of an existing dask scheduler")
        r.set_defaults(func=func)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except LexcompareError as exc:
        print(f"lexcompare: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
