"""Parsed provisions → Akoma Ntoso 3.0 XML, and back to (eId, text) pairs.

`to_akn` rebuilds the document from a `ParsedDocument` without touching its wording:

- `<meta><identification>` carries FRBRWork / FRBRExpression / FRBRManifestation built from the
  work URI you pass (``/akn/bj/act/loi/2018/16``) and the expression date
  (``/akn/bj/act/loi/2018/16/fra@2018-12-28``);
- the hierarchy (``PARTIE``/``LIVRE``/``TITRE``/``CHAPITRE``/``SECTION``/``SOUS-SECTION``) is
  rebuilt from each article's `Provision.heading_path` as ``part``/``book``/``title``/``chapter``/
  ``section``/``subsection`` (a ``PARAGRAPHE`` heading becomes ``hcontainer name="paragraphe"``,
  since AKN's ``paragraph`` is the numbered paragraph inside an article);
- each article keeps the parser's eId (``art_499``), its label in ``<num>``, its caption in
  ``<heading>``; paragraphs, alinéas and points become ``paragraph``/``alinea``/``point`` with their
  eIds (``art_3__para_a``). Text between sub-provisions goes to ``intro``/``wrapUp`` (or an
  ``hcontainer name="text"`` when it sits between two of them), so no character is lost.

Every document type is exported as ``<act>`` (with ``@name`` = `Document.kind`), treaties
included: AKN has no treaty type, ``<doc>`` is meant for texts without a legislative hierarchy,
and treaties here are structured exactly like acts (parts, articles, numbered paragraphs). One
type also keeps readers such as cobalt's ``Act`` working on every export.

Round trip: `akn_to_text` returns, for every element with an eId, its text without the article
label; for an article it equals `Provision.text` modulo whitespace (tested on the corpus).
`validate_akn` checks a tree against the official OASIS schema vendored in ``schemas/``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lxml import etree

from .errors import LexcompareError
from .model import ParsedDocument, Provision
from .parse import (
    BULLET_RE,
    HEADING_RE,
    LETTER_RE,
    PARA_NUM_RE,
    POINT_NUM_RE,
    ROMAN_ITEM_RE,
    roman_to_int,
)

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
_A = f"{{{AKN_NS}}}"
NSMAP = {None: AKN_NS}

# ISO 639-1 (Document.language) -> ISO 639-2/B, which AKN uses in FRBRlanguage and URIs.
LANG3 = {"fr": "fra", "en": "eng", "pt": "por", "ar": "ara", "es": "spa", "de": "deu"}


class AknError(LexcompareError):
    """An Akoma Ntoso export was asked with bad identifiers, or an XML tree does not validate."""


_WORK_URI_RE = re.compile(
    r"""^/akn
    /(?P<country>[a-z]{2,3}(?:-[a-z0-9]+)?)             # bj, gn, un, aa; za-cpt for a locality
    /(?P<doctype>act|bill|doc|statement|debate|judgment|portion)
    (?:/(?P<subtype>[a-z][a-z0-9-]*))?                  # loi, decret, protocol ...
    /(?P<date>\d{4}(?:-\d{2}-\d{2})?)                   # year, or full date
    /(?P<number>[^/@!]+)$                               # number: 16, 001, palermo
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class FrbrUri:
    """An AKN work URI and the expression/manifestation forms derived from it."""

    country: str
    doctype: str
    subtype: str | None
    date: str
    number: str

    @classmethod
    def parse(cls, uri: str) -> FrbrUri:
        m = _WORK_URI_RE.match(uri)
        if not m:
            raise AknError(
                f"work URI must look like /akn/<country>/act[/<subtype>]/<year>/<number> "
                f"(e.g. /akn/bj/act/loi/2018/16), but got {uri!r}"
            )
        return cls(m["country"], m["doctype"], m["subtype"], m["date"], m["number"])

    def __str__(self) -> str:
        sub = f"/{self.subtype}" if self.subtype else ""
        return f"/akn/{self.country}/{self.doctype}{sub}/{self.date}/{self.number}"

    def expression(self, language: str, date: str) -> str:
        return f"{self}/{language}@{date}"


