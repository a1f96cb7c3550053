"""Property-based tests (hypothesis, derandomized: a failure reproduces on every run).

`parse_text` is fed legal-looking texts assembled from REAL corpus fragments (article headings
in every known form, LIVRE/TITRE/CHAPITRE headings, "1." / "a)" / "1°" / "-" markers, French
and English sentences) mixed with what breaks parsers: duplicated article numbers, unknown
numbering ("Article A-Z", "Art. 12.3.4"), NUL bytes, 100,000-character lines, LF / CRLF / CR
line ends, random junk lines and truncation. Because the generator knows which line holds which
heading, it checks the parser's report exactly: the articles found (eId and line), and the
duplicate / unreadable headings reported as Problems with their 1-based line numbers.

`read_source` is fed real articles in several encodings and random or mutated bytes (text, PDF,
DOCX): it returns a SourceText or raises an IngestError with a message, nothing else.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pdfgen
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from lexcompare.errors import IngestError
from lexcompare.ingest import read_source
from lexcompare.model import Document, ParsedDocument, SourceText
from lexcompare.parse import ARTICLE_RE, parse_text

CORPUS = pdfgen.CORPUS
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=250,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


def numbered(text: str, limit: int = 200) -> str:
    """A text as numbered lines (LF, CRLF and CR end a line, as for the parser), each shown
    with repr() so NULs, CRs and odd spaces are visible; long lines are shortened."""
    out = []
    for no, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        shown = repr(line) if len(line) <= limit else \
            f"{line[:limit]!r}... ({len(line):,} chars)"
        out.append(f"{no:5}| {shown}")
    return "\n".join(out)


# ---------------------------------------------------------------------------- real fragments
def _corpus_lines(*names: str) -> list[str]:
    lines: list[str] = []
    for name in names:
        path = next(CORPUS.rglob(name))
        lines += path.read_text(encoding="utf-8").split("\n")
    return lines


_FR = _corpus_lines("bj-code-penal-2018.fr.txt", "gn-constitution-2025.fr.txt")
_EN = _corpus_lines("un-palermo-2000*.txt")
_STARTS_LIKE_ARTICLE = re.compile(r"^[\s\u00a0]*art", re.I)


def _is_sentence(line: str) -> bool:
    return (20 <= len(line) <= 400 and not _STARTS_LIKE_ARTICLE.match(line)
            and not ARTICLE_RE.match(line) and not re.match(r"^\s*-\d", line)
            and not re.match(r"^\s*(\d{1,2}\s*[.)°]|\(?[a-z]{1,2}\)|[-–—•·▪])", line))


SENTENCES = {"fr": sorted({s for s in _FR if _is_sentence(s)})[:600],
             "en": sorted({s for s in _EN if _is_sentence(s)})[:300]}
HEADINGS = [
    "LIVRE 1 : DES DISPOSITIONS GENERALES", "LIVRE DEUXIEME : DES CRIMES ET DES DELITS",
    "TITRE II", "TITRE PRELIMINAIRE : DISPOSITIONS GENERALES", "CHAPITRE 1: DES PRINCIPES",
    "CHAPITRE III", "SECTION XIV : DE LA VENTE ET DE LA TRAITE DES ENFANTS", "SEPTIEME PARTIE",
    "Sous-section 2 : De la traite des personnes", "PART II", "PART I Scope", "Chapter 3",
    "PARAGRAPHE 1 : Des peines", "PREMIERE PARTIE",
]
MARKERS = ["1. ", "2.", "3. ", "a) ", "b) ", "(a) ", "(c) ", "1° ", "2° ", "- ", "• ", "(iv) ",
           "1) "]
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]

# Article heading forms seen in the corpus -> the eId number the parser must give them.
ARTICLE_FORMS = [
    ("Article {n}", "{n}"), ("Article {n} :", "{n}"), ("ARTICLE {n} :", "{n}"),
    ("Art. {n}.- Le présent décret entre en vigueur.", "{n}"), ("Article {n} : Objet", "{n}"),
    ("Article{n} : La responsabilité pénale", "{n}"), ("Article : {n} : Les personnes", "{n}"),
    ("Article.{n}. Nouveau - Le travailleur", "{n}-nouveau"),
    ("Article {n} nouveau (Loi 2021-11) :", "{n}-nouveau"), ("Article {n} ancien :", "{n}-ancien"),
    ("Article {n} bis :", "{n}bis"), ("Article {n}-{m}", "{n}-{m}"),
    ("Article {n} -{m} (LOI N° 2025 – 06) :", "{n}-{m}"),
    ("Article {n} (loi n°2020-23 du 29 septembre 2020) :", "{n}"), ("Article {roman}", "{n}"),
    ("Article premier", "1"), ("Article 1er : Objet", "1"), ("ARTICLE PREMIER :", "1"),
    ("Article {n} : {sentence}", "{n}"), ("ART. {n}. {sentence}", "{n}"),
]
# Lines that start like an article heading but whose number cannot be read.
UNREADABLE = [
    "Article A-Z : rien", "Art. A-Z : rien", "ARTICLE A-Z :", "Art. 12.3.4 Le texte.",
    "Article 12.3.4 : Le texte", "Article g", "Article", "Article {n}\x00", "Article\x00 {n}",
    "ARTICLE Z", "Art. 4.2.1", "  Article B", "Article {n}" + " " * 100_000 + "x",
]
EOLS = ["\n", "\r\n", "\r"]


@dataclass
class Generated:
    lines: list[str]
    eols: list[str]
    language: str
    articles: list[tuple[str, int]] = field(default_factory=list)  # (eid, line)
    problems: set[tuple[int, str]] = field(default_factory=set)  # (line, kind)

    @property
    def text(self) -> str:
        return "".join(ln + eol for ln, eol in zip(self.lines, self.eols, strict=True))

    def __repr__(self) -> str:  # hypothesis prints this for a failing example
        return f"Generated({self.language}, articles={self.articles}, " \
               f"problems={sorted(self.problems)}):\n{numbered(self.text)}"


JUNK = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]),
               max_size=80).filter(lambda s: not _STARTS_LIKE_ARTICLE.match(s)
                                   and not re.match(r"^\s*-\d", s))


@st.composite
def legal_texts(draw: st.DrawFn) -> Generated:
    lang = draw(st.sampled_from(["fr", "fr", "en"]))
    sentence = st.sampled_from(SENTENCES[lang])
    eol_style = draw(st.sampled_from(["\n", "\n", "\r\n", "\r", "mixed"]))
    gen = Generated([draw(sentence)[:60]], [], lang)  # the title line
    seen: dict[str, int] = {}
    long_lines = draw(st.integers(0, 3)) == 0  # 100k-char lines in about one text in four
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(
            ["article"] * 6 + ["sentence"] * 6 + ["marker"] * 4 + ["heading", "blank",
             "unreadable", "junk", "nul", "long", "long-article"]))
        if kind.startswith("long") and not long_lines:
            kind = "sentence"
        no = len(gen.lines) + 1
        event(f"line kind: {kind}")
        if kind in ("article", "long-article"):
            form, num = draw(st.sampled_from(ARTICLE_FORMS))
            n, m = draw(st.integers(1, 12)), draw(st.integers(1, 3))
            if kind == "long-article":
                form, num = "Article {n} : {sentence}", "{n}"
            body = draw(sentence)
            if kind == "long-article":
                body = (body + " ") * (100_000 // len(body) + 1)
            line = form.format(n=n, m=m, roman=ROMAN[n], sentence=body)
            num = num.format(n=n, m=m)
            eid = f"art_{num}"
            seen[eid] = seen.get(eid, 0) + 1
            if seen[eid] > 1:
                gen.problems.add((no, "duplicate-number"))
                eid = f"{eid}_{seen[eid]}"
            gen.articles.append((eid, no))
        elif kind == "unreadable":
            line = draw(st.sampled_from(UNREADABLE)).format(n=draw(st.integers(1, 12)))
            gen.problems.add((no, "unparsed-heading"))
        elif kind == "heading":
            line = draw(st.sampled_from(HEADINGS))
        elif kind == "marker":
            line = draw(st.sampled_from(MARKERS)) + draw(sentence)
        elif kind == "blank":
            line = draw(st.sampled_from(["", " ", "\t", "\u00a0"]))
        elif kind == "junk":
            line = draw(JUNK)
        elif kind == "nul":
            s = draw(sentence)
            cut = draw(st.integers(1, len(s) - 1))
            line = s[:cut] + "\x00" + s[cut:]
        else:  # long
            s = draw(sentence)
            line = (s + " ") * (100_000 // len(s) + 1)
        gen.lines.append(line)
    for _ in gen.lines:
        gen.eols.append(eol_style if eol_style != "mixed" else draw(st.sampled_from(EOLS)))
    for i in range(len(gen.lines) - 1):  # "\r" + an empty line's "\n" would be ONE line end
        if gen.eols[i] == "\r" and not gen.lines[i + 1] and gen.eols[i + 1].startswith("\n"):
            gen.eols[i] = "\r\n"
    if draw(st.booleans()):
        gen.eols[-1] = ""  # no final line end
    return gen


def document(lang: str) -> Document:
    return Document("fuzz", "Loi (fuzz)", "law", "national", lang)


def check_invariants(parsed: ParsedDocument, text: str) -> None:
    """What must hold for ANY input: exact slices, unique eIds, sane lines and pages."""
    n_lines = len(re.split(r"\r\n|\r|\n", text))
    eids = [p.eid for p in parsed.provisions]
    assert len(eids) == len(set(eids)), f"duplicate eIds: {sorted(eids)}"
    articles = {p.eid: p for p in parsed.provisions if p.level == "article"}
    for p in parsed.provisions:
        assert 0 <= p.start <= p.end <= len(text), (p.eid, p.start, p.end)
        assert p.text == text[p.start : p.end], p.eid
        assert 1 <= p.line <= n_lines, (p.eid, p.line)
        if p.level not in ("article", "preamble"):
            art = articles[p.article_eid]  # a sub-provision belongs to an existing article
            assert p.eid.startswith(art.eid + "__")
            assert art.start <= p.start <= p.end <= art.end, (p.eid, art.eid)
        if parsed.source.page_starts:
            assert p.pages and set(p.pages) <= set(range(1, len(parsed.source.page_starts) + 1))
    for pr in parsed.problems:
        assert 1 <= pr.line <= n_lines and pr.message, pr


# ---------------------------------------------------------------------------- parse_text
@FUZZ
@given(gen=legal_texts(), data=st.data())
def test_parse_reports_exactly_the_articles_duplicates_and_unreadable_headings(gen, data):
    text = gen.text
    note(numbered(text))
    page_starts: tuple[int, ...] = ()
    if text and data.draw(st.booleans(), label="paged"):
        cuts = data.draw(st.lists(st.integers(1, len(text)), max_size=5), label="page cuts")
        page_starts = (0, *sorted(set(cuts)))
    source = SourceText("fuzz.txt", text, "0" * 64, page_starts=page_starts)

    parsed = parse_text(source, document(gen.language))  # never raises

    check_invariants(parsed, text)
    assert [(a.eid, a.line) for a in parsed.articles] == gen.articles
    got = {(p.line, p.kind) for p in parsed.problems}
    assert got == gen.problems, numbered(text)


@settings(FUZZ, max_examples=120)
@given(gen=legal_texts(), data=st.data())
def test_truncated_texts_parse_and_the_intact_part_is_reported_the_same(gen, data):
    text = gen.text
    cut = data.draw(st.integers(0, len(text)), label="cut")
    truncated = text[:cut]
    note(numbered(truncated))
    parsed = parse_text(SourceText("fuzz.txt", truncated, "0" * 64), document(gen.language))
    check_invariants(parsed, truncated)
    # lines before the one the cut falls in are intact: they are read exactly as before
    cut_line = len(re.split(r"\r\n|\r|\n", truncated))
    if truncated.endswith("\r"):  # a CR cut off its LF still ends the line
        cut_line -= 1
    want = [(eid, line) for eid, line in gen.articles if line < cut_line]
    assert [(a.eid, a.line) for a in parsed.articles if a.line < cut_line] == want
    assert ({(p.line, p.kind) for p in parsed.problems if p.line < cut_line}
            == {p for p in gen.problems if p[0] < cut_line})


@settings(FUZZ, max_examples=200)
@given(text=st.text(max_size=400))
def test_arbitrary_unicode_never_raises(text):
    note(numbered(text))
    for lang in ("fr", "en"):
        check_invariants(parse_text(SourceText("x", text, "0" * 64), document(lang)), text)


PATHOLOGICAL = [
    "Article" + " " * 100_000 + "x",
    "Article 5" + " " * 100_000 + "x",
    "Article 5 bis" + " \u00a0" * 50_000 + "x",
    "ARTICLE 5 nouveau" + "\t" * 100_000 + "?",
    "Art. 5" + " - 1" * 30_000 + "x",
    "TITRE II" + " " * 100_000 + "x",
    "CHAPITRE 3" + " " * 100_000 + "X",
    " " * 100_000 + "1." + " " * 100_000,
    "(" * 100_000,
    "Article 7 (" + "(" * 100_000,
    "a" * 100_000,
    "\n" * 100_000,
    "\r" * 50_000 + "Article 2\r",
]


@pytest.mark.parametrize("line", PATHOLOGICAL, ids=[f"p{i}" for i in range(len(PATHOLOGICAL))])
def test_pathological_long_lines_are_parsed_in_linear_time(line):
    """Regex backtracking on 100k-char lines: the parser must stay fast (it hung for minutes on
    "Article 5" + 100,000 spaces before its space runs were made possessive)."""
    text = f"Loi\nArticle 1 :\nTexte.\n{line}\nArticle 9 : Fin.\n"
    t0 = time.perf_counter()
    parsed = parse_text(SourceText("x", text, "0" * 64), document("fr"))
    assert time.perf_counter() - t0 < 2.0
    check_invariants(parsed, text)
    assert parsed.articles[0].eid == "art_1" and parsed.articles[-1].eid == "art_9"


def test_numbered_helper_shows_lines_as_the_parser_counts_them():
    assert numbered("a\r\nb\rc\nd\x00") == "    1| 'a'\n    2| 'b'\n    3| 'c'\n    4| 'd\\x00'"


# ---------------------------------------------------------------------------- read_source
def _article(first: str, stop: str) -> str:
    return pdfgen.corpus_slice(pdfgen.BJ_PENAL, first, stop)


ARTICLES = [_article("Article 499 :", "Article 500 :"), _article("Article 500 :", "Article 501 :"),
            pdfgen.corpus_slice(pdfgen.GN_CONSTITUTION, "Article 8\n", "Article 9\n"),
            _article("Article 504 :", "Article 505 :")]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _latin1_safe(text: str) -> str:
    return text.translate(str.maketrans({"’": "'", "œ": "oe", "Œ": "OE", "—": "-", "–": "-",
                                         "…": "...", "«": "«", "\u202f": " "}))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-ingest")


@pytest.fixture(scope="module")
def small_files(fuzz_dir: Path) -> dict[str, bytes]:
    """A real one-page PDF and a real DOCX (Benin penal code art. 499), to be mutated."""
    text = ARTICLES[0]
    pdf = pdfgen.jo_pdf(text, fuzz_dir / "seed.pdf", title=("LOI",)).path.read_bytes()
    docx = pdfgen.docx_file(text, fuzz_dir / "seed.docx").read_bytes()
    return Seeds(pdf=pdf, docx=_fixed_dates(docx))


def _fixed_dates(docx: bytes) -> bytes:
    """The same zip with fixed member dates: identical seed bytes on every run, so that a
    failing mutation reproduces."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item))
    return buf.getvalue()


