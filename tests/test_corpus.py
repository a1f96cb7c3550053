"""The shipped corpus is the collected texts, unaltered, and the catalogue says what is absent."""

from __future__ import annotations

import hashlib

import pytest

from lexcompare import corpus
from lexcompare.cli import main


@pytest.mark.parametrize("entry", [e for e in corpus.catalogue() if e.in_corpus],
                         ids=lambda e: e.id)
def test_shipped_text_matches_its_manifest_checksum(entry):
    assert hashlib.sha256(entry.path().read_bytes()).hexdigest() == entry.document.sha256


def test_catalogue_is_up_to_date_with_the_manifests():
    rows = corpus.build_catalogue()
    assert [r["id"] for r in rows] == [e.id for e in corpus.catalogue() if e.root == "shipped"]


def test_guinea_party_status_and_absent_texts(capsys):
    palermo = corpus.entry("un-palermo-2000").party("gn")
    assert palermo.binding and palermo.date == "2004-11-09" and palermo.evidence
    absent = {a.id for a in corpus.absent_texts("gn")}
    assert {"gn-code-penal-2016", "gn-code-enfant-2019", "gn-loi-traite-2023", "gn-cpp-2016",
            "gn-code-travail-2014", "gn-decret-cnltppa-2017"} <= absent
    assert main(["corpus", "list"]) == 0
    out = capsys.readouterr().out
    for e in corpus.catalogue():
        assert e.id in out
    assert "L/2016/059/AN" in out  # the absent penal code is named
