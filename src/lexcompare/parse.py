"""Text → article-level provisions with their hierarchy, offsets and pages.

The parser is line-based: headings and article labels start a line. It never alters the text:
every `Provision.text` is `source.text[start:end]`. What it cannot structure becomes a `Problem`
with its line number; it never raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .model import Document, ParsedDocument, Problem, Provision, SourceText

_SP = r"[ \t\u00a0]"

# One verbose pattern per construct, a comment per component (cobalt's FrbrUri style).
# Runs of spaces are possessive (`*+`): adjacent optional space runs must not backtrack into
# each other, or a long line of spaces ("Article 5" + 100k spaces) takes minutes to reject.
ARTICLE_RE = re.compile(
    rf"""^{_SP}*+
    (?P<kw>ARTICLE|Article|Art\.|ART\.)              # keyword
    {_SP}*+[.:„]?{_SP}*+                              # glued forms: "Article.38", "Article : 173"
    (?P<num>1{_SP}?er\b|premier\b|PREMIER\b|unique\b|UNIQUE\b
        |\d+(?:{_SP}*+-{_SP}*+\d+)*                   # 12, 62-4, "71 -1"
        |[IVXLC]+(?![\w'’]))                          # treaty roman numbering: Article IV
    (?P<suffix>{_SP}*+(?:bis|ter|quater|quinquies|sexies|septies|octies|nonies|decies)\b)?
    {_SP}*+\.?
    (?P<qual>{_SP}*+(?:nouveau|ancien|nouvelle|abrogé|Nouveau|Ancien|NOUVEAU|ANCIEN)\b)?
    (?P<note>{_SP}*+\([^)\n]{{0,120}}\))?             # "(LOI N° 2020 – 23)", "(abrogé ...)"
    (?P<repeal>{_SP}*+abrogée?{_SP}+par{_SP}[^:\n]{{0,80}})?  # "... abrogé par la Loi N°2025-06"
    {_SP}*+(?P<sep>(?:[:\-–—]|\.(?!\d))[:.\-–—]*|$)  # a separator ("12.3.4" is not "12."), or
    {_SP}*+(?P<rest>.*)$""",                          # nothing after the label
    re.VERBOSE,
)
# A line that starts like an article heading (reported when ARTICLE_RE cannot read its number).
ARTICLE_KW_RE = re.compile(rf"^{_SP}*+(?:(?:ARTICLE|Article)(?!\w)|Art\.|ART\.)")

_ORDINALS = (
    "PREMIER|PREMIERE|PREMIÈRE|DEUXIEME|DEUXIÈME|TROISIEME|TROISIÈME|QUATRIEME|QUATRIÈME|"
    "CINQUIEME|CINQUIÈME|SIXIEME|SIXIÈME|SEPTIEME|SEPTIÈME|HUITIEME|HUITIÈME|NEUVIEME|NEUVIÈME|"
    "DIXIEME|DIXIÈME|UNIQUE|PRELIMINAIRE|PRÉLIMINAIRE"
)
# Rank in the hierarchy: a heading closes every open heading of the same or lower rank.
HEADING_LEVELS: dict[str, float] = {
    "PARTIE": 0, "PART": 0, "LIVRE": 1, "BOOK": 1, "TITRE": 2, "TITLE": 2,
    "SOUS-TITRE": 2.5,  # Guinea's 2025 Constitution: Titre > Sous-Titre > Chapitre
    "CHAPITRE": 3, "CHAPTER": 3, "SECTION": 4, "SOUS-SECTION": 5, "SUB-SECTION": 5,
    "PARAGRAPHE": 6, "PARAGRAPHES": 6,
}
_KW = "|".join(sorted(HEADING_LEVELS, key=len, reverse=True))
HEADING_RE = re.compile(
    rf"""^{_SP}*(?:
      (?P<kw>(?i:{_KW}))                                  # LIVRE, Titre, Sous-section, PART ...
      {_SP}+(?P<num>\d+(?:er|ère)?|[IVXLC]+|(?i:{_ORDINALS}))\b
      {_SP}*+(?P<rest>(?:[:.\-–—].*|(?<=[ \t\u00a0])[^\sa-zà-ÿ].*)?)  # "TITRE II : ..." /
                                                                     # "PART I Scope"
    | (?P<ord>{_ORDINALS}){_SP}+(?P<kw2>PARTIE|LIVRE|TITRE)\b{_SP}*(?P<rest2>(?:[:.\-–—].*)?)
    )$""",
    re.VERBOSE,
)
ROMAN_LINE_RE = re.compile(r"^[ \t]*(?P<num>[IVX]{1,5})[ \t]*$")  # treaty parts: "I" + title line

# Markers of sub-provisions, in the order they are tried.
# A marker may stand alone on its line ("3." then "(a) ..." below, "a)" then the text): `$`.
PARA_NUM_RE = re.compile(
    r"^[ \t]*(?P<n>\d{1,2})[ \t]*\.(?!\d)(?:[ \t]+(?=\S)|(?=[A-ZÀ-Ý(«\"“])|[ \t]*$)")
LETTER_RE = re.compile(r"^[ \t]*(?:\((?P<a>[a-z]{1,2})\)|(?P<b>[a-z])\))[ \t]*(?=\S|$)")
ROMAN_ITEM_RE = re.compile(r"^[ \t]*\((?P<r>[ivx]{1,5})\)[ \t]*(?=\S|$)")
POINT_NUM_RE = re.compile(r"^[ \t]*(?P<n>\d{1,2})[ \t]*(?:°|\)|o\b)[ \t]*(?=\S|$)")
BULLET_RE = re.compile(r"^[ \t]*[-–—•·▪][ \t]*(?=\S)")
_TERMINAL = tuple(".;:!?»\"”)")
_MARKER_ONLY_RE = re.compile(r"^[ \t]*(?:\(?[a-z]{1,2}\)|\([ivx]{1,5}\)|\d{1,2}[ \t]*[.)°])[ \t]*$")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_to_int(s: str) -> int:
    total, prev = 0, 0
    for ch in reversed(s.upper()):
        v = _ROMAN[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


@dataclass(slots=True)
class _Line:
    no: int  # 1-based
    start: int
    end: int  # excludes the newline
    text: str


_EOL_RE = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> Iterator[_Line]:
    """Lines and their offsets; LF, CRLF and a lone CR all end a line (as in an editor)."""
    pos, no = 0, 1
    for m in _EOL_RE.finditer(text):
        yield _Line(no, pos, m.start(), text[pos : m.start()])
        pos, no = m.end(), no + 1
    yield _Line(no, pos, len(text), text[pos:])


def normalise_number(num: str, suffix: str = "", qual: str = "") -> str:
    """The eId form of an article number: '1er' -> '1', 'IV' -> '4', '71 -1' -> '71-1'."""
    num = re.sub(r"[ \t\u00a0]", "", num)
    if re.fullmatch(r"1er|premier|unique", num, re.IGNORECASE):
        num = "1"
    elif re.fullmatch(r"[IVXLC]+", num):
        num = str(roman_to_int(num))
    num += suffix.strip().lower()
    q = qual.strip().lower()
    if q in ("nouveau", "nouvelle"):
        num += "-nouveau"
    elif q == "ancien":
        num += "-ancien"
    return num


@dataclass(slots=True)
class _Article:
    label: str
    num: str
    line: _Line
    body_start: int
    heading_path: tuple[str, ...]
    rest: str
    lines: list[_Line] = field(default_factory=list)


def parse_text(source: SourceText, document: Document) -> ParsedDocument:
    """Structure a legal text into provisions. Never raises on odd input: see `problems`."""
    text = source.text
    problems: list[Problem] = []
    headings: list[tuple[float, str]] = []  # (level, text) currently open
    articles: list[_Article] = []
    preamble: list[_Line] = []
    lines = list(_lines(text))
    pending_heading: int | None = None  # index in headings awaiting a title line
    cut_heading = False  # the last line was a heading whose title runs on to the next line

    def add_problem(line: int, kind: str, message: str) -> None:
        problems.append(Problem(document.id, line, kind, message))

    i = 0
    while i < len(lines):
        ln = lines[i]
        stripped = ln.text.strip()
        was_cut, cut_heading = cut_heading, False
        m_art = ARTICLE_RE.match(ln.text)
        m_head = None if m_art else HEADING_RE.match(ln.text)
        m_roman = None
        if not m_art and not m_head and document.language == "en":
            m_roman = ROMAN_LINE_RE.match(ln.text)
        if m_art:
            pending_heading = None
            num = normalise_number(m_art["num"], m_art["suffix"] or "", m_art["qual"] or "")
            label = ln.text[m_art.start("kw") : m_art.start("sep")].strip().rstrip(".").strip()
            body_start = ln.start + m_art.start("rest")
            articles.append(
                _Article(label, num, ln, body_start, tuple(h for _, h in headings), m_art["rest"])
            )
        elif m_head or m_roman:
            if m_head:
                kw = (m_head["kw"] or m_head["kw2"]).upper()
                level = HEADING_LEVELS.get(kw, 6)
                rest = (m_head["rest"] or m_head["rest2"] or "").strip(" :.-–—\t")
            else:
                level, rest = 0, ""
            headings = [(lv, h) for lv, h in headings if lv < level]
            headings.append((level, stripped))
            pending_heading = len(headings) - 1 if not rest else None
            cut_heading = bool(rest)
        elif (stripped and pending_heading is not None and len(stripped) < 160
              and not stripped.lower().startswith("art")):
            # A heading printed alone ("TITRE II", "I") takes the next line as its title.
            lv, h = headings[pending_heading]
            headings[pending_heading] = (lv, f"{h} : {stripped}")
            pending_heading = None
        elif was_cut and len(stripped) < 120 and stripped.isupper():
            # An upper-case line right under a heading continues its title ("CHAPITRE V : DE LA
            # PROTECTION DES ENFANTS EN" / "SITUATION DIFFICILE"); left to the article above,
            # it would stretch that article over the heading.
            lv, h = headings[-1]
            headings[-1] = (lv, f"{h} {stripped}")
            cut_heading = True
        elif articles:
            if stripped:
                pending_heading = None
            articles[-1].lines.append(ln)
        elif stripped:
            pending_heading = None
            preamble.append(ln)
        if ARTICLE_KW_RE.match(ln.text) and not m_art and stripped != "Article":
            add_problem(ln.no, "unparsed-heading",
                        f"line looks like an article heading but its number is unreadable: "
                        f"{stripped[:60]!r}; its text stays in the previous article")
        elif stripped == "Article":
            add_problem(ln.no, "unparsed-heading", "article heading without a number")
        i += 1

    provisions: list[Provision] = []
    preamble_lines = preamble[1:] if preamble else []  # first line is the document's title
    if preamble_lines and sum(len(p.text) for p in preamble_lines) > 200:
        start, end = preamble_lines[0].start, preamble_lines[-1].end
        provisions.append(_provision(source, document, "preamble", "Préambule" if document.language
                                     == "fr" else "Preamble", "preamble", (), start, end,
                                     preamble_lines[0].no))
    seen: dict[str, int] = {}
    for art in articles:
        _fix_missing_subnumber(art)
        eid = f"art_{art.num}"
        seen[eid] = seen.get(eid, 0) + 1
        if seen[eid] > 1:
            add_problem(art.line.no, "duplicate-number",
                        f"{art.label!r} repeats an earlier article number; kept as "
                        f"{eid}_{seen[eid]}")
            eid = f"{eid}_{seen[eid]}"
        provisions.extend(_article_provisions(source, document, art, eid))
    return ParsedDocument(document, source, tuple(provisions), tuple(problems))


def _fix_missing_subnumber(art: _Article) -> None:
    """'Article 54 :' followed by a body opening '-1 (nouveau)' is Article 54-1 (Benin 2019)."""
    first = next((ln for ln in art.lines if ln.text.strip()), None)
    if art.rest.strip() or first is None:
        return
    m = re.match(r"^[ \t]*-(\d+)[ \t]*(?=\(nouveau\))", first.text)
    if m:
        art.num = f"{art.num}-{m.group(1)}"
        art.label = f"{art.label}-{m.group(1)}"


def _provision(source: SourceText, document: Document, eid: str, number: str, level: str,
               heading_path: tuple[str, ...], start: int, end: int, line: int,
               title: str = "") -> Provision:
    return Provision(
        document_id=document.id, eid=eid, number=number, level=level,  # type: ignore[arg-type]
        heading_path=heading_path, text=source.text[start:end], start=start, end=end,
        pages=source.pages_of(start, end), language=document.language, line=line, title=title,
    )


@dataclass(slots=True)
class _Block:
    kind: str  # para | letter | roman | point | bullet | plain
    mark: str
    lines: list[_Line]

    @property
    def start(self) -> int:
        return self.lines[0].start + (len(self.lines[0].text) - len(self.lines[0].text.lstrip()))

    @property
    def end(self) -> int:
        return self.lines[-1].start + len(self.lines[-1].text.rstrip())


def _classify(text: str) -> tuple[str, str]:
    for kind, rx, group in (("para", PARA_NUM_RE, "n"), ("point", POINT_NUM_RE, "n"),
                            ("roman", ROMAN_ITEM_RE, "r")):
        m = rx.match(text)
        if m:
            return kind, m.group(group)
    m = LETTER_RE.match(text)
    if m:
        return "letter", m.group("a") or m.group("b")
    if BULLET_RE.match(text):
        return "bullet", ""
    return "plain", ""


def _blocks(body: list[_Line], first_rest: _Line | None) -> list[_Block]:
    """Group lines into blocks: a marker line opens a block; an unmarked line continues the
    previous one when that one does not end a sentence (hard-wrapped treaty texts)."""
    blocks: list[_Block] = []
    prev_blank = True
    for ln in ([first_rest] if first_rest else []) + body:
        s = ln.text.strip()
        if not s:
            prev_blank = True
            continue
        kind, mark = _classify(ln.text)
        marker_only = (blocks and len(blocks[-1].lines) == 1 and blocks[-1].kind != "plain"
                       and _MARKER_ONLY_RE.match(blocks[-1].lines[0].text))
        if kind == "plain" and blocks and (marker_only or (
                not prev_blank and not blocks[-1].lines[-1].text.rstrip().endswith(_TERMINAL))):
            blocks[-1].lines.append(ln)
        else:
            blocks.append(_Block(kind, mark, [ln]))
        prev_blank = False
    return blocks


def _article_provisions(source: SourceText, document: Document, art: _Article,
                        eid: str) -> list[Provision]:
    body = list(art.lines)
    while body and not body[-1].text.strip():
        body.pop()
    first_rest = None
    if art.rest.strip():
        first_rest = _Line(art.line.no, art.body_start, art.line.end, art.rest)
    blocks = _blocks(body, first_rest)
    title = ""
    if (blocks and not first_rest and blocks[0].kind == "plain" and len(blocks[0].lines) == 1
            and len(blocks[0].lines[0].text.strip()) < 100
            and not blocks[0].lines[0].text.rstrip().endswith(_TERMINAL)
            and len(blocks) > 1):
        title = blocks[0].lines[0].text.strip()  # treaty caption: "Use of terms"
    elif first_rest and len(art.rest.strip()) < 80 and not art.rest.rstrip().endswith(_TERMINAL):
        title = art.rest.strip()  # "Article 1er : Objet"
    if blocks:
        start, end = blocks[0].start, blocks[-1].end
    else:
        start = end = art.body_start
    article = _provision(source, document, eid, art.label, "article", art.heading_path, start,
                         end, art.line.no, title)
    subs = _sub_provisions(source, document, art, eid, blocks[1:] if title and not first_rest
                           else blocks)
    return [article, *subs]


def _sub_provisions(source: SourceText, document: Document, art: _Article, eid: str,
                    blocks: list[_Block]) -> list[Provision]:
    """Paragraphs, alinéas and points below an article (see docs/CONVENTIONS.md)."""
    numbered = any(b.kind == "para" for b in blocks)
    plain_count = sum(1 for b in blocks if b.kind == "plain")
    # A container is [eid, kind, blocks, number, point counter]
    containers: list[list] = []
    current: list | None = None  # para / al / letter-para that points attach to
    al_no = 0
    used: set[str] = set()

    def open_container(cid: str, level: str, block: _Block, number: str) -> list:
        c = [cid, level, [block], number, 0]
        containers.append(c)
        return c

    def unique(cid: str) -> str:
        base, n = cid, 1
        while cid in used:
            n += 1
            cid = f"{base}_{n}"
        used.add(cid)
        return cid

    for b in blocks:
        if b.kind == "para":
            current = open_container(unique(f"{eid}__para_{b.mark}"), "para", b, f"{b.mark}.")
        elif b.kind == "letter":
            if current is not None and current[1] == "para" and numbered:
                parent = current
                cid = unique(f"{parent[0]}__point_{b.mark}")
                open_container(cid, "point", b, f"{b.mark})")
                parent[2].append(b)
            else:
                current = open_container(unique(f"{eid}__para_{b.mark}"), "para", b,
                                         f"{b.mark})")
        elif b.kind in ("point", "bullet", "roman"):
            if current is not None:
                current[4] += 1
                mark = b.mark if b.kind != "bullet" else str(current[4])
                cid = unique(f"{current[0]}__point_{mark}")
                current[2].append(b)
            else:
                mark = b.mark or str(len([c for c in containers if c[1] == "point"]) + 1)
                cid = unique(f"{eid}__point_{mark}")
            open_container(cid, "point", b, b.lines[0].text.strip()[:4].strip())
        else:  # plain
            if numbered:
                if current is not None and current[1] == "para":
                    current[2].append(b)  # closing words of a numbered paragraph
            elif plain_count > 1:
                al_no += 1
                current = open_container(unique(f"{eid}__al_{al_no}"), "al", b, f"al. {al_no}")
            else:
                current = None
    out = []
    for cid, level, cblocks, number, _ in containers:
        start = min(b.start for b in cblocks)
        end = max(b.end for b in cblocks)
        out.append(_provision(source, document, cid, number, level, art.heading_path, start, end,
                              cblocks[0].lines[0].no))
    return out