# Heading keyword -> (AKN element, eId prefix)
_CONTAINERS = {
    "PARTIE": ("part", "part"), "PART": ("part", "part"),
    "LIVRE": ("book", "book"), "BOOK": ("book", "book"),
    "TITRE": ("title", "title"), "TITLE": ("title", "title"),
    "SOUS-TITRE": ("subtitle", "subtitle"),
    "CHAPITRE": ("chapter", "chp"), "CHAPTER": ("chapter", "chp"),
    "SECTION": ("section", "sec"),
    "SOUS-SECTION": ("subsection", "subsec"), "SUB-SECTION": ("subsection", "subsec"),
    "PARAGRAPHE": ("hcontainer", "hcontainer"),
}
_ORDINAL_NUMBERS = {
    "PREMIER": 1, "PREMIERE": 1, "DEUXIEME": 2, "TROISIEME": 3, "QUATRIEME": 4, "CINQUIEME": 5,
    "SIXIEME": 6, "SEPTIEME": 7, "HUITIEME": 8, "NEUVIEME": 9, "DIXIEME": 10,
}
_LEVEL_TAG = {"para": "paragraph", "al": "alinea", "point": "point"}
_MARKERS = (PARA_NUM_RE, LETTER_RE, ROMAN_ITEM_RE, POINT_NUM_RE, BULLET_RE)
# Characters XML 1.0 cannot hold (C0 controls other than tab, newline, carriage return).
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffe\uffff]")
_PARA_SPLIT = re.compile(r"\n[ \t\u00a0]*\n\s*")


def _safe(text: str) -> str:
    return _XML_BAD.sub(" ", text)


def _heading_parts(heading: str) -> tuple[str, str, str, str]:
    """'CHAPITRE 7 : DES ...' -> (tag, eId prefix, eId number, "num text\x00heading text")."""
    m = HEADING_RE.match(heading)
    if m:
        kw = (m["kw"] or m["kw2"]).upper()
        tag, prefix = _CONTAINERS.get(kw, ("hcontainer", "hcontainer"))
        raw = m["num"] or m["ord"]
        end = m.end("num") if m["num"] else m.end("kw2")
        rest = heading[end:].strip(" \t\xa0:.-–—")
        return tag, prefix, _number_token(raw), heading[:end].strip() + "\x00" + rest
    roman = re.match(r"^\s*([IVXLC]+)\b\s*[:.\-–—]?\s*(.*)$", heading)
    if roman:  # treaty part printed as a lone roman numeral, joined to its title by the parser
        return "part", "part", str(roman_to_int(roman[1])), roman[1] + "\x00" + roman[2]
    return "hcontainer", "hcontainer", "", "\x00" + heading.strip()


def _number_token(raw: str) -> str:
    s = raw.upper().replace("È", "E").replace("É", "E")
    s = re.sub(r"(?<=\d)(ER|ERE|ÈRE)$", "", s)
    if s.isdigit():
        return str(int(s))
    if re.fullmatch(r"[IVXLC]+", s):
        return str(roman_to_int(s))
    if s in _ORDINAL_NUMBERS:
        return str(_ORDINAL_NUMBERS[s])
    return s.lower()


def _paragraphs(parent: etree._Element, text: str) -> None:
    """`<p>` children for a text, one per blank-line-separated block (wording untouched)."""
    chunks = [c for c in _PARA_SPLIT.split(text.strip()) if c.strip()] or [""]
    for chunk in chunks:
        etree.SubElement(parent, _A + "p").text = _safe(chunk)


def _marker_end(text: str) -> int:
    for rx in _MARKERS:
        m = rx.match(text)
        if m:
            return m.end()
    return 0


