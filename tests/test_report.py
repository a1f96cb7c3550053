"""Reports, checked as a reviewer would: open the files, look at what is in them, render them.

The real Guinea study (`gn_study`, built once per session in conftest.py) is the main subject.
A copy of it with a few records changed (other statuses, an analyst decision, a provision holding
markup) checks colours, analyst marking and escaping without building another study; the real
Benin study (`bj_study`, real status variety) is checked too, marked `slow`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from lxml import html as lxml_html

from lexcompare import report
from lexcompare.gaps import STATUS_LABELS, Gap
from lexcompare.study import Study, gap_row

INJECTION = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOFFICE = shutil.which("soffice")
PDFTOPPM = shutil.which("pdftoppm")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed "
                                    "(run scripts/setup-system.sh)")
needs_office = pytest.mark.skipif(SOFFICE is None or PDFTOPPM is None,
                                  reason="soffice (libreoffice-writer-nogui) or pdftoppm "
                                  "(poppler-utils) is not installed (run scripts/setup-system.sh)")


class StudyVariant:
    """A study whose gap records are replaced (the rest read from the real study)."""

    def __init__(self, base: Study, records: list[Gap], comments: dict[str, str] | None = None):
        self._base = base
        self.gap_records = records
        self._comments = comments

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)

    def gaps(self) -> pd.DataFrame:
        df = pd.DataFrame([gap_row(g) for g in self.gap_records])
        if self._comments is not None:
            df["analyst_comment"] = df["obligation_id"].map(self._comments).fillna("")
        return df


@pytest.fixture(scope="module")
def gn(gn_study: Study) -> Study:
    return gn_study


@pytest.fixture(scope="module")
def variant(gn: Study) -> StudyVariant:
    """gn-tip with one record of each status, an analyst override and markup in a provision."""
    recs = list(gn.gap_records)
    quoted = [i for i, g in enumerate(recs) if g.quotes]
    i0, i1, i2 = quoted[:3]
    q = recs[i0].quotes[0]
    evil = dataclasses.replace(q, text=INJECTION + " " + q.text)
    # an analyst's partial: the machine's weak-basis doubt must no longer show
    recs[i0] = dataclasses.replace(recs[i0], quotes=(evil, *recs[i0].quotes[1:]),
                                   status="partial", decided_by="analyst", weak_basis=True)
    recs[i1] = dataclasses.replace(recs[i1], status="conflicting")
    recs[i2] = dataclasses.replace(recs[i2], status="missing")
    comments = {recs[i0].obligation_id: "Vérifié par l'analyste : partielle."}
    return StudyVariant(gn, recs, comments)


@pytest.fixture(scope="module")
def out_fr(gn: Study, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report_fr")
    paths = report.write_report(gn, out, formats=("docx", "xlsx", "html"))
    assert [p.name for p in paths] == ["report.docx", "report.xlsx", "report.html"]
    return out


@pytest.fixture(scope="module")
def out_variant(variant: StudyVariant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report_variant")
    report.write_report(variant, out, formats=("xlsx", "html"))
    return out


def _article_8(study: Study) -> str | None:
    for g in study.gap_records:
        for q in g.quotes:
            if q.document_id == "gn-constitution-2025" and q.eid == "art_8":
                return q.short
    return None


def _first_quote(study: Study) -> str:
    return next(q.short for g in study.gap_records for q in g.quotes)


# ------------------------------------------------------------------------------------- Word


def test_docx_scope_tables_and_quotes(gn: Study, out_fr: Path) -> None:
    import docx

    doc = docx.Document(str(out_fr / "report.docx"))
    paras = [p for p in doc.paragraphs]
    text = "\n".join(p.text for p in paras)
    headings = [p.text for p in paras if p.style.name.startswith("Heading")]
    assert "Projet — pour revue HCDH/OIM" in text
    assert any("Périmètre" in h for h in headings)
    assert any("Méthode" in h for h in headings)
    assert any("Synthèse" in h for h in headings)
    # the absent 2016 penal code is named as NOT analysed, as a bullet
    start = next(i for i, p in enumerate(paras) if "NON analysés" in p.text)
    bullets = [p.text for p in paras[start:start + 12] if p.style.name == "List Bullet"]
    assert any("Code pénal" in b for b in bullets), bullets
    assert any("gn-code-penal-2016" in b for b in bullets)
    # French typography in our own wording
    assert "non évaluables\u00a0»" in text or "«\u00a0non évaluables" in text
    # section 4: one real table per theme with an assessed obligation, status cells and exact
    # quotes inside cells
    gaps = gn.gaps()
    assessed = gaps[gaps.status != "not_assessable"]
    theme_labels = {report.theme_label(t, "fr") for t in assessed["theme"].unique()}
    assert theme_labels <= set(headings)
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == "Obligation"]
    gap_tables = [t for t in tables if t.rows[0].cells[3].text == "Statut"]
    assert len(gap_tables) == len(theme_labels)
    assert all(t.style.name == "Table Grid" for t in gap_tables)
    cells = "\n".join(c.text for t in gap_tables for r in t.rows[1:] for c in r.cells)
    expected = _article_8(gn) or _first_quote(gn)
    assert expected in cells
    assert "art. 8" in cells or expected == _first_quote(gn)
    statuses = {r.cells[3].text.split("\n")[0] for t in gap_tables for r in t.rows[1:]}
    assert statuses <= set(STATUS_LABELS["fr"].values()) - {"non évaluable"}
    assert sum(len(t.rows) - 1 for t in gap_tables) == len(assessed)
    # section 5: the not-assessable ones, one table per set of missing texts, each row once
    na = gaps[gaps.status == "not_assessable"]
    na_tables = [t for t in tables if t not in gap_tables]
    assert len(na_tables) == na["absent_texts"].nunique()
    na_cells = "\n".join(r.cells[0].text for t in na_tables for r in t.rows[1:])
    assert sum(len(t.rows) - 1 for t in na_tables) == len(na)
    assert all(oid in na_cells for oid in na.obligation_id)
    biggest = na["absent_texts"].value_counts()
    assert any(h.startswith("Textes manquants") and f"({biggest.iloc[0]} obligations)" in h
               for h in headings)
    # annex: full text and provision sha256
    checksum = next(q.checksum for g in gn.gap_records for q in g.quotes)
    assert checksum in text
    assert len(text) > 10_000


def test_docx_english(gn: Study, tmp_path: Path) -> None:
    import docx

    (path,) = report.write_report(gn, tmp_path, formats=("docx",), lang="en")
    assert path.name == "report.en.docx"
    headings = [p.text for p in docx.Document(str(path)).paragraphs
                if p.style.name.startswith("Heading")]
    for h in ("1. Scope of the analysis", "2. Method", "3. Executive summary",
              "4. Gap analysis by theme"):
        assert h in headings
    assert "Draft — for OHCHR/IOM review" in "\n".join(
        p.text for p in docx.Document(str(path)).paragraphs)
    assert not list(tmp_path.glob(".*")), "temporary files left behind"


# ------------------------------------------------------------------------------------- Excel


def test_xlsx_sheets(gn: Study, out_fr: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(out_fr / "report.xlsx")
    names = wb.sheetnames
    assert names[:2] == ["Synthèse", "Périmètre"] and names[-1] == "Annexe"
    assert len(names) == len(set(n.lower() for n in names))
    assert all(len(n) <= 31 for n in names)
    n_inst = len({i for s in gn.gaps()["sources"] for i in re.findall(r"([^;#\s]+)#", s)})
    n_theme = gn.gaps()["theme"].nunique()
    assert len(names) == 3 + n_inst + n_theme
    assert "Protocole de Palerme" in names
    assert report.theme_label("definition", "fr") in names
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws.column_dimensions["A"].width > 5
    ws = wb["Protocole de Palerme"]
    header = [c.value for c in ws[1]]
    status_col = header.index("Statut") + 1
    quotes_col = header.index("Dispositions nationales") + 1
    for row in range(2, ws.max_row + 1):
        st = ws.cell(row=row, column=status_col)
        key = next(k for k, v in STATUS_LABELS["fr"].items() if v == st.value)
        assert st.fill.fgColor.rgb.endswith(report.STATUS_COLOURS[key])
    assert ws.cell(row=2, column=quotes_col).alignment.wrap_text
    summary = wb["Synthèse"]
    assert summary.cell(row=1, column=2).value == "couverte"
    total = next(r for r in summary.iter_rows(values_only=True) if r[0] == "Total")
    assert total[-1] == len(gn.gap_records)


def test_xlsx_variant_fills_and_analyst(variant: StudyVariant, out_variant: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(out_variant / "report.xlsx")
    fills: set[str] = set()
    analyst = comments = 0
    for ws in wb.worksheets[2:-1]:
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            fills.add(row[header.index("Statut")].fill.fgColor.rgb[-6:])
            analyst += row[header.index("Décision")].value == "décision de l'analyste"
            comments += bool(row[header.index("Commentaire de l'analyste")].value)
    assert {report.STATUS_COLOURS[s] for s in ("partial", "missing", "conflicting",
                                               "not_assessable", "covered")} <= fills
    assert analyst >= 1 and comments >= 1


def test_weak_basis_shown_in_every_format(gn: Study, out_fr: Path, variant: StudyVariant,
                                          out_variant: Path) -> None:
    """A machine "partial" whose quote may be unrelated (`Gap.weak_basis`) says so beside its
    status in Word and HTML, and in its own filterable column in Excel; an analyst's decision
    removes the doubt."""
    import docx
    import openpyxl

    weak = {g.obligation_id for g in gn.gap_records if g.weak_basis}
    assert weak and all(g.status == "partial" for g in gn.gap_records if g.weak_basis)

    wb = openpyxl.load_workbook(out_fr / "report.xlsx")
    marked: set[str] = set()
    for ws in wb.worksheets[2:-1]:
        header = [c.value for c in ws[1]]
        col, oid = header.index("Fondement fragile"), header.index("Identifiant")
        assert header[col - 1] == "Statut"
        marked |= {r[oid].value for r in ws.iter_rows(min_row=2) if r[col].value}
    assert marked == weak

    doc = docx.Document(str(out_fr / "report.docx"))
    cells = [r.cells[3].text for t in doc.tables if t.rows[0].cells[0].text == "Obligation"
             and t.rows[0].cells[3].text == "Statut" for r in t.rows[1:]]
    assert sum("(fondement fragile)" in c for c in cells) == len(weak)
    assert all(c.startswith("partielle\n(fondement fragile)") for c in cells
               if "fragile" in c)

    tree = _parse(out_fr / "report.html")
    assert len(tree.xpath("//section[@id='gaps']//tr[contains(@class,'gap')]"
                          "[.//div[@class='weak']]")) == len(weak)

    overruled = next(g.obligation_id for g in variant.gap_records if g.decided_by == "analyst")
    wb = openpyxl.load_workbook(out_variant / "report.xlsx")
    ws = wb.worksheets[3]
    header = [c.value for c in ws[1]]
    col, oid = header.index("Fondement fragile"), header.index("Identifiant")
    rows = [r for w in wb.worksheets[2:-1] for r in w.iter_rows(min_row=2)
            if r[oid].value == overruled]
    assert rows and not any(r[col].value for r in rows)


# ------------------------------------------------------------------------------------- HTML


def _parse(path: Path) -> Any:
    return lxml_html.fromstring(path.read_text(encoding="utf-8"))


def _assert_self_contained(tree: Any) -> None:
    assert not tree.xpath("//link"), "external stylesheet"
    assert not tree.xpath("//script[@src]"), "external script"
    for attr in ("src", "href", "action", "srcset", "poster", "data"):
        for value in tree.xpath(f"//@{attr}"):
            assert not re.match(r"\s*(https?:|//|file:)", value), value
    for style in tree.xpath("//style/text()"):
        assert "url(" not in style and "@import" not in style


def test_html_self_contained_with_heatmap(gn: Study, out_fr: Path) -> None:
    tree = _parse(out_fr / "report.html")
    _assert_self_contained(tree)
    gaps = gn.gaps()
    themes = gaps["theme"].nunique()
    heat = tree.xpath("//table[@id='heatmap']")
    assert len(heat) == 1
    assert len(heat[0].xpath("./tbody/tr")) == themes
    na = gaps[gaps.status == "not_assessable"]
    assessed_themes = gaps[gaps.status != "not_assessable"]["theme"].nunique()
    assert len(tree.xpath("//section[@id='gaps']//section[@class='theme']")) == assessed_themes
    groups = tree.xpath("//section[@id='not-assessable']//section[@class='theme na-group']")
    assert len(groups) == na["absent_texts"].nunique()
    assert len(tree.xpath("//section[@id='not-assessable']//tr[contains(@class,'gap')]")) == len(na)
    assert len(tree.xpath("//tr[contains(@class,'gap')]")) == len(gn.gap_records)
    for fid in ("f-status", "f-theme", "f-scope", "f-search"):
        assert tree.xpath(f"//*[@id='{fid}']")
    scope = tree.xpath("//section[@id='scope']")[0].text_content()
    assert "Code pénal" in scope and "gn-code-penal-2016" in scope
    body = tree.text_content()
    assert _first_quote(gn) in body


def test_html_escapes_provision_text(out_variant: Path) -> None:
    raw = (out_variant / "report.html").read_text(encoding="utf-8")
    assert "<script>document.title" not in raw
    assert "&lt;script&gt;document.title=" in raw
    tree = lxml_html.fromstring(raw)
    assert len(tree.xpath("//script")) == 1  # the report's own filter script only
    assert not tree.xpath("//img")
    assert "décision de l'analyste" in tree.text_content()
    assert tree.xpath("//tr[contains(@class,'analyst')]")
    assert tree.xpath("//th[@class='c-com']")


def test_html_english(gn: Study, tmp_path: Path) -> None:
    (path,) = report.write_report(gn, tmp_path, formats=("html",), lang="en")
    assert path.name == "report.en.html"
    tree = _parse(path)
    h2 = [h.text_content() for h in tree.xpath("//h2")]
    assert "1. Scope of the analysis" in h2 and "4. Gap analysis by theme" in h2
    assert tree.xpath("//html/@lang") == ["en"]


def _chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.browser
@needs_chromium
def test_chromium_renders_and_scripts_do_not_run(gn: Study, out_fr: Path,
                                                 out_variant: Path, tmp_path: Path) -> None:
    r = _chromium(["--dump-dom", (out_fr / "report.html").as_uri()], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = lxml_html.fromstring(r.stdout)
    assert len(dom.xpath("//table[@id='heatmap']/tbody/tr")) == gn.gaps()["theme"].nunique()
    gaps = gn.gaps()
    assert len(dom.xpath("//table[contains(@class,'gaps')]")) == (
        gaps[gaps.status != "not_assessable"]["theme"].nunique()
        + gaps[gaps.status == "not_assessable"]["absent_texts"].nunique())
    # the filter script ran (counter filled) and nothing was hidden by default
    assert dom.xpath("//*[@id='n-shown']")[0].text_content() == str(len(gn.gap_records))
    title = gn.config["title"]["fr"]
    r = _chromium(["--dump-dom", (out_variant / "report.html").as_uri()], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = lxml_html.fromstring(r.stdout)
    assert dom.xpath("//title")[0].text_content() == title
    assert "PWNED" not in dom.xpath("//title")[0].text_content()
    assert "<script>document.title='PWNED'</script>" in dom.text_content()
    shot = tmp_path / "shot.png"
    r = _chromium([f"--screenshot={shot}", "--window-size=1400,1800",
                   (out_fr / "report.html").as_uri()], tmp_path)
    assert shot.exists() and shot.stat().st_size > 10_000, r.stderr[-2000:]
    _assert_not_blank(shot)


# ------------------------------------------------------------------------------------- PDF


def _assert_not_blank(png: Path) -> None:
    from PIL import Image, ImageStat

    with Image.open(png) as im:
        grey = im.convert("L")
        lo, hi = grey.getextrema()
        assert hi - lo > 100, f"{png} looks blank"
        assert ImageStat.Stat(grey).stddev[0] > 5, f"{png} looks blank"


@pytest.mark.office
@needs_office
def test_docx_converts_and_renders(out_fr: Path, tmp_path: Path) -> None:
    work = tmp_path / "conv"
    work.mkdir()
    profile = f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}"
    r = subprocess.run([SOFFICE, "--headless", profile, "--convert-to", "pdf", "--outdir",
                        str(work), str(out_fr / "report.docx")],
                       capture_output=True, text=True, timeout=300, check=False)
    pdf = work / "report.pdf"
    assert pdf.exists(), r.stderr[-2000:]
    subprocess.run([PDFTOPPM, "-r", "50", "-png", "-f", "1", "-l", "2", str(pdf),
                    str(work / "page")], check=True, timeout=120)
    pngs = sorted(work.glob("page*.png"))
    assert len(pngs) == 2
    for png in pngs:
        _assert_not_blank(png)


def test_pdf_weasyprint(variant: StudyVariant, tmp_path: Path) -> None:
    """PDF from the print HTML (a 40-obligation slice keeps the test quick)."""
    small = StudyVariant(variant._base, variant.gap_records[:40], variant._comments)
    (path,) = report.write_report(small, tmp_path, formats=("pdf",))
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    if PDFTOPPM:
        subprocess.run([PDFTOPPM, "-r", "40", "-png", "-f", "1", "-l", "1", str(path),
                        str(tmp_path / "p")], check=True, timeout=60)
        _assert_not_blank(next(tmp_path.glob("p*.png")))


def test_typography_leaves_quotes_alone() -> None:
    assert report.typo("Non évaluable : texte ; « voir » !", "fr") == (
        "Non évaluable\u00a0: texte\u202f; «\u00a0voir\u00a0»\u202f!")
    assert report.typo("Not assessable: x; y", "en") == "Not assessable: x; y"
    assert report.quoted("a : b", "fr") == "«\u00a0a : b\u00a0»"
    assert report.report_name("pdf", "en") == "report.en.pdf"


def test_unknown_format(gn: Study, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="formats"):
        report.write_report(gn, tmp_path, formats=("odt",))


# ------------------------------------------------------------------------------------- Benin


@pytest.mark.slow
def test_benin_status_variety(bj_study: Study, tmp_path: Path) -> None:
    import openpyxl

    paths = report.write_report(bj_study, tmp_path, formats=("xlsx", "html"))
    statuses = set(bj_study.gaps()["status"])
    assert len(statuses) >= 3
    tree = _parse(paths[1])
    _assert_self_contained(tree)
    heat_classes = {c for c in tree.xpath("//table[@id='heatmap']//td/@class")}
    for s in statuses:
        assert f"st-{s}" in " ".join(tree.xpath("//td/@class"))
    assert any(c.startswith("st-") and c != "st-not_assessable" for c in heat_classes)
    wb = openpyxl.load_workbook(paths[0])
    fills = {row[8].fill.fgColor.rgb[-6:] for ws in wb.worksheets[2:-1]
             for row in ws.iter_rows(min_row=2)}
    assert {report.STATUS_COLOURS[s] for s in statuses} <= fills


def test_findings_in_the_report_language(bj_study: Study) -> None:
    """A French report states its findings in French, an English one in English (the CSV keeps
    both). Benin: child trafficking punished differently in the children's and penal codes."""
    for lang, mine, other in (("fr", "perpétuité", "life imprisonment"),
                              ("en", "life imprisonment", "perpétuité")):
        m = report.build_model(bj_study, lang)
        rows = [g for g in m.gaps if g.obligation_id == "chd.opsc.penalties"]
        assert rows and mine in rows[0].findings and other not in rows[0].findings
    csv_row = bj_study.gaps().set_index("obligation_id").loc["chd.opsc.penalties"]
    assert "perpétuité" in csv_row.findings and "life imprisonment" in csv_row.findings


