"""The obligations checklist: what a national framework must contain, and where each duty comes
from.

The checklist lives in `corpus/obligations/*.yaml` (one file per family of instruments, format in
`corpus/obligations/README.md`). Each obligation cites one or more treaty provisions by eId, lists
the national texts that normally carry it and the *elements* a national provision must contain,
each with lemma-level French and English cues for `lexcompare.cues.CueMatcher`.

Two public verbs and one helper:

- `load_checklist(path=None) -> list[Obligation]` reads every YAML file (or one file).
- `validate(obligations, corpus) -> list[ChecklistProblem]` reports, `check(...)` raises.
- `derive_strength(text, lang) -> "mandatory" | "optional"` reads the modality of a treaty
  provision from its own words: the main verb decides ("shall protect" is mandatory even when the
  sentence opens with "In appropriate cases"), qualifiers are kept as notes (`analyse_modality`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from lexcompare.errors import LexcompareError
from lexcompare.model import ParsedDocument

Strength = Literal["mandatory", "optional"]
STRENGTHS: tuple[str, ...] = ("mandatory", "optional")
SCOPES: tuple[str, ...] = ("international", "regional")
LANGS: tuple[str, ...] = ("fr", "en")

#: National carriers, see docs/CONVENTIONS.md.
CARRIERS: tuple[str, ...] = (
    "penal_code",
    "tip_law",
    "children_code",
    "criminal_procedure_code",
    "labour_code",
    "constitution",
    "decree",
    "policy",
)

#: Theme ids, as agreed for the project. `lexcompare.themes.THEMES` is the owner once it exists;
#: this copy keeps the checklist loadable on its own and is compared with it in the tests.
THEME_IDS: tuple[str, ...] = (
    "definition",
    "criminalisation",
    "penalties",
    "aggravating_circumstances",
    "child_trafficking",
    "sale_of_children",
    "forced_labour",
    "sexual_exploitation",
    "forced_begging",
    "slavery_servitude",
    "debt_bondage",
    "organ_removal",
    "forced_marriage",
    "child_labour",
    "smuggling_of_migrants",
    "victim_identification",
    "victim_assistance",
    "non_punishment",
    "residence_repatriation",
    "compensation",
    "witness_protection",
    "privacy_protection",
    "prevention_awareness",
    "training",
    "border_documents",
    "international_cooperation",
    "extradition",
    "mutual_legal_assistance",
    "jurisdiction",
    "confiscation",
    "liability_legal_persons",
    "coordinating_body",
    "data_collection",
    "labour_inspection",
    "fundamental_rights",
)

#: Themes that belong to the Smuggling of Migrants Protocol and must never be mixed with
#: trafficking obligations (reviewers criticise frameworks that conflate the two).
SMUGGLING_THEMES: frozenset[str] = frozenset({"smuggling_of_migrants"})

#: Instruments cited as benchmarks only (soft law).
SOFT_LAW_INSTRUMENTS: frozenset[str] = frozenset({"ohchr-principles-2002", "unodc-model-law-2009"})

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "corpus" / "obligations"

_ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_ELEMENT_ID_RE = re.compile(r"^[a-z0-9_]+$")


class ChecklistError(LexcompareError):
    """The obligations checklist is malformed or disagrees with the corpus."""


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True, slots=True)
class Element:
    """Something a national provision must contain to meet an obligation (all elements needed)."""

    id: str
    label_fr: str
    label_en: str
    cues_fr: tuple[str, ...]
    cues_en: tuple[str, ...]

    def label(self, lang: str = "fr") -> str:
        return self.label_fr if lang == "fr" else self.label_en

    def cues(self, lang: str) -> tuple[str, ...]:
        return self.cues_fr if lang == "fr" else self.cues_en


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One treaty provision an obligation rests on."""

    instrument: str  # manifest id, English expression for bilingual treaties
    eid: str
    text_in_corpus: bool = True  # False: instrument not in corpus/, eId cannot be checked
    note: str = ""

    @property
    def ref(self) -> str:
        return f"{self.instrument}#{self.eid}"

    @property
    def soft_law(self) -> bool:
        return self.instrument in SOFT_LAW_INSTRUMENTS


