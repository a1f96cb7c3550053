"""Run a study's heavy stages on Dask distributed (`lexcompare run --engine dask`).

    >>> study = Study.load("bj-tip")                           # doctest: +SKIP
    >>> precompute_with_dask(study)                            # doctest: +SKIP
    >>> study.gaps()        # gaps, DataFrames and reports run locally on the results

`precompute_with_dask` starts a `LocalCluster` (2 worker processes, 1 thread each), or connects to
an existing scheduler (``scheduler="tcp://HOST:PORT"``), runs these partitions, fills the study's
caches (``parsed``, ``themes``, ``alignment_records``) and closes what it started:

- **parse**: one task per document (`corpus.load` on the worker, so the on-disk parse cache is
  used and filled); the client checks that the worker read the same text as its own corpus.
- **tag**: the documents whose theme tags are not in the study's disk cache: their distinct
  provision texts per language, in `partitions` chunks (`tag.tag_texts` is per text, so
  chunking changes nothing). The results go into the client's tag cache and the disk cache.
  The article units matching scores are tagged the same way, once, and shipped to the
  matching workers, so theme scoring does not tag all units again in every partition.
- **embed** (part of match): the text pieces the encoder needs (obligation queries, national
  units) that are not in the client's embedding cache, in `partitions` chunks; the vectors go
  into the client's cache.
- **match**: **partitioned by obligations**. Every partition scores *all* of a country's
  provisions against a contiguous slice of the obligations, so the BM25 index (IDF), the
  per-query max normalisation, the element, fuzzy and theme scores are those of the local
  engine. The embedding component is the one exception: a float32 matrix product rounds
  differently with the number of rows (BLAS blocking), so its score matrix is computed once on
  the client for all obligations (a single matrix product; the vectors are already cached by
  the embed stage) and each partition takes its rows. Results are therefore *identical* to the
  local engine's: same alignments, same order, same scores and evidence.

One caveat holds for both engines alike: the sentence encoder's vectors depend in the last bits
on which texts are batched together, so two runs that each *compute* a vector (cold cache) can
differ by ~1e-7 in a cosine. Both engines read and write the same embedding cache, so results
are identical whenever the vectors come from it.

Workers must run the same lexcompare version and see the same corpus and cache directories
(`LEXCOMPARE_CORPUS`, `LEXCOMPARE_HOME`, `LEXCOMPARE_CACHE`): a `LocalCluster` inherits the
client's environment; for an external cluster start the workers with the same variables.

A script that starts a `LocalCluster` needs an ``if __name__ == "__main__":`` guard (worker
processes are spawned and re-import the main module). Below many countries the cluster's start
(~1 s plus each worker loading spaCy) outweighs the gain: see `benchmarks/bench_scale.py`.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import LexcompareError, MissingDependencyError
from .model import Alignment, ParsedDocument, Provision, sha256_text

if TYPE_CHECKING:
    from distributed import Client, Future

    from .embed import Encoder
    from .match import Component, MatchConfig, Query, Unit
    from .study import Study
    from .tag import TagResult

PIP_HINT = "pip install 'lexcompare[dask]'"
N_WORKERS = 2
THREADS_PER_WORKER = 1
CONNECT_TIMEOUT = 10.0  # seconds to reach an external scheduler

_ADDRESS = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?(?:\[[0-9a-fA-F:.]+\]|[\w.\-]+):\d+$")

TagKey = tuple[str, str]  # (language, sha256 of the text): the key of lexcompare.tag's cache


# ---------------------------------------------------------------------------------------------
# Cluster


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            "The dask engine needs dask.distributed, which is not installed. "
            f"Install it with: {PIP_HINT}"
        ) from exc
    return distributed


@contextmanager
def connect(
    scheduler: str | None = None,
    *,
    n_workers: int = N_WORKERS,
    threads_per_worker: int = THREADS_PER_WORKER,
    timeout: float = CONNECT_TIMEOUT,
) -> Iterator[Client]:
    """A `distributed.Client`: on a new `LocalCluster` (closed on exit), or on `scheduler`.

    `scheduler` is ``tcp://HOST:PORT`` (or ``HOST:PORT``); an unreachable address raises
    `LexcompareError` after `timeout` seconds.
    """
    distributed = _import_distributed()
    if scheduler:
        if not _ADDRESS.match(scheduler.strip()):
            raise LexcompareError(
                f"--scheduler {scheduler!r}: expected a dask scheduler address such as "
                "tcp://127.0.0.1:8786"
            )
        try:
            client = distributed.Client(scheduler.strip(), timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise LexcompareError(
                f"cannot reach the dask scheduler at {scheduler} within {timeout:g} s ({exc}). "
                "Start one with `dask scheduler` and `dask worker tcp://HOST:PORT`, or leave "
                "--scheduler out to run a local cluster."
            ) from exc
        try:
            yield client
        finally:
            client.close()
        return
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise LexcompareError(
            "a dask LocalCluster was started while a worker process was importing the main "
            "module: put the code that runs the study under `if __name__ == \"__main__\":`"
        )
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _nthreads(client: Client) -> int:
    return max(1, sum(client.nthreads().values()))


def _bounds(n: int, parts: int) -> list[tuple[int, int]]:
    """Contiguous, non-empty [lo, hi) slices of range(n), at most `parts` of them."""
    parts = max(1, min(parts, n))
    cuts = [round(i * n / parts) for i in range(parts + 1)]
    return [(lo, hi) for lo, hi in zip(cuts, cuts[1:], strict=False) if hi > lo]


# ---------------------------------------------------------------------------------------------
# Tasks (run on the workers; module-level so they pickle by reference)


def _load_document(doc_id: str) -> ParsedDocument:
    from . import corpus

    return corpus.load(doc_id)


def _tag_chunk(texts: list[str], lang: str) -> list[TagResult]:
    from .tag import tag_texts

    return tag_texts(texts, lang)


_ENCODERS: dict[tuple[int | None, str | None], Encoder] = {}


def _cache_path(enc: Encoder) -> Path | None:
    # not `enc.cache_path`: it reads None while the cache is empty (EmbeddingCache.__len__ == 0)
    cache = getattr(enc, "_cache", None)
    return cache.path if cache is not None else enc.cache_path


def _worker_encoder(threads: int | None, cache_dir: str | None) -> Encoder:
    from .embed import Encoder

    key = (threads, cache_dir)
    if key not in _ENCODERS:
        _ENCODERS[key] = Encoder(threads=threads, cache_dir=cache_dir)
    return _ENCODERS[key]


def _embed_chunk(
    pieces: list[str], threads: int | None, cache_dir: str | None
) -> tuple[dict[str, np.ndarray], str, float, int]:
    """Vectors of text pieces (each already a single chunk), via the worker's cached encoder."""
    from .embed import text_key

    enc = _worker_encoder(threads, cache_dir)
    seconds, encoded = enc.seconds, enc.encoded
    vecs = enc.encode_chunks(pieces)
    out = {text_key(p): v[0] for p, v in zip(pieces, vecs, strict=True)}
    return out, str(_cache_path(enc)), enc.seconds - seconds, enc.encoded - encoded


