"""`lexcompare run` / `report`: a study end to end, outputs written atomically to one folder."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LexcompareError
from .study import Study, digest, frame_to_csv, module_sources

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
              progress: bool = True) -> RunResult:
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
    result.outputs.extend(write_reports(study, out, formats=formats, lang=lang))
    return result


def write_reports(study: Study, out: Path, *, formats: Sequence[str] | None = None,
                  lang: str = "fr") -> list[Path]:
    """Write the reports; a report whose inputs (every table it shows, the language, the
    report code and templates) are unchanged is copied from the cache instead of re-rendered
    (rendering the PDF alone takes tens of seconds)."""
    from . import corpus
    from .report import report_name, write_report

    t0 = time.perf_counter()
    here = Path(__file__).parent
    key = digest(
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
        (written,) = write_report(study, out, formats=(fmt,), lang=lang)
        corpus.atomic_write(cached, written.read_bytes())
        paths.append(written)
    study.timings["report"] = time.perf_counter() - t0
    return paths


def report_study(study_id: str, out: Path, *, formats: Sequence[str] | None = None,
                 lang: str = "fr") -> list[Path]:
    study = Study.load(study_id)
    return write_reports(study, _safe_out(out), formats=formats, lang=lang)
