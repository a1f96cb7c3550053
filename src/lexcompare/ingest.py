"""Read a legal text from disk (.txt, PDF, DOCX) into a `SourceText`.

Public verb: `read_source(path, *, ocr=False, max_pages=3000, max_bytes=200_000_000)`.

The format is detected from the file's content (magic bytes), not its name: ``%PDF-`` in the
first KiB -> PDF; a zip holding ``word/document.xml`` -> DOCX; anything else -> text. A file
named ``.pdf`` / ``.docx`` whose content is something else is refused (a typical failed download
saves an HTML page under the PDF's name).

Decisions (legal fidelity first: nothing is ever written anywhere, wording is never changed):

Text files
    UTF-8 is tried first (a BOM is dropped, with a note); otherwise cp1252 / ISO-8859-1 is
    recognised (the C1 byte range 0x80-0x9F tells them apart), then charset-normalizer guesses,
    with a note naming the encoding. UTF-16/32 with a BOM are decoded. CRLF / CR are normalised
    to LF (noted). Nothing else is altered: not even Unicode normalisation (a note says when the
    text is not NFC). NUL bytes are REFUSED, naming the lines: they mean a corrupt file or a
    UTF-16 file without BOM, and silently dropping them could glue or lose words.

PDF (pypdfium2 character boxes, geometric layout)
    * Reading order is rebuilt from positions, never from the content stream order: words are
      grouped into lines per column; each page's column gutter is found from the horizontal
      coverage of the text; a line crossing the gutter (a title spanning both columns) splits
      the page into sections read top-down (left column, right column, spanning line, ...).
    * Running headers/footers and page numbers are removed by POSITION (top/bottom 12% band,
      at most the 3 outermost rows) AND REPETITION (the same text, digits ignored, on >= 2
      pages and >= 30% of them, or on >= 5 pages at the same height) or by being a bare page
      number in that band. Article headings are never taken for running text by the
      5-pages rule.
    * Lines are unwrapped into paragraphs, one paragraph per line as in the .txt corpus: a new
      line starts after a short line (the next line's first word would have fitted), before a
      heading ("Article 12 :", "TITRE II", ...), around centred lines and at vertical gaps
      (a blank line for a large gap), so that "Article 12 :" stays at the start of a line.
    * End-of-line hyphens: "traf-" + "fic" is joined to "trafic" when the joined form is
      attested elsewhere in the document more often than the hyphenated one; the hyphen is kept
      when the hyphenated form is more attested, when the continuation starts with a capital,
      or (neither form attested) for known compound parts ("vingt-cinq", "celui-ci") or when
      both halves are words of the document ("dommages-intérêts"); otherwise it is joined
      (typesetting hyphenation is far more frequent than a compound broken at its hyphen).
      Soft hyphens (U+00AD) are always joined. The notes count joins and kept hyphens.
    * Ligatures (U+FB00-FB06) are expanded; spaces between words are re-created (one space).
    * Pages without a text layer -> `NoTextLayerError` naming them (or OCR with ``ocr=True``,
      Tesseract through a pipe: nothing written to disk). Password -> `EncryptedPdfError`.
      More pages than ``max_pages`` -> `IngestError` (a silently truncated law would produce
      false "missing provision" findings; raise the limit if the file really is one text).

DOCX (python-docx)
    Body paragraphs and table cells in document order (headers/footers excluded), one per line.
    Before parsing, the zip is checked: total uncompressed size <= max_bytes, no member with a
    compression ratio above 100 (for members > 1 MB), and the real inflated sizes are verified
    by streaming (a zip can lie about sizes). Word automatic numbering is not rendered (noted).
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import io
import os
import re
import shutil
import statistics
import subprocess
import unicodedata
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

from lexcompare.errors import (
    EncryptedPdfError,
    IngestError,
    MissingDependencyError,
    NoTextLayerError,
)
from lexcompare.model import SourceText

__all__ = ["read_source"]

OCR_HINT = (
    "run again with --ocr (needs Tesseract: `scripts/install-ocr.sh` installs the Debian "
    "packages tesseract-ocr and tesseract-ocr-fra), or supply the text as a .txt file"
)


# ============================================================================ public verb
def read_source(
    path: str | os.PathLike[str],
    *,
    ocr: bool = False,
    max_pages: int = 3000,
    max_bytes: int = 200_000_000,
) -> SourceText:
    """Read a .txt, PDF or DOCX legal text; see the module docstring for every decision.

    Raises `IngestError` (or its subclasses `NoTextLayerError`, `EncryptedPdfError`) with a
    message saying what was found and what to do.
    """
    p = Path(path)
    if not p.exists():
        raise IngestError(f"{p}: no such file; check the path (relative to {Path.cwd()}).")
    if p.is_dir():
        raise IngestError(f"{p} is a directory; give the path of one .txt, .pdf or .docx file.")
    size = p.stat().st_size
    if size == 0:
        raise IngestError(
            f"{p} is empty (0 bytes): the download or copy probably failed; fetch it again."
        )
    if size > max_bytes:
        raise IngestError(
            f"{p} is {size:,} bytes, more than max_bytes={max_bytes:,}; if it really is one "
            "legal text, pass a larger max_bytes."
        )
    data = p.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    kind = _sniff(data)
    suffix = p.suffix.lower()
    if kind == "pdf":
        return _read_pdf(p, data, digest, ocr=ocr, max_pages=max_pages)
    if kind == "docx":
        return _read_docx(p, data, digest, max_bytes=max_bytes)
    _refuse_misnamed(p, data, kind, suffix)
    return _read_text(p, data, digest)


# ============================================================================ sniffing
_IMAGE_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
}


def _sniff(data: bytes) -> str:
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip-corrupt"
        if "word/document.xml" in names:
            return "docx"
        if "content.xml" in names:
            return "odt"
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    for magic, what in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return what
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in low:
        return "html"
    return "text"


def _refuse_misnamed(p: Path, data: bytes, kind: str, suffix: str) -> None:
    start = data[:60].decode("utf-8", "replace").split("\n")[0].strip()
    if kind == "zip-corrupt":
        raise IngestError(
            f"{p} starts like a zip archive (DOCX) but the archive is corrupt or truncated; "
            "fetch or export the file again."
        )
    if kind == "odt":
        raise IngestError(
            f"{p} is an OpenDocument file, not DOCX; save it as .docx or .txt and retry."
        )
    if kind == "zip":
        raise IngestError(
            f"{p} is a zip archive without word/document.xml (not a Word .docx); extract the "
            "legal text from it or export it as .docx / .txt."
        )
    if kind == "ole":
        raise IngestError(
            f"{p} is a legacy Word 97-2003 (.doc) or other OLE file; save it as .docx or .txt."
        )
    if kind.startswith("a "):
        raise IngestError(f"{p} is {kind}, not a text, PDF or DOCX; {OCR_HINT}.")
    if suffix == ".pdf":
        what = "an HTML page" if kind == "html" else "not a PDF"
        raise IngestError(
            f"{p} is named .pdf but is {what}: it starts with {start!r} (no '%PDF-' header). "
            "A failed download often saves an error or login page under the PDF's name; "
            "download the PDF again and check it opens in a PDF viewer."
        )
    if suffix == ".docx":
        raise IngestError(
            f"{p} is named .docx but is not a zip/Word file: it starts with {start!r}; "
            "export it again from the word processor."
        )


# ============================================================================ text
_C1 = re.compile(rb"[\x80-\x9f]")


def _read_text(p: Path, data: bytes, digest: str) -> SourceText:
    notes: list[str] = []
    text, encoding = _decode(p, data, notes)
    if "\x00" in text:
        lines = [i + 1 for i, ln in enumerate(text.split("\n")) if "\x00" in ln]
        shown = ", ".join(map(str, lines[:10])) + (" ..." if len(lines) > 10 else "")
        raise IngestError(
            f"{p} contains NUL bytes on line(s) {shown}: it is corrupt, binary, or UTF-16 "
            "without a byte-order mark. Open it in an editor and save it as UTF-8 text."
        )
    if "\r" in text:
        crlf = text.count("\r\n")
        text = text.replace("\r\n", "\n")
        lone = text.count("\r")
        text = text.replace("\r", "\n")
        what = f"{crlf} CRLF" + (f" and {lone} CR" if lone else "")
        notes.append(f"{what} line ends normalised to LF")
    if not text.strip():
        raise IngestError(
            f"{p} holds only whitespace ({len(data)} bytes): no legal text to read; "
            "check that the right file was exported."
        )
    if not unicodedata.is_normalized("NFC", text):
        notes.append(
            "text is not Unicode NFC (decomposed accents); kept as is: searches for accented "
            "words may need NFC"
        )
    return SourceText(path=str(p), text=text, sha256=digest, encoding=encoding, notes=tuple(notes))


def _decode(p: Path, data: bytes, notes: list[str]) -> tuple[str, str]:
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{p} starts with a {enc.upper()} byte-order mark but is not valid {enc} "
                    f"(byte {exc.start}); re-save it as UTF-8."
                ) from exc
            notes.append(f"{enc.replace('-sig', '')} byte-order mark dropped")
            return text, enc.replace("-sig", "")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if b"\x00" not in data:
        if not _C1.search(data):
            notes.append(f"not UTF-8 (byte {bad_at}); decoded as ISO-8859-1 (latin-1)")
            return data.decode("latin-1"), "latin-1"
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            notes.append(f"not UTF-8 (byte {bad_at}); decoded as Windows-1252 (cp1252)")
            return text, "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        if b"\x00" in data:  # let the NUL check name the lines
            return data.decode("latin-1"), "latin-1"
        raise IngestError(
            f"{p} is not UTF-8 (invalid byte at {bad_at}) and its encoding could not be "
            "recognised; re-save it as UTF-8 text."
        )
    notes.append(f"not UTF-8 (byte {bad_at}); encoding guessed as {best.encoding}")
    return str(best), best.encoding


# ============================================================================ DOCX
_DOCX_MAX_RATIO = 100
_DOCX_MAX_MEMBERS = 10_000


def _check_zip(p: Path, data: bytes, max_bytes: int) -> None:
    """Zip-bomb guard, before python-docx inflates anything."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"{p} is a corrupt zip/DOCX ({exc}); export it again.") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > _DOCX_MAX_MEMBERS:
            raise IngestError(
                f"{p} holds {len(infos):,} zip members (limit {_DOCX_MAX_MEMBERS:,}): not a "
                "normal Word document; refused as a possible zip bomb."
            )
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            raise IngestError(
                f"{p} would inflate to {declared:,} bytes (max_bytes={max_bytes:,}): refused "
                "as a possible zip bomb; export the text as .txt or raise max_bytes."
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1_000_000 and ratio > _DOCX_MAX_RATIO:
                raise IngestError(
                    f"{p}: member {info.filename} inflates {ratio:,.0f}x ({info.file_size:,} "
                    f"bytes from {info.compress_size:,}); refused as a possible zip bomb "
                    f"(limit {_DOCX_MAX_RATIO}x). Re-save the document from Word."
                )
        total = 0  # the header sizes can lie: count what really comes out
        for info in infos:
            try:
                with zf.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > max_bytes:
                            raise IngestError(
                                f"{p} inflates beyond max_bytes={max_bytes:,} (while reading "
                                f"{info.filename}): refused as a possible zip bomb."
                            )
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error,
                    NotImplementedError) as exc:  # bad deflate data, unknown compression
                raise IngestError(
                    f"{p}: zip member {info.filename} is corrupt ({exc}); export it again."
                ) from exc