class Seeds(dict):
    def __repr__(self) -> str:  # keep hypothesis' failure report readable
        return f"Seeds({', '.join(f'{k}: {len(v):,} bytes' for k, v in self.items())})"


def _read(path: Path, data: bytes) -> SourceText | None:
    """read_source: a SourceText, or an IngestError with a message naming the file."""
    path.write_bytes(data)
    try:
        source = read_source(path)
    except IngestError as exc:
        assert str(exc).strip() and str(path) in str(exc), repr(exc)
        if currently_in_test_context():  # statistics: --hypothesis-show-statistics
            event(f"refused: {type(exc).__name__}: {str(exc).replace(str(path), '')[:40]}")
        return None
    if currently_in_test_context():
        event("read")
    assert isinstance(source.text, str)
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    parse_text(source, document("fr"))  # whatever was read parses without raising
    return source


@settings(FUZZ, max_examples=60)
@given(article=st.sampled_from(ARTICLES), encoding=st.sampled_from(ENCODINGS),
       crlf=st.booleans(), suffix=st.sampled_from([".txt", ".TXT", ""]))
def test_real_articles_in_any_encoding_read_back_exactly(fuzz_dir, article, encoding, crlf,
                                                         suffix):
    text = article if _encodable(article, encoding) else _latin1_safe(article)
    assume(_encodable(text, encoding))
    data = (text.replace("\n", "\r\n") if crlf else text).encode(encoding)
    source = _read(fuzz_dir / f"article{suffix}", data)
    assert source is not None
    assert source.text == text


