"""Align national provisions with treaty obligations (and provisions with provisions).

How a score is made (each component is a scorer that can be run and measured alone):

- ``element``: share of the obligation's elements whose cues occur in the provision, found with
  `lexcompare.cues.CueMatcher` in the provision's language (lemma matching). Evidence lists the
  elements found (with the words matched) and the elements absent.
- ``bm25``: BM25 (`bm25s`) over the candidate provisions, query = obligation label + cues in the
  provision's language (French); divided by the best score for that query, so in [0, 1].
- ``fuzzy``: rapidfuzz ``token_set_ratio`` between the same query and the provision / 100.
- ``embedding``: cosine of multilingual USE vectors between the obligation (the normalised sum
  of the vectors of [English label + source treaty text] and of the French label) and the
  provision (cross-lingual: English treaty, French law). A provision is
  chunked; its similarity is ``0.5 * max(chunk cosines) + 0.5 * cosine(mean vector)``, mapped
  linearly from [``sem_floor``, ``sem_ceiling``] to [0, 1].
- ``heading``: BM25 of the same query over the provision's nearest heading ("SECTION 6 : DE LA
  PROTECTION DES TEMOINS"): a short procedural article says "the witness" once, its section
  title says what the whole regime is about.
- ``theme``: 1 when the obligation's theme is among the provision's themes
  (`lexcompare.tag.tag_texts`), else 0. A query with no theme of its own (a bare treaty
  provision, an article of another law) is tagged with the same tagger, and the score is the
  share of its themes the provision shares. Skipped when tagging is unavailable.

The hybrid score is the weighted mean of the components that apply to the query (a component
with nothing to say, e.g. ``element`` for an obligation without elements, is left out of both
numerator and denominator), so it stays in [0, 1]. Weights live in the frozen `MatchConfig`.

Caches: embeddings (`lexcompare.embed`), cue hits and theme tags are kept on disk under
``$LEXCOMPARE_CACHE`` keyed by sha256 of the cue set / taxonomy and the text, so a rerun of the
same checklist over the same laws recomputes nothing (``cache=False`` on a scorer turns it off).

Granularity: provisions are aligned at **article** level by default. Sub-provisions
(``art_3__para_a``) roll up into their article: a national law's article is the unit lawyers
cite and the unit the penalty, the definition and its exceptions share (art. 499 al. 1-3 of
Benin's penal code together make the Palermo definition, consent and child clauses), and
alinéa-level units would split one offence across many near-duplicate candidates. Element
evidence still points at the exact words matched. ``MatchConfig(level="provision")`` keeps the
units as given.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from . import ranker
from .model import Alignment, Evidence, Provision

# ---------------------------------------------------------------------------------------------
# Configuration and plain records


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Every knob of the matcher, in one immutable object."""

    # chosen on the dev half of benchmarks/gold (grid search; heldout never used for tuning)
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "element": 0.10,
            "bm25": 0.30,
            "fuzzy": 0.10,
            "embedding": 0.20,
            "theme": 0.20,
            "heading": 0.10,
            "numbering": 0.20,  # only used by align_versions
        }
    )
    top_k: int = 10
    # `align` orders candidates with the learned ranker (ranker.py) when the six default
    # components are there; it re-orders each obligation's `ranker_pool` best by weighted mean
    ranker: bool = True
    ranker_pool: int = 400
    level: str = "article"  # "article": sub-provisions roll up; "provision": units as given
    min_score: float = 0.05  # below this a candidate is not reported
    # decision threshold: score >= it = a match; best F1 on the dev half of the pooled +
    # extension gold (bench_match, 2026-11-29: 0.60, P 0.24 / R 0.27 there)
    threshold: float = 0.60
    sem_floor: float = 0.05  # cosine mapped to 0
    sem_ceiling: float = 0.70  # cosine mapped to 1
    max_query_chars: int = 2000  # treaty text used in the embedding query
    fuzzy_max_chars: int = 1500  # provision prefix compared by token_set_ratio
    progress: bool = True


@dataclass(frozen=True, slots=True)
class QueryElement:
    id: str
    label: str
    cues_fr: tuple[str, ...]
    cues_en: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Query:
    """What is searched for: an obligation, or a bare treaty provision (benchmarks)."""

    id: str
    instrument_id: str = ""
    instrument_eid: str = ""
    theme: str = ""
    label_fr: str = ""
    label_en: str = ""
    source_text: str = ""  # the treaty's own words (English for UN/ILO instruments)
    elements: tuple[QueryElement, ...] = ()
    # French legal terms for an English text with no French label (see `Lexicon`): what the
    # lexical scorers compare with a French law instead of English words it cannot contain
    terms_fr: tuple[str, ...] = ()
    offences: tuple[str, ...] = ()  # a penalty obligation's offence themes (see ThemeScorer)

    def lexical_text(self, lang: str = "fr") -> str:
        label = self.label_fr if lang == "fr" else self.label_en
        cues = [c for e in self.elements for c in (e.cues_fr if lang == "fr" else e.cues_en)]
        parts = [label, *(_cue_words(c) for c in cues)]
        if lang == "fr":
            parts += self.terms_fr
        text = " ".join(p for p in parts if p)
        return text or self.source_text

    def semantic_text(self, max_chars: int = 2000) -> str:
        parts = [self.label_en or self.label_fr, self.source_text[:max_chars]]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Unit:
    """A candidate national provision (an article, with its sub-provisions rolled up)."""

    document_id: str
    eid: str
    text: str
    language: str = "fr"
    heading: str = ""  # the nearest heading above it ("SECTION 6 : DE LA PROTECTION DES TEMOINS")


