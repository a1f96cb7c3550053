"""The obligations checklist: shape, eIds against the parsed corpus, strength, element cues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lexcompare.obligations import (
    CARRIERS,
    SMUGGLING_THEMES,
    THEME_IDS,
    ChecklistError,
    analyse_modality,
    check,
    derive_strength,
    find_cues,
    load_checklist,
    provision_strength,
    summarise,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]
BENIN_PENAL = ROOT / "corpus" / "national" / "bj" / "bj-code-penal-2018.fr.txt"


@pytest.fixture(scope="module")
def checklist():
    return load_checklist()


@pytest.fixture(scope="module")
def by_id(checklist):
    return {o.id: o for o in checklist}


@pytest.fixture(scope="module")
def corpus_load():
    from lexcompare import corpus

    return corpus.load


# --- shape -------------------------------------------------------------------------------------


def test_checklist_loads_with_expected_size(checklist):
    assert 110 <= len(checklist) <= 260
    files = {o.file for o in checklist}
    for name in (
        "palermo.yaml",
        "untoc.yaml",
        "smuggling.yaml",
        "children.yaml",
        "labour.yaml",
        "slavery.yaml",
        "women.yaml",
        "regional.yaml",
        "soft_law.yaml",
    ):
        assert name in files


def test_ids_unique(checklist):
    ids = [o.id for o in checklist]
    assert len(ids) == len(set(ids))


def test_shape_valid_without_corpus(checklist):
    assert validate(checklist) == []


def test_themes_match_theme_module():
    from lexcompare.themes import THEMES

    assert tuple(THEMES) == THEME_IDS


def test_every_element_has_both_languages(checklist):
    for o in checklist:
        assert o.carriers and set(o.carriers) <= set(CARRIERS), o.id
        for e in o.elements:
            assert e.cues_fr and e.cues_en, f"{o.file}: {o.id}.{e.id}"


def test_smuggling_never_shares_a_theme_with_trafficking(checklist):
    smuggling = [o for o in checklist if o.id.startswith("som.")]
    trafficking = [o for o in checklist if not o.id.startswith("som.")]
    assert len(smuggling) >= 10
    assert all(o.theme in SMUGGLING_THEMES for o in smuggling)
    assert not {o.theme for o in trafficking} & {o.theme for o in smuggling}
    assert all("un-smuggling-2000" not in o.instruments for o in trafficking)
    assert "som.distinct_from_trafficking" in {o.id for o in smuggling}


def test_soft_law_flags(checklist):
    soft = [o for o in checklist if o.soft_law]
    assert soft and all(all(not s.text_in_corpus for s in o.sources) for o in soft)
    assert {"ohchr-principles-2002", "unodc-model-law-2009"} <= {
        s.instrument for o in soft for s in o.sources
    }


@pytest.mark.parametrize(
    "instrument, articles",
    [
        ("un-palermo-2000", {3, 5, 6, 7, 8, 9, 10, 11, 12, 13}),
        ("un-untoc-2000", {5, 6, 10, 11, 12, 13, 14, 15, 16, 18, 24, 25}),
        ("un-smuggling-2000", {3, 5, 6, 16}),
        ("un-crc-1989", {32, 34, 35, 36}),
        ("un-opsc-2000", {1, 2, 3, 8, 9}),
        ("ilo-p029-2014", {1, 2, 3, 4}),
        ("ilo-c182-1999", {3, 6, 7}),
        ("ilo-c138-1973", {2, 3, 7}),
        ("ilo-c029-1930", {1, 2, 25}),
        ("acrwc-1990", {15, 16, 27, 29}),
    ],
)
def test_required_articles_covered(checklist, instrument, articles):
    cited = {
        int(re.match(r"art_(\d+)", s.eid).group(1))
        for o in checklist
        for s in o.sources
        if s.instrument == instrument and s.eid.startswith("art_")
    }
    assert articles <= cited, sorted(articles - cited)


def test_palermo_6_paragraphs_each_have_an_obligation(checklist):
    cited = {s.eid for o in checklist for s in o.sources if s.instrument == "un-palermo-2000"}
    for n in range(1, 7):
        assert any(e == f"art_6__para_{n}" or e.startswith(f"art_6__para_{n}__") for e in cited), n


def test_summary_counts(checklist):
    s = summarise(checklist)
    assert s.total == len(checklist)
    assert s.by_strength["mandatory"] + s.by_strength["optional"] == s.total
    assert s.by_instrument["un-palermo-2000"] >= 30


def test_check_raises_with_file_and_id(checklist):
    first = next(o for o in checklist if o.id == "tip.definition.acts")
    bad = list(checklist) + [first]
    with pytest.raises(ChecklistError, match=r"palermo\.yaml: tip\.definition\.acts: id used 2"):
        check(bad)


def test_load_rejects_missing_fields(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("- id: a.b\n  theme: definition\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match="x.yaml: a.b: missing field"):
        load_checklist(f)


# --- against the parsed corpus -------------------------------------------------------------------


def test_validates_against_parsed_corpus(checklist, corpus_load):
    problems = validate(checklist, corpus_load)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_validate_reports_missing_eid_and_wrong_strength(checklist, by_id, corpus_load):
    from dataclasses import replace

    o = by_id["tip.assistance.housing"]
    wrong_eid = replace(o, id="tip.x.eid", sources=(replace(o.sources[0], eid="art_6__para_9"),))
    wrong_strength = replace(o, id="tip.x.strength", strength="mandatory")
    wrong_offence = replace(o, id="tip.x.offence", offences=("kidnapping",))
    problems = validate([wrong_eid, wrong_strength, wrong_offence], corpus_load)
    kinds = {(p.obligation_id, p.kind) for p in problems}
    assert ("tip.x.eid", "missing-eid") in kinds
    assert ("tip.x.strength", "strength") in kinds
    assert ("tip.x.offence", "unknown-theme") in kinds


# --- strength derivation -------------------------------------------------------------------------

STRENGTH_CASES = [
    # (instrument, eid, expected) from reading each provision's main verb
    ("un-palermo-2000", "art_6__para_1", "mandatory"),  # "In appropriate cases ... shall protect"
    ("un-palermo-2000", "art_6__para_3", "optional"),  # "shall consider implementing"
    ("un-palermo-2000", "art_6__para_6", "mandatory"),  # "shall ensure"
    ("un-palermo-2000", "art_6__para_5", "optional"),  # "shall endeavour"
    ("un-palermo-2000", "art_6__para_3__point_a", "optional"),  # item takes its chapeau
    ("un-palermo-2000", "art_7__para_1", "optional"),  # "In addition to taking ... shall consider"
    ("un-palermo-2000", "art_9__para_2", "optional"),  # "shall endeavour to undertake"
    ("un-palermo-2000", "art_9__para_3", "mandatory"),  # "shall, as appropriate, include"
    ("un-palermo-2000", "art_11__para_1", "mandatory"),  # "shall strengthen, to the extent ..."
    ("un-palermo-2000", "art_11__para_5", "optional"),  # "shall consider taking measures"
    ("un-palermo-2000", "art_12__para_a", "mandatory"),  # chapeau "shall take such measures"
    ("un-untoc-2000", "art_11__para_5", "mandatory"),  # "shall, where appropriate, establish"
    ("un-untoc-2000", "art_12__para_7", "optional"),  # "may consider"
    ("un-untoc-2000", "art_15__para_2", "optional"),  # "may also establish"
    ("un-untoc-2000", "art_16__para_8", "optional"),  # "shall, subject to ..., endeavour"
    ("un-untoc-2000", "art_16__para_15", "mandatory"),  # "may not refuse"
    ("un-untoc-2000", "art_24__para_2", "optional"),  # "may include"
    ("ilo-c029-1930", "art_25", "mandatory"),  # "shall be punishable as a penal offence"
    ("ilo-c138-1973", "art_2__para_4", "optional"),  # "may ... initially specify 14"
    ("ilo-c138-1973", "art_7__para_1", "optional"),  # "may permit ... light work"
    ("ilo-c182-1999", "art_3", "mandatory"),  # definition, no modal verb
    ("ilo-p029-2014", "art_4__para_2", "mandatory"),  # "shall ... take the necessary measures"
    ("lon-slavery-1926", "art_5", "mandatory"),  # "recognise that ... may have ... and undertake"
    ("au-achpr-1981", "art_5", "mandatory"),  # "sont interdites"
    ("ao-accord-multilateral-traite-enfants-2005", "art_8", "mandatory"),  # "s'engagent à"
    ("ao-accord-multilateral-traite-enfants-2005", "art_7", "mandatory"),  # indicative "mettent"
    ("cedeao-ceeac-accord-multilateral-traite-personnes-2006", "art_7", "mandatory"),  # "doivent"
    ("cedeao-ceeac-accord-multilateral-traite-personnes-2006", "art_30", "optional"),  # "peuvent"
]


@pytest.mark.parametrize("instrument, eid, expected", STRENGTH_CASES)
def test_strength_of_real_provisions(corpus_load, instrument, eid, expected):
    doc = corpus_load(instrument)
    strength, _ = provision_strength(doc, eid)
    assert strength == expected, doc.get(eid).text[:200]


def test_qualifiers_are_notes_not_modality(corpus_load):
    doc = corpus_load("un-palermo-2000")
    mod = analyse_modality(doc.get("art_6__para_1").text, "en")
    assert mod.strength == "mandatory" and mod.marker == "shall"
    assert "in appropriate cases" in mod.qualifiers
    assert "to the extent possible" in mod.qualifiers


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("Les États parties s'engagent à prendre toutes les mesures", "fr", "mandatory"),
        ("Chaque État partie envisage d'adopter des mesures", "fr", "optional"),
        ("Les Parties s'efforcent de coopérer", "fr", "optional"),
        ("Nul ne peut être tenu en esclavage", "fr", "mandatory"),
        ("Les Parties peuvent adopter des mesures plus strictes", "fr", "optional"),
        ("L'État prend, le cas échéant, les mesures nécessaires", "fr", "mandatory"),
        ("le cas échéant, des programmes de formation", "fr", "optional"),
        ("Each State Party shall adopt such measures as may be necessary", "en", "mandatory"),
    ],
)
def test_derive_strength_phrases(text, lang, expected):
    assert derive_strength(text, lang) == expected


# --- element cues on real texts ------------------------------------------------------------------

DEFINITION_IDS = (
    "tip.definition.acts",
    "tip.definition.means",
    "tip.definition.purposes",
    "tip.definition.consent_irrelevant",
)


def _article(text: str, number: str) -> str:
    m = re.search(rf"^Article {number} :\n(.*?)(?=^Article \d+ :)", text, re.M | re.S)
    assert m, number
    return m.group(1)


@pytest.fixture(scope="module")
def benin_499() -> str:
    return _article(BENIN_PENAL.read_text(encoding="utf-8"), "499")


@pytest.fixture(scope="module")
def palermo_3ab(corpus_load) -> str:
    doc = corpus_load("un-palermo-2000")
    return doc.get("art_3__para_a").text + "\n" + doc.get("art_3__para_b").text


def test_definition_element_counts(by_id):
    counts = {i: len(by_id[i].elements) for i in DEFINITION_IDS}
    assert counts == {
        "tip.definition.acts": 5,
        "tip.definition.means": 9,
        "tip.definition.purposes": 5,
        "tip.definition.consent_irrelevant": 2,
    }


@pytest.mark.parametrize("ob_id", DEFINITION_IDS)
def test_definition_cues_in_benin_499_plain(by_id, benin_499, ob_id):
    """Quick check without spaCy: every element has a cue occurring verbatim in art 499."""
    for e in by_id[ob_id].elements:
        assert find_cues(benin_499, e.cues_fr), e.id


@pytest.mark.parametrize("ob_id", DEFINITION_IDS)
def test_definition_cues_with_cue_matcher(by_id, benin_499, palermo_3ab, ob_id):
    cues = pytest.importorskip("lexcompare.cues")
    o = by_id[ob_id]
    matcher = cues.CueMatcher(o.cue_spec())
    for text, lang in ((benin_499, "fr"), (palermo_3ab, "en")):
        found = {h.cue_id for h in matcher.find(text, lang)}
        missing = {e.id for e in o.elements} - found
        assert not missing, f"{lang}: {sorted(missing)}"


def test_child_definition_cues_in_regional_text(by_id, corpus_load):
    cues = pytest.importorskip("lexcompare.cues")
    doc = corpus_load("cedeao-ceeac-accord-multilateral-traite-personnes-2006")
    text = doc.get("art_1").text
    o = by_id["tip.child.under_18"]
    found = {h.cue_id for h in cues.CueMatcher(o.cue_spec()).find(text, "fr")}
    assert found == {e.id for e in o.elements}


def test_conflict_cue_flags_fine_only_penalty(by_id):
    cues = pytest.importorskip("lexcompare.cues")
    text = _article(BENIN_PENAL.read_text(encoding="utf-8"), "594")  # fine OR prison
    o = by_id["untoc.penalties.gravity"]
    hits = cues.CueMatcher(o.conflict_spec()).find(text, "fr")
    assert hits, text