@dataclass(frozen=True, slots=True)
class Obligation:
    id: str
    theme: str
    label_fr: str
    label_en: str
    scope: str
    soft_law: bool
    carriers: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    strength: Strength
    elements: tuple[Element, ...] = ()
    conflict_cues_fr: tuple[str, ...] = ()
    conflict_cues_en: tuple[str, ...] = ()
    # for a penalty obligation: the offence themes its penalties are for (OPSC 3(3) punishes
    # the sale of children, child prostitution and pornography), so that the articles punishing
    # those offences are found, not any article about penalties
    offences: tuple[str, ...] = ()
    note: str = ""
    file: str = ""  # YAML file it was read from, for messages

    def label(self, lang: str = "fr") -> str:
        return self.label_fr if lang == "fr" else self.label_en

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.instrument for s in self.sources))

    @property
    def is_smuggling(self) -> bool:
        return self.theme in SMUGGLING_THEMES

    def cue_spec(self) -> dict[str, dict[str, list[str]]]:
        """Element cues as `CueMatcher` takes them: {element_id: {"fr": [...], "en": [...]}}."""
        return {e.id: {"fr": list(e.cues_fr), "en": list(e.cues_en)} for e in self.elements}

    def conflict_spec(self) -> dict[str, dict[str, list[str]]]:
        if not (self.conflict_cues_fr or self.conflict_cues_en):
            return {}
        return {"conflict": {"fr": list(self.conflict_cues_fr), "en": list(self.conflict_cues_en)}}


@dataclass(frozen=True, slots=True)
class ChecklistProblem:
    """Something wrong in the checklist, with the file and obligation it was found in."""

    file: str
    obligation_id: str
    kind: str  # duplicate-id, unknown-theme, unknown-carrier, missing-eid, strength, cues, ...
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.obligation_id}: {self.message}"


# ---------------------------------------------------------------------------------------------
# Loading


def _text_pair(raw: Any, where: str) -> tuple[str, str]:
    if isinstance(raw, str):
        return raw, raw
    if not isinstance(raw, Mapping) or not raw.get("fr") or not raw.get("en"):
        raise ChecklistError(f"{where}: expected a label {{fr: ..., en: ...}}, got {raw!r}")
    return str(raw["fr"]), str(raw["en"])


