"""`lexcompare run` / `report`: a study end to end, outputs written atomically to one folder."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LexcompareError
from .study import Study, digest, frame_to_csv, module_sources

if TYPE_CHECKING:
    import pandas as pd

ALL_FORMATS = ("docx", "xlsx", "html", "pdf")


@dataclass
class RunResult:
    study: Study
    outputs: list[Path] = field(default_factory=list)


def _safe_out(out: Path) -> Path:
    out = Path(out)
    if any(part == ".." for part in out.parts):
        raise LexcompareError(f"--out {out}: '..' is not allowed; give a plain folder path")
    out.mkdir(parents=True, exist_ok=True)
    return out


def run_study(study_id: str, out: Path, *, formats: Sequence[str] | None = None,
              lang: str = "fr", engine: str = "local", scheduler: str | None = None,
              progress: bool = True, peer: bool = False) -> RunResult:
    study = Study.load(study_id, progress=progress)  # an invalid study creates nothing
    out = _safe_out(out)
    if engine == "dask":
        from .distributed import precompute_with_dask

        precompute_with_dask(study, scheduler=scheduler)
    result = RunResult(study)
    study.gap_records  # noqa: B018 - run every stage before timing the writes
    t0 = time.perf_counter()
    result.outputs.append(frame_to_csv(study.provisions(), out / "provisions.csv"))
    result.outputs.append(frame_to_csv(study.alignments(), out / "alignments.csv"))
    result.outputs.append(frame_to_csv(study.gaps(), out / "gaps.csv"))
    result.outputs.append(frame_to_csv(study.summary(), out / "summary.csv"))
    study.timings["write_csv"] = time.perf_counter() - t0
    result.outputs.extend(write_reports(study, out, formats=formats, lang=lang, peer=peer))
    return result


def write_reports(study: Study, out: Path, *, formats: Sequence[str] | None = None,
                  lang: str = "fr", peer: bool = False) -> list[Path]:
    """Write the reports; a report whose inputs (every table it shows, the language, the
    report code and templates) are unchanged is copied from the cache instead of re-rendered
    (rendering the PDF alone takes tens of seconds). With `peer`, the study's peer country's
    wording is shown beside the gaps (its texts are aligned and judged too)."""
    from . import corpus
    from .report import report_name, write_report

    t0 = time.perf_counter()
    here = Path(__file__).parent
    if peer and study.peer_study is None:
        raise LexcompareError(f"study {study.id} names no peer country: add a `peer:` "
                              "block (country, documents) to its config, or leave out --peer")
    peer_gaps = study.peer_study.gaps().to_csv(index=False) if peer and study.peer_study else ""
    key = digest(
        peer_gaps.encode(),
        study.gaps().to_csv(index=False).encode(), study.documents().to_csv().encode(),
        study.instruments().to_csv().encode(), str(study.config).encode(), lang.encode(),
        *module_sources("report"),
        *(p.read_bytes() for p in sorted((here / "templates").glob("*"))))
    paths: list[Path] = []
    for fmt in formats or ALL_FORMATS:
        cached = corpus.cache_dir() / "reports" / f"{key}-{lang}.{fmt}"
        if cached.exists():
            target = out / report_name(fmt, lang)
            corpus.atomic_write(target, cached.read_bytes())
            paths.append(target)
            continue
        (written,) = write_report(study, out, formats=(fmt,), lang=lang, peer=peer)
        corpus.atomic_write(cached, written.read_bytes())
        paths.append(written)
    study.timings["report"] = time.perf_counter() - t0
    return paths


def report_study(study_id: str, out: Path, *, formats: Sequence[str] | None = None,
                 lang: str = "fr", peer: bool = False) -> list[Path]:
    study = Study.load(study_id)
    return write_reports(study, _safe_out(out), formats=formats, lang=lang, peer=peer)


def align_laws(a_id: str, b_id: str, *, versions: bool = False,
               articles: Sequence[str] = (), top_k: int = 3) -> pd.DataFrame:
    """Provision-to-provision alignment of two laws (a peer's wording beside a gap, or two
    versions of one law with ``versions=True``), one row per candidate, rank 1 = best.

    `articles` restricts the queries to these article eIds of `a_id` (default: all). Every row
    carries both sides' page, provision checksum and source checksum, and the peer's exact text.
    """
    import pandas as pd

    from . import corpus, match

    a, b = corpus.load(a_id), corpus.load(b_id)
    wanted = set(articles)
    unknown = wanted - {p.article_eid for p in a.provisions}
    if unknown:
        raise LexcompareError(
            f"{a_id} has no article {', '.join(sorted(unknown))}; "
            f"list its eIds with: lexcompare parse {a_id}")
    queries = [p for p in a.provisions if not wanted or p.article_eid in wanted]
    asked = {p.article_eid for p in queries}
    # one document against itself (old and new wording kept side by side, as Benin's penal code
    # does with its "ancien"/"nouveau" articles): an article is not its own counterpart
    candidates = [p for p in b.provisions if a_id != b_id or p.article_eid not in asked]
    cfg = match.MatchConfig(top_k=top_k, progress=False)
    if versions:
        found = match.align_versions(queries, candidates, config=cfg)
    elif a.document.scope != "national":
        # a treaty: its own words and the checklist's obligations that cite each article
        from .obligations import load_checklist

        obligations = load_checklist()
        lexicon = match.Lexicon.from_obligations(obligations) if (
            a.document.language == "en" and b.document.language != "en") else None
        found = match.align_treaty(
            queries, candidates, obligations, config=cfg, lexicon=lexicon,
            source_texts=match.source_texts_for(obligations, corpus.load))
    else:
        found = match.align_provisions(queries, candidates, config=cfg)
    index = {(d.document.id, p.eid): (p, d.document.sha256) for d in (a, b)
             for p in d.provisions}
    rows = []
    for al in found:
        (pa, sa), peer = index[(a_id, al.instrument_eid)], index.get((b_id, al.national_eid))
        pb, sb = peer if peer else (None, "")
        rows.append({
            "document_id": a_id, "eid": al.instrument_eid, "peer_document_id": b_id,
            "peer_eid": al.national_eid, "score": al.score, "rank": al.rank,
            "evidence": " | ".join(f"{e.method}: {e.detail}" for e in al.evidence),
            "page": ",".join(map(str, pa.pages)), "checksum": pa.checksum,
            "source_sha256": sa,
            "peer_page": ",".join(map(str, pb.pages)) if pb else "",
            "peer_checksum": pb.checksum if pb else "", "peer_source_sha256": sb,
            "peer_text": pb.text if pb else "",
        })
    return pd.DataFrame(rows)
