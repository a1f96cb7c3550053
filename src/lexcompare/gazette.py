"""Split a raw Journal officiel issue (Guinea) into the acts it publishes.

The issues are text layers of two-column PDFs: the left and right columns are flattened line by
line, so an act heading can sit in the middle of a line, two headings can share a line, and the
articles of two acts printed side by side alternate. The splitter never reorders or cleans the
text; it finds where each act starts, cuts the issue into contiguous slices and hands each slice to
`parse_text`. Everything it could not structure is reported as a `Problem` with its line number.

How acts are found:

- an act starts at an upper-case heading ``DECRET D/2025/188/PRG/CNRD/SGG DU 09 OCTOBRE 2025``
  (also ``LOI [ORGANIQUE|ORDINAIRE] L/…``, ``ARRETE [CONJOINT] A/…``/``AC/…``, ``ORDONNANCE O/…``,
  ``DECISION …``), at the start of a line or after the other column's text; mixed-case mentions
  (``Décret D/2026/001/PRG/SGG du …``) are visas and sommaire entries, never headings, and a
  heading preceded by ``DE LA``/``L’``… is a reference inside a title;
- the sommaire repeats the headings: of several headings of the same act (same kind, year and
  serial number) the last one is the act; a heading printed only in the sommaire (followed by dot
  leaders) is reported as ``toc-only``;
- an act ends where the next one starts, or at the issue's closing matter (``MESSAGE DU …``,
  ``ERRATUM``, ``REQUETE …``).

Offsets of acts and of their provisions point into the issue's `SourceText.text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from .model import Document, ParsedDocument, Problem, Provision, SourceText
from .parse import parse_text

_KIND = (r"LOI(?:[ \t]+(?:ORGANIQUE|ORDINAIRE|CONSTITUTIONNELLE))?|D[EÉ]CRET"
         r"|ARR[EÊ]T[EÉ](?:[ \t]*CONJOINT)?|ORDONNANCE|D[EÉ]CISION")
HEADER_RE = re.compile(
    rf"""(?<![\w’'/])
    (?P<kind>{_KIND})                                     # DECRET, LOI ORGANIQUE, ARRETE CONJOINT
    [ \t]*/?[ \t]*
    (?P<num>
      (?P<pfx>LO|AC|[LDAO])[ \t]?[/7 ][ \t]?              # "D/", "D7" (misprint), "A " (slash lost)
      (?P<year>(?:19|20)\d\d)[ \t]?/?[ \t]?                # year; "20251266" lost its slash
      (?P<serial>\d{{1,5}})
      (?:/[ \t]?[A-Z0-9][A-Z0-9\-]*)*                      # authority: /PRG/CNRD/SGG, /MTFP/SG/SGG
    )""",
    re.VERBOSE,
)
# Words after which an upper-case act number is a reference, not a heading ("DE LA LOI L/…").
# By gender, so that a column ending in "… DE LA" followed by "ARRETE A/…" stays a heading.
_REFERENCE_BEFORE = {
    "f": re.compile(r"(?:\bLA|L[’'])[ \t]*$"),  # loi, ordonnance, décision
    "m": re.compile(r"(?:\b(?:LE|AU|AUX|DES|CE)|L[’'])[ \t]*$"),  # décret, arrêté
}
_RUNNING_HEADER = re.compile(
    r"JOURNAL OFFICIEL DE LA REPUBLIQUE(?: DE GUINEE)?[ \t]+(\d{1,4})[ \t]*$")
_DOT_LEADER = re.compile(r"\.{5,}[ \t]*\d")
_TERMINATOR = re.compile(r"^[ \t]*(?:MESSAGE DU|ERRATUM\b|REQU[EÊ]TE\b)")
_STOP = re.compile(
    r"LE PR[EÉ]SIDENT DE LA R[EÉ]PUBLIQUE|LE (?:PREMIER )?MINISTRE\b|LES MINISTRES\b"
    r"|LE CONSEIL NATIONAL(?: DE LA TRANSITION)?|LE SECR[EÉ]TAIRE G[EÉ]N[EÉ]RAL"
    r"|\bD[EÉ]CR[EÈ]TE\b|\bARR[EÊ]TE(?:NT)?[ \t]*:"
    r"|\bARR[EÊ]TENT\b"
)
_INLINE_ARTICLE = re.compile(
    r"(?<=\S)[ \t]+(?P<h>Article[ \t]+(?:1er|premier|\d+)[ \t]*(?:\([^)]*\)[ \t]*)?[:.\-–—])")
_Report = Callable[[int, str, str], None]
_MONTHS = {
    "JANVIER": 1, "FEVRIER": 2, "MARS": 3, "AVRIL": 4, "MAI": 5, "JUIN": 6, "JUILLET": 7,
    "AOUT": 8, "SEPTEMBRE": 9, "OCTOBRE": 10, "NOVEMBRE": 11, "DECEMBRE": 12,
}
_DATE_RE = re.compile(
    r"\bDU[ \t]+(?:(?P<d>\d{1,2})(?:ER)?[ \t]+(?P<m>[A-ZÉÈÛÔ]+)\b[^\d]{0,40}?(?P<y>\d{4})"
    r"|(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>\d{4}))[ \t]*[,.]?"
)
_TITLE_START = re.compile(
    r"\b(?:PORTANT|FIXANT|RELATIF|RELATIVE|METTANT|MODIFIANT|INSTITUANT|D[EÉ]TERMINANT|CR[EÉ]ANT"
    r"|AUTORISANT|ABROGEANT|COMPL[EÉ]TANT|APPROUVANT|D[EÉ]FINISSANT|R[EÉ]GLEMENTANT|ORGANISANT"
    r"|ACCORDANT|NOMMANT|CONF[EÉ]RANT|RATIFIANT|PROMULGUANT)\b"
)
_KINDS = {"LOI": "loi", "DECRET": "décret", "ARRETE": "arrêté", "ORDONNANCE": "ordonnance",
          "DECISION": "décision"}
_SLUGS = {"loi": "loi", "décret": "decret", "arrêté": "arrete", "ordonnance": "ordonnance",
          "décision": "decision"}


def _fold(s: str) -> str:
    return (s.upper().replace("É", "E").replace("È", "E").replace("Ê", "E").replace("Û", "U")
            .replace("Ô", "O"))


@dataclass(frozen=True, slots=True)
class Act:
    """One act published in an issue: a contiguous slice of the issue's text."""

    id: str  # "<issue id>/decret-2026-001"
    kind: str  # loi, décret, arrêté, ordonnance, décision
    kind_label: str  # as printed: "LOI ORGANIQUE", "ARRETE CONJOINT"
    number: str  # as printed: "D/2025/188/PRG/CNRD/SGG"
    year: int
    serial: int
    date: str | None  # ISO, when the heading's date is readable
    title: str  # "PORTANT NOMINATION …", rebuilt from the upper-case heading lines
    start: int
    end: int
    line: int  # 1-based line of the heading in the issue
    end_line: int
    pages: tuple[int, ...]  # page numbers printed in the JO running headers
    provisions: tuple[Provision, ...]

    @property
    def articles(self) -> tuple[Provision, ...]:
        return tuple(p for p in self.provisions if p.level == "article")

    @property
    def work_uri(self) -> str:
        return f"/akn/gn/act/{_SLUGS[self.kind]}/{self.year}/{self.serial}"

    def get(self, eid: str) -> Provision:
        for p in self.provisions:
            if p.eid == eid:
                return p
        raise KeyError(f"{self.id} has no provision {eid!r}")


@dataclass(frozen=True, slots=True)
class GazetteIssue:
    issue_id: str
    source: SourceText
    acts: tuple[Act, ...]
    report: tuple[Problem, ...]

    def act(self, number: str) -> Act:
        """The act with this number ('D/2026/001/PRG/SGG', or just 'D/2026/001')."""
        m = HEADER_RE.match(f"DECRET {number}") or HEADER_RE.match(f"LOI {number}")
        for act in self.acts:
            if act.number == number or (m and (act.year, act.serial) == (int(m["year"]),
                                                                         int(m["serial"]))
                                        and act.number.startswith(number.split("/")[0])):
                return act
        raise KeyError(f"{self.issue_id} publishes no act {number!r}")

    def parsed(self, act: Act) -> ParsedDocument:
        """The act as a ParsedDocument over the issue's text (e.g. for `lexcompare.akn`)."""
        return ParsedDocument(_act_document(act), self.source, act.provisions)


@dataclass(frozen=True, slots=True)
class _Line:
    no: int
    start: int
    text: str


@dataclass(frozen=True, slots=True)
class _Heading:
    line: _Line
    col: int  # column of the heading in its line
    end_col: int  # column after the act number
    kind: str
    kind_label: str
    number: str
    year: int
    serial: int

    @property
    def start(self) -> int:
        return self.line.start + self.col


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for no, raw in enumerate(text.split("\n"), start=1):
        out.append(_Line(no, pos, raw))
        pos += len(raw) + 1
    return out


def _headings(lines: list[_Line]) -> list[_Heading]:
    found = []
    for ln in lines:
        for m in HEADER_RE.finditer(ln.text):
            label = " ".join(m["kind"].split())
            kind = _KINDS[_fold(label).split()[0]]
            gender = "m" if kind in ("décret", "arrêté") else "f"
            if _REFERENCE_BEFORE[gender].search(ln.text[: m.start()]):
                continue
            found.append(_Heading(ln, m.start(), m.end(), kind, label, m["num"].rstrip("/ "),
                                  int(m["year"]), int(m["serial"])))
    return found


def _is_upper(token: str) -> bool:
    return not any(c.islower() for c in token)


def _upper_run(text: str, leading_only: bool = False) -> str:
    """The upper-case words of a line: its leading run, else its trailing run."""
    tokens = text.split()
    lead: list[str] = []
    for t in tokens:
        if not _is_upper(t):
            break
        lead.append(t)
    if leading_only:
        return " ".join(lead)
    run, whole = lead, len(lead) == len(tokens)
    if not lead:
        trail: list[str] = []
        for t in reversed(tokens):
            if not _is_upper(t):
                break
            trail.insert(0, t)
        run = trail
    worded = sum(1 for t in run if sum(c.isalpha() for c in t) >= 2)
    if worded >= 2 or worded == 1 and whole and sum(c.isalpha() for c in run[0]) >= 5:
        return " ".join(run)
    return ""


def _split_at(text: str, col: int, side: str) -> str:
    """Cut a flattened two-column line at the word boundary nearest `col` (preferring a boundary
    where a title such as 'PORTANT …' starts)."""
    bounds = [m.start() for m in re.finditer(r" (?=\S)", text)]
    if not bounds:
        return text if side == "left" else ""
    starters = [b for b in bounds if _TITLE_START.match(text, b + 1) and abs(b - col) <= 15]
    cut = min(starters or bounds, key=lambda b: abs(b - col))
    return text[:cut] if side == "left" else text[cut + 1 :]


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if re.search(r"[A-ZÉÈÊÛÔ]-$", out):
            out = out[:-1] + part.lstrip()
        else:
            out = f"{out} {part}".strip()
    return out


def _title_and_date(h: _Heading, lines: list[_Line], acts: list[_Heading]
                    ) -> tuple[str, str | None, bool, bool]:
    """Title, ISO date, whether the heading shares its line with another act's, and whether the
    title runs into sommaire dot leaders, read from the heading and the upper-case lines after it.
    """
    same_line = [o for o in acts if o.line.no == h.line.no and o is not h]
    right_of_me = [o.col for o in same_line if o.col > h.col]
    side = "left" if right_of_me else ("right" if same_line else "")
    split_col = right_of_me[0] if right_of_me else h.col
    first = h.line.text[h.end_col : min(right_of_me) if right_of_me else None]
    parts = [_STOP.sub(" ", _upper_run(first, leading_only=True)).strip()]
    act_lines = {o.line.no: o.col for o in sorted(acts, key=lambda o: -o.col)}
    for ln in lines[h.line.no : h.line.no + 10]:  # lines after the heading's
        text = ln.text
        if not text.strip():
            if _join(parts):
                break
            continue
        if _RUNNING_HEADER.search(text):
            break
        if ln.no in act_lines:
            if side or act_lines[ln.no] == 0:
                break
            text = text[: act_lines[ln.no]]
        if side:
            text = _split_at(text, split_col, side)
        run = _upper_run(text)
        if not run:
            continue
        rest = _STOP.sub(" ", run).strip()
        if rest != run.strip():
            rest = rest.strip(" ,")
        if sum(c.isalpha() for c in rest) < 4:
            break  # "LE PRESIDENT DE LA REPUBLIQUE,": the title is over
        parts.append(rest)
        if rest.endswith(".") and not rest.endswith(".."):
            break
    joined = " ".join(_join(parts).split())
    toc = bool(_DOT_LEADER.search(joined))
    date = None
    m = _DATE_RE.search(joined)
    if m and m.start() < 40:
        try:
            if m["d"]:
                month = _MONTHS.get(_fold(m["m"]))
                date = f"{int(m['y']):04d}-{month:02d}-{int(m['d']):02d}" if month else None
            else:
                date = f"{int(m['y2']):04d}-{int(m['m2']):02d}-{int(m['d2']):02d}"
        except (TypeError, ValueError):
            date = None
        joined = joined[m.end() :]
    start = _TITLE_START.search(joined)
    if start:
        joined = joined[start.start() :]
    title = re.sub(r"\.{3,}[\d\- ]*$", "", joined).strip(" ,;.")
    return title, date, bool(side), toc


def _page_at(pages: list[tuple[int, int]], offset: int) -> int | None:
    current = None
    for start, page in pages:
        if start > offset:
            break
        current = page
    return current


def _act_document(act: Act) -> Document:
    return Document(id=act.id, title=act.title or act.number, kind=act.kind, scope="national",
                    language="fr", country="gn", date=act.date, work_uri=act.work_uri)


def split_gazette(source: SourceText, issue_id: str) -> GazetteIssue:
    """Find the acts of a Journal officiel issue and parse their articles. Never raises on odd
    input: what could not be structured is in `GazetteIssue.report`."""
    text = source.text
    lines = _lines(text)
    report: list[Problem] = []

    def problem(line: int, kind: str, message: str) -> None:
        report.append(Problem(issue_id, line, kind, message))

    pages = [(ln.start, int(m[1])) for ln in lines if (m := _RUNNING_HEADER.search(ln.text))]
    running = {ln.no for ln in lines if _RUNNING_HEADER.search(ln.text)}
    heads = _headings(lines)

    # The sommaire: from "SOMMAIRE" to its last dot-leader line.
    toc_from = next((ln.no for ln in lines if ln.text.strip() == "SOMMAIRE"), None)
    toc_to = toc_from
    if toc_from is not None:
        for ln in lines[toc_from:]:
            if _DOT_LEADER.search(ln.text):
                toc_to = ln.no
            elif toc_to is not None and ln.no - toc_to > 40:
                break
        problem(toc_from, "sommaire", f"lines {toc_from}-{toc_to} are the table of contents "
                                      f"(interleaved with act text where they share a page)")

    def in_toc(h: _Heading) -> bool:
        return toc_from is not None and toc_to is not None and toc_from <= h.line.no <= toc_to

    last: dict[tuple[str, int, int], _Heading] = {}
    count: dict[tuple[str, int, int], int] = {}
    for h in heads:
        key = (h.kind, h.year, h.serial)
        last[key] = h
        count[key] = count.get(key, 0) + 1
    chosen = []
    for key, h in last.items():
        if count[key] == 1 and in_toc(h) and _title_and_date(h, lines, heads)[3]:
            problem(h.line.no, "toc-only", f"{h.kind_label} {h.number} is listed in the sommaire "
                                           "but its text was not found in the issue")
            continue
        chosen.append(h)
    chosen.sort(key=lambda h: h.start)

    terminators = [ln for ln in lines if _TERMINATOR.match(ln.text)]
    # Pages whose text layer is empty (tables, images): a running header and nothing else.
    headers = [ln for ln in lines if ln.no in running]
    empty_pages: list[_Line] = []
    for i, hd in enumerate(headers):
        stop = headers[i + 1].no if i + 1 < len(headers) else len(lines) + 1
        if not any(ln.text.strip() for ln in lines[hd.no : stop - 1]):
            empty_pages.append(hd)
    run_from: _Line | None = None
    for i, hd in enumerate(empty_pages):
        run_from = run_from or hd
        nxt = empty_pages[i + 1] if i + 1 < len(empty_pages) else None
        if nxt is None or headers.index(nxt) != headers.index(hd) + 1:
            first_no = _RUNNING_HEADER.search(run_from.text)[1]  # type: ignore[index]
            last_no = _RUNNING_HEADER.search(hd.text)[1]  # type: ignore[index]
            problem(run_from.no, "empty-pages", f"pages {first_no}-{last_no} have no text "
                                               "(tables or images missing from the text layer)")
            run_from = None
    acts: list[Act] = []
    covered: list[tuple[int, int]] = []
    for i, h in enumerate(chosen):
        end = chosen[i + 1].start if i + 1 < len(chosen) else len(text)
        term = next((t for t in terminators if h.start < t.start < end), None)
        if term is not None:
            end = term.start
        blank = next((e for e in empty_pages if h.start < e.start < end), None)
        if blank is not None:
            end = blank.start
        title, date, side_by_side, _ = _title_and_date(h, lines, chosen)
        if side_by_side:
            problem(h.line.no, "side-by-side-headings",
                    f"{h.number} shares its heading line with another act: its title was cut "
                    "at a guessed column boundary and its articles may alternate with the "
                    "other act's")
        act_id = f"{issue_id}/{_SLUGS[h.kind]}-{h.year}-{h.serial:03d}"
        act_src = SourceText(path=f"{source.path}#{act_id}", text=text[h.start:end],
                             sha256=source.sha256, encoding=source.encoding)
        provisional = Act(act_id, h.kind, h.kind_label, h.number, h.year, h.serial, date, title,
                          h.start, end, h.line.no, h.line.no, (), ())
        parsed = parse_text(act_src, _act_document(provisional))
        shift, line_shift = h.start, h.line.no - 1
        provisions = tuple(replace(p, start=p.start + shift, end=p.end + shift,
                                   line=p.line + line_shift) for p in parsed.provisions)
        for pr in parsed.problems:
            report.append(replace(pr, document_id=issue_id, line=pr.line + line_shift,
                                  message=f"{h.number}: {pr.message}"))
        end_line = text.count("\n", 0, max(h.start, end - 1)) + 1
        first_page, last_page = _page_at(pages, h.start), _page_at(pages, max(h.start, end - 1))
        act_pages: tuple[int, ...] = ()
        if first_page is not None and last_page is not None and last_page >= first_page:
            act_pages = tuple(range(first_page, last_page + 1))
        act = replace(provisional, end_line=end_line, pages=act_pages, provisions=provisions)
        acts.append(act)
        covered.append((h.start, end))
        _check_act(act, lines, problem)

    _report_outside(lines, covered, running, toc_from, toc_to, problem)
    report.sort(key=lambda p: p.line)
    return GazetteIssue(issue_id, source, tuple(acts), tuple(report))


def _check_act(act: Act, lines: list[_Line], problem: _Report) -> None:
    arts = act.articles
    if not arts:
        problem(act.line, "no-articles", f"{act.number}: no 'Article N' heading at a line start "
                                         "in the act's text")
    prev = 0
    for a in arts:
        base = a.eid.removeprefix("art_").split("_")[0]
        n = int(base) if base.isdigit() else None
        if n is not None and n != prev + 1:
            problem(a.line, "articles-out-of-sequence",
                    f"{act.number}: {a.number!r} follows article {prev}: the columns are "
                    "interleaved (another act's articles inside this one) or a heading was missed")
        if n is not None:
            prev = n
    for ln in lines[act.line - 1 : act.end_line]:
        for m in _INLINE_ARTICLE.finditer(ln.text):
            if ln.start + m.start("h") < act.start or ln.start + m.start("h") >= act.end:
                continue
            problem(ln.no, "inline-article-heading",
                    f"{act.number}: {m['h']!r} is in the middle of a line (two columns joined); "
                    "it is not split out as an article")
        if _DOT_LEADER.search(ln.text) and act.start <= ln.start < act.end:
            problem(ln.no, "toc-in-act", f"{act.number}: sommaire line inside the act's slice "
                                         "(columns interleaved)")


def _report_outside(lines: list[_Line], covered: list[tuple[int, int]], running: set[int],
                    toc_from: int | None, toc_to: int | None, problem: _Report) -> None:
    run_start: int | None = None
    run_end = 0
    for ln in lines + [_Line(len(lines) + 1, 1 << 60, "")]:
        inside = any(s <= ln.start < e for s, e in covered) or ln.start >= 1 << 60
        outside = (not inside and ln.text.strip() and ln.no not in running
                   and not (toc_from and toc_to and toc_from <= ln.no <= toc_to))
        if outside:
            if run_start is None:
                run_start = ln.no
            run_end = ln.no
        elif run_start is not None and (inside or ln.start >= 1 << 60):
            problem(run_start, "outside-act",
                    f"lines {run_start}-{run_end}: text outside any act (masthead, notices, "
                    "closing matter)")
            run_start = None

