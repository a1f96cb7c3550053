"""Plain data passed between pipeline stages.

Every record that leaves the tool can be traced back to its source: a `Provision` keeps the
document id, its Akoma Ntoso-style eId, character offsets into the unaltered `SourceText`, the
page(s) it sits on and the sha256 of the source file.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Level = Literal["preamble", "article", "para", "al", "point"]
Scope = Literal["international", "regional", "bilateral", "national"]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SourceText:
    """A legal text as read from disk, before any structuring.

    `text` is what every offset points into. For a .txt file it is the file's decoded content,
    untouched; for PDF/DOCX it is the text layer in reading order (running headers, footers and
    page numbers removed, end-of-line hyphens joined) and `page_starts[i]` is the offset where
    page i+1 begins.
    """

    path: str
    text: str
    sha256: str  # of the file's bytes, so a reader can check the file they hold
    encoding: str = "utf-8"
    page_starts: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()  # what ingest adjusted or could not read

    def pages_of(self, start: int, end: int) -> tuple[int, ...]:
        """1-based page numbers covering text[start:end]; () when the source has no pages."""
        if not self.page_starts:
            return ()
        first = last = 1
        for i, offset in enumerate(self.page_starts):
            if offset <= start:
                first = i + 1
            if offset < max(end, start + 1):
                last = i + 1
        return tuple(range(first, last + 1))


@dataclass(frozen=True, slots=True)
class Document:
    """A legal text as a work (what it is) and an expression (this language version)."""

    id: str
    title: str
    kind: str  # treaty, protocol, convention, charter, declaration, agreement, constitution, ...
    scope: Scope
    language: str  # ISO 639-1 of this expression: "fr", "en"
    country: str | None = None  # ISO 3166 alpha-2, lower case, for national texts
    date: str | None = None  # adoption / promulgation date, ISO
    source: str = ""  # file path relative to its corpus root
    sha256: str = ""
    work_uri: str = ""  # Akoma Ntoso FRBR work URI, e.g. /akn/bj/act/loi/2018/16


@dataclass(frozen=True, slots=True)
class Provision:
    """One addressable unit of a legal text: an article, a paragraph/alinéa or a point."""

    document_id: str
    eid: str  # "art_499", "art_3__para_a", "art_6__para_3__point_b", "art_62-4"
    number: str  # as written: "Article premier", "Art. 12.-", "b)"
    level: Level
    heading_path: tuple[str, ...]  # ("LIVRE 2 : ...", "TITRE 1 : ...", "CHAPITRE 3 : ...")
    text: str  # exactly SourceText.text[start:end]
    start: int
    end: int
    pages: tuple[int, ...] = ()
    language: str = "fr"
    line: int = 0  # 1-based line of the provision's first line in the source text
    title: str = ""  # caption as printed ("Use of terms", "Objet"), when the source has one

    @property
    def ref(self) -> str:
        return f"{self.document_id}#{self.eid}"

    @property
    def article_eid(self) -> str:
        return self.eid.split("__", 1)[0]

    @property
    def checksum(self) -> str:
        return sha256_text(self.text)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the parser could not structure, with where it was found."""

    document_id: str
    line: int
    kind: str  # "duplicate-number", "unstructured", "numbering-gap", ...
    message: str


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    document: Document
    source: SourceText
    provisions: tuple[Provision, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def articles(self) -> tuple[Provision, ...]:
        return tuple(p for p in self.provisions if p.level == "article")

    def get(self, eid: str) -> Provision:
        for p in self.provisions:
            if p.eid == eid:
                return p
        raise KeyError(f"{self.document.id} has no provision {eid!r}")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One replayable reason behind a score or a judgement."""

    method: str  # "element:means.fraud", "bm25", "embedding", "theme", "penalty"
    detail: str
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Alignment:
    obligation_id: str
    instrument_id: str
    instrument_eid: str
    national_id: str
    national_eid: str
    score: float
    rank: int
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)


def to_row(obj: Any) -> dict[str, Any]:
    """Flatten a dataclass for CSV/DataFrame output (tuples joined with '; ')."""
    row = asdict(obj)
    for key, value in row.items():
        if isinstance(value, tuple | list):
            row[key] = "; ".join(str(v) for v in value)
    return row
