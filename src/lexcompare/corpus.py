"""The corpus: shipped texts, the analyst's own texts, and the texts known to be absent.

`corpus/catalogue.yaml` is built from the MANIFEST.json files plus `catalogue_overrides.yaml` and
`parties.yaml` (`lexcompare corpus build`). User texts added with `lexcompare add` live in a user
corpus directory outside the shipped `corpus/` (default `~/.lexcompare/user-corpus`, or
`$LEXCOMPARE_HOME/user-corpus`), each with its own catalogue entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import __version__
from .errors import CatalogueError
from .model import Document, ParsedDocument, Problem, SourceText, sha256_text
from .parse import parse_text

# The parse cache is keyed by the parser's own code: any change to parse.py re-parses.
PARSER_CODE = hashlib.sha256((Path(__file__).parent / "parse.py").read_bytes()).hexdigest()[:12]

# Manifest party statuses are free text; these decide what binds.
_PARTY = re.compile(r"^(acceded|ratified|party|succe|member[ _]state|reported as ratified)", re.I)
_NOT_PARTY = re.compile(r"^(not[ _](party|ratified|applicable)|signed)", re.I)


def shipped_root() -> Path:
    """The repository's corpus/ directory (also found when installed in editable mode)."""
    env = os.environ.get("LEXCOMPARE_CORPUS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "corpus" / "catalogue_overrides.yaml").exists():
            return parent / "corpus"
    raise CatalogueError("cannot find the shipped corpus/ directory; set LEXCOMPARE_CORPUS")


def home() -> Path:
    return Path(os.environ.get("LEXCOMPARE_HOME", Path.home() / ".lexcompare"))


def user_root() -> Path:
    return Path(os.environ.get("LEXCOMPARE_USER_CORPUS", home() / "user-corpus"))


def cache_dir() -> Path:
    """Root of every lexcompare cache (parsed texts, tags, embeddings, judgements, reports):
    `$LEXCOMPARE_CACHE`, else the XDG cache dir. Entries are keyed by content checksums, so a
    cache shared by several checkouts or versions never serves a stale result."""
    env = os.environ.get("LEXCOMPARE_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lexcompare"


@dataclass(frozen=True, slots=True)
class PartyStatus:
    country: str
    status: str  # as recorded ("acceded", "ratified", "not verified", ...)
    date: str | None
    verified: bool
    evidence: tuple[dict[str, str], ...] = ()
    note: str = ""

    @property
    def binding(self) -> bool:
        """Party (from `date`), as recorded. An unverified status never binds silently."""
        return bool(_PARTY.match(self.status)) and not _NOT_PARTY.match(self.status)

    @property
    def label(self) -> str:
        if self.binding:
            return "party" if self.verified else "party (unverified)"
        if self.status.lower().startswith("signed"):
            return "signed only"
        if _NOT_PARTY.match(self.status):
            return "not party"
        return "unverified"


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalogue row: a document and what is known about it."""

    document: Document
    file: str  # relative to root
    root: str  # "shipped" | "user"
    jurisdiction: str = ""
    title_other: str = ""
    soft_law: bool = False
    in_corpus: bool = True
    expected_articles: int | None = None
    highest_number: int | None = None
    numbering_gaps: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    parties: dict[str, PartyStatus] = field(default_factory=dict)
    complete: Any = None
    # False when the source's headings do not follow its articles (Benin's penal code text puts
    # the headings it has where a partial index lists them): its provisions get no heading path
    headings_reliable: bool = True
    note: str = ""
    page_starts: tuple[int, ...] = ()  # user PDFs: pages of the stored text

    @property
    def id(self) -> str:
        return self.document.id

    def path(self) -> Path:
        """The text's file; refused if its `file` would lead outside its corpus root."""
        root = shipped_root() if self.root == "shipped" else user_root()
        path = root / self.file
        if not path.resolve().is_relative_to(root.resolve()):
            where = (f"the entry.yaml of {self.id!r} under {root}" if self.root == "user"
                     else f"{root / 'catalogue.yaml'}")
            raise CatalogueError(
                f"{self.id}: catalogue file {self.file!r} resolves to {path.resolve()}, outside "
                f"the {self.root} corpus {root}: refused. Fix 'file' in {where} to a path "
                "inside that folder, or delete the entry and add the text again with "
                "`lexcompare add FILE --id ...`.")
        return path

    def party(self, country: str) -> PartyStatus:
        return self.parties.get(country.lower()) or PartyStatus(country.lower(), "not verified",
                                                                None, False)


# ---------------------------------------------------------------------------------------------
# Building the catalogue from the manifests


def _kind(raw: str) -> str:
    raw = raw.lower()
    if "arrêté" in raw or "arrete" in raw:
        return "decree"  # a ministerial order: the catalogue's closest kind
    for k in ("gazette", "constitution", "protocol", "convention", "charter", "declaration",
              "agreement", "code", "decree", "law", "treaty"):
        if k in raw:
            return "gazette issue" if k == "gazette" else k
    return raw.split(" ")[0]


def _party_from_manifest(country: str, raw: dict[str, Any] | None) -> PartyStatus | None:
    if not raw:
        return None
    return PartyStatus(country, str(raw.get("status", "not verified")), raw.get("date"),
                       bool(raw.get("verified", False)),
                       tuple({k: str(v) for k, v in e.items()} for e in raw.get("evidence", [])),
                       str(raw.get("note") or ""))


def build_catalogue(root: Path | None = None) -> list[dict[str, Any]]:
    """Merge the MANIFEST.json files, catalogue_overrides.yaml and parties.yaml."""
    root = root or shipped_root()
    overrides = yaml.safe_load((root / "catalogue_overrides.yaml").read_text(encoding="utf-8"))
    parties_path = root / "parties.yaml"
    parties = (yaml.safe_load(parties_path.read_text(encoding="utf-8")) or {}
               if parties_path.exists() else {})
    docs_over: dict[str, dict[str, Any]] = overrides.get("documents", {})
    rows: list[dict[str, Any]] = []
    for manifest in sorted(root.glob("**/MANIFEST.json")):
        section = manifest.relative_to(root).parts[0]
        defaults = overrides.get("defaults", {}).get(section, {})
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        languages: dict[str, list[str]] = {}
        for e in entries:
            languages.setdefault(e["id"], []).append(e["language"])
        for e in entries:
            langs = languages[e["id"]]
            # Two expressions of one work: the English one keeps the id, others get ".<lang>".
            doc_id = e["id"] if (len(langs) == 1 or e["language"] == "en") else \
                f"{e['id']}.{e['language']}"
            over = {**defaults, **docs_over.get(e["id"], {})}
            if doc_id != e["id"]:
                over = {**over, **docs_over.get(doc_id, {})}
                over.pop("work_uri", None)
            rel = (manifest.parent / e["file"]).relative_to(root).as_posix()
            country = (e.get("country") or "").lower() or None
            scope = "national" if section == "national" else over.get("scope", "international")
            arts = e.get("articles") or {}
            kind = over.get("kind") or _kind(e.get("kind", ""))
            expected = over.get("expected_articles")
            if expected is None and "gazette" not in kind:  # issues hold many acts: see gazette.py
                expected = arts.get("headings_detected", e.get("articles_count"))
            gaps = over.get("numbering_gaps")
            if gaps is None:
                gaps = arts.get("missing_numbers", e.get("numbering_gaps")) or []
            date = e.get("adoption_date") or e.get("date")
            jurisdiction = over.get("jurisdiction") or country or ""
            work_uri = over.get("work_uri") or (
                f"/akn/{jurisdiction or 'int'}/act/{kind.replace(' ', '-')}/{date}/{e['id']}")
            party_rows: dict[str, Any] = {}
            gn = _party_from_manifest("gn", e.get("guinea_status"))
            if gn:
                party_rows["gn"] = gn
            for c, raw in (parties.get(e["id"]) or {}).items():
                party_rows[c] = _party_from_manifest(c, raw)
            notes = [over.get("note", "")] + list(e.get("processing_and_quality_notes") or [])
            rows.append({
                "id": doc_id, "work": e["id"], "title": e["title"],
                "title_other": e.get("title_other_language") or e.get("title_official") or "",
                "kind": kind, "scope": scope, "jurisdiction": jurisdiction, "country": country,
                "language": e["language"], "languages_of_work": sorted(langs),
                "date": date, "file": rel, "sha256": e["sha256"],
                "in_corpus": (root / rel).exists(),
                "expected_articles": expected, "numbering_gaps": [str(g) for g in gaps],
                "highest_number": None if expected is None else arts.get("highest_number"),
                "carriers": over.get("carriers", []), "soft_law": bool(over.get("soft_law")),
                "work_uri": work_uri, "complete": e.get("complete"),
                "headings_reliable": not over.get("headings_unreliable"),
                "parties": {c: _party_row(p) for c, p in party_rows.items()},
                "source": e.get("source"), "official_reference": e.get("official_reference"),
                "note": " ".join(n for n in notes if n).strip(),
            })
    for doc_id, info in overrides.get("not_in_corpus", {}).items():
        rows.append({
            "id": doc_id, "work": doc_id, "title": info["title"],
            "title_other": info.get("title_fr", ""), "kind": info["kind"],
            "scope": info["scope"], "jurisdiction": info.get("jurisdiction", ""), "country": None,
            "language": "en", "languages_of_work": [], "date": info.get("date"), "file": "",
            "sha256": "", "in_corpus": False, "expected_articles": None, "numbering_gaps": [],
            "carriers": [], "soft_law": bool(info.get("soft_law")),
            "work_uri": f"/akn/{info.get('jurisdiction', 'int')}/act/{info['kind']}/{doc_id}",
            "complete": None,
            "parties": {c: _party_row(_party_from_manifest(c, raw))
                        for c, raw in (parties.get(doc_id) or {}).items()},
            "source": None, "official_reference": None,
            "note": "text not in corpus",
        })
    return rows


def _party_row(p: PartyStatus | None) -> dict[str, Any]:
    assert p is not None
    return {"status": p.status, "date": p.date, "verified": p.verified,
            "evidence": [dict(e) for e in p.evidence], "note": p.note}


def write_catalogue(root: Path | None = None) -> Path:
    root = root or shipped_root()
    rows = build_catalogue(root)
    header = ("# Generated by `lexcompare corpus build` from the MANIFEST.json files,\n"
              "# catalogue_overrides.yaml and parties.yaml. Do not edit by hand.\n")
    path = root / "catalogue.yaml"
    atomic_write_text(path, header + yaml.safe_dump(rows, allow_unicode=True, sort_keys=False,
                                                     width=100))
    _load_entries.cache_clear()
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename: never a half file, and a
    killed run leaves only `.<name>.<random>.tmp` behind, never something named like an output."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Reading the catalogue


def _entry(row: dict[str, Any], root: str) -> Entry:
    doc = Document(
        id=row["id"], title=row["title"], kind=row["kind"], scope=row["scope"],
        language=row["language"], country=row.get("country"), date=row.get("date"),
        source=row.get("file", ""), sha256=row.get("sha256", ""), work_uri=row.get("work_uri", ""),
    )
    parties = {c: PartyStatus(c, p["status"], p.get("date"), bool(p.get("verified")),
                              tuple(p.get("evidence") or ()), p.get("note") or "")
               for c, p in (row.get("parties") or {}).items()}
    return Entry(
        document=doc, file=row.get("file", ""), root=root,
        jurisdiction=row.get("jurisdiction", ""), title_other=row.get("title_other", ""),
        soft_law=bool(row.get("soft_law")), in_corpus=bool(row.get("in_corpus", True)),
        expected_articles=row.get("expected_articles"),
        highest_number=row.get("highest_number"),
        numbering_gaps=tuple(str(g) for g in row.get("numbering_gaps") or ()),
        carriers=tuple(row.get("carriers") or ()), parties=parties,
        complete=row.get("complete"), note=row.get("note", ""),
        headings_reliable=bool(row.get("headings_reliable", True)),
        page_starts=tuple(row.get("page_starts") or ()),
    )


@lru_cache(maxsize=4)
def _load_entries(shipped: str, user: str) -> tuple[Entry, ...]:
    path = Path(shipped) / "catalogue.yaml"
    if not path.exists():
        raise CatalogueError(f"{path} is missing: run `lexcompare corpus build`")
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = [_entry(r, "shipped") for r in rows]
    for meta in sorted(Path(user).glob("*/entry.yaml")):
        entries.append(_entry(yaml.safe_load(meta.read_text(encoding="utf-8")), "user"))
    return tuple(entries)


def catalogue() -> tuple[Entry, ...]:
    """Every known document: shipped, user-added, and instruments cited but not in the corpus."""
    return _load_entries(str(shipped_root()), str(user_root()))


def entry(doc_id: str) -> Entry:
    for e in catalogue():
        if e.id == doc_id:
            return e
    known = ", ".join(sorted(e.id for e in catalogue())[:60])
    raise CatalogueError(f"unknown document id {doc_id!r}. Known ids: {known}. "
                         "Add a user text with `lexcompare add FILE --id ...`.")


def refresh() -> None:
    _load_entries.cache_clear()


@dataclass(frozen=True, slots=True)
class AbsentText:
    id: str
    country: str
    title: str
    reference: str
    short_fr: str
    short_en: str
    kind: str
    date: str
    carriers: tuple[str, ...]
    why: str


def absent_texts(country: str | None = None) -> list[AbsentText]:
    """Known texts that are not in the corpus (and not added by the user)."""
    raw = yaml.safe_load((shipped_root() / "absent.yaml").read_text(encoding="utf-8"))
    present = {e.id for e in catalogue() if e.in_corpus}
    out = []
    for doc_id, r in raw.items():
        if doc_id in present or (country and r["country"] != country.lower()):
            continue
        out.append(AbsentText(doc_id, r["country"], r["title"], r["reference"], r["short_fr"],
                              r["short_en"], r["kind"], str(r["date"]), tuple(r["carriers"]),
                              r["why"]))
    return out


# ---------------------------------------------------------------------------------------------
# Loading and parsing documents


def read_entry_source(e: Entry) -> SourceText:
    if not e.in_corpus:
        raise CatalogueError(f"{e.id}: text not in corpus ({e.document.title})")
    path = e.path()
    if not path.exists():
        raise CatalogueError(f"{e.id}: catalogue names {path}, which does not exist")
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    return SourceText(str(path), text, e.document.sha256 or sha256_text(text),
                      page_starts=e.page_starts)


def load(doc_id: str) -> ParsedDocument:
    """A catalogued document, parsed (cached on disk by text checksum and parser version)."""
    e = entry(doc_id)
    source = read_entry_source(e)
    key = f"{e.id}-{sha256_text(source.text)[:20]}-{PARSER_CODE}"
    cached = cache_dir() / "parsed" / f"{key}.pickle"
    if cached.exists():
        try:
            parsed: ParsedDocument = pickle.loads(cached.read_bytes())
            return _without_unreliable_headings(replace(parsed, document=e.document), e)
        except Exception:  # a stale or truncated cache entry is just recomputed
            cached.unlink(missing_ok=True)
    parsed = parse_text(source, e.document)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")  # two processes may parse at once
    tmp.write_bytes(pickle.dumps(parsed))
    os.replace(tmp, cached)
    return _without_unreliable_headings(parsed, e)


def _without_unreliable_headings(parsed: ParsedDocument, e: Entry) -> ParsedDocument:
    """No heading path rather than a wrong one: where the catalogue says the source's headings
    do not follow its articles, every provision's `heading_path` is emptied and a Problem says
    why (Benin penal code art. 499, trafficking, would otherwise sit under a chapter on offences
    by members of the armed forces)."""
    if e.headings_reliable:
        return parsed
    problem = Problem(
        e.id, 0, "unreliable-headings",
        "the headings of this text are not where they belong (the source lists only part of "
        "the code's structure); heading paths are left empty: read the article numbers, or add "
        "a complete official text with `lexcompare add`")
    return replace(
        parsed,
        provisions=tuple(replace(p, heading_path=()) for p in parsed.provisions),
        problems=(*parsed.problems, problem),
    )


def load_many(doc_ids: Iterable[str]) -> list[ParsedDocument]:
    return [load(d) for d in doc_ids]


def add_user_document(file: Path, *, doc_id: str, country: str, kind: str, title: str,
                      date: str | None = None, language: str = "fr", ocr: bool = False,
                      carriers: Iterable[str] = (), max_pages: int = 3000
                      ) -> tuple[Entry, ParsedDocument]:
    """Bring an analyst's own law (PDF/DOCX/TXT) into the user corpus, parsed and catalogued.

    Nothing is written unless the file reads and parses: a scanned or broken PDF leaves the user
    corpus as it was.
    """
    from .ingest import read_source  # PDF/DOCX dependencies load only when needed

    if not re.fullmatch(r"[a-z0-9][a-z0-9.\-]{1,80}", doc_id):
        raise CatalogueError(f"document id {doc_id!r}: use lower-case letters, digits, '-' and '.'"
                             " (e.g. gn-code-penal-2016)")
    shipped_ids = {e.id for e in catalogue() if e.root == "shipped"}
    if doc_id in shipped_ids:
        raise CatalogueError(f"{doc_id!r} is a shipped document id; choose another id")
    source = read_source(file, ocr=ocr, max_pages=max_pages)
    document = Document(id=doc_id, title=title, kind=kind, scope="national", language=language,
                        country=country.lower(), date=date, source=f"{doc_id}/text.txt",
                        sha256=source.sha256,
                        work_uri=f"/akn/{country.lower()}/act/{kind}/{date or 'undated'}/{doc_id}")
    parsed = parse_text(source, document)
    if not parsed.articles:
        raise CatalogueError(
            f"{file}: no article headings found ('Article 1', 'Article premier', 'Art. 12.-'...). "
            "Check the file is the law's text; numbering styles the parser knows are listed in "
            "docs/CONVENTIONS.md.")
    row = {
        "id": doc_id, "work": doc_id, "title": title, "title_other": "", "kind": kind,
        "scope": "national", "jurisdiction": country.lower(), "country": country.lower(),
        "language": language, "languages_of_work": [language], "date": date,
        "file": f"{doc_id}/text.txt", "sha256": source.sha256, "in_corpus": True,
        "expected_articles": len(parsed.articles), "numbering_gaps": [],
        "carriers": list(carriers) or _carriers_for(kind, title), "soft_law": False,
        "work_uri": document.work_uri, "complete": None, "parties": {},
        "source": {"file": str(Path(file).resolve()), "added_with": f"lexcompare {__version__}",
                   "ingest_notes": list(source.notes), "encoding": source.encoding},
        "official_reference": None, "note": "user-added text",
        "page_starts": list(source.page_starts),
    }
    target = user_root() / doc_id
    user_root().mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=user_root(), prefix=f".{doc_id}."))
    try:
        (staging / "text.txt").write_text(source.text, encoding="utf-8")
        shutil.copy2(file, staging / f"original{Path(file).suffix.lower()}")
        (staging / "entry.yaml").write_text(yaml.safe_dump(row, allow_unicode=True,
                                                           sort_keys=False), encoding="utf-8")
        if target.exists():
            backup = target.with_name(f".{doc_id}.previous")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(target, backup)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    refresh()
    return entry(doc_id), load(doc_id)


def _carriers_for(kind: str, title: str) -> list[str]:
    t = f"{kind} {title}".lower()
    for needle, carrier in (("procédure", "criminal_procedure_code"), ("pénal", "penal_code"),
                            ("penal", "penal_code"), ("enfant", "children_code"),
                            ("travail", "labour_code"), ("traite", "tip_law"),
                            ("constitution", "constitution"), ("décret", "decree"),
                            ("decret", "decree")):
        if needle in t:
            return [carrier] + (["tip_law"] if carrier == "penal_code" else [])
    return []
