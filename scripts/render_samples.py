"""Render the default study's reports into docs/samples/ so a newcomer sees what they get.

    .venv/bin/python scripts/render_samples.py [study-id]

Writes report.{docx,xlsx,html,pdf} (French) and report.en.html, plus PNG previews: the first
pages of the Word report converted to PDF by LibreOffice (docx-page-1.png ...), the first page of
the WeasyPrint PDF (pdf-page-1.png) and a headless-Chromium screenshot of the HTML report
(html-screenshot.png). Previews are skipped, with a message, when a tool is missing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lexcompare.report import write_report
from lexcompare.study import Study

SAMPLES = Path(__file__).resolve().parents[1] / "docs" / "samples"


def run(cmd: list[str], timeout: int = 300) -> None:
    subprocess.run(cmd, check=True, timeout=timeout, capture_output=True)


def main(study_id: str = "gn-tip") -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    study = Study.load(study_id, progress=False)
    study.gaps()
    print(f"study {study_id} built in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    paths = write_report(study, SAMPLES)
    paths += write_report(study, SAMPLES, formats=("html",), lang="en")
    print(f"reports written in {time.perf_counter() - t0:.0f} s: "
          + ", ".join(p.name for p in paths))
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if soffice and pdftoppm:
            # pdftoppm pads page numbers to the document's page count: drop the old previews
            for old in [*SAMPLES.glob("docx-page-*.png"), *SAMPLES.glob("pdf-page-*.png")]:
                old.unlink()
            run([soffice, "--headless", f"-env:UserInstallation={(work / 'lo').as_uri()}",
                 "--convert-to", "pdf", "--outdir", str(work), str(SAMPLES / "report.docx")])
            run([pdftoppm, "-r", "60", "-png", "-f", "1", "-l", "4",
                 str(work / "report.pdf"), str(SAMPLES / "docx-page")])
            run([pdftoppm, "-r", "60", "-png", "-f", "1", "-l", "1",
                 str(SAMPLES / "report.pdf"), str(SAMPLES / "pdf-page")])
        else:
            print("soffice/pdftoppm missing: no PNG previews of the Word/PDF reports")
        if chromium:
            run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={work / 'profile'}",
                 f"--screenshot={SAMPLES / 'html-screenshot.png'}", "--window-size=1400,2200",
                 (SAMPLES / "report.html").as_uri()], timeout=120)
        else:
            print("chromium missing: no screenshot of the HTML report")
    for p in sorted(SAMPLES.iterdir()):
        print(f"  {p.name:28} {p.stat().st_size / 1024:8.0f} KiB")


if __name__ == "__main__":
    main(*sys.argv[1:2])