def _read_docx(p: Path, data: bytes, digest: str, *, max_bytes: int) -> SourceText:
    _check_zip(p, data, max_bytes)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises assorted errors on malformed packages
        raise IngestError(f"{p} could not be read as DOCX ({exc}); export it again.") from exc

    lines: list[str] = []
    numbered = 0
    cells = 0

    def walk(container: object) -> None:
        nonlocal numbered, cells
        for block in container.iter_inner_content():  # type: ignore[attr-defined]
            if isinstance(block, Paragraph):
                ppr = block._p.pPr
                if ppr is not None and ppr.numPr is not None:
                    numbered += 1
                lines.append(block.text)
            elif isinstance(block, Table):
                seen: set[int] = set()
                for row in block.rows:
                    for cell in row.cells:
                        if id(cell._tc) in seen:  # merged cells repeat the same cell
                            continue
                        seen.add(id(cell._tc))
                        cells += 1
                        walk(cell)

    walk(document)
    text = "\n".join(ln.replace("\r\n", "\n").replace("\r", "\n") for ln in lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
    if not text.strip():
        raise IngestError(f"{p} is a Word document with no text in its body; check the file.")
    notes = [f"DOCX: {len(lines)} paragraphs read in document order, one per line"]
    if cells:
        notes.append(f"DOCX: {cells} table cells read row by row")
    if numbered:
        notes.append(
            f"DOCX: {numbered} paragraphs use Word automatic numbering, whose numbers are NOT "
            "in the text: check that article numbers were typed (else export as .txt or PDF)"
        )
    return SourceText(path=str(p), text=text, sha256=digest, encoding="utf-8", notes=tuple(notes))


# ============================================================================ PDF
_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
_HYPHENS = "-\u2010\ufffe\x02\u00ad"
_PLACEHOLDER = "\u2060"
_LIGATURE_CHARS = re.compile("[\ufb00-\ufb06]")
_Y0 = itemgetter(3)
_X0 = itemgetter(1)
_TAG_KEY = itemgetter(0, 1, 2)
_DIGITS = re.compile(r"\d+")
_BAD_CHARS = re.compile("[\ufffd\ue000-\uf8ff\x01-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_WORD = re.compile(r"[^\s\ufffe\x02]+[\ufffe\x02]?|[\ufffe\x02]")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—)\]]?"
    r"(?:\s*(?:/|sur|of)\s*\d{1,4})?$",
    re.I,
)
_HEADING = re.compile(
    r"^(?:Art(?:icle|\.)\s*(?:premier|1er|\d+[\w-]*)(?:\s*(?:bis|ter|quater|nouveau|ancien))?"
    r"\s*(?:[:.\-–—]|$)"
    r"|(?:LIVRE|Livre|TITRE|Titre|SOUS-TITRE|Sous-[Tt]itre|CHAPITRE|Chapitre|SECTION|Section"
    r"|SOUS-SECTION|Sous-[Ss]ection|PARAGRAPHE|Paragraphe)\s+(?:[IVXLC]+|\d+|premier|PREMIER|1er)\b"
    r"|PR[EÉ]AMBULE|Pr[ée]ambule)",
)
_ITEM = re.compile(r"^(?:[-–—•·*]\s|\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)°]\s)")
_ARTICLE_LIKE = re.compile(r"^\s*art(?:icle|\.)\s", re.I)
_LETTERS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # "l’exploitation" -> "exploitation"
_LEAD_LETTERS = re.compile(r"^[^\W\d_]+")
_TAIL_LETTERS = re.compile(r"[^\W\d_]+$")

# Parts of French compounds (used only when neither form is attested in the document).
_COMPOUND_TAILS = frozenset(
    "ci là même mêmes dessus dessous delà deçà dedans dehors après joint jointe jointes "
    "inclus incluse contre devant il ils elle elles on je tu nous vous moi toi lui leur".split()
)
_COMPOUND_HEADS = frozenset(
    "là vingt trente quarante cinquante soixante quatre dix sous non ex vice demi mi "
    "quasi au celui celle ceux celles socio politico économico médico judéo franco "
    "afro euro anglo".split()
)
_SYLLABLE_PREFIXES = frozenset("pour par sur con en dé pré re ré de".split())

_BAND = 0.12  # top/bottom fraction of the page where running headers/footers may sit


@dataclass(slots=True)
class _Line:
    text: str
    x0: float
    x1: float
    y0: float  # bottom
    y1: float  # top
    size: float  # loose box height (~1.15 x font size)
    first_w: float  # width of the first word (would it have fitted on the previous line?)
    page: int  # 0-based
    group: str  # "L", "R" (columns), "S" (spanning / single column)
    section: int
    left: float  # the column's left / right edges on this page
    right: float
    band: str = ""  # "top"/"bottom": a running header/footer candidate (decided later)


Word = tuple[str, float, float, float, float]  # text, x0, x1, y0 (bottom), y1 (top)


def _open_pdf(p: Path, data: bytes):  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    tail = data[-4096:]
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedPdfError(
                f"{p} is password-protected (encrypted PDF): the text cannot be read without "
                "the password. Ask the publisher for an open copy, or open it with the password "
                "in a PDF viewer and print/export it to an unprotected PDF or .txt."
            ) from exc
        trunc = "" if b"%%EOF" in tail else " and has no %%EOF end marker (truncated?)"
        raise IngestError(
            f"{p} starts like a PDF but PDFium cannot read it ({exc}){trunc}; the file is "
            "corrupt or incompletely downloaded: download it again."
        ) from exc
    if b"%%EOF" not in tail:
        doc.close()
        raise IngestError(
            f"{p} is a truncated PDF: it has no %%EOF end marker ({len(data):,} bytes, "
            "download interrupted?). Pages could be missing; download it again."
        )
    return doc


def _read_pdf(p: Path, data: bytes, digest: str, *, ocr: bool, max_pages: int) -> SourceText:
    import pypdfium2.raw as pdfium_c

    doc = _open_pdf(p, data)
    try:
        n_pages = len(doc)
        if n_pages == 0:
            raise IngestError(f"{p} is a PDF with no pages; download it again.")
        if n_pages > max_pages:
            raise IngestError(
                f"{p} has {n_pages:,} pages, more than max_pages={max_pages:,}: refused rather "
                "than truncated (a partial law gives false 'missing provision' findings). "
                "If it really is one legal text, pass a larger limit (--max-pages N)."
            )
        notes: list[str] = []
        if pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:
            notes.append("PDF has an owner password (use restrictions); text layer read anyway")
        pages: list[list[_Line]] = []
        empty: list[int] = []  # 0-based pages with no text at all
        garbled: list[int] = []  # pages whose text layer is mostly unmapped glyphs
        for i, kind, lines in _extract_pages(p, data, doc, n_pages):
            if kind == "empty":
                empty.append(i)
            elif kind == "garbled":
                garbled.append(i)
            pages.append(lines)
        ocr_text: dict[int, str] = {}
        scanned = sorted([i for i in empty if _has_images(doc, i)] + garbled)
        if len(empty) == n_pages and not scanned:
            scanned = empty
        if scanned and not ocr:
            what = "no text layer (scanned images)" if not garbled else "no usable text layer"
            raise NoTextLayerError(f"{p}: {_pages_label(scanned, n_pages)} {what}: {OCR_HINT}.")
        if scanned:
            ocr_text = _ocr_pages(p, doc, scanned)
            notes.append(
                f"OCR (Tesseract) on {_pages_label(scanned, n_pages, verb=False)}: "
                "check the wording against the scan"
            )
        blank = [i for i in empty if i not in ocr_text]
        if blank:
            notes.append(f"{_pages_label(blank, n_pages, verb=False)} blank (no text)")
    finally:
        doc.close()
    return _layout_document(p, pages, ocr_text, digest, notes)


PARALLEL_MIN_PAGES = 48  # below this, starting worker processes costs more than it saves


def _extract_pages(p: Path, data: bytes, doc, n_pages: int  # type: ignore[no-untyped-def]
                   ) -> list[tuple[int, str, list[_Line]]]:
    """(page, "text" | "empty" | "garbled", lines) for every page, in page order.

    Long PDFs are split into page ranges read by worker processes (each opens its own copy of
    the document: PDFium handles are not shared); the result is the same as reading in order.
    """
    workers = min(os.cpu_count() or 1, 4)
    if n_pages < PARALLEL_MIN_PAGES or workers < 2:
        return _page_range(p, doc, range(n_pages), n_pages)
    import concurrent.futures as cf
    import multiprocessing as mp

    bounds = [n_pages * k // workers for k in range(workers + 1)]
    with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        parts = pool.map(_page_range_worker, [(p, data, bounds[k], bounds[k + 1], n_pages)
                                              for k in range(workers)])
        return [page for part in parts for page in part]


def _page_range_worker(job: tuple[Path, bytes, int, int, int]
                       ) -> list[tuple[int, str, list[_Line]]]:
    import pypdfium2 as pdfium

    p, data, start, stop, n_pages = job
    doc = pdfium.PdfDocument(data)
    try:
        return _page_range(p, doc, range(start, stop), n_pages)
    finally:
        doc.close()


def _page_range(p: Path, doc, indexes: range,  # type: ignore[no-untyped-def]
                n_pages: int) -> list[tuple[int, str, list[_Line]]]:
    import pypdfium2 as pdfium

    out: list[tuple[int, str, list[_Line]]] = []
    for i in indexes:
        try:
            page = doc[i]
            try:
                height = page.get_height()
                textpage = page.get_textpage()
                try:
                    words = _extract_words(textpage.raw)
                finally:
                    textpage.close()
            finally:
                page.close()
        except pdfium.PdfiumError as exc:  # a broken page tree, page or text layer
            raise IngestError(
                f"{p}: page {i + 1} of {n_pages} cannot be read ({exc}): the PDF is "
                "corrupt; download it again or export the text as .txt."
            ) from exc
        if not words:
            out.append((i, "empty", []))
        elif _garbled(words):
            out.append((i, "garbled", []))
        else:
            out.append((i, "text", _page_lines(i, words, height)))
    return out


def _pages_label(idx: list[int], n_pages: int, *, verb: bool = True) -> str:
    one = [i + 1 for i in idx]
    ranges: list[str] = []
    start = prev = one[0]
    for x in [*one[1:], 0]:
        if x == prev + 1:
            prev = x
            continue
        ranges.append(f"{start}-{prev}" if prev != start else str(start))
        start = prev = x
    many = len(one) > 1
    if len(one) == n_pages and many:
        label = f"all {n_pages} pages"
    else:
        label = ("pages " if many else "page ") + ", ".join(ranges)
    if verb:
        label += " have" if many else " has"
    return label


def _garbled(words: list[Word]) -> bool:
    """A text layer that is mostly private-use / replacement / control characters."""
    letters = "".join(w[0] for w in words)
    if len(letters) < 20:
        return False
    return len(_BAD_CHARS.findall(letters)) > 0.3 * len(letters)


def _has_images(doc, index: int) -> bool:  # type: ignore[no-untyped-def]
    import pypdfium2.raw as pdfium_c

    page = doc[index]
    try:
        return any(obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2))
    finally:
        page.close()


def _extract_words(tp) -> list[Word]:  # type: ignore[no-untyped-def]
    """Words (runs of non-space characters) with boxes, from as few PDFium calls as possible.

    Only the first and last character boxes of a word are fetched; a word whose two ends are
    not plausibly on one line, left to right (PDFium sometimes glues the end of one line to the
    next one), is re-read character by character and split where the position jumps.
    """
    import pypdfium2.raw as pdfium_c

    n = pdfium_c.FPDFText_CountChars(tp)
    words: list[Word] = []
    if n <= 0:
        return words
    buf = (ctypes.c_ushort * (n + 1))()
    got = pdfium_c.FPDFText_GetText(tp, 0, n, buf)
    raw = bytes(memoryview(buf).cast("B"))[: 2 * max(got - 1, 0)]
    text = "".join(map(chr, memoryview(raw).cast("H"))) if raw else ""
    if len(text) != n:  # rare: text index and char index disagree; slow but exact
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(tp, i)) for i in range(n))
    if _SURROGATE.search(text):
        text = _fix_surrogates(text)  # keeps one code unit per char: replaces pairs by U+FFFD
    rect = pdfium_c.FS_RECTF()
    ref = ctypes.byref(rect)
    box = pdfium_c.FPDFText_GetLooseCharBox
    add = words.append
    for m in _WORD.finditer(text):
        s, e = m.span()
        e -= 1
        box(tp, s, ref)
        ax0, ay0, ay1 = rect.left, rect.bottom, rect.top
        if e == s:
            add((m.group(), ax0, rect.right, ay0, ay1))
            continue
        box(tp, e, ref)
        zx0, zx1, zy0 = rect.left, rect.right, rect.bottom
        h = ay1 - ay0 if ay1 - ay0 > 1.0 else 1.0
        if zx0 >= ax0 - 0.5 and abs(zy0 - ay0) < 0.3 * h and zx1 - ax0 <= (e - s + 1) * 1.2 * h:
            add(
                (
                    m.group(),
                    ax0,
                    zx1,
                    ay0 if ay0 < zy0 else zy0,
                    ay1 if ay1 > rect.top else rect.top,
                )
            )
            continue
        # implausible: re-read character by character and split where the position jumps
        start = s
        box(tp, s, ref)
        prev = (rect.left, rect.right, rect.bottom, rect.top)
        x0, y0, y1 = prev[0], prev[2], prev[3]
        for i in range(s + 1, e + 1):
            box(tp, i, ref)
            c = (rect.left, rect.right, rect.bottom, rect.top)
            if c[0] < prev[0] - 0.5 or abs(c[2] - prev[2]) > 0.3 * h or c[0] - prev[1] > 0.5 * h:
                add((text[start:i], x0, prev[1], y0, y1))
                start, x0, y0, y1 = i, c[0], c[2], c[3]
            else:
                y0, y1 = min(y0, c[2]), max(y1, c[3])
            prev = c
        add((text[start : e + 1], x0, prev[1], y0, y1))
    if _PLACEHOLDER in text or _LIGATURE_CHARS.search(text):
        return [(_expand(w[0]), w[1], w[2], w[3], w[4]) for w in words]
    return words


