"""Splitting the four raw Journal officiel issues into acts. Facts asserted here were read in the
files themselves (line numbers cited)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from lexcompare.gazette import Act, GazetteIssue, split_gazette
from lexcompare.model import SourceText

JO = Path(__file__).resolve().parents[1] / "corpus" / "national" / "gn" / "jo"
ISSUES = ["jo-2025-12-12-12", "jo-2025-12-30-special-10", "jo-2026-02-27-3",
          "jo-2026-03-31-special-4"]


def _source(issue_id: str) -> SourceText:
    path = JO / f"{issue_id}.fr.txt"
    data = path.read_bytes()
    return SourceText(str(path), data.decode("utf-8"), hashlib.sha256(data).hexdigest())


@pytest.fixture(scope="module")
def issues() -> dict[str, GazetteIssue]:
    return {i: split_gazette(_source(i), i) for i in ISSUES}


def _serials(acts: tuple[Act, ...], kind: str) -> list[int]:
    return sorted(a.serial for a in acts if a.kind == kind)


@pytest.mark.parametrize("issue_id", ISSUES)
def test_every_issue_splits_with_valid_offsets(issues: dict[str, GazetteIssue],
                                               issue_id: str) -> None:
    issue = issues[issue_id]
    text = issue.source.text
    assert issue.acts
    ids = [a.id for a in issue.acts]
    assert len(ids) == len(set(ids))
    lines = text.split("\n")
    previous_end = 0
    for act in issue.acts:
        assert previous_end <= act.start < act.end <= len(text)  # contiguous, ordered slices
        previous_end = act.end
        assert text[act.start:].startswith(act.kind_label.split()[0][:3])
        assert text.count("\n", 0, act.start) + 1 == act.line
        assert act.work_uri.startswith("/akn/gn/act/")
        for p in act.provisions:
            assert text[p.start:p.end] == p.text  # offsets valid in the issue's text
            assert act.start <= p.start <= p.end <= act.end
            assert lines[p.line - 1].strip()  # line numbers point at text
    # Interleaved two-column text: every issue reports it
    kinds = {p.kind for p in issue.report}
    assert {"outside-act", "sommaire"} <= kinds
    assert kinds & {"inline-article-heading", "articles-out-of-sequence", "side-by-side-headings"}
    assert all(p.line >= 1 for p in issue.report)


def test_special_4_march_2026(issues: dict[str, GazetteIssue]) -> None:
    issue = issues["jo-2026-03-31-special-4"]
    # Page 02 carries the loi (line 37, right column of the sommaire page); page 21 the four
    # decrees 101-104 (lines 139-179). The loi de finances L/2026/010 and the Avis n°006 are
    # only in the sommaire, in mixed case: their pages (03-20, 22-26) have no text.
    assert [a.number for a in issue.acts] == [
        "L/2026/002/CNT", "D/2026/103/PRG/SGG", "D/2026/101/PRG/SGG", "D/2026/104/PRG/SGG",
        "D/2026/102/PRG/SGG"]
    loi = issue.act("L/2026/002/CNT")
    assert (loi.kind, loi.kind_label, loi.date) == ("loi", "LOI ORDINAIRE", "2026-02-25")
    assert loi.title.startswith("PORTANT AUTORISATION DE RATIFICATION DE L’ACCORD ENTRE LA "
                                "RÉPUBLIQUE DE GUINÉE ET L’ASSOCIATION INTERNATIONALE")
    art1 = loi.get("art_1")
    assert art1.line == 71
    assert art1.text.split("\n")[0] == "Est autorisée la ratification :"  # line 71
    assert issue.act("D/2026/104").title == (
        "PORTANT REPARTITION DES CREDITS DE PAIEMENT OUVERTS AU BUDGET DE L’ETAT ENTRE LES "
        "DEPARTEMENTS MINISTERIELS ET INSTITUTIONS POUR 2026")
    assert issue.act("D/2026/101").date == "2026-03-31"
    empty = [p for p in issue.report if p.kind == "empty-pages"]
    assert [(p.line, p.message.split(" have")[0]) for p in empty] == [
        (102, "pages 03-20"), (233, "pages 22-26")]
    # D/101 and D/103 are printed side by side: their articles alternate (lines 153-171)
    d101 = issue.act("D/2026/101")
    assert [a.eid for a in d101.articles] == ["art_1", "art_1_2", "art_2", "art_2_2"]
    assert any(p.kind == "articles-out-of-sequence" and p.line == 158 for p in issue.report)


def test_february_2026_issue_3(issues: dict[str, GazetteIssue]) -> None:
    issue = issues["jo-2026-02-27-3"]
    # Sommaire (lines 31-115): 15 decrees and one arrêté, all printed on pages 142-146.
    assert _serials(issue.acts, "décret") == [1, 2, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                                              18]
    assert _serials(issue.acts, "arrêté") == [7]
    assert len(issue.acts) == 16
    d001 = issue.act("D/2026/001/PRG/SGG")
    assert (d001.line, d001.date) == (51, "2026-01-22")
    assert d001.title == ("METTANT FIN AUX FONCTIONS DU PREMIER MINISTRE, CHEF DU GOUVERNEMENT "
                          "ET DES AUTRES MEMBRES DU GOUVERNEMENT")
    d005 = issue.act("D/2026/005")
    assert d005.title == "PORTANT NOMINATION DU PREMIER MINISTRE, CHEF DU GOUVERNEMENT"
    assert d005.date == "2026-01-26"
    arrete = issue.act("A/2026/007/MTFP/SG/SGG")
    assert (arrete.kind, arrete.date, arrete.line) == ("arrêté", "2026-01-21", 393)
    assert arrete.title == "PORTANT RADIATION D'UN (01) FONCTIONNAIRE SUITE DEMISSION"
    # Line 100: a sommaire entry and the D/002 heading share a line; line 290: two headings.
    assert issue.act("D/2026/002").line == 100
    side = {p.message.split()[0] for p in issue.report if p.kind == "side-by-side-headings"}
    assert side == {"D/2026/013/PRG/SGG", "D/2026/015/PRG/SGG"}
    assert issue.act("D/2026/015").title.startswith(
        "PORTANT NOMINATION DU MINISTRE SECRETAIRE GENERAL DE LA PRESIDENCE DE LA REPUBLIQUE")
    # The Code civil articles quoted in the closing message are outside any act.
    assert any(p.kind == "outside-act" and p.line == 448 for p in issue.report)


def test_december_2025_issue_12(issues: dict[str, GazetteIssue]) -> None:
    issue = issues["jo-2025-12-12-12"]
    # Sommaire (lines 31-211): decrees D/2025/188 to 206 and 27 arrêtés (incl. 6 conjoints).
    assert _serials(issue.acts, "décret") == list(range(188, 207))
    assert len([a for a in issue.acts if a.kind == "arrêté"]) == 27
    assert len([a for a in issue.acts if a.kind_label.endswith("CONJOINT")]) == 6
    assert len(issue.acts) == 46
    # The sommaire heading "D/2025/188/PRG/SGG" (line 39) and the act's own heading
    # "D/2025/188/PRG/CNRD/SGG" (line 203) are the same act: the act is the latter.
    d188 = issue.act("D/2025/188")
    assert (d188.number, d188.line, d188.date) == ("D/2025/188/PRG/CNRD/SGG", 203, "2025-10-09")
    # Misprinted number kept as printed (line 694): "D72025/200"
    assert issue.act("D72025/200/PRG/SGG").serial == 200
    d203 = issue.act("D/2025/203")
    assert d203.title == ("PORTANT MAINTIEN D’UN OFFICIER APPELE A FAIRE VALOIR SES DROITS A LA "
                          "RETRAITE")
    assert d203.get("art_1").line == 1789
    assert d203.get("art_1").text == (
        "Conformément à l’article 134 de la Loi portant Statut Général des militaires, le "
        "Colonel David LAMAH, Ma-\ntricule 18189/G, Commandant du Groupement d’Artillerie est "
        "maintenu pour une durée n’excédant pas deux (02) ans.")
    assert d203.pages == (737,)
    # Arrêté printed right after a column ending in "… DE LA" (line 6370) is still found
    assert issue.act("A/2025/1400/MEF/CAB").line == 6370
    a1205 = issue.act("A/2025/1205")
    assert a1205.title == "PORTANT RADIATION DE TREIZE (13) FONCTIONNAIRES SUITE DECES"


def test_special_10_organic_laws(issues: dict[str, GazetteIssue]) -> None:
    issue = issues["jo-2025-12-30-special-10"]
    laws = [a for a in issue.acts if a.kind == "loi"]
    assert sorted(a.serial for a in laws) == [35, 36, 37, 38, 39, 42, 43, 44, 45]
    assert sorted(a.serial for a in issue.acts if a.kind == "décret") == [
        221, 222, 223, 224, 225, 265, 266, 267, 268]
    l044 = issue.act("L/2025/044/CNT")
    assert (l044.kind_label, l044.line, l044.date) == ("LOI ORDINAIRE", 7604, "2025-12-26")
    assert l044.title == ("FIXANT LES RÈGLES RELATIVES À L’EXERCICE DU POUVOIR RÈGLEMENTAIRE "
                          "DU PREMIER MINISTRE")
    l039 = issue.act("L/2025/039/CNT")
    assert l039.title == "PORTANT RÈGLEMENT INTÉRIEUR DE L’ASSEMBLÉE NATIONALE"
    # 93 "Article N" headings at a line start; many more are inside lines (columns joined)
    assert len(l039.articles) == 93
    # Two columns of the same law alternate: article numbers out of sequence are reported
    assert sum(p.kind == "articles-out-of-sequence" for p in issue.report) > 50
    assert any(p.kind == "empty-pages" and "pages 83-122" in p.message for p in issue.report)


def test_never_raises_on_odd_input() -> None:
    for text in ["", "\n\n", "DECRET D/", "DECRET D/2025/1 DU 99 FOO 2025,\nArticle 1er: x",
                 "SOMMAIRE\nDECRET D/2025/001/PRG DU 01 MAI 2025....12\n"]:
        issue = split_gazette(SourceText("x", text, ""), "x")
        for act in issue.acts:
            for p in act.provisions:
                assert text[p.start:p.end] == p.text