class _RowsOf:
    """A scorer returning rows [lo, hi) of a component computed for all queries."""

    def __init__(self, component: Component, lo: int, hi: int) -> None:
        self.name = component.name
        self.component, self.lo, self.hi = component, lo, hi

    def __call__(
        self, queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
    ) -> Component:
        from .match import Component

        full = self.component
        if len(queries) != self.hi - self.lo or len(units) != full.scores.shape[1]:
            raise LexcompareError(
                f"dask partition mismatch: {len(queries)} queries x {len(units)} units for "
                f"rows {self.lo}:{self.hi} of a {full.scores.shape} {self.name} matrix"
            )
        lo, explain = self.lo, full.explain
        return Component(
            full.name,
            full.scores[self.lo : self.hi],
            full.applies[self.lo : self.hi],
            lambda qi, ui: explain(qi + lo, ui),
        )


def _align_partition(
    provisions: Sequence[Provision],
    obligations: Sequence[Any],
    source_texts: Mapping[str, str],
    config: MatchConfig,
    precomputed: Mapping[str, Component],
    lo: int,
    hi: int,
    tag_entries: Mapping[TagKey, TagResult],
) -> list[Alignment]:
    from . import match, tag

    tag._CACHE.update(tag_entries)  # theme scoring finds the tags made by the tag stage
    scorers = [
        _RowsOf(precomputed[s.name], lo, hi) if s.name in precomputed else s
        for s in match.default_scorers()
    ]
    return match.align(
        provisions, obligations[lo:hi], config=config, scorers=scorers, source_texts=source_texts
    )


