"""An analyst brings in a law from a PDF: it is parsed, catalogued, and turns "not assessable"
into a real status. Benin's penal code stands in for Guinea's absent 2016 code."""

from __future__ import annotations

from pathlib import Path

import yaml
from pdfgen import bj_trafficking_slice, jo_pdf, scanned_pdf

from lexcompare import corpus
from lexcompare.cli import main
from lexcompare.study import Study


def add(pdf: Path) -> int:
    return main(["add", str(pdf), "--id", "gn-code-penal-2016", "--country", "gn",
                 "--kind", "code", "--title", "Code pénal (extraits)", "--date", "2016-10-26",
                 "--carrier", "penal_code", "--carrier", "tip_law"])


def gaps_with_code(folder: Path):  # type: ignore[no-untyped-def]
    """gn-tip on definition and criminalisation, with the added code among Guinea's texts."""
    config = yaml.safe_load((corpus.shipped_root().parent / "studies/gn-tip.yaml").read_text())
    config["countries"]["gn"]["documents"] = ["gn-constitution-2025", "gn-code-penal-2016"]
    config["themes"] = ["definition", "criminalisation"]
    study_file = folder / "gn-tip-with-code.yaml"
    study_file.write_text(yaml.safe_dump(config, allow_unicode=True))
    return Study.load(study_file, progress=False).gaps().set_index("obligation_id")


def test_added_pdf_law_makes_criminalisation_assessable(user_env, capsys):
    pdf = user_env / "code-penal.pdf"
    jo_pdf(bj_trafficking_slice(), pdf)
    assert add(pdf) == 0
    assert "added gn-code-penal-2016" in capsys.readouterr().out

    entry = corpus.entry("gn-code-penal-2016")
    assert entry.root == "user" and entry.document.country == "gn"
    assert "gn-code-penal-2016" not in {a.id for a in corpus.absent_texts("gn")}
    parsed = corpus.load("gn-code-penal-2016")
    art = parsed.get("art_499")
    assert art.text.startswith("Constitue un acte de traite des personnes")
    assert art.pages  # page numbers kept from the PDF

    gaps = gaps_with_code(user_env)
    means = gaps.loc["tip.definition.means"]
    assert means.status == "covered"
    assert means.national_eids.startswith("gn-code-penal-2016#art_499")
    assert means.pages.split("; ")[0] == ",".join(map(str, art.pages))
    assert gaps.loc["tip.criminalisation.offence"].status != "not_assessable"
    assert "not_assessable" not in set(gaps[gaps.theme == "definition"].status)


def test_scanned_pdf_is_refused_and_nothing_is_stored(user_env, capsys):
    pdf = user_env / "scan.pdf"
    scanned_pdf(bj_trafficking_slice(), pdf)
    assert add(pdf) == 2
    err = capsys.readouterr().err
    assert "no text layer" in err.lower() and "--ocr" in err
    assert not (user_env / "user-corpus" / "gn-code-penal-2016").exists()
    assert "gn-code-penal-2016" in {a.id for a in corpus.absent_texts("gn")}


def test_same_text_from_pdf_after_txt_gets_its_own_pages(user_env, monkeypatch, capsys):
    """Judgements are cached by their inputs; the page numbers they quote are inputs too. The
    same articles first added from a .txt (no pages), then from a PDF, must quote PDF pages."""
    txt = user_env / "code-penal.txt"
    txt.write_text(bj_trafficking_slice(), encoding="utf-8")
    corpus.add_user_document(txt, doc_id="gn-code-penal-2016", country="gn", kind="code",
                             title="Code pénal (extraits)", carriers=["penal_code", "tip_law"])
    assert gaps_with_code(user_env).loc["tip.definition.means", "pages"] == ""

    monkeypatch.setenv("LEXCOMPARE_USER_CORPUS", str(user_env / "second-user-corpus"))
    corpus.refresh()
    pdf = user_env / "code-penal.pdf"
    jo_pdf(bj_trafficking_slice(), pdf)
    assert add(pdf) == 0
    pages = ",".join(map(str, corpus.load("gn-code-penal-2016").get("art_499").pages))
    assert pages
    means = gaps_with_code(user_env).loc["tip.definition.means"]
    assert means.pages.split("; ")[0] == pages