def _cue_pair(raw: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if raw is None:
        return (), ()
    if not isinstance(raw, Mapping):
        raise ChecklistError(f"{where}: expected cues {{fr: [...], en: [...]}}, got {raw!r}")
    out: list[tuple[str, ...]] = []
    for lang in LANGS:
        terms = raw.get(lang) or []
        if isinstance(terms, str) or not all(isinstance(t, str) and t.strip() for t in terms):
            raise ChecklistError(f"{where}: cues.{lang} must be a list of non-empty strings")
        out.append(tuple(t.strip() for t in terms))
    return out[0], out[1]


def _obligation(raw: Any, file: str) -> Obligation:
    if not isinstance(raw, Mapping) or "id" not in raw:
        raise ChecklistError(f"{file}: each entry must be a mapping with an id, got {raw!r}")
    oid = str(raw["id"])
    where = f"{file}: {oid}"
    missing = [
        k for k in ("theme", "label", "scope", "carriers", "sources", "strength") if k not in raw
    ]
    if missing:
        raise ChecklistError(f"{where}: missing field(s) {', '.join(missing)}")
    label_fr, label_en = _text_pair(raw["label"], f"{where}.label")
    sources = []
    for s in raw["sources"] or []:
        if not isinstance(s, Mapping) or "instrument" not in s or "eid" not in s:
            raise ChecklistError(f"{where}: a source needs instrument and eid, got {s!r}")
        sources.append(
            SourceRef(
                instrument=str(s["instrument"]),
                eid=str(s["eid"]),
                text_in_corpus=bool(s.get("text_in_corpus", True)),
                note=str(s.get("note", "")),
            )
        )
    elements = []
    for e in raw.get("elements") or []:
        if not isinstance(e, Mapping) or "id" not in e:
            raise ChecklistError(f"{where}: an element needs an id, got {e!r}")
        e_fr, e_en = _text_pair(e.get("label", e["id"]), f"{where}.{e['id']}.label")
        c_fr, c_en = _cue_pair(e.get("cues"), f"{where}.{e['id']}")
        elements.append(Element(str(e["id"]), e_fr, e_en, c_fr, c_en))
    k_fr, k_en = _cue_pair(raw.get("conflict_cues"), f"{where}.conflict_cues")
    return Obligation(
        id=oid,
        theme=str(raw["theme"]),
        label_fr=label_fr,
        label_en=label_en,
        scope=str(raw["scope"]),
        soft_law=bool(raw.get("soft_law", False)),
        carriers=tuple(str(c) for c in raw["carriers"] or []),
        sources=tuple(sources),
        strength=raw["strength"],
        elements=tuple(elements),
        conflict_cues_fr=k_fr,
        conflict_cues_en=k_en,
        offences=tuple(str(t) for t in raw.get("offences") or ()),
        note=str(raw.get("note", "") or ""),
        file=file,
    )


def load_checklist(path: str | Path | None = None) -> list[Obligation]:
    """Read the checklist: every `*.yaml` in a folder (default `corpus/obligations/`) or one file.

    Only the shape is checked here; `validate` / `check` compare it with the themes and corpus.
    """
    root = Path(path) if path is not None else DEFAULT_DIR
    files = sorted(root.glob("*.yaml")) if root.is_dir() else [root]
    if not files or not all(f.exists() for f in files):
        raise ChecklistError(f"{root}: no obligations YAML found (expected *.yaml files there)")
    out: list[Obligation] = []
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or []
        if isinstance(data, Mapping):
            data = data.get("obligations", [])
        if not isinstance(data, list):
            raise ChecklistError(f"{f.name}: expected a list of obligations at top level")
        out.extend(_obligation(item, f.name) for item in data)
    return out


# ---------------------------------------------------------------------------------------------
# Strength of a provision: the modality of its main verb


@dataclass(frozen=True, slots=True)
class Modality:
    """What `analyse_modality` read in a provision's text."""

    strength: Strength | None  # None: no modal verb found (definition, indicative, list item)
    marker: str = ""  # the words that decided, e.g. "shall consider"
    qualifiers: tuple[str, ...] = ()  # "in appropriate cases", "le cas échéant", ...

    @property
    def note(self) -> str:
        if not self.qualifiers:
            return ""
        return "qualified by: " + "; ".join(self.qualifiers)


_GAP = r"(?:\s*,[^,;.]{1,140},)?\s+"  # "shall, subject to their domestic law, endeavour"

_OPTIONAL: dict[str, tuple[str, ...]] = {
    "en": (
        rf"\bshall{_GAP}(?:also\s+)?(?:consider|endeavou?r|seek\s+to|make\s+every\s+effort|"
        rf"give\s+(?:special|priority)\s+consideration|take\s+into\s+consideration)\b",
        r"\bwill\s+(?:consider|endeavou?r)\b",
        # "may" as permission; not "as may be necessary", "may not" (prohibition) or the
        # epistemic "may have grave consequences" (1926 Slavery Convention art 5)
        r"(?<!as )\bmay\b(?!\s+not\b)(?!\s+be\s+necessary)(?!\s+have\b)",
        r"\bshould\b",
        r"\b(?:is|are)\s+encouraged\b",
        r"\bin\s+a\s+position\s+to\s+do\s+so\b",
    ),
    "fr": (
        r"\b(?:peut|peuvent|pourra|pourront|pourrait|pourraient)\b",
        r"\b(?:envisage|envisagent|envisager)\b",
        r"\bs[’']efforce(?:nt|r)?\b",
        r"\bexamine(?:nt)?\s+la\s+possibilité\b",
        r"\b(?:devrait|devraient)\b",
        r"\bsont\s+encouragé(?:e)?s\b",
    ),
}

_MANDATORY: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bshall\b",
        r"\bmust\b",
        r"\bundertakes?\b",
        r"\bagrees?\s+to\b",
        r"\bmay\s+not\b",
        r"\b(?:is|are)\s+(?:hereby\s+)?prohibited\b",
        r"\brecogni[sz]es?\s+the\s+right\b",
        # a definitions article binds through the operative articles that use it
        r"\bfor\s+the\s+purposes?\s+of\s+(?:this|the\s+present)\s+(?:protocol|convention|agreement)\b",
    ),
    "fr": (
        r"\bs[’']engage(?:nt)?\s+à\b",
        r"\bprend(?:ent|re)?(?:\s*,[^,;.]{1,140},)?\s+(?:toutes\s+)?(?:les\s+)?"
        r"(?:mesures|dispositions)\b",
        r"\b(?:doit|doivent|devra|devront)\b",
        r"\b(?:est|sont)\s+tenu(?:e)?s?\b",
        r"\binterdit(?:e)?s?\b",
        r"\b(?:proscrit|prohibé)(?:e)?s?\b",
        r"\bne\s+(?:peut|peuvent|pourra|pourront)\b",
        r"\bconviennent\s+(?:de|d[’'])",
        r"\bveille(?:nt)?\s+à\b",
        r"\bs[’']accordent\b",
        r"\bon\s+entend\s+par\b",  # definitions article
        r"\baux\s+fins\s+du\s+présent\s+(?:accord|protocole|traité)\b",
    ),
}

