"""Shared fixtures: real studies are built once per test process (they take a while)."""

from __future__ import annotations

import pytest

from lexcompare import corpus
from lexcompare.study import Study


@pytest.fixture()
def user_env(tmp_path, monkeypatch):
    """A private user corpus, home and work folder under tmp_path (yields tmp_path)."""
    monkeypatch.setenv("LEXCOMPARE_USER_CORPUS", str(tmp_path / "user-corpus"))
    monkeypatch.setenv("LEXCOMPARE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LEXCOMPARE_WORK", str(tmp_path / "work"))
    corpus.refresh()
    yield tmp_path
    corpus.refresh()


@pytest.fixture(scope="session")
def bj_study() -> Study:
    study = Study.load("bj-tip", progress=False)
    study.gaps()
    return study


@pytest.fixture(scope="session")
def gn_study() -> Study:
    study = Study.load("gn-tip", progress=False)
    study.gaps()
    return study
