"""Shared fixtures: real studies are built once per test process (they take a while)."""

from __future__ import annotations

import pytest

from lexcompare.study import Study


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