# ------------------------------------------------------------------------------------- peer


def test_peer_wording_beside_the_gaps(gn: Study, tmp_path: Path) -> None:
    """gn-tip names Benin as its peer. With --peer, where Benin is judged to cover an obligation,
    the provision that judgement rests on is quoted beside Guinea's row, and its full text and
    checksum go to the annex. Palermo art. 3(a): the peer wording is an article the gold names
    for that provision (penal code art. 499)."""
    from lexcompare.pipeline import write_reports

    paths = write_reports(gn, tmp_path, formats=["docx", "html"], peer=True)
    assert [p.name for p in paths] == ["report.docx", "report.html"]
    peer_gaps = gn.peer_study.gaps()
    covered = peer_gaps[peer_gaps.status == "covered"]
    assert len(covered) >= 10
    tree = _parse(tmp_path / "report.html")
    peers = tree.xpath("//div[contains(@class,'quote peer')]")
    assert len(peers) == len(covered)  # one per obligation Benin covers, Guinea's row beside it
    row = tree.xpath("//tr[.//div[contains(@class,'id') and starts-with(normalize-space(.),"
                     "'tip.definition.acts')]]")[0]
    quote = row.xpath(".//div[contains(@class,'quote peer')]")[0].text_content()
    assert "Bénin (couverte)" in quote
    gold = pd.read_csv(Path(__file__).resolve().parents[1] / "benchmarks/gold/alignments.csv")
    named = gold[(gold.instrument_id == "un-palermo-2000")
                 & (gold.instrument_eid == "art_3__para_a")].national_eid
    eid = re.search(r"bj-code-penal-2018#(art_\w+)", quote)[1]
    assert eid in set(named)
    carrier = covered[covered.obligation_id == "tip.definition.acts"].provision_checksums.iloc[0]
    annex = tree.xpath("//section[@id='annex']")[0].text_content()
    assert carrier.split("; ")[0] in annex
    import docx

    text = "\n".join(c.text for t in docx.Document(str(tmp_path / "report.docx")).tables
                     for r in t.rows for c in r.cells)
    assert text.count("Pays pair — Bénin (couverte)") == len(covered)


def test_peer_needs_a_peer_in_the_study(bj_study: Study, tmp_path: Path) -> None:
    from lexcompare.errors import LexcompareError
    from lexcompare.pipeline import write_reports

    with pytest.raises(LexcompareError, match="names no peer country"):
        write_reports(bj_study, tmp_path, formats=["html"], peer=True)
