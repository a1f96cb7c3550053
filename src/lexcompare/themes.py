"""The theme taxonomy used everywhere (ids, labels, cues), read from ``corpus/themes.yaml``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lexcompare.errors import CatalogueError

THEMES_YAML = Path(__file__).resolve().parents[2] / "corpus" / "themes.yaml"

#: theme ids, in taxonomy order
THEMES: tuple[str, ...] = (
    "definition", "criminalisation", "penalties", "aggravating_circumstances",
    "child_trafficking", "sale_of_children", "forced_labour", "sexual_exploitation",
    "forced_begging", "slavery_servitude", "debt_bondage", "organ_removal", "forced_marriage",
    "child_labour", "smuggling_of_migrants", "victim_identification", "victim_assistance",
    "non_punishment", "residence_repatriation", "compensation", "witness_protection",
    "privacy_protection", "prevention_awareness", "training", "border_documents",
    "international_cooperation", "extradition", "mutual_legal_assistance", "jurisdiction",
    "confiscation", "liability_legal_persons", "coordinating_body", "data_collection",
    "labour_inspection", "fundamental_rights",
)  # fmt: skip

Terms = Mapping[str, tuple[Any, ...]]  # lang -> terms


@dataclass(frozen=True)
class ThemeSpec:
    id: str
    labels: Mapping[str, str]
    cues: Terms
    requires: tuple[str, ...] = ()  # groups that must all match
    requires_any: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # per lang
    all_of: tuple[str, ...] = ()  # alternative trigger: all these groups match
    exclude: Terms = field(default_factory=dict)
    not_with: Terms = field(default_factory=dict)  # dropped when one of these occurs anywhere
    unless_all: tuple[str, ...] = ()  # dropped when all these themes/groups fire


@dataclass(frozen=True)
class Taxonomy:
    themes: Mapping[str, ThemeSpec]
    groups: Mapping[str, Terms]

    def items(self):  # noqa: ANN201 - dict-like convenience
        return self.themes.items()


def _terms(raw: Any, where: str) -> Terms:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise CatalogueError(f"{where}: expected a mapping lang -> list of terms, found {raw!r}")
    return {lang: tuple(v or ()) for lang, v in raw.items()}


@functools.lru_cache(maxsize=4)
def load_taxonomy(path: Path | str = THEMES_YAML) -> Taxonomy:
    """Read and check the taxonomy file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    groups = {g: _terms(t, f"group {g}") for g, t in (data.get("groups") or {}).items()}
    raw_themes = data.get("themes") or {}
    missing = [t for t in THEMES if t not in raw_themes]
    extra = [t for t in raw_themes if t not in THEMES]
    if missing or extra:
        raise CatalogueError(
            f"{path}: theme ids must be exactly lexcompare.themes.THEMES; "
            f"missing {missing}, unknown {extra}. Fix the YAML."
        )
    themes = {}
    for tid in THEMES:
        spec = raw_themes[tid] or {}
        req_any = spec.get("requires_any") or {}
        themes[tid] = ThemeSpec(
            id=tid,
            labels=dict(spec.get("label") or {}),
            cues=_terms(spec.get("cues"), f"theme {tid}"),
            requires=tuple(spec.get("requires") or ()),
            requires_any={k: tuple(v) for k, v in req_any.items()},
            all_of=tuple(spec.get("all_of") or ()),
            exclude=_terms(spec.get("exclude"), f"theme {tid} exclude"),
            not_with=_terms(spec.get("not_with"), f"theme {tid} not_with"),
            unless_all=tuple(spec.get("unless_all") or ()),
        )
        for g in (*themes[tid].requires, *themes[tid].all_of):
            if g not in groups:
                raise CatalogueError(f"{path}: theme {tid} refers to unknown group {g!r}")
    return Taxonomy(themes=themes, groups=groups)


def label(theme_id: str, lang: str = "en") -> str:
    """Human label of a theme in "fr" or "en" (falls back to English, then the id)."""
    if theme_id not in THEMES:
        raise KeyError(f"unknown theme {theme_id!r}; expected one of lexcompare.themes.THEMES")
    labels = load_taxonomy().themes[theme_id].labels
    return labels.get(lang) or labels.get("en") or theme_id
