"""lexcompare.ingest on files generated from REAL corpus text (see tests/pdfgen.py)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pdfgen
import pytest

from lexcompare.errors import (
    EncryptedPdfError,
    IngestError,
    LexcompareError,
    MissingDependencyError,
    NoTextLayerError,
)
from lexcompare.ingest import read_source
from lexcompare.model import Document

TITLE = ("LOI PORTANT CODE PÉNAL", "(extraits)")
GN_TITLE = ("CONSTITUTION DE LA RÉPUBLIQUE DE GUINÉE",)


def flat(text: str) -> str:
    return " ".join(text.split())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def bj_slice() -> str:
    return pdfgen.bj_trafficking_slice()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ingest")


@pytest.fixture(scope="module")
def bj_pdf(files: Path, bj_slice: str) -> pdfgen.JoLayout:
    """Articles 485-520 of the Benin penal code as a two-column JO (several pages)."""
    text = pdfgen.corpus_slice(pdfgen.BJ_PENAL, "Article 485 :", "Article 521 :")
    return pdfgen.jo_pdf(text, files / "jo-bj.pdf", title=TITLE)


@pytest.fixture(scope="module")
def bj_pdf_text() -> str:
    return pdfgen.corpus_slice(pdfgen.BJ_PENAL, "Article 485 :", "Article 521 :")


@pytest.fixture(scope="module")
def bj_source(bj_pdf: pdfgen.JoLayout):
    return read_source(bj_pdf.path)


@pytest.fixture(scope="module")
def gn_pdf(files: Path) -> pdfgen.JoLayout:
    return pdfgen.jo_pdf(pdfgen.gn_constitution_slice(), files / "jo-gn.pdf", title=GN_TITLE)


# --------------------------------------------------------------------------- PDF: JO layout
def test_jo_pdf_reads_back_as_the_source_text(bj_pdf, bj_pdf_text, bj_source):
    assert bj_pdf.pages >= 4
    assert flat(bj_source.text) == flat("\n".join(TITLE) + "\n" + bj_pdf_text)
    assert bj_source.sha256 == sha(bj_pdf.path)
    assert bj_source.path == str(bj_pdf.path)


def test_jo_pdf_keeps_one_paragraph_per_line_like_the_txt(bj_pdf_text, bj_source):
    got = [flat(ln) for ln in bj_source.text.split("\n") if ln.strip()]
    want = [flat(ln) for ln in ("\n".join(TITLE) + "\n" + bj_pdf_text).split("\n") if ln.strip()]
    assert got == want
    assert re.search(r"^Article 499 :$", bj_source.text, re.M)


def test_running_headers_footers_and_page_numbers_are_removed(bj_pdf, bj_source):
    text = bj_source.text
    assert pdfgen.HEADER not in text
    assert "JOURNAL OFFICIEL" not in text
    assert pdfgen.DATE not in text
    assert not re.search(r"^\s*\d{1,3}\s*$", text, re.M)  # no bare page-number line
    assert any("header/footer" in n for n in bj_source.notes)


def test_two_columns_are_read_in_order_title_first(bj_pdf_text, bj_source):
    text = bj_source.text
    assert text.startswith("LOI PORTANT CODE PÉNAL\n(extraits)\nArticle 485 :")
    heads = re.findall(r"^Article (\d+) :", text, re.M)
    assert heads == [str(n) for n in range(485, 521)]
    # a heading is followed by its own first words, not by the other column
    assert "Article 499 :\nConstitue un acte de traite des personnes le recrutement" in text
    assert any("two-column" in n for n in bj_source.notes)


def test_end_of_line_hyphenation_is_joined(bj_pdf, bj_source):
    assert len(bj_pdf.soft_breaks) > 20
    text = bj_source.text
    for head, tail in bj_pdf.soft_breaks:
        assert f"{head}-{tail}" not in text and f"{head}- {tail}" not in text
        assert f"{head}{tail}" in text
    assert any("hyphenations joined" in n for n in bj_source.notes)


def test_compound_word_broken_at_its_hyphen_keeps_the_hyphen(gn_pdf):
    src = read_source(gn_pdf.path)
    assert gn_pdf.compound_breaks, "the layout should break a compound word at its hyphen"
    for head, tail in gn_pdf.compound_breaks:
        word = re.match(r"[^\W\d_]+", tail)
        assert word is not None
        assert f"{head}{word.group()}" in src.text  # "socio-politiques", not "sociopolitiques"
    assert flat(src.text) == flat("\n".join(GN_TITLE) + "\n" + pdfgen.gn_constitution_slice())


def test_page_starts_map_articles_to_their_page(bj_pdf, bj_source):
    assert len(bj_source.page_starts) == bj_pdf.pages
    assert bj_source.page_starts[0] == 0
    assert list(bj_source.page_starts) == sorted(bj_source.page_starts)
    checked_page2 = 0
    for n in range(485, 521):
        start = bj_source.text.index(f"Article {n} :")
        want = bj_pdf.page_of(f"Article {n} :")
        assert bj_source.pages_of(start, start + 12) == (want,), n
        checked_page2 += want == 2
    assert checked_page2 >= 1  # at least one article is known to sit on page 2


def test_stream_in_reading_order_and_single_title_line(files, bj_slice):
    lay = pdfgen.jo_pdf(
        bj_slice, files / "reading.pdf", title=("CODE PÉNAL",), stream_order="reading", size=8.5
    )
    src = read_source(lay.path)
    assert flat(src.text) == flat("CODE PÉNAL\n" + bj_slice)


def test_independent_typesetter_css_columns(files, bj_slice):
    """WeasyPrint (CSS columns, Pyphen hyphenation): not our own layout code."""
    pytest.importorskip("weasyprint")
    path = pdfgen.css_columns_pdf(bj_slice, files / "weasy.pdf", title="LOI PORTANT CODE PÉNAL")
    src = read_source(path)
    assert flat(src.text) == flat("LOI PORTANT CODE PÉNAL\n" + bj_slice)
    assert pdfgen.HEADER not in src.text and pdfgen.DATE not in src.text
    assert re.search(r"^Article 499 :$", src.text, re.M)


def test_format_is_detected_by_content_not_name(files, bj_pdf):
    renamed = files / "really-a-pdf.txt"
    shutil.copy(bj_pdf.path, renamed)
    assert "Article 499 :" in read_source(renamed).text


# --------------------------------------------------------------------------- parse round-trip
def test_pdf_and_txt_parse_to_the_same_articles(files, bj_pdf_text, bj_source):
    parse = pytest.importorskip("lexcompare.parse")
    txt = files / "bj-slice.txt"
    txt.write_text("\n".join(TITLE) + "\n" + bj_pdf_text, encoding="utf-8")
    doc = Document(
        id="bj-code-penal-2018",
        title="Code pénal",
        kind="code",
        scope="national",
        language="fr",
        country="bj",
    )
    from_pdf = parse.parse_text(bj_source, doc)
    from_txt = parse.parse_text(read_source(txt), doc)
    assert [a.eid for a in from_pdf.articles] == [a.eid for a in from_txt.articles]
    assert [a.eid for a in from_pdf.articles][:3] == ["art_485", "art_486", "art_487"]
    for a, b in zip(from_pdf.articles, from_txt.articles, strict=True):
        assert flat(a.text) == flat(b.text), a.eid
        assert a.pages, a.eid
    art499 = from_pdf.get("art_499")
    start = bj_source.text.index("Article 499 :")
    assert art499.pages[0] == bj_source.pages_of(start, start + 1)[0]
    # alinéas survive too: same sub-provision eIds
    assert [p.eid for p in from_pdf.provisions] == [p.eid for p in from_txt.provisions]


# --------------------------------------------------------------------------- DOCX
def test_docx_reads_paragraphs_and_table_cells_in_order(files, bj_slice):
    path = pdfgen.docx_file(bj_slice, files / "bj.docx", title="LOI PORTANT CODE PÉNAL")
    src = read_source(path)
    assert flat(src.text) == flat("LOI PORTANT CODE PÉNAL\n" + bj_slice)
    assert pdfgen.HEADER not in src.text  # page header of the section is not body text
    assert re.search(r"^Article 496 :\nLe tribunal ordonne", src.text, re.M)  # table cell
    assert src.page_starts == ()
    assert src.sha256 == sha(path)
    assert any("table cells" in n for n in src.notes)


def test_zip_bomb_docx_is_refused_before_parsing(files):
    path = pdfgen.zip_bomb_docx(files / "bomb.docx", megabytes=60)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(IngestError, match="zip bomb"):
        read_source(path)
    with pytest.raises(IngestError, match="max_bytes"):
        read_source(path, max_bytes=10_000_000)


# --------------------------------------------------------------------------- bad PDFs
def test_scanned_pdf_names_pages_and_says_how_to_ocr(files, bj_slice):
    path = pdfgen.scanned_pdf(bj_slice, files / "scan.pdf", pages=2)
    with pytest.raises(NoTextLayerError) as err:
        read_source(path)
    msg = str(err.value)
    assert "all 2 pages" in msg and "no text layer" in msg
    assert "--ocr" in msg and "scripts/install-ocr.sh" in msg and "tesseract-ocr-fra" in msg
    assert ".txt" in msg


@pytest.mark.skipif(shutil.which("tesseract") is not None, reason="Tesseract is installed")
def test_ocr_without_tesseract_says_how_to_install(files, bj_slice):
    path = pdfgen.scanned_pdf(bj_slice, files / "scan-ocr.pdf", pages=1)
    with pytest.raises(MissingDependencyError, match="install-ocr.sh"):
        read_source(path, ocr=True)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract not installed")
def test_ocr_reads_a_scanned_page(files, bj_slice):
    path = pdfgen.scanned_pdf(bj_slice, files / "scan-ocr2.pdf", pages=1)
    src = read_source(path, ocr=True)
    assert "tribunal" in src.text
    assert any("OCR" in n for n in src.notes)


def test_encrypted_pdf(files, bj_slice):
    path = pdfgen.encrypted_pdf(bj_slice, files / "locked.pdf")
    with pytest.raises(EncryptedPdfError, match="password"):
        read_source(path)


def test_owner_password_only_pdf_is_read_with_a_note(files, bj_slice):
    from reportlab.lib.pdfencrypt import StandardEncryption

    enc = StandardEncryption("", ownerPassword="owner", canCopy=0)
    lay = pdfgen.jo_pdf(bj_slice, files / "restricted.pdf", encrypt=enc)
    src = read_source(lay.path)
    assert "Article 499 :" in src.text
    assert any("owner password" in n for n in src.notes)


def test_truncated_pdf(files, bj_pdf):
    path = pdfgen.truncated_pdf(bj_pdf.path, files / "cut.pdf")
    with pytest.raises(IngestError, match="(?i)truncated|download it again") as err:
        read_source(path)
    assert "cut.pdf" in str(err.value)


def test_html_saved_as_pdf(files):
    path = pdfgen.html_as_pdf(files / "jo.pdf")
    with pytest.raises(IngestError, match="HTML page") as err:
        read_source(path)
    assert "download the PDF again" in str(err.value)


def test_zero_byte_file(files):
    with pytest.raises(IngestError, match="empty"):
        read_source(pdfgen.zero_byte(files / "empty.pdf"))


def test_too_many_pages_is_refused_not_truncated(bj_pdf):
    with pytest.raises(IngestError, match="max_pages=2"):
        read_source(bj_pdf.path, max_pages=2)


def test_too_many_bytes(bj_pdf):
    with pytest.raises(IngestError, match="max_bytes"):
        read_source(bj_pdf.path, max_bytes=1000)


def test_missing_file_and_errors_are_lexcompare_errors(files):
    with pytest.raises(LexcompareError, match="no such file"):
        read_source(files / "nope.txt")


# --------------------------------------------------------------------------- text files
ART_499 = pdfgen.corpus_slice(pdfgen.BJ_PENAL, "Article 499 :", "Article 500 :")
ART_GN_23 = pdfgen.corpus_slice(pdfgen.GN_CONSTITUTION, "Article 23\n", "Article 24\n")


def test_utf8_text_is_untouched(files):
    path = files / "a499.txt"
    path.write_bytes(ART_499.encode("utf-8"))
    src = read_source(path)
    assert src.text == ART_499 and src.encoding == "utf-8" and src.notes == ()
    assert src.sha256 == sha(path) and src.page_starts == ()


def test_utf8_bom_is_dropped_with_a_note(files):
    path = files / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + ART_499.encode("utf-8"))
    src = read_source(path)
    assert src.text == ART_499
    assert src.sha256 == sha(path)  # of the bytes, BOM included
    assert any("byte-order mark" in n for n in src.notes)


def test_cp1252_article_with_typographic_apostrophes(files):
    assert "’" in ART_499
    path = files / "cp1252.txt"
    path.write_bytes(ART_499.encode("cp1252"))
    src = read_source(path)
    assert src.text == ART_499
    assert src.encoding == "cp1252"
    assert any("cp1252" in n for n in src.notes)


def test_latin1_article(files):
    assert "é" in ART_GN_23
    path = files / "latin1.txt"
    path.write_bytes(ART_GN_23.encode("latin-1"))
    src = read_source(path)
    assert src.text == ART_GN_23
    assert src.encoding == "latin-1"
    assert any("ISO-8859-1" in n for n in src.notes)


def test_crlf_is_normalised_with_a_note(files):
    path = files / "crlf.txt"
    path.write_bytes(ART_499.replace("\n", "\r\n").encode("utf-8"))
    src = read_source(path)
    assert src.text == ART_499
    assert any("CRLF" in n for n in src.notes)


def test_nul_bytes_are_refused_naming_the_line(files):
    path = files / "nul.txt"
    lines = ART_499.split("\n")
    lines[2] = lines[2][:10] + "\x00" + lines[2][10:]
    path.write_bytes("\n".join(lines).encode("utf-8"))
    with pytest.raises(IngestError, match=r"NUL bytes on line\(s\) 3\b"):
        read_source(path)


def test_whitespace_only_text_is_refused(files):
    path = files / "blank.txt"
    path.write_bytes(b" \n\t\r\n  \n")
    with pytest.raises(IngestError, match="only whitespace"):
        read_source(path)


def test_text_named_pdf_is_refused(files):
    path = files / "notes.pdf"
    path.write_text(ART_499, encoding="utf-8")
    with pytest.raises(IngestError, match="named .pdf but is not a PDF"):
        read_source(path)


def test_long_pdf_read_by_worker_processes_equals_the_serial_read(tmp_path, monkeypatch):
    from lexcompare import ingest

    pdf = tmp_path / "long.pdf"
    pdfgen.jo_pdf(pdfgen.bj_trafficking_slice(), pdf, repeat=26)
    parallel = read_source(pdf)
    assert len(parallel.page_starts) >= ingest.PARALLEL_MIN_PAGES
    monkeypatch.setattr(ingest, "PARALLEL_MIN_PAGES", 10**6)
    serial = read_source(pdf)
    assert (parallel.text, parallel.page_starts) == (serial.text, serial.page_starts)
