"""lexcompare.penalties on real Beninese articles (tests/cases/penalties.yaml).

Article texts are sliced straight out of the corpus .txt files by their "Article N :" heading
(deliberately not through lexcompare.parse), so these tests only depend on the corpus.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from lexcompare.penalties import (
    MIN_STRINGENT_MONTHS,
    OffencePenalties,
    Penalty,
    compare,
    describe,
    extract_penalties,
    fine_in_lieu,
    inconsistent,
    is_stringent,
    severity,
)

ROOT = Path(__file__).resolve().parents[1]
CASES_FILE = Path(__file__).with_name("cases") / "penalties.yaml"
SPEC = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
CORPUS = ROOT / SPEC["corpus_dir"]
HEADING = re.compile(r"(?m)^Article\s*(.*?)\s*:")


@functools.cache
def _doc(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def article(doc: str, label: str) -> str:
    """Text of the article whose heading is exactly "Article <label> :", up to the next one."""
    text = _doc(doc)
    heads = list(HEADING.finditer(text))
    found = [i for i, h in enumerate(heads) if h.group(1) == label]
    assert len(found) == 1, f"{doc}: {len(found)} headings 'Article {label} :'"
    i = found[0]
    end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
    return text[heads[i].start() : end]


def _params() -> list[Any]:
    out = []
    for case in SPEC["cases"]:
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
        out.append(pytest.param(case, id=case["id"], marks=marks))
    return out


NUMERIC = ("min_months", "max_months", "fine_min", "fine_max")


def _check(p: Penalty, exp: dict[str, Any], aggravated: bool, where: str) -> None:
    assert p.kind == exp["kind"], where
    for key in NUMERIC:
        want = exp.get(key)
        got = getattr(p, key)
        if want is None:
            assert got is None, f"{where}: {key}={got!r}, expected None"
        else:
            assert got == pytest.approx(want, abs=0.01), f"{where}: {key}={got!r} != {want!r}"
    assert p.currency == exp.get("currency"), where
    assert p.life is bool(exp.get("life", False)), where
    assert p.fine_alternative is bool(exp.get("fine_alternative", False)), where
    if "condition_contains" in exp:
        assert p.condition is not None and exp["condition_contains"] in p.condition, (
            f"{where}: condition {p.condition!r}"
        )
    elif aggravated:
        assert p.condition, f"{where}: aggravated penalty without a condition"
    else:
        assert p.condition is None, f"{where}: unexpected condition {p.condition!r}"
    if "quote_contains" in exp:
        assert exp["quote_contains"] in p.quote, f"{where}: quote {p.quote!r}"


@pytest.mark.parametrize("case", _params())
def test_real_article(case: dict[str, Any]) -> None:
    text = article(case["doc"], case["article"])
    op = extract_penalties(text)
    for p in op.base + op.aggravated:
        assert p.quote == text[p.start : p.end]
        assert 0 <= p.start < p.end <= len(text)
    assert op.recidivism_doubling is bool(case.get("recidivism_doubling", False))
    for name in ("base", "aggravated"):
        got: list[Penalty] = getattr(op, name)
        want = case.get(name, [])
        summary = [describe(p) + (f" [{p.condition[:40]}]" if p.condition else "") for p in got]
        assert len(got) == len(want), f"{name}: got {summary}"
        for i, (p, exp) in enumerate(zip(got, want, strict=True)):
            _check(p, exp, name == "aggravated", f"{case['id']} {name}[{i}]")


# ------------------------------------------------------------------ gap-analysis helpers


def _op(doc: str, label: str) -> OffencePenalties:
    return extract_penalties(article(doc, label))


CP = "bj-code-penal-2018.fr.txt"
CE = "bj-code-enfant-2015.fr.txt"
CT = "bj-code-travail.fr.txt"


def test_benin_trafficking_penalty_is_stringent() -> None:
    ok, reason = is_stringent(_op(CP, "501"))
    assert ok, reason
    assert "10 to 20 years" in reason
    assert is_stringent(_op(CP, "593"))[0]  # child trafficking: life


def test_forced_labour_labour_code_not_stringent_fine_in_lieu() -> None:
    op = _op(CT, "303")
    assert fine_in_lieu(op)
    ok, reason = is_stringent(op)
    assert not ok
    assert "fine may replace" in reason


def test_fine_in_lieu_flags_real_delits_with_the_alternative() -> None:
    assert fine_in_lieu(_op(CP, "594"))  # employing a trafficked child
    assert fine_in_lieu(_op(CE, "397"))
    assert not fine_in_lieu(_op(CP, "501"))
    assert not fine_in_lieu(_op(CP, "556"))


def test_short_minimum_not_stringent() -> None:
    ok, reason = is_stringent(_op(CP, "556"))  # proxénétisme: 1 to 3 years
    assert not ok
    assert f"below {MIN_STRINGENT_MONTHS // 12} years" in reason
    assert not is_stringent(_op(CP, "592"))[0]  # fine only
    assert not is_stringent(_op(CP, "499"))[0]  # definition, no penalty


def test_trafficking_compared_with_rape() -> None:
    traite = _op(CP, "501")
    viol = _op(CP, "553 nouveau (Loi 2021-11)")
    # base trafficking 10-20 years réclusion vs base rape 5-10 years réclusion + fine
    assert compare(traite, viol) == 1
    assert compare(viol, traite) == -1
    assert compare(traite, traite) == 0
    # aggravated forms reach the same ceiling: life imprisonment
    assert max(severity(p) for p in traite.aggravated) == max(severity(p) for p in viol.aggravated)


def test_child_trafficking_children_code_vs_penal_code() -> None:
    ce = _op(CE, "396")
    cp = _op(CP, "593")
    note = inconsistent(ce, cp, "Code de l'enfant art. 396", "Code pénal art. 593")
    assert note is not None
    assert "réclusion criminelle de 10 à 20 ans (Code de l'enfant art. 396)" in note
    assert "contre réclusion criminelle à perpétuité (Code pénal art. 593)" in note
    assert "life" in note and "10 to 20 years" in note
    assert compare(cp, ce) == 1
    assert inconsistent(cp, _op(CP, "593")) is None


def test_same_conduct_same_penalty_in_both_codes() -> None:
    # employing a trafficked child: 6 to 24 months (CP) = 6 months to 2 years (CE)
    assert inconsistent(_op(CP, "594"), _op(CE, "397")) is None


def test_describe_real_penalties() -> None:
    assert describe(_op(CP, "501").base[0]) == "réclusion criminelle de 10 à 20 ans"
    assert describe(_op(CP, "593").base[0]) == "réclusion criminelle à perpétuité"
    assert describe(_op(CP, "594").base[0]) == (
        "emprisonnement de 6 mois à 2 ans et amende de 500 000 à 5 000 000 FCFA, "
        "ou l'une de ces deux peines seulement"
    )
    assert describe(_op(CP, "594").base[0], "en") == (
        "imprisonment of 6 months to 2 years and a fine of 500,000 to 5,000,000 FCFA, "
        "or either penalty alone"
    )
    assert describe(_op(CP, "592").base[0]) == "amende de 100 000 à 250 000 FCFA"
    assert describe(_op(CT, "301").aggravated[0]).startswith("emprisonnement de 15 jours à 2 mois")


# ------------------------------------------------------------------ forms absent from Benin
# Synthetic sentences (clearly not corpus text) for forms the Beninese codes do not use.


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "est puni d'un emprisonnement n'excédant pas cinq (05) ans et d'une amende de "
            "dix millions (10.000.000) GNF",
            ("emprisonnement", None, 60, 10_000_000, 10_000_000, "GNF"),
        ),
        (
            "est puni des travaux forcés à temps de cinq à dix ans et d'une amende de "
            "cent mille francs guinéens au moins",
            ("travaux_forces", 60, 120, 100_000, None, "GNF"),
        ),
        (
            "est puni d'une amende de 50.000 à 100.000 F CFA",
            ("amende", None, None, 50_000, 100_000, "FCFA"),
        ),
    ],
)
def test_synthetic_forms(sentence: str, expected: tuple[Any, ...]) -> None:
    (p,) = extract_penalties(sentence).base
    assert (p.kind, p.min_months, p.max_months, p.fine_min, p.fine_max, p.currency) == expected
