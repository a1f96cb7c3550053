"""Test-side generators of realistic (and broken) legal source files.

Everything is built from REAL corpus text so that the tests exercise the wording, accents and
typography the tool meets in practice:

- `jo_pdf`: a Journal-officiel-like PDF typeset by hand with reportlab: two justified columns,
  a title spanning both columns on page 1, a running header (journal name + date) and a page
  number footer on every page, words hyphenated at line ends (syllable breaks and breaks after
  the hyphen of compound words), and a content stream drawn row by row across BOTH columns
  (left line, right line, left line, ...) like many producers do: a reader that follows the
  stream order or clusters lines by height interleaves the columns.
- `docx_file`: the same paragraphs as a Word document (python-docx), with a table.
- `scanned_pdf`: image-only pages (text drawn into a PIL raster), no text layer.
- `encrypted_pdf`, `truncated_pdf`, `html_as_pdf`, `zero_byte`, `zip_bomb_docx`.

The generators return layout facts (page of each paragraph, hyphenated words) so that the tests
can check page numbers and hyphen joins against ground truth.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
BJ_PENAL = CORPUS / "national" / "bj" / "bj-code-penal-2018.fr.txt"
GN_CONSTITUTION = CORPUS / "national" / "gn" / "gn-constitution-2025.fr.txt"

HEADER = "JOURNAL OFFICIEL DE LA RÉPUBLIQUE DE GUINÉE"
DATE = "12 décembre 2025"
PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 48.0, 62.0, 58.0
GUTTER = 18.0

_SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
_SERIF_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")


# --------------------------------------------------------------------------- corpus slices
def corpus_slice(path: Path, first: str, stop: str) -> str:
    """The corpus text from the line starting with `first` up to (excluding) `stop`.

    End `first`/`stop` with "\\n" to match a whole line ("Article 2\\n" is not "Article 21").
    """
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if (ln + "\n").startswith(first))
    end = next(i for i, ln in enumerate(lines) if i > start and (ln + "\n").startswith(stop))
    return "\n".join(lines[start:end]).strip("\n") + "\n"


def bj_trafficking_slice() -> str:
    """Benin penal code, articles 495-510 (trafficking in persons, threats, violence)."""
    return corpus_slice(BJ_PENAL, "Article 495 :", "Article 511 :")


def gn_constitution_slice() -> str:
    """Guinea constitution 2025, articles 1-20 (first part of Titre I)."""
    text = GN_CONSTITUTION.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Article 1er"))
    end = next(i for i, ln in enumerate(lines) if ln.strip() == "Article 21")
    return "\n".join(lines[start:end]).strip("\n") + "\n"


# --------------------------------------------------------------------------- fonts
@dataclass
class _Fonts:
    body: str
    bold: str


def _fonts() -> _Fonts:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _SERIF.exists() and _SERIF_BOLD.exists():
        try:
            pdfmetrics.getFont("GenSerif")
        except KeyError:
            pdfmetrics.registerFont(TTFont("GenSerif", str(_SERIF)))
            pdfmetrics.registerFont(TTFont("GenSerif-Bold", str(_SERIF_BOLD)))
        return _Fonts("GenSerif", "GenSerif-Bold")
    return _Fonts("Times-Roman", "Times-Bold")  # WinAnsi only: keep slices cp1252-safe


# --------------------------------------------------------------------------- typesetting
_VOWELS = set("aeiouyàâäéèêëîïôöùûüœæAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ")
_ALPHA = re.compile(r"^[^\W\d_]+$")


def _syllable_breaks(word: str) -> list[int]:
    """Positions k where word[:k] + '-' / word[k:] is an acceptable French-style break.

    Rule V-CV (break before a single consonant followed by a vowel), at least 3 letters on
    each side; only for purely alphabetic words. Real compound hyphens are handled apart.
    """
    if not _ALPHA.match(word) or len(word) < 7:
        return []
    out = []
    for k in range(3, len(word) - 2):
        a, b, c = word[k - 1], word[k], word[k + 1]
        if a in _VOWELS and b not in _VOWELS and c in _VOWELS:
            out.append(k)
    return out


@dataclass
class _Line:
    words: list[str]
    justify: bool
    para: int  # index of the paragraph the line belongs to
    first: bool  # first line of its paragraph
    bold: bool = False


@dataclass
class JoLayout:
    """Ground truth about a generated JO-like PDF."""

    path: Path
    pages: int
    para_pages: list[int]  # 1-based page where each paragraph starts
    paragraphs: list[str]
    soft_breaks: list[tuple[str, str]] = field(default_factory=list)  # ("traf", "fic")
    compound_breaks: list[tuple[str, str]] = field(default_factory=list)  # ("vingt-", "cinq")

    def page_of(self, prefix: str) -> int:
        for text, page in zip(self.paragraphs, self.para_pages, strict=True):
            if text.startswith(prefix):
                return page
        raise KeyError(prefix)


def _wrap(
    paragraph: str,
    width: float,
    font: str,
    size: float,
    para: int,
    hyphenate: bool,
    soft: list[tuple[str, str]],
    compound: list[tuple[str, str]],
    bold: bool = False,
) -> list[_Line]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def w(s: str) -> float:
        return stringWidth(s, font, size)

    space = w(" ")
    words = paragraph.split()
    lines: list[_Line] = []
    cur: list[str] = []
    cur_w = 0.0
    i = 0
    while i < len(words):
        word = words[i]
        need = w(word) + (space if cur else 0.0)
        if cur_w + need <= width:
            cur.append(word)
            cur_w += need
            i += 1
            continue
        # does not fit: try to hyphenate it
        room = width - cur_w - (space if cur else 0.0)
        split: tuple[str, str] | None = None
        if hyphenate and room > 4 * space:
            if "-" in word.strip("-"):
                parts = word.split("-")
                for j in range(len(parts) - 1, 0, -1):
                    head = "-".join(parts[:j]) + "-"
                    if parts[j] and w(head) <= room and _ALPHA.match(parts[j - 1] or "-"):
                        split = (head, "-".join(parts[j:]))
                        compound.append(split)
                        break
            else:
                core = word.rstrip(",;:.)")
                for k in reversed(_syllable_breaks(core)):
                    if w(word[:k] + "-") <= room:
                        split = (word[:k] + "-", word[k:])
                        soft.append((word[:k], core[k:]))
                        break
        if split is not None:
            cur.append(split[0])
            lines.append(_Line(cur, True, para, not lines, bold))
            cur, cur_w = [], 0.0
            words[i] = split[1]
            continue
        if not cur:  # a single word wider than the column: put it alone
            cur, i = [word], i + 1
        lines.append(_Line(cur, True, para, not lines, bold))
        cur, cur_w = [], 0.0
    if cur:
        lines.append(_Line(cur, False, para, not lines, bold))
    return lines


def _is_heading(paragraph: str) -> bool:
    return bool(re.match(r"^(Article\s+\S+(\s*:)?\s*$|TITRE|CHAPITRE|SECTION|Section)", paragraph))


def jo_pdf(
    text: str,
    path: Path,
    *,
    title: Sequence[str] = ("LOI PORTANT CODE PÉNAL", "(extraits)"),
    header: str = HEADER,
    date: str = DATE,
    size: float = 9.0,
    hyphenate: bool = True,
    stream_order: str = "rows",
    repeat: int = 1,
    encrypt: object | None = None,
    max_pages: int | None = None,
) -> JoLayout:
    """Typeset `text` (one paragraph per non-empty line) as a two-column Journal officiel.

    `repeat` concatenates the text that many times; `max_pages` stops after that many pages
    (benchmarks use them to get exactly 200 pages).
    `stream_order`: "rows" draws left and right lines alternately (hard case), "reading"
    draws the left column then the right one.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    fonts = _fonts()
    paragraphs: list[str] = []
    blank_before: list[bool] = []
    for _ in range(repeat):
        blank = False
        for raw in text.split("\n"):
            if not raw.strip():
                blank = True
                continue
            paragraphs.append(raw.strip())
            blank_before.append(blank)
            blank = False

    col_w = (PAGE_W - 2 * MARGIN_X - GUTTER) / 2
    lead = size * 1.25
    soft: list[tuple[str, str]] = []
    compound: list[tuple[str, str]] = []
    lines: list[_Line] = []
    gaps: list[float] = []  # extra space before each line
    for n, para in enumerate(paragraphs):
        bold = _is_heading(para)
        font = fonts.bold if bold else fonts.body
        wrapped = _wrap(para, col_w, font, size, n, hyphenate, soft, compound, bold)
        for j, ln in enumerate(wrapped):
            lines.append(ln)
            gaps.append(lead * 0.6 if (j == 0 and blank_before[n]) else 0.0)

    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), encrypt=encrypt, invariant=1)
    top = PAGE_H - MARGIN_TOP
    bottom = MARGIN_BOTTOM
    x_cols = (MARGIN_X, MARGIN_X + col_w + GUTTER)
    para_pages = [0] * len(paragraphs)
    page = 0
    idx = 0
    while idx < len(lines) and (max_pages is None or page < max_pages):
        page += 1
        # place lines: page 1 starts with a title spanning both columns
        y_start = top
        draws: list[tuple[int, float, float, _Line]] = []  # (col, x, y, line)
        title_draws: list[tuple[float, str]] = []
        if page == 1 and title:
            y = top - 4
            for t in title:
                title_draws.append((y, t))
                y -= size * 1.9
            y_start = y - size
        for col in (0, 1):
            y = y_start
            while idx < len(lines):
                g = gaps[idx] if y != y_start else 0.0
                if y - g < bottom:
                    break
                y -= g
                ln = lines[idx]
                if ln.first and para_pages[ln.para] == 0:
                    para_pages[ln.para] = page
                draws.append((col, x_cols[col], y, ln))
                y -= lead
                idx += 1
        # running header and footer (drawn at the end of the page stream, as many producers do)
        if stream_order == "rows":
            draws.sort(key=lambda d: (-round(d[2], 1), d[0]))
        for ty, t in title_draws:
            c.setFont(fonts.bold, size * 1.6)
            c.drawCentredString(PAGE_W / 2, ty - size * 1.6, t)
        for _col, x, y, ln in draws:
            font = fonts.bold if ln.bold else fonts.body
            c.setFont(font, size)
            if ln.justify and len(ln.words) > 1:
                natural = sum(stringWidth(wd, font, size) for wd in ln.words)
                gap = (col_w - natural) / (len(ln.words) - 1)
                xx = x
                for wd in ln.words:  # word by word: no space glyphs in the stream
                    c.drawString(xx, y - size, wd)
                    xx += stringWidth(wd, font, size) + gap
            else:
                c.drawString(x, y - size, " ".join(ln.words))
        c.setFont(fonts.body, 7.5)
        c.drawString(MARGIN_X, PAGE_H - 34, header)
        c.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 34, date)
        c.line(MARGIN_X, PAGE_H - 40, PAGE_W - MARGIN_X, PAGE_H - 40)
        c.setFont(fonts.body, 8)
        c.drawCentredString(PAGE_W / 2, 30, str(page))
        c.showPage()
    c.save()
    if idx < len(lines):  # stopped by max_pages: keep the ground truth to what was drawn
        last = lines[idx].para + (0 if lines[idx].first else 1)
        paragraphs, para_pages = paragraphs[:last], para_pages[:last]
    return JoLayout(Path(path), page, para_pages, paragraphs, soft, compound)