@settings(FUZZ, max_examples=400)
@given(data=st.data(), suffix=st.sampled_from([".txt", ".pdf", ".docx", ".bin", ""]))
def test_random_and_mutated_bytes_read_or_raise_ingest_error(fuzz_dir, small_files, data,
                                                             suffix):
    how = data.draw(st.sampled_from(["random", "prefixed", "mutated-text", "mutated-pdf",
                                     "mutated-docx", "truncated"]), label="how")
    if how == "random":
        raw = data.draw(st.binary(max_size=2048), label="bytes")
    elif how == "prefixed":  # looks like some format, then garbage
        prefix = data.draw(st.sampled_from([b"%PDF-1.7\n", b"PK\x03\x04", b"\xef\xbb\xbf",
                                            b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff",
                                            b"\x89PNG", b"<!DOCTYPE html>", b"\xd0\xcf\x11\xe0"
                                            b"\xa1\xb1\x1a\xe1"]), label="prefix")
        raw = prefix + data.draw(st.binary(max_size=1024), label="bytes")
    else:
        if how in ("mutated-pdf", "mutated-docx"):
            seed = small_files[how.split("-")[1]]
        else:
            seed = data.draw(st.sampled_from(ARTICLES)).encode(
                data.draw(st.sampled_from(["utf-8", "utf-16", "cp1252"]), label="encoding"),
                errors="replace")
        raw = bytearray(seed)
        if how == "truncated":
            raw = raw[: data.draw(st.integers(0, len(raw)), label="cut")]
        else:
            for _ in range(data.draw(st.integers(1, 8), label="flips")):
                i = data.draw(st.integers(0, len(raw) - 1), label="at")
                raw[i] = data.draw(st.integers(0, 255), label="byte")
        raw = bytes(raw)
    event(f"input: {how}")
    _read(fuzz_dir / f"input{suffix}", raw)


