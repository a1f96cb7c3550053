"""Rule-based theme tagging of provisions: cue matches (lemmas + surface forms) plus rules.

``tag_texts(texts, lang)`` returns one ``TagResult`` per text: the themes (taxonomy order) and
the cue hits that justify them. Rules, all declared in ``corpus/themes.yaml``:

- a theme fires when one of its cues matches, or when all of its ``all_of`` groups match;
- ``requires``: helper groups that must also match (e.g. aggravating circumstances need a
  penalty phrase);
- ``requires_any`` (per language): at least one of these groups or themes must match (a French
  "quiconque ..." offence clause is criminalisation only for TIP-related conduct);
- ``exclude``: negative cues that veto the theme (hits inside a negative cue's span);
- ``not_with``: cues that veto the theme wherever they occur in the provision;
- ``unless_all``: dropped when all these themes/groups fire (forms of exploitation listed as
  purposes inside a trafficking definition are not themes of their own).

Results are cached per (language, text checksum) in a module-level dict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from lexcompare.cues import CueMatcher, Hit
from lexcompare.themes import THEMES, Taxonomy, load_taxonomy

_GROUP = "@"  # cue id prefix of helper groups
_EXCLUDE = "!"  # cue id prefix of negative cues
_NOT_WITH = "~"  # cue id prefix of provision-level vetoes


@dataclass(frozen=True, slots=True)
class TagResult:
    themes: tuple[str, ...]
    evidence: tuple[Hit, ...]


_CACHE: dict[tuple[str, str], TagResult] = {}
_MATCHER: dict[int, CueMatcher] = {}


def clear_cache() -> None:
    _CACHE.clear()


def _matcher(tax: Taxonomy) -> CueMatcher:
    key = id(tax)
    if key not in _MATCHER:
        cues: dict[str, dict[str, list]] = {}
        for tid, spec in tax.themes.items():
            cues[tid] = {lang: list(t) for lang, t in spec.cues.items()}
            if spec.exclude:
                cues[_EXCLUDE + tid] = {lang: list(t) for lang, t in spec.exclude.items()}
            if spec.not_with:
                cues[_NOT_WITH + tid] = {lang: list(t) for lang, t in spec.not_with.items()}
        for gid, terms in tax.groups.items():
            cues[_GROUP + gid] = {lang: list(t) for lang, t in terms.items()}
        _MATCHER[key] = CueMatcher(cues)
    return _MATCHER[key]


def _decide(hits: list[Hit], lang: str, tax: Taxonomy) -> TagResult:
    by_cue: dict[str, list[Hit]] = {}
    for h in hits:
        by_cue.setdefault(h.cue_id, []).append(h)
    # themes that fire on their own cues (before requirements), for requires_any on themes
    raw = {t for t in THEMES if t in by_cue}
    themes: list[str] = []
    evidence: list[Hit] = []
    for tid in THEMES:
        spec = tax.themes[tid]
        triggered = tid in by_cue or (
            bool(spec.all_of) and all(_GROUP + g in by_cue for g in spec.all_of)
        )
        if not triggered:
            continue
        if any(_GROUP + g not in by_cue for g in spec.requires):
            continue
        alternatives = spec.requires_any.get(lang, ())
        if alternatives and not any(_GROUP + a in by_cue or a in raw for a in alternatives):
            continue
        if _NOT_WITH + tid in by_cue:
            continue
        if _EXCLUDE + tid in by_cue and tid in by_cue:
            # veto only when every positive hit lies inside a negative cue's span
            neg = by_cue[_EXCLUDE + tid]
            pos = [
                h
                for h in by_cue[tid]
                if not any(n.start <= h.start and h.end <= n.end for n in neg)
            ]
            if not pos:
                continue
            by_cue[tid] = pos
        if spec.unless_all and all(u in themes or _GROUP + u in by_cue for u in spec.unless_all):
            continue
        themes.append(tid)
        evidence.extend(by_cue.get(tid, ()))
        for g in (*spec.requires, *spec.all_of):
            evidence.extend(by_cue.get(_GROUP + g, ()))
    unique = sorted(set(evidence), key=lambda h: (h.start, h.end, h.cue_id))
    return TagResult(themes=tuple(themes), evidence=tuple(unique))


def tag_texts(texts: Sequence[str], lang: str, batch_size: int = 256) -> list[TagResult]:
    """Theme tags for each text (one provision per text) in language ``lang``."""
    tax = load_taxonomy()
    keys = [(lang, hashlib.sha256(t.encode("utf-8")).hexdigest()) for t in texts]
    todo: dict[tuple[str, str], str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key not in _CACHE and key not in todo:
            todo[key] = text
    if todo:
        matcher = _matcher(tax)
        todo_texts = list(todo.values())
        for key, hits in zip(
            todo, matcher.find_many(todo_texts, lang, batch_size=batch_size), strict=True
        ):
            _CACHE[key] = _decide(hits, lang, tax)
    return [_CACHE[k] for k in keys]


def tag_text(text: str, lang: str) -> TagResult:
    return tag_texts([text], lang)[0]