# ---------------------------------------------------------------------------------------------
# Stages (client side): usable on their own, e.g. by benchmarks/bench_scale.py


def parse_documents(client: Client, doc_ids: Sequence[str]) -> dict[str, ParsedDocument]:
    """`corpus.load` of each document on the workers, checked against the client's corpus."""
    from . import corpus

    ids = list(dict.fromkeys(doc_ids))
    futures = [client.submit(_load_document, d, pure=False) for d in ids]
    out: dict[str, ParsedDocument] = {}
    for d, parsed in zip(ids, client.gather(futures), strict=True):
        entry = corpus.entry(d)
        mine = corpus.read_entry_source(entry).text
        if sha256_text(parsed.source.text) != sha256_text(mine):
            raise LexcompareError(
                f"{d}: a dask worker read a different text than this machine's corpus; start "
                "the workers with the same LEXCOMPARE_CORPUS / LEXCOMPARE_HOME"
            )
        out[d] = replace(parsed, document=entry.document)
    return out


def tag_key(text: str, lang: str) -> TagKey:
    return (lang, hashlib.sha256(text.encode("utf-8")).hexdigest())


def tag_many(
    client: Client, texts: Mapping[str, Sequence[str]], *, partitions: int | None = None
) -> dict[TagKey, TagResult]:
    """`tag.tag_texts` of {language: texts} on the workers, by key; only texts not already in
    this process's tag cache are sent, and the results are added to it."""
    from . import tag

    parts = partitions or _nthreads(client)
    jobs: list[tuple[str, list[str], Future]] = []
    for lang, items in texts.items():
        unique = [t for t in dict.fromkeys(items) if tag_key(t, lang) not in tag._CACHE]
        for lo, hi in _bounds(len(unique), parts):
            chunk = unique[lo:hi]
            [data] = client.scatter([chunk], hash=False)  # data, not a large task graph
            jobs.append((lang, chunk, client.submit(_tag_chunk, data, lang, pure=False)))
    results = client.gather([f for _, _, f in jobs])
    for (lang, chunk, _), res in zip(jobs, results, strict=True):
        for text, r in zip(chunk, res, strict=True):
            tag._CACHE[tag_key(text, lang)] = r
    return {
        key: tag._CACHE[key]
        for lang, items in texts.items()
        for key in (tag_key(t, lang) for t in items)
        if key in tag._CACHE
    }


def tag_documents(
    client: Client,
    docs: Sequence[ParsedDocument],
    *,
    partitions: int | None = None,
    disk_cache: bool = True,
) -> dict[tuple[str, str], tuple[str, ...]]:
    """Themes of every provision, as `Study.themes` computes them (same per-document disk cache
    of theme tags when `disk_cache`; the other documents are tagged on the workers)."""
    from . import study as study_module

    store = getattr(study_module, "_theme_cache", None) if disk_cache else None
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    todo: dict[str, list[Provision]] = {}
    for doc in docs:
        cached = store(doc).read() if store is not None else None
        if cached is not None:
            out.update(cached)
            continue
        for p in doc.provisions:
            todo.setdefault(p.language, []).append(p)
    entries = tag_many(
        client, {lang: [p.text for p in provs] for lang, provs in todo.items()},
        partitions=partitions,
    )
    fresh: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {}
    for lang, provs in todo.items():
        for p in provs:
            themes = tuple(entries[tag_key(p.text, lang)].themes)
            out[(p.document_id, p.eid)] = themes
            fresh.setdefault(p.document_id, {})[(p.document_id, p.eid)] = themes
    if store is not None:
        by_id = {d.document.id: d for d in docs}
        for doc_id, tags in fresh.items():
            store(by_id[doc_id]).write(tags)
    return out


