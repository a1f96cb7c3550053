"""Studies as analysts use them: several countries side by side, and reviews that survive
re-runs, new documents and amended texts (flagged stale, never silently applied or lost)."""

from __future__ import annotations

import pytest
import yaml
from pdfgen import bj_trafficking_slice

from lexcompare import corpus
from lexcompare.errors import LexcompareError
from lexcompare.study import Study

THEMES = ["definition", "criminalisation"]


def study_file(tmp_path, name: str, countries: dict, themes=THEMES):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"id": name, "title": {"fr": name, "en": name},
                                    "language": "fr", "countries": countries,
                                    "themes": themes}))
    return path


def test_two_countries_side_by_side(user_env):
    path = study_file(user_env, "gn-bj", {
        "gn": {"documents": ["gn-constitution-2025"]},
        "bj": {"documents": ["bj-code-penal-2018", "bj-code-enfant-2015"]}})
    study = Study.load(path, progress=False)
    table = study.comparative().set_index("obligation_id")
    assert {"gn", "bj"} <= set(table.columns)
    assert table.loc["tip.definition.means", "gn"] == "not_assessable"
    # Benin's wording beside Guinea's gap, quoted exactly with its provenance
    peer = study.peer_wording("gn", "bj").set_index("obligation_id")
    means = peer.loc["tip.definition.means"]
    assert means.status_gn == "not_assessable" and means.status_bj == "covered"
    assert means.national_eids_bj.startswith("bj-code-penal-2018#art_499")
    art_499 = corpus.load("bj-code-penal-2018").get("art_499")
    assert art_499.text.split("\n")[0][:200] in means.quotes_bj
    assert art_499.checksum in means.provision_checksums_bj
    assert set(peer.status_gn) <= {"missing", "partial", "not_assessable"}
    assert set(peer.status_bj) <= {"covered", "partial"}
    with pytest.raises(LexcompareError, match="not a country of study"):
        study.peer_wording("gn", "ci")
    assert table.loc["tip.definition.means", "bj"] == "covered"
    gaps = study.gaps()
    # each country judged against its own party status
    assert set(gaps.country) == {"gn", "bj"}
    assert gaps[gaps.country == "bj"].party.str.contains("2004-08-30").any()


def add_code(text_path, text: str):
    text_path.write_text(text, encoding="utf-8")
    return corpus.add_user_document(text_path, doc_id="gn-code-penal-2016", country="gn",
                                    kind="code", title="Code pénal (extraits)",
                                    carriers=["penal_code", "tip_law"])


def test_reviews_survive_reruns_and_amended_text_is_flagged_stale(user_env):
    original = bj_trafficking_slice()
    add_code(user_env / "cp.txt", original)
    path = study_file(user_env, "gn-review", {"gn": {"documents": ["gn-constitution-2025",
                                                              "gn-code-penal-2016"]}})
    study = Study.load(path, progress=False)
    assert study.gaps().set_index("obligation_id").loc["tip.definition.means",
                                                       "status"] == "covered"
    study.accept("tip.definition.means", "gn-code-penal-2016#art_499", who="analyste A")
    study.set_status("tip.definition.means", "partial", who="analyste A",
                     comment="Les moyens sont repris, mais la fraude n'est pas définie.",
                     evidence=["gn-code-penal-2016#art_499"])

    # a new run (new process state) keeps the decision, marked as the analyst's
    row = Study.load(path, progress=False).gaps().set_index("obligation_id").loc[
        "tip.definition.means"]
    assert (row.status, row.machine_status, row.decided_by) == ("partial", "covered", "analyst")
    assert "fraude n'est pas définie" in row.analyst_comment
    al = Study.load(path, progress=False).alignments()
    accepted = al[(al.obligation_id == "tip.definition.means")
                  & (al.national_eid == "art_499")]
    assert list(accepted.review) == ["accepted"]

    # the law is amended: "fraude, " disappears from art. 499
    amended = original.replace("par enlèvement, fraude, tromperie", "par enlèvement, tromperie")
    assert amended != original
    add_code(user_env / "cp-amended.txt", amended)
    row = Study.load(path, progress=False).gaps().set_index("obligation_id").loc[
        "tip.definition.means"]
    assert row.review_state == "stale"
    assert row.analyst_status == "partial"  # shown, not applied
    assert row.decided_by == "machine"
    assert row.status == row.machine_status
    assert "fraud" in row.missing_elements  # the machine now sees the missing means
    # nothing was lost: the full history is still there
    kinds = [h.kind for h in Study.load(path, progress=False).store.history()]
    assert kinds.count("status") == 1 and kinds.count("alignment") == 1