# --------------------------------------------------------------------------- other formats
def docx_file(text: str, path: Path, *, title: str = "LOI PORTANT CODE PÉNAL") -> Path:
    """The paragraphs of `text` as a .docx, the second article's first alinéa in a table."""
    import docx

    d = docx.Document()
    d.add_heading(title, level=1)
    in_table = False
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        if raw.startswith("Article 496") and not in_table:
            in_table = True
            d.add_paragraph(raw)
            continue
        if in_table is True:  # first alinéa of that article inside a one-cell table
            table = d.add_table(rows=1, cols=1)
            table.cell(0, 0).text = raw
            in_table = None  # type: ignore[assignment]
            continue
        d.add_paragraph(raw)
    sec = d.sections[0]
    sec.header.paragraphs[0].text = HEADER  # must not leak into the body text
    d.save(str(path))
    return Path(path)


def scanned_pdf(text: str, path: Path, *, pages: int = 2) -> Path:
    """Image-only pages (a raster of the text): no text layer at all."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    lines = [ln for ln in text.split("\n") if ln.strip()]
    for p in range(pages):
        img = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(img)
        y = 80
        for ln in lines[p * 20 : (p + 1) * 20]:
            draw.text((80, y), ln[:110], fill=0)
            y += 40
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        c.drawImage(ImageReader(buf), 0, 0, PAGE_W, PAGE_H)
        c.showPage()
    c.save()
    return Path(path)


def encrypted_pdf(text: str, path: Path, *, user_password: str = "secret") -> Path:
    """A JO-like PDF that needs a password to open (user password set)."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    enc = StandardEncryption(user_password, ownerPassword="owner-" + user_password, canCopy=0)
    jo_pdf(text, path, encrypt=enc)
    return Path(path)