def embed_texts(
    client: Client,
    texts: Sequence[str],
    *,
    partitions: int | None = None,
    threads: int | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, float]:
    """Put the vectors of every chunk of `texts` in the embedding cache, computing the missing
    ones on the workers. Returns {"pieces", "missing", "encoded", "model_seconds"}."""
    from .embed import EmbeddingCache, Encoder, chunk_text, default_encoder, text_key

    enc = Encoder(cache_dir=cache_dir) if cache_dir is not None else default_encoder()
    pieces = list(dict.fromkeys(c for t in texts for c in chunk_text(t, enc.max_chars)))
    # only a piece that is its own single chunk can be embedded alone with the same key
    pieces = [p for p in pieces if chunk_text(p, enc.max_chars) == [p]]
    stats = {"pieces": float(len(pieces)), "missing": 0.0, "encoded": 0.0, "model_seconds": 0.0}
    path = _cache_path(enc)
    if path is None or not pieces:
        return stats
    cache = EmbeddingCache(path)
    try:
        have = cache.get_many([text_key(p) for p in pieces])
        missing = [p for p in pieces if text_key(p) not in have]
        stats["missing"] = float(len(missing))
        if not missing:
            return stats
        cdir = str(cache_dir) if cache_dir is not None else None
        futures = [
            client.submit(_embed_chunk, client.scatter([missing[lo:hi]], hash=False)[0], threads,
                          cdir, pure=False)
            for lo, hi in _bounds(len(missing), partitions or _nthreads(client))
        ]
        for vecs, worker_path, seconds, encoded in client.gather(futures):
            stats["model_seconds"] += seconds
            stats["encoded"] += encoded
            if Path(worker_path) != path:  # a worker with its own cache: keep them here too
                cache.put_many(vecs.items())
    finally:
        cache.close()
    return stats


def _embedding_texts(
    queries: Sequence[Query], units: Sequence[Unit], config: MatchConfig
) -> list[str]:
    """The texts `match.EmbeddingScorer` encodes (a missed one is just encoded on the client)."""
    texts = [q.semantic_text(config.max_query_chars) for q in queries]
    texts += [q.label_fr for q in queries if q.label_fr.strip()]
    return texts + [u.text for u in units]


def submit_align(
    client: Client,
    provisions: Sequence[Provision],
    obligations: Sequence[Any],
    *,
    source_texts: Mapping[str, str] | None = None,
    config: MatchConfig | None = None,
    partitions: int | None = None,
    embed_threads: int | None = None,
    timings: dict[str, float] | None = None,
) -> list[Future]:
    """Submit `match.align(provisions, obligations, ...)` in obligation partitions.

    Gather the futures and concatenate them, in order, to get exactly `match.align`'s list.
    """
    from . import match

    config = config or match.MatchConfig(progress=False)
    sources = dict(source_texts or {})
    obligations = list(obligations)
    queries = [
        o if isinstance(o, match.Query) else match.query_from_obligation(o, sources)
        for o in obligations
    ]
    units = match.roll_up(provisions, config.level)
    precomputed: dict[str, Component] = {}
    if units and queries:
        t0 = time.perf_counter()
        embed_texts(client, _embedding_texts(queries, units, config), partitions=partitions,
                    threads=embed_threads)
        if timings is not None:
            timings["match:embed"] = timings.get("match:embed", 0.0) + time.perf_counter() - t0
        for scorer in match.default_scorers():
            if scorer.name == "embedding":  # all rows at once: see the module docstring
                precomputed[scorer.name] = scorer(queries, units, config)
    # theme scoring tags the units: do it once here, in partitions, not in every partition
    by_lang: dict[str, list[str]] = {}
    for u in units:
        by_lang.setdefault(u.language, []).append(u.text)
    t0 = time.perf_counter()
    entries = tag_many(client, by_lang, partitions=partitions)
    if timings is not None:
        timings["match:tag"] = timings.get("match:tag", 0.0) + time.perf_counter() - t0
    shared = client.scatter(
        [list(provisions), obligations, sources, precomputed, entries], broadcast=True, hash=False
    )
    return [
        client.submit(_align_partition, shared[0], shared[1], shared[2], config, shared[3],
                      lo, hi, shared[4], pure=False)
        for lo, hi in _bounds(len(obligations), partitions or _nthreads(client))
    ]


