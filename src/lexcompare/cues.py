"""The cue-matching engine: find cue terms in legal text on lemmas and surface forms.

A cue set maps a cue id to terms per language::

    {"definition": {"fr": ["traite des personnes", "abus d'autorité"], "en": [...]}}

A term is either

- a string (one or several words). Each word matches a text token when any of their *keys*
  coincide: the accent-folded lowercase form, its lookup lemma (spaCy lookup tables) and a
  crude singular (trailing "s"/"x" dropped). A word ending in ``*`` is a prefix
  (``"exploit*"``). Articles, prepositions and apostrophes ("de", "d'", "la", "of", "the", ...)
  are ignored inside a term and up to ``MAX_GAP`` of them are skipped in the text between two
  words of a term, so "prélèvement d'organes" matches "prélèvement d'organe" and
  "prélèvement des organes", and "abus d'autorité" matches "abus de l'autorité".
- a spaCy ``Matcher`` token pattern (``list[dict]``), matched on the same tokenised ``Doc``
  (tokenizer + lookup lemmatizer: use ``LOWER``/``TEXT``/``LEMMA``/``IS_*`` attributes, not
  ``POS``).

Hits carry character offsets into the input text (``text[start:end] == hit.text``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lexcompare.nlp import SUPPORTED, norm, pipeline

#: maximum number of skippable tokens between two words of a multiword term
MAX_GAP = 3

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        """le la les l' de d' du des un une au aux a en leur leurs son sa ses sur par
        ce cet cette ces l d - ' qu' que""".split()
    ),
    "en": frozenset(
        """the a an of in to for by its their his her on from with - ' 's any such""".split()
    ),
}


#: extra keys so elided/contracted articles and prepositions match each other
_CANON = {
    "d'": "de",
    "du": "de",
    "des": "de",
    "l'": "le",
    "la": "le",
    "les": "le",
    "au": "a",
    "aux": "a",
    "à": "a",
}


@dataclass(frozen=True, slots=True)
class Hit:
    cue_id: str
    term: str
    start: int
    end: int
    text: str  # == input[start:end]


@dataclass(frozen=True, slots=True)
class _Tok:
    keys: frozenset[str]
    form: str  # normalised lowercase form (for prefix matching)
    start: int
    end: int
    skippable: bool


@dataclass(frozen=True, slots=True)
class _Word:
    keys: frozenset[str]
    prefix: str | None  # set when the term word ends with "*"


@dataclass(frozen=True, slots=True)
class _Term:
    cue_id: str
    term: str
    words: tuple[_Word, ...]


def _singular(form: str) -> str:
    if len(form) > 4 and form[-1] in "sx" and form[-2] not in "su":
        return form[:-1]
    return form


class _Keyer:
    """Computes matching keys of a lowercase token form, with a cache."""

    def __init__(self, lang: str) -> None:
        nlp = pipeline(lang, fast=True)
        self.lang = lang
        self.tokenizer = nlp.tokenizer
        self.nlp = nlp
        lemmatizer = nlp.get_pipe("lemmatizer")
        self._lookup = lemmatizer.lookups.get_table("lemma_lookup")
        self._cache: dict[str, tuple[frozenset[str], str, bool]] = {}
        self.function_words = FUNCTION_WORDS[lang]

    def keys(self, text: str) -> tuple[frozenset[str], str, bool]:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        lower = text.lower()
        form = norm(lower)
        keys = {form, _singular(form)}
        lemma = self._lookup.get(lower)
        if lemma is None:
            lemma = self._lookup.get(lower.replace("\u2019", "'"))
        if isinstance(lemma, list | tuple):
            lemma = lemma[0] if lemma else None
        if isinstance(lemma, str) and lemma:
            lemma_n = norm(lemma)
            keys.add(lemma_n)
            keys.add(_singular(lemma_n))
        skippable = form in self.function_words or (not form.isalnum() and form in "-'")
        canon = _CANON.get(form)
        if canon:
            keys.add(canon)
        result = (frozenset(keys), form, skippable)
        if len(self._cache) < 500_000:
            self._cache[text] = result
        return result


_KEYERS: dict[str, _Keyer] = {}


def _keyer(lang: str) -> _Keyer:
    if lang not in _KEYERS:
        _KEYERS[lang] = _Keyer(lang)
    return _KEYERS[lang]


class CueMatcher:
    """Finds cue terms of one cue set in French or English text."""

    def __init__(self, cues: Mapping[str, Mapping[str, Sequence[str | list[dict[str, Any]]]]]):
        self._terms: dict[str, list[_Term]] = {}
        self._first: dict[str, dict[str, list[_Term]]] = {}
        self._prefix_first: dict[str, list[_Term]] = {}
        self._patterns: dict[str, Any] = {}
        self._pattern_terms: dict[str, dict[str, str]] = {}
        self._cues = cues
        self._tok_cache: dict[str, dict[str, tuple[Any, ...]]] = {lang: {} for lang in SUPPORTED}
        for lang in SUPPORTED:
            self._terms[lang] = []
            self._first[lang] = {}
            self._prefix_first[lang] = []
            self._pattern_terms[lang] = {}
        self._compiled: set[str] = set()
        for cue_id, per_lang in cues.items():
            for lang in per_lang:
                if lang not in SUPPORTED:
                    raise ValueError(f"cue {cue_id!r}: unsupported language {lang!r}")

    def _compile(self, lang: str) -> None:
        """Build one language's terms on first use: loading a spaCy language costs seconds,
        and a French-only run should not pay for English."""
        if lang in self._compiled:
            return
        self._compiled.add(lang)
        for cue_id, per_lang in self._cues.items():
            for term in per_lang.get(lang, ()):
                if isinstance(term, str):
                    self._add_string(cue_id, term, lang)
                else:
                    self._add_pattern(cue_id, term, lang)

    # -- building ---------------------------------------------------------------------------
    def _add_string(self, cue_id: str, term: str, lang: str) -> None:
        keyer = _keyer(lang)
        toks = list(keyer.tokenizer(term.replace("*", " * ").replace(" * ", "* ").strip()))
        words: list[tuple[str, bool]] = []  # (text, is_prefix)
        for tok in toks:
            if tok.text == "*" and words:
                words[-1] = (words[-1][0], True)
            elif tok.text.endswith("*"):
                words.append((tok.text[:-1], True))
            else:
                words.append((tok.text, False))
        # inner articles/prepositions are optional; at the edges of a term they are required
        # ("puni de" must not match "punir les auteurs")
        flags = [keyer.keys(w[0])[2] for w in words]
        lo = next((i for i, f in enumerate(flags) if not f), None)
        if lo is None:
            content = words
        else:
            hi = max(i for i, f in enumerate(flags) if not f)
            content = words[:lo] + [w for w in words[lo : hi + 1] if not keyer.keys(w[0])[2]]
            content += words[hi + 1 :]
        if not content:
            raise ValueError(f"cue {cue_id!r}: empty term {term!r}")
        built = tuple(
            _Word(keys=keyer.keys(text)[0], prefix=norm(text) if is_prefix else None)
            for text, is_prefix in content
        )
        entry = _Term(cue_id=cue_id, term=term, words=built)
        self._terms[lang].append(entry)
        first = built[0]
        if first.prefix is not None:
            self._prefix_first[lang].append(entry)
        else:
            for key in first.keys:
                self._first[lang].setdefault(key, []).append(entry)

    def _add_pattern(self, cue_id: str, pattern: list[dict[str, Any]], lang: str) -> None:
        from spacy.matcher import Matcher

        if lang not in self._patterns:
            self._patterns[lang] = Matcher(_keyer(lang).nlp.vocab)
        label = f"{cue_id}\u241f{len(self._pattern_terms[lang])}"
        self._patterns[lang].add(label, [pattern])
        self._pattern_terms[lang][label] = json.dumps(pattern, ensure_ascii=False)

    @property
    def cue_ids(self) -> tuple[str, ...]:
        return tuple(self._cues)

    # -- matching ---------------------------------------------------------------------------
    @staticmethod
    def _word_matches(word: _Word, tok: _Tok) -> bool:
        if word.prefix is not None:
            return tok.form.startswith(word.prefix)
        return not word.keys.isdisjoint(tok.keys)

    def _match_from(self, term: _Term, toks: list[_Tok], i: int) -> int | None:
        """Index of the last token of a match of ``term`` starting at token i, or None."""
        j = i
        for word in term.words[1:]:
            k = j + 1
            gap = 0
            while k < len(toks) and toks[k].skippable and not self._word_matches(word, toks[k]):
                k += 1
                gap += 1
                if gap > MAX_GAP:
                    return None
            if k >= len(toks) or not self._word_matches(word, toks[k]):
                return None
            j = k
        return j

    def _tokens(self, doc: Any, lang: str) -> list[_Tok]:
        keyer = _keyer(lang)
        cache = self._tok_cache[lang]
        out = []
        for t in doc:
            text = t.text
            proto = cache.get(text)
            if proto is None:
                if t.is_space:
                    continue
                keys, form, skippable = keyer.keys(text)
                proto = (keys, form, skippable, self._candidates(keys, form, lang))
                if len(cache) < 500_000:
                    cache[text] = proto
            out.append(_Tok(proto[0], proto[1], t.idx, t.idx + len(text), proto[2]))
        return out

    def _candidates(self, keys: frozenset[str], form: str, lang: str) -> tuple[_Term, ...]:
        first = self._first[lang]
        found: dict[int, _Term] = {}
        for key in keys:
            for term in first.get(key, ()):
                found.setdefault(id(term), term)
        for term in self._prefix_first[lang]:
            if form.startswith(term.words[0].prefix or "\0"):
                found.setdefault(id(term), term)
        return tuple(found.values())

    def _find_doc(self, text: str, doc: Any, lang: str) -> list[Hit]:
        toks = self._tokens(doc, lang)
        cache = self._tok_cache[lang]
        found: dict[tuple[str, int, int], str] = {}
        i = 0
        for t in doc:
            proto = cache.get(t.text)
            if proto is None:  # whitespace token
                continue
            for term in proto[3]:
                last = self._match_from(term, toks, i) if len(term.words) > 1 else i
                if last is not None:
                    span = (term.cue_id, toks[i].start, toks[last].end)
                    found.setdefault(span, term.term)
            i += 1
        matcher = self._patterns.get(lang)
        if matcher is not None:
            for match_id, s, e in matcher(doc):
                label = doc.vocab.strings[match_id]
                cue_id = label.split("\u241f", 1)[0]
                span = doc[s:e]
                key = (cue_id, span.start_char, span.end_char)
                found.setdefault(key, self._pattern_terms[lang][label])
        return _prune(text, found)

    def find(self, text: str, lang: str) -> list[Hit]:
        return self.find_many([text], lang)[0]

    def find_many(self, texts: Sequence[str], lang: str, batch_size: int = 256) -> list[list[Hit]]:
        if lang not in SUPPORTED:
            raise ValueError(f"unsupported language {lang!r}; expected one of {SUPPORTED}")
        self._compile(lang)
        nlp = _keyer(lang).nlp
        return [
            self._find_doc(text, doc, lang)
            for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True)
        ]


def _prune(text: str, found: dict[tuple[str, int, int], str]) -> list[Hit]:
    """Drop a hit contained in a longer hit of the same cue; order by position."""
    spans = sorted(found, key=lambda k: (k[1], -k[2], k[0]))
    kept: list[tuple[str, int, int]] = []
    for cue_id, start, end in spans:
        if any(c == cue_id and s <= start and end <= e for c, s, e in kept):
            continue
        kept.append((cue_id, start, end))
    return [Hit(c, found[(c, s, e)], s, e, text[s:e]) for c, s, e in kept]