def test_docx_with_broken_member_is_an_ingest_error(fuzz_dir, small_files):
    """A structurally valid zip whose document.xml is garbage (not only a byte flip)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small_files["docx"])) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "word/document.xml":
                body = body[: len(body) // 2]
            dst.writestr(item, body)
    assert _read(fuzz_dir / "broken.docx", buf.getvalue()) is None


# Minimised from mutated PDFs found by the property above (regressions).
def test_pdf_with_absurd_coordinates_is_read_in_bounded_time_and_memory(fuzz_dir):
    """A corrupt number put a word at x = 100,000,000 pt: the column-gutter search allocated and
    scanned one cell per point (seconds, then gigabytes: the process was OOM-killed)."""
    from reportlab.pdfgen import canvas

    path = fuzz_dir / "far.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842), invariant=1)
    for k in range(12):
        c.drawString(50, 780 - 20 * k, f"Article {k + 1} : La traite des personnes est punie.")
    c.drawString(100_000_000, 400, "ou")
    c.showPage()
    c.save()
    t0 = time.perf_counter()
    source = _read(path, path.read_bytes())
    assert time.perf_counter() - t0 < 2.0
    assert source is not None and "Article 12 : La traite des personnes est punie." in source.text


def test_pdf_whose_page_cannot_be_loaded_is_an_ingest_error(fuzz_dir):
    """PDFium opens the file but cannot load its page (a page-tree kid that is not a page):
    it raised PdfiumError out of read_source."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "42"]
    data, offsets = b"%PDF-1.4\n", []
    for no, obj in enumerate(objects, start=1):
        offsets.append(len(data))
        data += f"{no} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(data)
    data += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    data += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    data += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
             "%%EOF\n").encode()
    path = fuzz_dir / "broken-page.pdf"
    with pytest.raises(IngestError, match=r"page 1 of 1 cannot be read.*download it again"):
        read_source(_write(path, data))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