_QUALIFIERS: dict[str, tuple[str, ...]] = {
    "en": (
        r"in\s+appropriate\s+cases",
        r"where\s+appropriate",
        r"as\s+appropriate",
        r"to\s+the\s+(?:greatest\s+)?extent\s+possible",
        r"within\s+(?:its\s+|their\s+)?(?:available\s+)?means",
        r"subject\s+to\s+(?:its|their)\s+domestic\s+law",
        r"in\s+accordance\s+with\s+(?:its|their)\s+domestic\s+law",
        r"subject\s+to\s+the\s+basic\s+concepts\s+of\s+its\s+legal\s+system",
        r"preferably",
        r"where\s+applicable",
        r"if\s+necessary",
    ),
    "fr": (
        r"le\s+cas\s+échéant",
        r"selon\s+le\s+cas",
        r"dans\s+la\s+mesure\s+du\s+possible",
        r"s[’']il\s+y\s+a\s+lieu",
        r"en\s+tant\s+que\s+de\s+besoin",
        r"au\s+besoin",
        r"si\s+nécessaire",
        r"conformément\s+à\s+(?:la|leur|sa)\s+législation\s+nationale",
    ),
}


def _compile(table: dict[str, tuple[str, ...]]) -> dict[str, list[re.Pattern[str]]]:
    return {lang: [re.compile(p, re.IGNORECASE) for p in pats] for lang, pats in table.items()}


_OPT_RE = _compile(_OPTIONAL)
_MAN_RE = _compile(_MANDATORY)
_QUAL_RE = _compile(_QUALIFIERS)


def _lang(lang: str) -> str:
    lang = lang.lower()[:2]
    if lang not in LANGS:
        raise ValueError(f"language must be 'fr' or 'en', got {lang!r}")
    return lang


def analyse_modality(text: str, lang: str) -> Modality:
    """Read the modality of a provision: the first modal construction in the text decides.

    Optional constructions ("shall consider", "shall endeavour", "may", "envisage",
    "s'efforce de") and mandatory ones ("shall", "undertake", "s'engage à", "prend les mesures",
    "doit", "sont tenus", "interdit", "ne peut") are searched together; the earliest wins, and at
    the same position the longer one ("shall consider" over "shall", "may not" over "may").
    Qualifiers ("in appropriate cases", "le cas échéant") never decide when a modal verb is
    present: they are returned as notes. No modal verb -> strength None.
    """
    lang = _lang(lang)
    flat = " ".join(text.split())
    hits: list[tuple[int, int, Strength, str]] = []
    for strength, table in (("optional", _OPT_RE), ("mandatory", _MAN_RE)):
        for pat in table[lang]:
            m = pat.search(flat)
            if m:
                hits.append((m.start(), -(m.end() - m.start()), strength, m.group(0)))  # type: ignore[arg-type]
    quals = tuple(
        dict.fromkeys(m.group(0).lower() for pat in _QUAL_RE[lang] for m in pat.finditer(flat))
    )
    if not hits:
        return Modality(None, "", quals)
    hits.sort()
    _, _, strength, marker = hits[0]
    return Modality(strength, " ".join(marker.split()), quals)


def derive_strength(text: str, lang: str) -> Strength:
    """Return "mandatory" or "optional", from the provision's own words (see `analyse_modality`).

    >>> derive_strength("Each State Party shall consider implementing measures", "en")
    'optional'
    >>> derive_strength("In appropriate cases, each State Party shall protect the privacy", "en")
    'mandatory'

    Text with no modal verb is read as mandatory (definitions, prohibitions and the French
    present indicative bind), unless it carries only a qualifier such as "le cas échéant".
    """
    mod = analyse_modality(text, lang)
    if mod.strength is not None:
        return mod.strength
    return "optional" if mod.qualifiers else "mandatory"