class _Builder:
    def __init__(self, parsed: ParsedDocument) -> None:
        self.text = parsed.source.text
        self.used: set[str] = set()
        self.children: dict[str, list[Provision]] = {}
        eids = {p.eid for p in parsed.provisions}
        for p in parsed.provisions:
            if p.level in ("article", "preamble"):
                continue
            parent = p.eid.rsplit("__", 1)[0]
            while parent not in eids and "__" in parent:
                parent = parent.rsplit("__", 1)[0]
            self.children.setdefault(parent, []).append(p)

    def unique(self, eid: str) -> str:
        base, n = eid, 1
        while eid in self.used:
            n += 1
            eid = f"{base}_{n}"
        self.used.add(eid)
        return eid

    def fill(self, el: etree._Element, eid: str, start: int, end: int) -> None:
        """Content of [start, end): sub-provisions in order, the text around them kept."""
        kids = sorted(self.children.get(eid, ()), key=lambda p: (p.start, -p.end))
        ok = all(start <= k.start <= k.end <= end for k in kids) and all(
            a.end <= b.start for a, b in zip(kids, kids[1:], strict=False))
        if not kids or not ok:
            _paragraphs(etree.SubElement(el, _A + "content"), self.text[start:end])
            return
        pos, gap_no = start, 0
        for i, kid in enumerate(kids):
            gap = self.text[pos:kid.start]
            if gap.strip():
                if i == 0:
                    _paragraphs(etree.SubElement(el, _A + "intro"), gap)
                else:
                    gap_no += 1
                    hc = etree.SubElement(el, _A + "hcontainer", name="text",
                                          eId=self.unique(f"{eid}__hcontainer_{gap_no}"))
                    _paragraphs(etree.SubElement(hc, _A + "content"), gap)
            self.sub(el, kid)
            pos = kid.end
        tail = self.text[pos:end]
        if tail.strip():
            _paragraphs(etree.SubElement(el, _A + "wrapUp"), tail)

    def sub(self, parent: etree._Element, p: Provision) -> None:
        el = etree.SubElement(parent, _A + _LEVEL_TAG.get(p.level, "hcontainer"),
                              eId=self.unique(p.eid))
        if el.tag == _A + "hcontainer":
            el.set("name", p.level)
        start = p.start
        if p.level in ("para", "point"):
            cut = _marker_end(p.text)
            if cut:
                etree.SubElement(el, _A + "num").text = _safe(p.text[:cut].strip())
                start = p.start + cut
        self.fill(el, p.eid, start, p.end)

    def article(self, parent: etree._Element, p: Provision) -> None:
        el = etree.SubElement(parent, _A + "article", eId=self.unique(p.eid))
        etree.SubElement(el, _A + "num").text = _safe(p.number)
        start = p.start
        if p.title:
            lead = len(p.text) - len(p.text.lstrip())
            cut = p.start + lead + len(p.title) if p.text[lead:].startswith(p.title) else start
            # a caption that the first alinéa begins with (Benin children's code: "Définition de
            # l'enfant" + text) stays in that alinéa, so its eId keeps its whole text
            if all(k.start >= cut for k in self.children.get(p.eid, ())):
                etree.SubElement(el, _A + "heading").text = _safe(p.title)
                start = cut
        self.fill(el, p.eid, start, p.end)