def gather_alignments(client: Client, futures: Sequence[Future]) -> list[Alignment]:
    return [a for part in client.gather(list(futures)) for a in part]


# ---------------------------------------------------------------------------------------------
# The study


def precompute_with_dask(
    study: Study,
    *,
    scheduler: str | None = None,
    partitions: int | None = None,
    client: Client | None = None,
    n_workers: int = N_WORKERS,
    timeout: float = CONNECT_TIMEOUT,
) -> None:
    """Fill `study.parsed`, `study.themes` and `study.alignment_records` on Dask.

    A new `LocalCluster` (`n_workers` processes, one thread each; closed before returning), or
    the scheduler at `scheduler` (``tcp://HOST:PORT``), or an existing `client`. `partitions`:
    chunks per stage (default: the cluster's thread count). A stage already computed on the
    study is kept. Timings go to `study.timings`: ``parse``, ``tag``, ``match`` as locally, with
    ``match:embed`` and ``match:tag`` the parts of ``match`` spent embedding and tagging the
    units; ``dask:start`` and ``dask:stop`` for the cluster.
    """
    _import_distributed()
    if client is not None:
        _precompute(study, client, partitions, embed_threads=None)
        return
    t0 = time.perf_counter()
    with connect(scheduler, n_workers=n_workers, timeout=timeout) as new_client:
        study.timings["dask:start"] = time.perf_counter() - t0
        _precompute(study, new_client, partitions,
                    embed_threads=None if scheduler else THREADS_PER_WORKER)
        t0 = time.perf_counter()
    study.timings["dask:stop"] = time.perf_counter() - t0


def _precompute(study: Study, client: Client, partitions: int | None,
                embed_threads: int | None) -> None:
    from . import corpus, match

    cached = study.__dict__
    if "parsed" not in cached:
        t0 = time.perf_counter()
        ids = [d for docs in study.countries.values() for d in docs]
        ids += [i for i in study.instrument_ids if corpus.entry(i).in_corpus]
        cached["parsed"] = parse_documents(client, ids)
        study._timed("parse", t0)
    parsed: dict[str, ParsedDocument] = cached["parsed"]
    if "themes" not in cached:
        t0 = time.perf_counter()
        cached["themes"] = tag_documents(client, list(parsed.values()), partitions=partitions)
        study._timed("tag", t0)
    if "alignment_records" not in cached:
        t0 = time.perf_counter()
        sources = match.source_texts_for(
            study.obligations, lambda d: parsed[d] if d in parsed else corpus.load(d)
        )
        futures = [
            submit_align(client, study.national_provisions(country, in_force=True),
                         study.obligations, source_texts=sources,
                         config=match.MatchConfig(progress=False), partitions=partitions,
                         embed_threads=embed_threads, timings=study.timings)
            for country in study.countries
        ]
        records = [a for fs in futures for a in gather_alignments(client, fs)]
        cached["alignment_records"] = records
        study._timed("match", t0)