def _fix_surrogates(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if "\ud800" <= c <= "\udbff" and i + 1 < len(text) and "\udc00" <= text[i + 1] <= "\udfff":
            pair = (text[i] + text[i + 1]).encode("utf-16-le", "surrogatepass").decode("utf-16-le")
            out.append(pair + "\u2060")  # keep the length; the joiner is dropped later
            i += 2
            continue
        out.append("\ufffd" if "\ud800" <= c <= "\udfff" else c)
        i += 1
    return "".join(out)


def _expand(word: str) -> str:
    return word.replace(_PLACEHOLDER, "").translate(_LIGATURES)


# ---------------------------------------------------------------------------- layout
def _rows(words: list[Word]) -> list[list[Word]]:
    """Group words into rows (top to bottom): vertical overlap >= half the smaller height."""
    rows: list[list[Word]] = []
    cur: list[Word] = []
    r0 = r1 = 0.0
    for w in sorted(words, key=_Y0, reverse=True):
        y0, y1 = w[3], w[4]
        if cur:
            h = y1 - y0
            rh = r1 - r0
            overlap = (r1 if r1 < y1 else y1) - (r0 if r0 > y0 else y0)
            if overlap >= 0.5 * (h if h < rh else rh):
                cur.append(w)
                if y0 < r0:
                    r0 = y0
                if y1 > r1:
                    r1 = y1
                continue
        cur = [w]
        rows.append(cur)
        r0, r1 = y0, y1
    for r in rows:
        r.sort(key=_X0)
    return rows


def _segments(row: list[Word], factor: float = 0.6) -> list[list[Word]]:
    """Split a row (sorted by x) where the gap exceeds `factor` x the text height."""
    segs: list[list[Word]] = [[row[0]]]
    prev = row[0]
    for w in row[1:]:
        if w[1] - prev[2] > factor * (prev[4] - prev[3]):
            segs.append([w])
        else:
            segs[-1].append(w)
        prev = w
    return segs


def _band_rows(rows: list[list[Word]], height: float) -> dict[int, str]:
    """Rows that may be running headers/footers: outermost rows in the top/bottom band.

    Only rows set apart from the body: the rows (at most 3) above the first clearly larger
    vertical gap from the top (below it from the bottom), all inside the band. A body line that
    merely reaches into the band is never a candidate.
    """
    if len(rows) < 2:
        return {}
    ext = [(min(w[3] for w in r), max(w[4] for w in r)) for r in rows]
    gaps = [ext[k][0] - ext[k + 1][1] for k in range(len(rows) - 1)]
    typical = sorted(gaps)[len(gaps) // 2]
    heights = sorted(e[1] - e[0] for e in ext)
    big = max(typical + 0.5 * heights[len(heights) // 2], 1.5 * typical)
    out: dict[int, str] = {}
    for k in range(min(3, len(gaps))):  # from the top
        if ext[k][0] < height * (1 - _BAND):
            break
        if gaps[k] > big:
            out.update((j, "top") for j in range(k + 1))
            break
    for k in range(min(3, len(gaps))):  # from the bottom
        r = len(rows) - 1 - k
        if ext[r][1] > height * _BAND:
            break
        if gaps[r - 1] > big:
            out.update((j, "bottom") for j in range(r, len(rows)))
            break
    return out


_MAX_PAGE_WIDTH = 14_400  # points: the largest page size PDF viewers support (200 inches)


def _gutter(segs: list[list[Word]], n_rows: int) -> tuple[float, float] | None:
    """The vertical band free of text between two columns, or None (single column)."""
    if n_rows < 4 or not segs:
        return None
    lo = min(s[0][1] for s in segs)
    hi = max(s[-1][2] for s in segs)
    width = hi - lo
    if width < 100 or width > _MAX_PAGE_WIDTH:  # absurd coordinates (corrupt PDF): no gutter
        return None
    nb = int(width) + 2
    diff = [0] * (nb + 1)
    for s in segs:
        a = int(s[0][1] - lo)
        b = int(s[-1][2] - lo) + 1
        diff[a if a > 0 else 0] += 1
        diff[b if b < nb else nb] -= 1
    cov = list(accumulate(diff[:nb]))
    limit = max(1, int(0.08 * n_rows))
    heights = sorted(s[0][4] - s[0][3] for s in segs)
    min_gap = max(4.0, 0.5 * heights[len(heights) // 2])
    best: tuple[int, int] | None = None
    run: int | None = None
    for x in range(int(0.25 * width), int(0.75 * width) + 1):
        if cov[x] <= limit:
            run = x if run is None else run
            if best is None or x - run > best[1] - best[0]:
                best = (run, x)
        else:
            run = None
    if best is None or best[1] - best[0] + 1 < min_gap:
        return None
    g0, g1 = lo + best[0], lo + best[1] + 1
    left = sum(1 for s in segs if s[-1][2] <= g0 + 0.5)
    right = sum(1 for s in segs if s[0][1] >= g1 - 0.5)
    if left < 0.2 * n_rows or right < 0.2 * n_rows:
        return None
    return g0, g1


def _page_lines(index: int, words: list[Word], height: float) -> list[_Line]:
    """Lines of one page in reading order.

    Header/footer candidate rows first/last (one line per wide-gap segment, decided later);
    then sections separated by lines spanning the columns, each read left column first, then
    right column, then the spanning line.
    """
    rows = _rows(words)
    band = _band_rows(rows, height)
    body = [r for k, r in enumerate(rows) if k not in band]
    row_segs = [_segments(r) for r in body]
    gutter = _gutter([s for segs in row_segs for s in segs], len(body))
    parts: list[tuple[str, list[Word]]] = []  # (group, words of one line)
    if gutter is None:
        parts = [("S", r) for r in body]
    else:
        g0, g1 = gutter
        mid = (g0 + g1) / 2
        for r, segs in zip(body, row_segs, strict=True):
            if any(s[0][1] < g0 and s[-1][2] > g1 for s in segs):
                parts.append(("S", r))
                continue
            left = [w for w in r if w[2] <= mid]
            right = [w for w in r if w[2] > mid]
            for g, ws in (("L", left), ("R", right)):
                if not ws:
                    continue
                if max(w[3] for w in ws) - min(w[3] for w in ws) > 0.5 * (ws[0][4] - ws[0][3]):
                    parts.extend((g, sub) for sub in _rows(ws))  # two lines in one row
                else:
                    parts.append((g, ws))
    spans = sorted(((ws[0][3] + ws[0][4]) / 2 for g, ws in parts if g == "S"), reverse=True)
    spans = spans if gutter is not None else []
    edges: dict[str, tuple[float, float]] = {}
    for g, ws in parts:
        lo, hi = edges.get(g, (ws[0][1], ws[-1][2]))
        edges[g] = (min(lo, ws[0][1]), max(hi, ws[-1][2]))
    if "S" in edges and gutter is not None:
        edges["S"] = (min(e[0] for e in edges.values()), max(e[1] for e in edges.values()))
    order = {"L": 0, "R": 1, "S": 2}
    tagged: list[tuple[int, int, float, _Line]] = []
    for g, ws in parts:
        y0 = min(w[3] for w in ws)
        y1 = max(w[4] for w in ws)
        yc = (y0 + y1) / 2
        section = sum(1 for s in spans if s > yc + 0.01)
        hs = sorted(w[4] - w[3] for w in ws)
        left, right = edges[g]
        line = _Line(
            " ".join(w[0] for w in ws),
            ws[0][1],
            ws[-1][2],
            y0,
            y1,
            hs[len(hs) // 2],
            ws[0][2] - ws[0][1],
            index,
            g,
            section,
            left,
            right,
        )
        tagged.append((section, order[g], -yc, line))
    tagged.sort(key=_TAG_KEY)
    out = [t[3] for t in tagged]
    # header/footer candidates: one line per segment split at wide gaps
    lo = min(w[1] for w in words)
    hi = max(w[2] for w in words)
    top: list[_Line] = []
    bottom: list[_Line] = []
    for k, r in enumerate(rows):
        where = band.get(k)
        if where is None:
            continue
        for seg in _segments(r, 3.0):
            y0 = min(w[3] for w in seg)
            y1 = max(w[4] for w in seg)
            line = _Line(
                " ".join(w[0] for w in seg),
                seg[0][1],
                seg[-1][2],
                y0,
                y1,
                y1 - y0,
                seg[0][2] - seg[0][1],
                index,
                "S",
                -1 if where == "top" else 10**6,
                lo,
                hi,
                where,
            )
            (top if where == "top" else bottom).append(line)
    return top + out + bottom


def _norm_key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.lower().split()))


def _remove_furniture(pages: list[list[_Line]]) -> tuple[list[list[_Line]], int]:
    """Drop running headers/footers/page numbers: position (band candidates) AND repetition."""
    where: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for i, lines in enumerate(pages):
        for ln in lines:
            if ln.band:
                where[(ln.band, _norm_key(ln.text))].append((i, ln.y0))
    n = sum(1 for lines in pages if lines)
    out: list[list[_Line]] = []
    count = 0
    for lines in pages:
        kept: list[_Line] = []
        for ln in lines:
            if ln.band:
                hits = where[(ln.band, _norm_key(ln.text))]
                n_pages = len({page for page, _ in hits})
                ys = [y for _, y in hits]
                steady = max(ys) - min(ys) <= 3.0
                if (
                    _PAGE_NUMBER.match(ln.text.strip())
                    or (n_pages >= 2 and n_pages >= 0.3 * n)
                    or (n_pages >= 5 and steady and not _ARTICLE_LIKE.match(ln.text))
                ):
                    count += 1
                    continue
            kept.append(ln)
        out.append(kept)
    return out, count


def _layout_document(
    p: Path, pages: list[list[_Line]], ocr_text: dict[int, str], digest: str, notes: list[str]
) -> SourceText:
    pages, n_furniture = _remove_furniture(pages)
    lines: list[_Line] = []
    page_first_line: list[int] = []
    two_col = 0
    for pl in pages:
        page_first_line.append(len(lines))
        if any(ln.group != "S" for ln in pl):
            two_col += 1
        lines.extend(pl)
    if n_furniture:
        notes.append(f"{n_furniture} running header/footer/page-number lines removed")
    if two_col:
        notes.append(f"two-column layout read column by column on {two_col} page(s)")
    text, page_starts, joined, kept = _assemble(lines, page_first_line, ocr_text, len(pages))
    if joined or kept:
        notes.append(
            f"{joined} end-of-line hyphenations joined, {kept} hyphens kept as compound words"
        )
    notes.append("PDF lines unwrapped: one paragraph per line")
    if not text.strip():
        raise NoTextLayerError(f"{p}: no text found on any page: {OCR_HINT}.")
    return SourceText(
        path=str(p),
        text=text,
        sha256=digest,
        encoding="utf-8",
        page_starts=tuple(page_starts),
        notes=tuple(notes),
    )


def _break_kind(
    a: _Line,
    b: _Line,
    gaps: dict[tuple[int, str], float],
    justified: dict[tuple[int, str], bool],
) -> str:
    """How line b follows line a: "\\n\\n", "\\n" (new paragraph) or " " (same paragraph)."""
    if _HEADING.match(b.text):
        same_flow = a.page == b.page and a.group == b.group and a.section == b.section
        if same_flow and a.y0 - b.y1 > gaps.get((a.page, a.group), 0.0) + 0.5 * b.size:
            return "\n\n"
        return "\n"
    if _HEADING.match(a.text) and a.x1 < a.right - 2 * a.size:
        return "\n"
    space = 0.3 * a.size
    if a.x1 + space + b.first_w < a.right - 0.5:  # b's first word would have fitted on a
        brk = "\n"
    elif justified.get((a.page, a.group), False) and a.x1 < a.right - 0.25 * a.size:
        brk = "\n"  # justified column: only a paragraph's last line stops short
    elif a.text[-1:] in ";:." and _ITEM.match(b.text):
        brk = "\n"  # "... suivantes :" / "- item ;" then "- item"
    elif b.x0 - b.left > 2 * b.size and b.right - b.x1 > 2 * b.size:  # centred line
        brk = "\n"
    elif a.x0 - a.left > 2 * a.size and a.right - a.x1 > 2 * a.size:
        brk = "\n"
    else:
        brk = " "
    if a.page == b.page and a.group == b.group and a.section == b.section:
        if a.y0 - b.y1 > gaps.get((a.page, a.group), 0.0) + 0.5 * b.size:
            return "\n\n"
    return brk


def _assemble(
    lines: list[_Line], page_first_line: list[int], ocr_text: dict[int, str], n_pages: int
) -> tuple[str, list[int], int, int]:
    # typical inter-line gap per page and column
    gap_lists: dict[tuple[int, str], list[float]] = defaultdict(list)
    for a, b in zip(lines, lines[1:], strict=False):
        if a.page == b.page and a.group == b.group and a.section == b.section:
            gap_lists[(a.page, a.group)].append(a.y0 - b.y1)
    gaps = {k: statistics.median(v) for k, v in gap_lists.items()}
    flush: dict[tuple[int, str], list[bool]] = defaultdict(list)
    for ln in lines:
        flush[(ln.page, ln.group)].append(abs(ln.right - ln.x1) < 0.25 * ln.size)
    justified = {k: sum(v) >= 0.5 * len(v) and len(v) >= 4 for k, v in flush.items()}

    seps: list[str] = []
    for a, b in zip(lines, lines[1:], strict=False):
        seps.append(_break_kind(a, b, gaps, justified))
    texts = [ln.text for ln in lines]

    # hyphen candidates: a paragraph continues and a ends with letter + hyphen
    cands: list[int] = []
    for i, sep in enumerate(seps):
        t, nxt = texts[i], texts[i + 1]
        if (
            sep == " "
            and len(t) >= 2
            and t[-1] in _HYPHENS
            and t[-2].isalpha()
            and nxt[:1].isalpha()
        ):
            cands.append(i)
    counting = list(texts)
    for i in cands:
        counting[i] = counting[i].rsplit(" ", 1)[0] if " " in counting[i] else ""
        counting[i + 1] = counting[i + 1].split(" ", 1)[1] if " " in counting[i + 1] else ""
    counts = Counter(_LETTERS.findall("\n".join(counting).lower()))
    heads = {t.split("-", 1)[0] for t in counts if "-" in t}  # "aides" from "aides-soignants"
    parts = {c for t in counts for c in t.split("-")}
    stems = {c[:6] for c in parts if len(c) >= 6}
    joined = kept = 0
    for i in cands:
        head_m = _TAIL_LETTERS.search(texts[i][:-1])
        tail_m = _LEAD_LETTERS.match(texts[i + 1])
        if head_m is None or tail_m is None:
            continue
        x, y = head_m.group(), tail_m.group()
        mark = texts[i][-1]
        if mark == "\u00ad" or _join(x, y, counts, heads, parts, stems):
            texts[i] = texts[i][:-1]
            seps[i] = ""
            joined += 1
        else:
            if mark != "-":
                texts[i] = texts[i][:-1] + "-"
            seps[i] = ""
            kept += 1

    parts: list[str] = []
    page_starts = [0] * n_pages
    pos = 0
    for pg in range(n_pages):
        first = page_first_line[pg]
        last = page_first_line[pg + 1] if pg + 1 < n_pages else len(lines)
        if pg in ocr_text:
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")
                pos += 1
            page_starts[pg] = pos
            chunk = ocr_text[pg].strip("\n") + "\n"
            parts.append(chunk)
            pos += len(chunk)
            continue
        page_starts[pg] = pos  # where this page's first line starts (maybe mid-paragraph)
        for i in range(first, last):
            parts.append(texts[i])
            pos += len(texts[i])
            if i < len(seps):
                parts.append(seps[i])
                pos += len(seps[i])
    text = "".join(parts)
    if text and not text.endswith("\n"):
        text += "\n"
    return text, page_starts, joined, kept


def _join(
    x: str, y: str, counts: Counter[str], heads: set[str], parts: set[str], stems: set[str]
) -> bool:
    """Should "x-" at a line end followed by "y" be read as the word x+y (True) or x-y?

    `counts`: words of the document (line-end fragments excluded); `heads`: first parts of its
    hyphenated words; `parts`/`stems`: all word parts and their 6-letter prefixes.
    """
    if y[0].isupper() and not (x.isupper() and y.isupper()):
        return False  # "Jean-" / "Pierre", "Nord-" / "Kivu"
    joined = counts[(x + y).lower()]
    hyph = counts[(x + "-" + y).lower()]
    if joined != hyph:
        return joined > hyph
    xl, yl = x.lower(), y.lower()
    if yl in _COMPOUND_TAILS:
        return False  # "celui-" / "ci", "elle-" / "même"
    y_is_word = yl in parts or (len(yl) >= 6 and yl[:6] in stems)
    if y_is_word and (xl in _COMPOUND_HEADS or xl in heads):
        return False  # "vingt-" / "cinq", "aides-" / "soignantes" (after "aides-soignants")
    if xl not in _SYLLABLE_PREFIXES and counts[xl] and counts[yl] and len(yl) >= 3:
        return False  # both halves are words of the document: "dommages-" / "intérêts"
    return True


# ---------------------------------------------------------------------------- OCR
def _ocr_pages(p: Path, doc, indices: list[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    exe = shutil.which("tesseract")
    if exe is None:
        raise MissingDependencyError(
            f"{p}: OCR was requested for {_pages_label(indices, len(doc), verb=False)} but "
            "Tesseract is not installed: run `scripts/install-ocr.sh` (Debian packages "
            "tesseract-ocr and tesseract-ocr-fra), or supply the text as a .txt file."
        )
    langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False)
    lang = "fra" if "fra" in langs.stdout.split() else "eng"
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out: dict[int, str] = {}
    for i in indices:
        page = doc[i]
        try:
            image = page.render(scale=300 / 72).to_pil()
        finally:
            page.close()
        png = io.BytesIO()
        image.save(png, format="PNG")
        # stdin -> stdout: nothing is written to disk (pytesseract would use temp files)
        run = subprocess.run(
            [exe, "stdin", "stdout", "-l", lang, "--psm", "3"],
            input=png.getvalue(),
            capture_output=True,
            env=env,
            check=False,
        )
        if run.returncode != 0:
            raise IngestError(
                f"{p}: Tesseract failed on page {i + 1}: "
                f"{run.stderr.decode('utf-8', 'replace').strip()[:300]}"
            )
        out[i] = run.stdout.decode("utf-8", "replace").replace("\x0c", "")
    return out