def _parent_eids(eid: str) -> list[str]:
    parts = eid.split("__")
    return ["__".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def provision_strength(doc: ParsedDocument, eid: str) -> tuple[Strength, str]:
    """Strength of a cited provision, with a note saying where the deciding words were read.

    A list item without a verb of its own ("a) Appropriate housing;") takes the modality of its
    chapeau: the paragraph, then the article, that contains it.
    """
    lang = doc.document.language
    text = doc.get(eid).text
    mod = analyse_modality(text, lang)
    if mod.strength is not None:
        return mod.strength, mod.note
    for parent in _parent_eids(eid):
        try:
            ptext = doc.get(parent).text
        except KeyError:
            continue
        pmod = analyse_modality(ptext, lang)
        if pmod.strength is not None:
            qual = "; ".join(dict.fromkeys(mod.qualifiers + pmod.qualifiers))
            return pmod.strength, f"modality read in {parent}" + (
                f"; qualified by: {qual}" if qual else ""
            )
    return derive_strength(text, lang), mod.note


# ---------------------------------------------------------------------------------------------
# Validation

CorpusLike = Mapping[str, ParsedDocument] | Callable[[str], ParsedDocument]


def _theme_ids() -> tuple[str, ...]:
    try:
        from lexcompare.themes import THEMES  # type: ignore[attr-defined]
    except ImportError:
        return THEME_IDS
    ids = [t if isinstance(t, str) else getattr(t, "id", None) for t in THEMES]
    if isinstance(THEMES, Mapping):
        ids = list(THEMES)
    known = tuple(i for i in ids if isinstance(i, str))
    return known or THEME_IDS


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.casefold())
    return "".join(c for c in s if not unicodedata.combining(c))


def _document_getter(corpus: CorpusLike) -> Callable[[str], ParsedDocument | None]:
    cache: dict[str, ParsedDocument | None] = {}

    def get(doc_id: str) -> ParsedDocument | None:
        if doc_id not in cache:
            try:
                if isinstance(corpus, Mapping):
                    cache[doc_id] = corpus.get(doc_id)
                else:
                    cache[doc_id] = corpus(doc_id)
            except (KeyError, LexcompareError, FileNotFoundError):
                cache[doc_id] = None
        return cache[doc_id]

    return get


def _check_shape(o: Obligation, themes: Sequence[str]) -> Iterable[tuple[str, str]]:
    if not _ID_RE.match(o.id):
        yield "bad-id", f"id must be dotted lower-case words (a.b.c), got {o.id!r}"
    if o.theme not in themes:
        yield "unknown-theme", f"theme {o.theme!r} is not one of the theme ids"
    for t in o.offences:
        if t not in themes:
            yield "unknown-theme", f"offence theme {t!r} is not one of the theme ids"
    if o.scope not in SCOPES:
        yield "unknown-scope", f"scope must be one of {', '.join(SCOPES)}, got {o.scope!r}"
    if o.strength not in STRENGTHS:
        yield "strength", f"strength must be mandatory or optional, got {o.strength!r}"
    if not o.carriers:
        yield "unknown-carrier", "expected at least one national carrier"
    for c in o.carriers:
        if c not in CARRIERS:
            yield "unknown-carrier", f"carrier {c!r} is not one of {', '.join(CARRIERS)}"
    if not o.sources:
        yield "no-source", "expected at least one source provision"
    soft_sources = [s.soft_law for s in o.sources]
    if o.soft_law and not all(soft_sources):
        yield "soft-law", "soft_law: true but some sources are binding instruments"
    if not o.soft_law and any(soft_sources):
        if all(soft_sources):
            yield "soft-law", "all sources are soft law: expected soft_law: true"
    if not o.elements:
        yield "cues", "expected at least one element"
    seen: set[str] = set()
    for e in o.elements:
        if not _ELEMENT_ID_RE.match(e.id):
            yield "cues", f"element id {e.id!r} must be lower-case words joined by _"
        if e.id in seen:
            yield "cues", f"element {e.id!r} appears twice"
        seen.add(e.id)
        for lang in LANGS:
            if not e.cues(lang):
                yield "cues", f"element {e.id!r} has no {lang} cues (expected at least one)"
    if bool(o.conflict_cues_fr) != bool(o.conflict_cues_en):
        yield "cues", "conflict_cues must give both fr and en terms"