@dataclass(slots=True)
class Component:
    """One scorer's output: scores (n_queries, n_units) in [0, 1] and how to explain a cell."""

    name: str
    scores: np.ndarray
    applies: np.ndarray  # (n_queries,) bool: does this component have anything to say?
    explain: Callable[[int, int], str]


class Scorer(Protocol):
    name: str

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component: ...


# ---------------------------------------------------------------------------------------------
# Building queries and units


def _get(obj: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        if isinstance(obj, Mapping) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _pair(obj: Any, base: str, lang: str) -> Any:
    """obligation.label_fr, or obligation.label["fr"]."""
    value = _get(obj, f"{base}_{lang}", default=None)
    if value is None:
        both = _get(obj, base, default={})
        value = both.get(lang, "") if isinstance(both, Mapping) else ""
    return value


def query_from_obligation(obligation: Any, source_texts: Mapping[str, str] | None = None) -> Query:
    """A `Query` from a `lexcompare.obligations.Obligation` (or any object of that shape).

    `source_texts` maps ``"instrument#eid"`` to the treaty's text (see `source_texts_for`).
    """
    sources = tuple(_get(obligation, "sources", default=()) or ())
    texts: list[str] = []
    for src in sources:
        key = f"{_get(src, 'instrument')}#{_get(src, 'eid')}"
        if source_texts and source_texts.get(key):
            texts.append(source_texts[key])
    first = sources[0] if sources else None
    elements = tuple(
        QueryElement(
            id=str(_get(e, "id")),
            label=str(_pair(e, "label", "en") or _pair(e, "label", "fr") or _get(e, "id")),
            cues_fr=tuple(_pair(e, "cues", "fr") or ()),
            cues_en=tuple(_pair(e, "cues", "en") or ()),
        )
        for e in (_get(obligation, "elements", default=()) or ())
    )
    return Query(
        id=str(_get(obligation, "id")),
        instrument_id=str(_get(first, "instrument")) if first is not None else "",
        instrument_eid=str(_get(first, "eid")) if first is not None else "",
        theme=str(_get(obligation, "theme")),
        label_fr=str(_pair(obligation, "label", "fr") or ""),
        label_en=str(_pair(obligation, "label", "en") or ""),
        source_text="\n".join(texts),
        elements=elements,
        offences=tuple(_get(obligation, "offences", default=()) or ()),
    )


def source_texts_for(obligations: Iterable[Any], load: Callable[[str], Any]) -> dict[str, str]:
    """``{"instrument#eid": text}`` for every source of `obligations`, via `load(doc_id)`.

    `load` is e.g. `lexcompare.corpus.load`; a missing document or eId is skipped.
    """
    docs: dict[str, Any] = {}
    out: dict[str, str] = {}
    for ob in obligations:
        for src in _get(ob, "sources", default=()) or ():
            inst, eid = str(_get(src, "instrument")), str(_get(src, "eid"))
            if not _get(src, "text_in_corpus", default=True):
                continue
            if inst not in docs:
                try:
                    docs[inst] = load(inst)
                except Exception:  # noqa: BLE001 - a missing instrument is not fatal here
                    docs[inst] = None
            doc = docs[inst]
            if doc is None:
                continue
            text = provision_text(doc, eid)
            if text:
                out[f"{inst}#{eid}"] = text
    return out


def provision_text(doc: Any, eid: str) -> str:
    """Text of `eid` in a ParsedDocument; falls back to the article when eid is unknown."""
    by_eid = {p.eid: p for p in doc.provisions}
    if eid in by_eid:
        return by_eid[eid].text
    art = eid.split("__", 1)[0]
    return by_eid[art].text if art in by_eid else ""


class Lexicon:
    """English -> French legal vocabulary, read from the obligations checklist: every element
    carries the same notion's cues in both languages ("forced or compulsory labour" / "travail
    forcé"). `french_terms` finds the English cues in a text (lemma matching, as for elements)
    and returns the French cues of the notions found, so an English treaty provision can be
    compared word for word with a French law."""

    def __init__(self, pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> None:
        self._fr: dict[str, tuple[str, ...]] = {}
        cues: dict[str, dict[str, list[Any]]] = {}
        for i, (en, fr) in enumerate(pairs):
            words_fr = tuple(w for w in (_cue_words(c) for c in fr) if w)
            words_en = [c for c in en if isinstance(c, str) and c.strip()]
            if words_fr and words_en:
                cues[str(i)] = {"en": words_en}
                self._fr[str(i)] = words_fr
        self._cues = cues
        self._matcher: Any = None

    @classmethod
    def from_obligations(cls, obligations: Iterable[Any]) -> Lexicon:
        return cls(
            (tuple(_pair(e, "cues", "en") or ()), tuple(_pair(e, "cues", "fr") or ()))
            for ob in obligations
            for e in (_get(ob, "elements", default=()) or ())
        )

    def __len__(self) -> int:
        return len(self._fr)

    def french_terms(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """For each English text, the French cues of the notions it names (no duplicates)."""
        if not self._cues:
            return [() for _ in texts]
        if self._matcher is None:
            from .cues import CueMatcher

            self._matcher = CueMatcher(self._cues)
        out = []
        for hits in self._matcher.find_many(list(texts), "en"):
            terms: dict[str, None] = {}
            for h in hits:
                terms.update(dict.fromkeys(self._fr[h.cue_id]))
            out.append(tuple(terms))
        return out


def roll_up(provisions: Sequence[Provision], level: str = "article") -> list[Unit]:
    """Article-level units: an article's own text (it spans its sub-provisions), or the
    concatenation of its sub-provisions when only those were given."""
    if level != "article":
        return [Unit(p.document_id, p.eid, p.text, p.language, _heading(p)) for p in provisions]
    articles: dict[tuple[str, str], Unit] = {}
    parts: dict[tuple[str, str], list[Provision]] = {}
    for p in provisions:
        key = (p.document_id, p.article_eid)
        if p.eid == p.article_eid:
            articles[key] = Unit(p.document_id, p.eid, p.text, p.language, _heading(p))
        else:
            parts.setdefault(key, []).append(p)
    for key, subs in parts.items():
        if key not in articles:
            subs = sorted(subs, key=lambda s: s.start)
            text = "\n".join(s.text for s in subs)
            articles[key] = Unit(key[0], key[1], text, subs[0].language, _heading(subs[0]))
    order = {(p.document_id, p.article_eid): i for i, p in reversed(list(enumerate(provisions)))}
    return sorted(articles.values(), key=lambda u: order[(u.document_id, u.eid)])


def _heading(p: Provision) -> str:
    return p.heading_path[-1] if p.heading_path else ""


# ---------------------------------------------------------------------------------------------
# Text helpers

_WORD = re.compile(r"\w\w+", re.UNICODE)
_FR_STOP = frozenset(
    """le la les de du des un une au aux en et ou ne pas si soit se sa ce il on qu
    dans par pour sur est sont qui que quoi dont ont été être avec sans
    son ses leur leurs cette ces tout toute tous toutes elle ils elles lui même autre autres
    présent présente article articles alinéa code loi peut peuvent fait ainsi selon entre
    plus moins dont vers chez sous après avant comme""".split()
)
_EN_STOP = frozenset(
    """the of to in or an as at be by is it on no if
    and for with that this shall such any other which from into under their its
    each state party parties article paragraph have has been being may all are not""".split()
)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("’", "'")


def _stem(word: str) -> str:
    for suf in (  # a light French/English suffix strip, enough for BM25 recall
        "ements",
        "ement",
        "ations",
        "ation",
        "ances",
        "ance",
        "ites",
        "ite",
        "es",
        "s",
        "e",
    ):
        if len(word) - len(suf) >= 4 and word.endswith(suf):
            return word[: -len(suf)]
    return word


def tokens(text: str) -> list[str]:
    stop = _FR_STOP | _EN_STOP
    return [_stem(w) for w in _WORD.findall(fold(text)) if w not in stop and not w.isdigit()]


def _cue_words(cue: Any) -> str:
    if isinstance(cue, str):
        return cue.replace("*", "")
    return ""  # spaCy token patterns carry no plain words


class _JsonCache:
    """Small sqlite key -> JSON store under the lexcompare cache root (cue hits, theme tags)."""

    def __init__(self, name: str) -> None:
        import sqlite3

        from .embed import cache_root

        path = cache_root() / "match" / f"{name}.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, v TEXT NOT NULL)")
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        import json

        out: dict[str, Any] = {}
        for i in range(0, len(keys), 500):
            part = list(keys[i : i + 500])
            marks = ",".join("?" * len(part))
            for k, v in self._db.execute(f"SELECT key, v FROM kv WHERE key IN ({marks})", part):
                out[k] = json.loads(v)
        return out

    def put_many(self, items: Mapping[str, Any]) -> None:
        import json

        rows = [(k, json.dumps(v, ensure_ascii=False)) for k, v in items.items()]
        self._db.executemany("INSERT OR REPLACE INTO kv (key, v) VALUES (?, ?)", rows)
        self._db.commit()


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cached_map(
    cache: _JsonCache | None,
    signature: str,
    texts: list[str],
    compute: Callable[[list[str]], list[Any]],
) -> list[Any]:
    """compute(texts) through a disk cache keyed by sha256(signature + text)."""
    if cache is None:
        return compute(texts)
    keys = [_sha(signature + "\x00" + t) for t in texts]
    found = cache.get_many(sorted(set(keys)))
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
    if todo:
        results = compute([t for _, t in todo])
        new = {k: r for (k, _), r in zip(todo, results, strict=True)}
        cache.put_many(new)
        found.update(new)
    return [found[k] for k in keys]


# ---------------------------------------------------------------------------------------------
# Scorers


class ElementScorer:
    """Fraction of the query's elements found by CueMatcher in the unit's language."""

    name = "element"

    def __init__(
        self,
        matcher_factory: Callable[[Mapping[str, Any]], Any] | None = None,
        *,
        cache: bool = True,
    ) -> None:
        self._factory = matcher_factory
        self._cache = _JsonCache("cue_hits") if cache else None

    def _matcher(self, cues: Mapping[str, Any]) -> Any:
        if self._factory is not None:
            return self._factory(cues)
        from .cues import CueMatcher

        return CueMatcher(cues)

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component:
        nq, nu = len(queries), len(units)
        scores = np.zeros((nq, nu), dtype=np.float32)
        applies = np.array([bool(q.elements) for q in queries])
        cue_ids: dict[str, tuple[int, int]] = {}
        cues: dict[str, dict[str, list[Any]]] = {}
        for qi, q in enumerate(queries):
            for ei, el in enumerate(q.elements):
                cid = f"{qi}\u241e{ei}"
                cue_ids[cid] = (qi, ei)
                cues[cid] = {"fr": list(el.cues_fr), "en": list(el.cues_en)}
        found: dict[tuple[int, int], dict[int, list[str]]] = {}  # (qi, ui) -> ei -> terms
        if cues:
            built: list[Any] = []  # the CueMatcher (spaCy) is built only on a cache miss

            def find_many(texts: list[str], lang: str) -> list[Any]:
                if not built:
                    built.append(self._matcher(cues))
                return built[0].find_many(texts, lang)

            by_lang: dict[str, list[int]] = {}
            for ui, u in enumerate(units):
                by_lang.setdefault(u.language if u.language in ("fr", "en") else "fr", []).append(
                    ui
                )
            signature = _sha(repr(sorted((k, sorted(v.items())) for k, v in cues.items())))

            def compute(batch: list[str], lang: str) -> list[Any]:
                hits = _progress_map(
                    lambda b: find_many(b, lang), batch, config.progress, "cue matching"
                )
                return [[[h.cue_id, h.text] for h in unit_hits] for unit_hits in hits]

            for lang, idx in by_lang.items():
                texts = [units[i].text for i in idx]
                hits = _cached_map(
                    self._cache, f"{signature}:{lang}", texts, lambda b, lang=lang: compute(b, lang)
                )
                for ui, unit_hits in zip(idx, hits, strict=True):
                    for cue_id, text in unit_hits:
                        qi, ei = cue_ids[cue_id]
                        found.setdefault((qi, ui), {}).setdefault(ei, []).append(text)
            for (qi, ui), els in found.items():
                scores[qi, ui] = len(els) / len(queries[qi].elements)

        def explain(qi: int, ui: int) -> str:
            q = queries[qi]
            els = found.get((qi, ui), {})
            have = [f"{q.elements[e].id} ({', '.join(sorted(set(t))[:3])})" for e, t in els.items()]
            absent = [el.id for e, el in enumerate(q.elements) if e not in els]
            return (
                f"found {len(els)}/{len(q.elements)}: {'; '.join(have) or '-'}"
                f" | absent: {', '.join(absent) or '-'}"
            )

        return Component(self.name, scores, applies, explain)


class BM25Scorer:
    """BM25 (bm25s) over the units; query = label + cues in French. Max-normalised per query.

    ``field="heading"`` indexes each unit's nearest heading instead of its text (the
    ``heading`` component).
    """

    def __init__(
        self, lang: str = "fr", k1: float = 1.2, b: float = 0.75, field: str = "text"
    ) -> None:
        if field not in ("text", "heading"):
            raise ValueError(f"BM25Scorer field must be 'text' or 'heading', not {field!r}")
        self.lang, self.k1, self.b, self.field = lang, k1, b, field
        self.name = "bm25" if field == "text" else "heading"

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component:
        import bm25s

        corpus = [tokens(getattr(u, self.field)) or ["\u2205"] for u in units]
        index = bm25s.BM25(k1=self.k1, b=self.b)
        index.index(corpus, show_progress=False)
        vocab = {t for doc in corpus for t in doc}
        scores = np.zeros((len(queries), len(units)), dtype=np.float32)
        qtoks: list[list[str]] = []
        for qi, q in enumerate(queries):
            qt = [t for t in tokens(q.lexical_text(self.lang)) if t in vocab]
            qtoks.append(qt)
            if qt:
                raw = np.asarray(index.get_scores(qt), dtype=np.float32)
                top = float(raw.max())
                if top > 0:
                    scores[qi] = raw / top
        applies = np.array([bool(t) for t in qtoks])

        def explain(qi: int, ui: int) -> str:
            shared = sorted(set(qtoks[qi]) & set(corpus[ui]))
            where = f" with heading {units[ui].heading!r}" if self.field == "heading" else ""
            return f"shared stems{where}: {', '.join(shared[:12]) or '-'}"

        return Component(self.name, scores, applies, explain)


class FuzzyScorer:
    """rapidfuzz token_set_ratio(query label + cues, provision) / 100."""

    name = "fuzzy"

    def __init__(self, lang: str = "fr", workers: int = -1) -> None:
        self.lang, self.workers = lang, workers

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component:
        from rapidfuzz import fuzz, process

        qs = [" ".join(tokens(q.lexical_text(self.lang))) for q in queries]
        us = [" ".join(tokens(u.text[: config.fuzzy_max_chars])) for u in units]
        scores = (
            process.cdist(
                qs, us, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=self.workers
            )
            / 100.0
        )
        applies = np.array([bool(q) for q in qs])
        return Component(
            self.name,
            np.asarray(scores, dtype=np.float32),
            applies,
            lambda qi, ui: "token_set_ratio",
        )


class EmbeddingScorer:
    """Cross-lingual cosine between treaty text + label and the provision (chunked)."""

    name = "embedding"

    def __init__(self, encoder: Any = None) -> None:
        self._encoder = encoder

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            from .embed import default_encoder

            self._encoder = default_encoder()
        return self._encoder

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component:
        enc = self.encoder
        qtexts = [q.semantic_text(config.max_query_chars) for q in queries]
        # the French label pulls the query towards the law's own wording (FR-FR cosines run
        # higher than EN-FR); the English label + treaty text carry the treaty's meaning
        qv = enc.encode(qtexts)
        fr = [i for i, q in enumerate(queries) if q.label_fr.strip()]
        if fr:
            qv[fr] += enc.encode([queries[i].label_fr for i in fr])
            qv /= np.maximum(np.linalg.norm(qv, axis=1, keepdims=True), 1e-12)
        chunks = enc.encode_chunks([u.text for u in units])
        mean = np.stack([_unit_norm(c.mean(axis=0)) for c in chunks])
        flat = np.concatenate(chunks)
        starts = np.cumsum([0] + [len(c) for c in chunks[:-1]])
        sim_chunks = qv @ flat.T  # (nq, n_chunks); a unit's chunks are contiguous
        best = np.maximum.reduceat(sim_chunks, starts, axis=1)
        cos = 0.5 * best + 0.5 * (qv @ mean.T)
        span = max(config.sem_ceiling - config.sem_floor, 1e-6)
        scores = np.clip((cos - config.sem_floor) / span, 0.0, 1.0).astype(np.float32)
        applies = np.array([bool(t.strip()) for t in qtexts])
        return Component(
            self.name, scores, applies, lambda qi, ui: f"cosine {float(cos[qi, ui]):.3f}"
        )


class ThemeScorer:
    """Theme agreement (lexcompare.tag): 1 when the obligation's theme is among the unit's
    themes; for a query with no theme of its own, the share of its tagged themes the unit has.
    A penalty obligation that names its offences scores half for the theme and half for any of
    the offences: the article punishing the offence, not any article about penalties."""

    name = "theme"

    def __init__(
        self,
        themes: Mapping[str, Iterable[str]] | None = None,
        tagger: Callable[[list[str], str], list[Any]] | None = None,
        *,
        cache: bool = True,
    ) -> None:
        self._themes = themes  # optional precomputed {"doc#eid": themes}
        self._tagger = tagger
        self._cache = _JsonCache("themes") if cache else None

    def _tag(self, items: Sequence[tuple[str, str]], progress: bool) -> list[set[str]] | None:
        """Themes of (text, language) items, through the disk cache; None: no tagger."""
        tagger = self._tagger
        signature = "custom-tagger"
        if tagger is None:
            try:
                from .tag import tag_texts
                from .themes import load_taxonomy
            except ImportError:
                return None
            tagger = tag_texts
            # any change to the taxonomy (cues, rules) changes the key
            signature = _sha(repr(load_taxonomy()))
        cache = self._cache if self._tagger is None else None
        out: list[set[str]] = [set() for _ in items]
        by_lang: dict[str, list[int]] = {}
        for i, (_, lang) in enumerate(items):
            by_lang.setdefault(lang, []).append(i)
        for lang, idx in by_lang.items():

            def compute(batch: list[str], lang: str = lang) -> list[Any]:
                results = _progress_map(lambda b: tagger(b, lang), batch, progress, "theme tagging")
                return [list(_get(r, "themes", default=()) or ()) for r in results]

            themes = _cached_map(cache, f"{signature}:{lang}", [items[i][0] for i in idx], compute)
            for i, t in zip(idx, themes, strict=True):
                out[i] = set(t)
        return out

    def _unit_themes(self, units: Sequence[Unit], progress: bool) -> list[set[str]] | None:
        if self._themes is not None:
            return [set(self._themes.get(f"{u.document_id}#{u.eid}", ())) for u in units]
        return self._tag([(u.text, u.language) for u in units], progress)

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component:
        scores = np.zeros((len(queries), len(units)), dtype=np.float32)
        # a query without an obligation theme is read by the same tagger as the provisions
        untagged = [qi for qi, q in enumerate(queries) if not q.theme]
        tagged = self._tag(
            [
                (queries[qi].label_fr, "fr")
                if queries[qi].label_fr.strip()
                else (f"{queries[qi].label_en}\n{queries[qi].source_text}", "en")
                for qi in untagged
            ],
            config.progress,
        )
        wanted: list[set[str]] = [{q.theme} if q.theme else set() for q in queries]
        for qi, t in zip(untagged, tagged or [], strict=False):
            wanted[qi] = t
        themes = self._unit_themes(units, config.progress) if any(wanted) else None
        if themes is None:
            return Component(
                self.name,
                scores,
                np.zeros(len(queries), dtype=bool),
                lambda qi, ui: "theme tagging unavailable",
            )
        for qi, want in enumerate(wanted):
            offences = set(queries[qi].offences)
            if offences:
                scores[qi] = [0.5 * bool(want & t) + 0.5 * bool(offences & t) for t in themes]
            elif want:
                scores[qi] = [len(want & t) / len(want) for t in themes]
        applies = np.array([bool(w) for w in wanted])

        def explain(qi: int, ui: int) -> str:
            t = ", ".join(sorted(themes[ui])) or "-"
            want = ", ".join(sorted(wanted[qi]))
            whose = "obligation theme" if queries[qi].theme else "query themes (tagged)"
            verdict = "agrees" if wanted[qi] & themes[ui] else "differs"
            offences = queries[qi].offences
            if offences:
                found = "one of them" if set(offences) & themes[ui] else "none of them"
                verdict += f"; offences {', '.join(offences)!r}: {found}"
            return f"{whose} {want!r} {verdict}; provision themes: {t}"

        return Component(self.name, scores, applies, explain)


_VERSION_SUFFIX = re.compile(r"-(?:ancien|nouveau)$|_\d+$")


def article_number(eid: str) -> str:
    """The article an eId belongs to, whatever its version: ``art_554-ancien`` -> ``art_554``."""
    return _VERSION_SUFFIX.sub("", eid.split("__", 1)[0])


class NumberingScorer:
    """1 when the query's article and the unit's have the same number (two versions of a law:
    an amendment rewrites an article in place far more often than it renumbers it)."""

    name = "numbering"

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component:
        numbers = np.array([article_number(u.eid) for u in units])
        scores = (
            np.stack(
                [(numbers == article_number(q.instrument_eid)).astype(np.float32) for q in queries]
            )
            if queries
            else np.zeros((0, len(units)), dtype=np.float32)
        )
        applies = np.array([bool(q.instrument_eid) for q in queries])
        return Component(
            self.name,
            scores,
            applies,
            lambda qi, ui: "same article number" if scores[qi, ui] else "different article number",
        )


def default_scorers(encoder: Any = None) -> tuple[Any, ...]:
    return (
        ElementScorer(),
        BM25Scorer(),
        FuzzyScorer(),
        EmbeddingScorer(encoder),
        ThemeScorer(),
        BM25Scorer(field="heading"),
    )


# ---------------------------------------------------------------------------------------------
# Combining and ranking


def combine(components: Sequence[Component], config: MatchConfig) -> np.ndarray:
    """Weighted mean of the components that apply to each query; result in [0, 1]."""
    if not components:
        raise ValueError("no scorer given")
    shape = components[0].scores.shape
    num = np.zeros(shape, dtype=np.float64)
    den = np.zeros(shape[0], dtype=np.float64)
    for comp in components:
        w = float(config.weights.get(comp.name, 0.0))
        if w <= 0:
            continue
        mask = comp.applies.astype(np.float64)
        num += w * mask[:, None] * comp.scores
        den += w * mask
    den[den == 0] = 1.0
    return np.clip(num / den[:, None], 0.0, 1.0)


def score_matrix(
    queries: Sequence[Query],
    units: Sequence[Unit],
    *,
    config: MatchConfig = MatchConfig(),
    scorers: Sequence[Any] | None = None,
) -> tuple[np.ndarray, list[Component]]:
    """(hybrid scores (n_queries, n_units), components): for benchmarks and notebooks."""
    scorers = tuple(scorers) if scorers is not None else default_scorers()
    components = [s(queries, units, config) for s in scorers] if units else []
    if not units:
        return np.zeros((len(queries), 0)), components
    return combine(components, config), components


def rank(
    queries: Sequence[Query],
    units: Sequence[Unit],
    combined: np.ndarray,
    components: Sequence[Component],
    config: MatchConfig,
    order: np.ndarray | None = None,
    learned: np.ndarray | None = None,
    order_note: str = "",
) -> list[Alignment]:
    """Each query's `config.top_k` best units scoring at least `config.min_score`, ordered by
    `order` (`ranker.order_key`) when given, else by the weighted mean `combined`; `learned`,
    the ranker's probabilities, goes into the evidence."""
    out: list[Alignment] = []
    for qi, q in enumerate(queries):
        row = combined[qi] if combined.size else np.zeros(0)
        key = order[qi] if order is not None and combined.size else row
        ranked = np.argsort(-key, kind="stable")
        kept = [int(ui) for ui in ranked if row[ui] >= config.min_score][: config.top_k]
        if not kept:
            out.append(
                Alignment(
                    q.id,
                    q.instrument_id,
                    q.instrument_eid,
                    "",
                    "",
                    0.0,
                    1,
                    (
                        Evidence(
                            "none", f"no national provision scored above {config.min_score}", 0.0
                        ),
                    ),
                )
            )
            continue
        for r, ui in enumerate(kept, start=1):
            u = units[ui]
            ev = [Evidence("hybrid", _weights_note(components, qi, config), float(row[ui]))]
            if learned is not None:
                p = float(learned[qi, ui])
                ev.append(Evidence("ranker", order_note, p if p >= 0 else None))
            for comp in components:
                if comp.applies[qi]:
                    detail = comp.explain(qi, ui)
                    method = comp.name
                    ev.append(Evidence(method, detail, float(comp.scores[qi, ui])))
                else:
                    ev.append(Evidence(comp.name, "not applicable to this query", None))
            out.append(
                Alignment(
                    q.id,
                    q.instrument_id,
                    q.instrument_eid,
                    u.document_id,
                    u.eid,
                    round(float(row[ui]), 6),
                    r,
                    tuple(ev),
                )
            )
    return out


def _weights_note(components: Sequence[Component], qi: int, config: MatchConfig) -> str:
    used = [
        f"{c.name}={config.weights.get(c.name, 0.0):g}"
        for c in components
        if c.applies[qi] and config.weights.get(c.name, 0.0) > 0
    ]
    return "weighted mean of " + ", ".join(used)


def align(
    provisions: Sequence[Provision],
    obligations: Sequence[Any],
    *,
    config: MatchConfig = MatchConfig(),
    scorers: Sequence[Any] | None = None,
    source_texts: Mapping[str, str] | None = None,
) -> list[Alignment]:
    """Rank national provisions for every obligation.

    Returns, per obligation, up to ``config.top_k`` `Alignment` rows (rank 1 = best, score in
    [0, 1], evidence per component); an obligation nothing matches still gets one row with an
    empty ``national_id`` and score 0. `obligations` may also be `Query` objects.
    """
    queries = [
        o if isinstance(o, Query) else query_from_obligation(o, source_texts) for o in obligations
    ]
    units = roll_up(provisions, config.level)
    combined, components = score_matrix(queries, units, config=config, scorers=scorers)
    order, learned, note = _learned_order(components, combined, config)
    return rank(queries, units, combined, components, config, order, learned, note)


def _learned_order(
    components: Sequence[Component], combined: np.ndarray, config: MatchConfig
) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    """(order key, learned probabilities, note) of the learned ranker, when `config` asks
    for it and the six components it reads are there; else (None, None, "") and the weighted
    mean orders."""
    names = {c.name for c in components}
    if not (config.ranker and combined.size and names.issuperset(ranker.COMPONENTS)):
        return None, None, ""
    model = ranker.load()
    learned = model.probability(components, combined, config.ranker_pool)
    return ranker.order_key(learned, combined), learned, model.note


def _text_queries(units: Sequence[Unit], lexicon: Lexicon | None) -> list[Query]:
    """Each unit's own text as a query; with a `lexicon`, an English unit (a treaty aligned with
    a French law) also gets the French terms of the notions it names, for the lexical scorers."""
    english = [i for i, u in enumerate(units) if u.language == "en"]
    terms: dict[int, tuple[str, ...]] = {}
    if lexicon is not None and english:
        words = lexicon.french_terms([units[i].text for i in english])
        terms = dict(zip(english, words, strict=True))
    return [
        Query(
            id=f"{u.document_id}#{u.eid}",
            instrument_id=u.document_id,
            instrument_eid=u.eid,
            label_fr=u.text[:1500] if u.language != "en" else "",
            label_en=u.text[:1500] if u.language == "en" else "",
            source_text=u.text,
            terms_fr=terms.get(i, ()),
        )
        for i, u in enumerate(units)
    ]


def align_provisions(
    a: Sequence[Provision],
    b: Sequence[Provision],
    *,
    config: MatchConfig = MatchConfig(),
    scorers: Sequence[Any] | None = None,
    lexicon: Lexicon | None = None,
) -> list[Alignment]:
    """Align the provisions of one law (`a`) with those of another (`b`).

    For Guinea vs Benin, or two versions of one law. Each unit of `a` is a query whose text is
    used for BM25, fuzzy and embedding scoring (no elements, no theme). In the output,
    ``obligation_id`` is the ref of the `a` unit ("doc#eid"), ``instrument_id/eid`` its
    document and eId, ``national_id/eid`` the matched unit of `b`. Identical texts score 1.
    With a `lexicon`, an English unit (a treaty aligned with a French law) is also given the
    French terms of the notions it names, for the lexical scorers.
    """
    ua, ub = roll_up(a, config.level), roll_up(b, config.level)
    queries = _text_queries(ua, lexicon)
    scorers = (
        tuple(scorers) if scorers is not None else (BM25Scorer(), FuzzyScorer(), EmbeddingScorer())
    )
    combined, components = score_matrix(queries, ub, config=config, scorers=scorers)
    if combined.size:
        same = np.array([[x.text.strip() == y.text.strip() for y in ub] for x in ua])
        combined = np.where(same, 1.0, combined)
    return rank(queries, ub, combined, components, config)


def align_treaty(
    treaty: Sequence[Provision],
    law: Sequence[Provision],
    obligations: Sequence[Any] = (),
    *,
    config: MatchConfig = MatchConfig(),
    scorers: Sequence[Any] | None = None,
    lexicon: Lexicon | None = None,
    source_texts: Mapping[str, str] | None = None,
) -> list[Alignment]:
    """Rank a law's articles for each article of a treaty, using what the checklist knows.

    Each treaty article is searched with every obligation of the checklist that cites it or
    one of its paragraphs (their French labels, elements and themes), and with its own words
    when none does; an article of the law ranks by the best of these (the learned ranker's key,
    as in `align`; its score is that query's weighted mean). (Adding the own words to
    the obligations lowers Hit@5 on the dev gold, 0.79 -> 0.75: benchmarks/RESULTS.md.) Each
    row's first evidence says which query found it ("obligation tip.definition.means" or
    "treaty text"). Output as `align_provisions`: ``obligation_id`` is the treaty article's ref.
    """
    ua, ub = roll_up(treaty, config.level), roll_up(law, config.level)
    own = _text_queries(ua, lexicon)
    queries: list[Query] = []
    owner: list[int] = []  # the treaty article each query searches for
    text_rows: set[int] = set()
    for i, u in enumerate(ua):
        citing = [
            o
            for o in obligations
            if any(
                str(_get(s, "instrument")) == u.document_id
                and str(_get(s, "eid")).split("__", 1)[0] == u.eid.split("__", 1)[0]
                for s in _get(o, "sources", default=()) or ()
            )
        ]
        if not citing:
            text_rows.add(len(queries))
        for q in [query_from_obligation(o, source_texts) for o in citing] or [own[i]]:
            queries.append(q)
            owner.append(i)
    combined, components = score_matrix(
        queries, ub, config=config, scorers=scorers if scorers is not None else default_scorers()
    )
    # the best query per law article (by the order key: the learned ranker's, else the score):
    # each query's top k contains the top k of the maximum
    order, learned, note = _learned_order(components, combined, config)
    found = rank(queries, ub, combined, components, config, order, learned, note)
    index = {(u.document_id, u.eid): j for j, u in enumerate(ub)}
    best: dict[int, dict[tuple[str, str], tuple[float, Alignment]]] = {}
    for qi, al in _by_query(found, queries):
        via = "treaty text" if qi in text_rows else f"obligation {queries[qi].id}"
        key = (al.national_id, al.national_eid)
        value = al.score if order is None or key not in index else float(order[qi, index[key]])
        kept = best.setdefault(owner[qi], {})
        if key not in kept or value > kept[key][0]:
            kept[key] = (value, replace(al, evidence=(Evidence("query", via, None), *al.evidence)))
    out: list[Alignment] = []
    for i, u in enumerate(ua):
        ranked = [a for _, a in sorted(best.get(i, {}).values(), key=lambda va: -va[0])]
        real = [a for a in ranked if a.national_id] or ranked[:1]
        for r, al in enumerate(real[: config.top_k], start=1):
            out.append(
                replace(
                    al,
                    obligation_id=own[i].id,
                    instrument_id=u.document_id,
                    instrument_eid=u.eid,
                    rank=r,
                )
            )
    return out


def _by_query(found: Sequence[Alignment], queries: Sequence[Query]) -> list[tuple[int, Alignment]]:
    """`rank` output in query order, each row with its query index (ids may repeat: the same
    obligation can cite two articles of one treaty)."""
    out: list[tuple[int, Alignment]] = []
    qi = -1
    for al in found:
        if al.rank == 1:
            qi += 1
        out.append((qi, al))
    assert qi == len(queries) - 1, "rank() gives every query a rank-1 row"
    return out


def align_versions(
    old: Sequence[Provision],
    new: Sequence[Provision],
    *,
    config: MatchConfig = MatchConfig(),
    encoder: Any = None,
) -> list[Alignment]:
    """Align two versions of one law: `align_provisions` plus the article number
    (``art_554-ancien`` and ``art_554-nouveau`` share it), so a rewritten article still finds
    its new wording rather than a neighbour that happens to read like the old one."""
    scorers = (BM25Scorer(), FuzzyScorer(), EmbeddingScorer(encoder), NumberingScorer())
    return align_provisions(old, new, config=config, scorers=scorers)


# ---------------------------------------------------------------------------------------------


def _unit_norm(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def _progress_map(
    fn: Callable[[list[str]], list[Any]],
    items: list[str],
    progress: bool,
    desc: str,
    batch: int = 200,
) -> list[Any]:
    if not progress or len(items) <= batch:
        return list(fn(items))
    from tqdm.auto import tqdm

    out: list[Any] = []
    for i in tqdm(
        range(0, len(items), batch),
        desc=desc,
        unit="batch",
        total=math.ceil(len(items) / batch),
        leave=False,
    ):
        out.extend(fn(items[i : i + batch]))
    return out