def to_akn(parsed: ParsedDocument, *, work_uri: str, expression_date: str,
           manifestation_date: str | None = None, author: str = "") -> etree._Element:
    """The document as an ``<akomaNtoso>`` element (see the module docstring)."""
    doc = parsed.document
    frbr = FrbrUri.parse(work_uri)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", expression_date):
        raise AknError(f"expression_date must be an ISO date (YYYY-MM-DD), got {expression_date!r}")
    lang = LANG3.get(doc.language, doc.language)
    expr = frbr.expression(lang, expression_date)
    work_date = doc.date if doc.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.date) \
        else (frbr.date if len(frbr.date) == 10 else expression_date)

    root = etree.Element(_A + "akomaNtoso", nsmap=NSMAP)
    act = etree.SubElement(root, _A + "act", name=re.sub(r"\W+", "-", doc.kind).strip("-")
                           or "act")
    meta = etree.SubElement(act, _A + "meta")
    ident = etree.SubElement(meta, _A + "identification", source="#lexcompare")

    def core(tag: str, this: str, uri: str, date: str, date_name: str, author_ref: str
             ) -> etree._Element:
        el = etree.SubElement(ident, _A + tag)
        etree.SubElement(el, _A + "FRBRthis", value=this)
        etree.SubElement(el, _A + "FRBRuri", value=uri)
        etree.SubElement(el, _A + "FRBRdate", date=date, name=date_name)
        etree.SubElement(el, _A + "FRBRauthor", href=author_ref)
        return el

    work = core("FRBRWork", f"{frbr}/!main", str(frbr), work_date, "Generation", "#author")
    etree.SubElement(work, _A + "FRBRcountry", value=frbr.country.split("-")[0])
    if frbr.subtype:
        etree.SubElement(work, _A + "FRBRsubtype", value=frbr.subtype)
    etree.SubElement(work, _A + "FRBRnumber", value=frbr.number)
    etree.SubElement(work, _A + "FRBRname", value=_safe(doc.title or doc.id))
    expression = core("FRBRExpression", f"{expr}/!main", expr, expression_date, "Generation",
                      "#author")
    etree.SubElement(expression, _A + "FRBRlanguage", language=lang)
    core("FRBRManifestation", f"{expr}/!main.xml", f"{expr}.akn",
         manifestation_date or expression_date, "Generation", "#lexcompare")
    refs = etree.SubElement(meta, _A + "references", source="#lexcompare")
    etree.SubElement(refs, _A + "TLCOrganization", eId="lexcompare",
                     href="/ontology/organization/lexcompare", showAs="lexcompare")
    etree.SubElement(refs, _A + "TLCOrganization", eId="author",
                     href="/ontology/organization/author", showAs=_safe(author or "unknown"))

    b = _Builder(parsed)
    b.used.update({"lexcompare", "author"})
    pre = next((p for p in parsed.provisions if p.level == "preamble"), None)
    if pre is not None:
        _paragraphs(etree.SubElement(act, _A + "preamble", eId=b.unique("preamble")), pre.text)
    body = etree.SubElement(act, _A + "body")
    stack: list[tuple[str, etree._Element, str]] = []  # (heading, element, eId)
    for art in parsed.articles:
        path = art.heading_path
        keep = 0
        while keep < min(len(stack), len(path)) and stack[keep][0] == path[keep]:
            keep += 1
        del stack[keep:]
        for heading in path[keep:]:
            parent, parent_eid = (stack[-1][1], stack[-1][2]) if stack else (body, "")
            tag, prefix, number, parts = _heading_parts(heading)
            num_text, head_text = parts.split("\x00", 1)
            local = f"{prefix}_{number or len(parent) + 1}"
            eid = b.unique(f"{parent_eid}__{local}" if parent_eid else local)
            el = etree.SubElement(parent, _A + tag, eId=eid)
            if tag == "hcontainer":
                el.set("name", "paragraphe" if prefix == "hcontainer" and number else "heading")
            if num_text:
                etree.SubElement(el, _A + "num").text = _safe(num_text)
            if head_text:
                etree.SubElement(el, _A + "heading").text = _safe(head_text)
            stack.append((heading, el, eid))
        b.article(stack[-1][1] if stack else body, art)
    if len(body) == 0:
        hc = etree.SubElement(body, _A + "hcontainer", name="text", eId=b.unique("hcontainer_1"))
        _paragraphs(etree.SubElement(hc, _A + "content"), "")
    return root


def akn_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _as_tree(xml: etree._Element | bytes | str) -> etree._Element:
    if isinstance(xml, etree._Element):
        return xml
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return etree.fromstring(data, parser=etree.XMLParser(remove_blank_text=False))


def _element_text(el: etree._Element) -> str:
    parts: list[str] = []
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag == _A + "num" and node.getparent() is not None \
                and node.getparent().tag == _A + "article":
            continue  # the article label is not part of Provision.text
        if node.tag in (_A + "p", _A + "num", _A + "heading") and node.text:
            parts.append(node.text)
    return " ".join(" ".join(parts).split())


def akn_to_text(xml: etree._Element | bytes | str) -> list[tuple[str, str]]:
    """(eId, whitespace-normalised text) for every element of the body/preamble with an eId."""
    root = _as_tree(xml)
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get("eId") is None:
            continue
        if el.tag == _A + "TLCOrganization":
            continue
        out.append((el.get("eId"), _element_text(el)))
    return out


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    path = resources.files("lexcompare") / "schemas" / "akomantoso30.xsd"
    with resources.as_file(path) as p:
        return etree.XMLSchema(etree.parse(str(p)))


def validate_akn(xml: etree._Element | bytes | str) -> list[str]:
    """Errors against the official AKN 3.0 schema (empty list when valid)."""
    schema = _schema()
    tree = _as_tree(xml)
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def check_akn(xml: etree._Element | bytes | str) -> None:
    """Raise `AknError` when the tree does not validate against the AKN 3.0 schema."""
    errors = validate_akn(xml)
    if errors:
        raise AknError(f"document does not validate against akomantoso30.xsd "
                       f"({len(errors)} errors); first: {errors[0]}")


def write_akn(parsed: ParsedDocument, path: str | os.PathLike[str], *, work_uri: str,
              expression_date: str, **kwargs: str) -> Path:
    """Export and write atomically (temporary file in the same folder, then os.replace)."""
    data = akn_bytes(to_akn(parsed, work_uri=work_uri, expression_date=expression_date,
                            **kwargs))
    from .corpus import atomic_write

    target = Path(path)
    atomic_write(target, data)
    return target