def validate(
    obligations: Sequence[Obligation], corpus: CorpusLike | None = None
) -> list[ChecklistProblem]:
    """Every problem in the checklist, as a list (empty when all is well).

    Checks: unique ids, known themes / carriers / scope, elements with fr and en cues, smuggling
    kept apart from trafficking ids. With `corpus` (a mapping or a loader `doc_id ->
    ParsedDocument`), also: every cited eId exists in the parsed text of its instrument (unless
    `text_in_corpus: false`) and the declared strength equals the one derived from the binding
    source texts (mandatory if any binding source is mandatory).
    """
    problems: list[ChecklistProblem] = []
    themes = _theme_ids()

    def add(o: Obligation, kind: str, msg: str) -> None:
        problems.append(ChecklistProblem(o.file, o.id, kind, msg))

    counts = Counter(o.id for o in obligations)
    for o in obligations:
        if counts[o.id] > 1:
            files = sorted({x.file for x in obligations if x.id == o.id})
            add(o, "duplicate-id", f"id used {counts[o.id]} times (in {', '.join(files)})")
        for kind, msg in _check_shape(o, themes):
            add(o, kind, msg)
        # Smuggling obligations stay apart from trafficking ones, by theme and by id.
        if o.is_smuggling != o.id.startswith("som."):
            add(o, "smuggling", "ids 'som.*' and theme smuggling_of_migrants go together")

    if corpus is None:
        return problems
    get = _document_getter(corpus)
    for o in obligations:
        derived: list[Strength] = []
        for s in o.sources:
            if not s.text_in_corpus:
                continue
            doc = get(s.instrument)
            if doc is None:
                add(
                    o,
                    "missing-document",
                    f"{s.instrument} is not in the corpus "
                    "(expected a parsed document; set text_in_corpus: false if it is absent)",
                )
                continue
            try:
                doc.get(s.eid)
            except KeyError:
                near = [p.eid for p in doc.provisions if p.eid.startswith(s.eid.split("__")[0])]
                add(
                    o,
                    "missing-eid",
                    f"{s.ref} not found in the parsed text "
                    f"(provisions of that article: {', '.join(near[:8]) or 'none'})",
                )
                continue
            strength, _ = provision_strength(doc, s.eid)
            if not s.soft_law:
                derived.append(strength)
        if derived:
            expected: Strength = "mandatory" if "mandatory" in derived else "optional"
            if o.strength != expected:
                add(
                    o,
                    "strength",
                    f"strength is {o.strength!r} but the source text reads as "
                    f"{expected!r} ({', '.join(s.ref for s in o.sources if s.text_in_corpus)})",
                )
    return problems


def check(obligations: Sequence[Obligation], corpus: CorpusLike | None = None) -> None:
    """Like `validate`, but raise `ChecklistError` listing every problem found."""
    problems = validate(obligations, corpus)
    if problems:
        lines = "\n".join(f"  - [{p.kind}] {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise ChecklistError(
            f"{len(problems)} problem(s) in the obligations checklist:\n{lines}{more}\n"
            "Fix the YAML in corpus/obligations/ (format in its README.md)."
        )


# ---------------------------------------------------------------------------------------------
# Summaries for reports


@dataclass(frozen=True, slots=True)
class ChecklistSummary:
    total: int
    by_instrument: dict[str, int] = field(default_factory=dict)
    by_theme: dict[str, int] = field(default_factory=dict)
    by_strength: dict[str, int] = field(default_factory=dict)
    soft_law: int = 0


def summarise(obligations: Sequence[Obligation]) -> ChecklistSummary:
    """Counts per instrument (an obligation counts once for each instrument it cites), theme,
    strength."""
    inst: Counter[str] = Counter()
    for o in obligations:
        inst.update(o.instruments)
    return ChecklistSummary(
        total=len(obligations),
        by_instrument=dict(inst.most_common()),
        by_theme=dict(Counter(o.theme for o in obligations).most_common()),
        by_strength=dict(Counter(o.strength for o in obligations)),
        soft_law=sum(o.soft_law for o in obligations),
    )


def find_cues(text: str, cues: Iterable[str]) -> list[str]:
    """Cues present in `text` by plain case- and accent-folded substring search.

    A fallback for quick checks and tests where spaCy is not needed; `lexcompare.cues.CueMatcher`
    (lemma based) is what the pipeline uses.
    """
    folded = " ".join(_fold(text).replace("’", "'").split())
    return [c for c in cues if _fold(c).replace("’", "'") in folded]