def truncated_pdf(source: Path, path: Path, *, keep: float = 0.6) -> Path:
    data = Path(source).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * keep)])
    return Path(path)


def html_as_pdf(path: Path) -> Path:
    """What a failed download often saves: an HTML error/login page named .pdf."""
    Path(path).write_text(
        '<!DOCTYPE html>\n<html lang="fr"><head><title>Accès refusé</title></head>\n'
        "<body><h1>403 Forbidden</h1><p>Journal officiel : accès réservé.</p></body></html>\n",
        encoding="utf-8",
    )
    return Path(path)


def zero_byte(path: Path) -> Path:
    Path(path).write_bytes(b"")
    return Path(path)


def zip_bomb_docx(path: Path, *, megabytes: int = 300) -> Path:
    """A .docx-looking zip whose word/document.xml inflates to `megabytes` MB of zeros.

    Written with zipfile streaming (level 9): the file itself is ~0.3 MB per 300 MB.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(megabytes):
                member.write(chunk)
    return Path(path)


def css_columns_pdf(text: str, path: Path, *, title: str = "LOI PORTANT CODE PÉNAL") -> Path:
    """An independent typesetter: WeasyPrint with CSS columns, `hyphens: auto` (Pyphen French
    patterns), justified text and @page running header/date/page-number margin boxes."""
    import html

    from weasyprint import HTML

    paras = "".join(f"<p>{html.escape(ln)}</p>" for ln in text.split("\n") if ln.strip())
    doc = f"""<html lang="fr"><head><style>
    @page {{ size: A4; margin: 2cm 1.6cm;
      @top-left {{ content: "{HEADER}"; font-size: 7pt }}
      @top-right {{ content: "{DATE}"; font-size: 7pt }}
      @bottom-center {{ content: counter(page); font-size: 8pt }} }}
    body {{ font-family: 'DejaVu Serif', serif; font-size: 9pt }}
    h1 {{ text-align: center; font-size: 14pt }}
    .cols {{ columns: 2; column-gap: 18pt; text-align: justify; hyphens: auto }}
    p {{ margin: 0 0 3pt 0 }}
    </style></head><body><h1>{html.escape(title)}</h1>
    <div class="cols">{paras}</div></body></html>"""
    HTML(string=doc).write_pdf(str(path))
    return Path(path)
