"""The dask engine gives exactly the local engine's results (lexcompare.distributed)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

pytest.importorskip("distributed")

from lexcompare import distributed as lxd  # noqa: E402
from lexcompare import tag  # noqa: E402
from lexcompare.errors import LexcompareError, MissingDependencyError  # noqa: E402
from lexcompare.study import Study  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
THEMES = ["definition", "criminalisation", "child_trafficking"]


def small_study(tmp: Path) -> Path:
    """Benin's study restricted to three themes (fewer obligations: faster)."""
    config = yaml.safe_load((ROOT / "studies" / "bj-tip.yaml").read_text(encoding="utf-8"))
    config["id"] = "bj-tip-dask-test"
    config["themes"] = THEMES
    path = tmp / "bj-tip-dask-test.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with lxd.connect() as c:  # the LocalCluster precompute_with_dask starts by default
        yield c


@pytest.fixture(scope="module")
def studies(client: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Study]:
    path = small_study(tmp_path_factory.mktemp("study"))
    local = Study.load(path, progress=False)
    _ = local.alignment_records
    tag.clear_cache()  # the dask run tags on the workers, not from the local run's cache
    remote = Study.load(path, progress=False)
    lxd.precompute_with_dask(remote, client=client)
    return local, remote


@pytest.fixture(autouse=True)
def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEXCOMPARE_WORK", str(tmp_path / "work"))  # no analyst reviews


def test_dask_fills_the_study_caches(studies: tuple[Study, Study]) -> None:
    local, remote = studies
    for name in ("parsed", "themes", "alignment_records"):
        assert name in remote.__dict__
    assert list(remote.parsed) == list(local.parsed)
    assert remote.themes == local.themes
    assert {"parse", "tag", "match"} <= set(remote.timings)


def test_dask_alignments_identical_to_local(studies: tuple[Study, Study]) -> None:
    local, remote = studies
    # same records, same order, same float scores and evidence, bit for bit
    assert remote.alignment_records == local.alignment_records
    pd.testing.assert_frame_equal(remote.alignments(), local.alignments(), check_exact=True)


def test_dask_gaps_identical_to_local(studies: tuple[Study, Study]) -> None:
    local, remote = studies
    pd.testing.assert_frame_equal(remote.gaps(), local.gaps(), check_exact=True)


def test_tagging_on_workers_matches_local(client: Any, studies: tuple[Study, Study]) -> None:
    local, _ = studies
    docs = [local.parsed["bj-constitution-2019"]]
    tag.clear_cache()
    themes = lxd.tag_documents(client, docs, disk_cache=False)
    assert themes == {k: v for k, v in local.themes.items() if k[0] == "bj-constitution-2019"}


@pytest.mark.slow  # a worker loads the sentence encoder (~10 s)
def test_embedding_on_workers(client: Any, tmp_path: Path) -> None:
    from lexcompare.embed import Encoder

    texts = ["La traite des personnes est punie de dix ans d'emprisonnement.",
             "Every State Party shall criminalize trafficking in persons."]
    stats = lxd.embed_texts(client, texts, cache_dir=tmp_path)
    assert stats["missing"] == 2 and stats["encoded"] == 2
    assert lxd.embed_texts(client, texts, cache_dir=tmp_path)["missing"] == 0  # cached now
    cached = Encoder(cache_dir=tmp_path).encode(texts)
    fresh = Encoder(use_cache=False).encode(texts)
    np.testing.assert_allclose(cached, fresh, atol=1e-5)


def test_partitions_are_contiguous_slices() -> None:
    for n in (0, 1, 5, 24, 232):
        for parts in (1, 2, 3, 7, 300):
            bounds = lxd._bounds(n, parts)
            assert [i for lo, hi in bounds for i in range(lo, hi)] == list(range(n))
            assert all(hi > lo for lo, hi in bounds)


def test_bad_scheduler_address_fails_quickly() -> None:
    t0 = time.perf_counter()
    with pytest.raises(LexcompareError, match="cannot reach the dask scheduler"):
        with lxd.connect("tcp://127.0.0.1:9", timeout=2):
            pass
    assert time.perf_counter() - t0 < 15
    with pytest.raises(LexcompareError, match="expected a dask scheduler address"):
        with lxd.connect("http://example.org/dask"):
            pass


def test_missing_dask_says_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    study = Study.load(small_study(tmp_path), progress=False)
    with pytest.raises(MissingDependencyError, match=r"pip install 'lexcompare\[dask\]'"):
        lxd.precompute_with_dask(study)
