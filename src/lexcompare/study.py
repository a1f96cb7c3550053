"""A study: one or more countries' national texts against the obligations of the instruments.

    >>> import lexcompare as lx
    >>> study = lx.Study.load("gn-tip")          # doctest: +SKIP
    >>> study.gaps()                             # doctest: +SKIP

Each stage runs once and is kept in memory; `timings` records how long each took.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import corpus
from .errors import CatalogueError, LexcompareError
from .gaps import CountryContext, Gap, GapConfig, assess
from .model import Alignment, ParsedDocument, Provision, to_row
from .store import AppliedReview, Review, ReviewStore
from .store import as_dataframe as store_frame

DOC_SHORT = {
    "gn-constitution-2025": ("Constitution de 2025", "2025 Constitution"),
    "bj-code-penal-2018": ("Code pénal (Bénin, 2018)", "Penal Code (Benin, 2018)"),
    "bj-code-enfant-2015": ("Code de l'enfant (Bénin, 2015)", "Children's Code (Benin, 2015)"),
    "bj-code-travail": ("Code du travail (Bénin, 1998)", "Labour Code (Benin, 1998)"),
    "bj-constitution-2019": ("Constitution (Bénin, 2019)", "Constitution (Benin, 2019)"),
    "bj-cpp": ("Code de procédure pénale (Bénin)", "Code of Criminal Procedure (Benin)"),
}


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:32]


def module_sources(*names: str) -> list[bytes]:
    """The code of lexcompare modules, so a cache key changes when the code does."""
    here = Path(__file__).parent
    return [(here / f"{n}.py").read_bytes() for n in names]


def read_pickle(path: Path) -> Any:
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None


def write_pickle(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(value))
    os.replace(tmp, path)


@dataclass(frozen=True)
class _theme_cache:  # noqa: N801 - reads as a function call at the call site
    """Theme tags of one document on disk, keyed by its text and the taxonomy's checksums."""

    doc: ParsedDocument

    @property
    def path(self) -> Path:
        # The tags depend on the text, the taxonomy and the tagging code: any change re-tags.
        here = Path(__file__).parent
        inputs = [self.doc.source.text.encode(), (corpus.shipped_root() / "themes.yaml")
                  .read_bytes(), (here / "tag.py").read_bytes(), (here / "cues.py").read_bytes()]
        key = hashlib.sha256(b"\0".join(inputs)).hexdigest()[:24]
        return corpus.cache_dir() / "themes" / f"{self.doc.document.id}-{key}.pickle"

    def read(self) -> dict[tuple[str, str], tuple[str, ...]] | None:
        return read_pickle(self.path)

    def write(self, tags: dict[tuple[str, str], tuple[str, ...]]) -> None:
        write_pickle(self.path, tags)


def studies_dirs() -> list[Path]:
    return [corpus.shipped_root().parent / "studies", corpus.home() / "studies"]


def doc_short(doc_id: str, lang: str = "fr") -> str:
    if doc_id in DOC_SHORT:
        return DOC_SHORT[doc_id][0 if lang == "fr" else 1]
    try:
        return corpus.entry(doc_id).document.title
    except CatalogueError:
        return doc_id


@dataclass
class Study:
    id: str
    config: dict[str, Any]
    path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    progress: bool = True

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, name_or_path: str | Path, **kwargs: Any) -> Study:
        path = Path(name_or_path)
        if not path.exists():
            for d in studies_dirs():
                if (d / f"{name_or_path}.yaml").exists():
                    path = d / f"{name_or_path}.yaml"
                    break
            else:
                known = sorted(p.stem for d in studies_dirs() if d.exists()
                               for p in d.glob("*.yaml"))
                raise CatalogueError(f"unknown study {name_or_path!r}; known: {', '.join(known)}")
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        study = cls(id=config["id"], config=config, path=path, **kwargs)
        study.check()
        return study

    def check(self) -> None:
        """Every document a study names must exist: fail early with the id and what to do."""
        for country, spec in self.countries.items():
            for doc_id in spec:
                e = corpus.entry(doc_id)  # raises CatalogueError naming the unknown id
                if not e.in_corpus:
                    raise CatalogueError(f"study {self.id}: {doc_id} ({country}) has no text in "
                                         "the corpus; add it with `lexcompare add`")

    @property
    def countries(self) -> dict[str, list[str]]:
        return {c: list(v.get("documents", [])) for c, v in self.config["countries"].items()}

    @property
    def language(self) -> str:
        return self.config.get("language", "fr")

    @property
    def peer(self) -> tuple[str, list[str]] | None:
        """The peer country of the study config (`peer: {country, documents}`), if any: a
        country outside the study whose wording is shown beside the gaps."""
        spec = self.config.get("peer")
        return (str(spec["country"]), list(spec.get("documents", []))) if spec else None

    @cached_property
    def peer_study(self) -> Study | None:
        """The peer judged against the same obligations, as a study of its own (its judgements
        never enter this study's gap table)."""
        if self.peer is None:
            return None
        country, docs = self.peer
        config = {k: v for k, v in self.config.items() if k not in ("countries", "peer")}
        config.update(id=f"{self.id}.peer-{country}", countries={country: {"documents": docs}})
        study = Study(id=config["id"], config=config, path=self.path, progress=self.progress)
        study.check()
        return study

    @property
    def workdir(self) -> Path:
        return Path(os.environ.get("LEXCOMPARE_WORK", "work")) / self.id

    def _timed(self, stage: str, t0: float) -> None:
        self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - t0

    # ------------------------------------------------------------------ stages

    @cached_property
    def obligations(self) -> list[Any]:
        from .obligations import load_checklist

        themes = self.config.get("themes")  # optional: restrict the study to some themes
        return [o for o in load_checklist() if not themes or o.theme in themes]

    @cached_property
    def instrument_ids(self) -> list[str]:
        ids = dict.fromkeys(s.instrument for o in self.obligations for s in o.sources)
        return list(ids)

    @cached_property
    def parsed(self) -> dict[str, ParsedDocument]:
        """National documents and the instruments' texts, parsed (cached by checksum)."""
        t0 = time.perf_counter()
        ids = [d for docs in self.countries.values() for d in docs]
        ids += [i for i in self.instrument_ids if corpus.entry(i).in_corpus] \
            if self.instrument_ids else []
        out = {d: corpus.load(d) for d in dict.fromkeys(ids)}
        self._timed("parse", t0)
        return out

    def national_provisions(self, country: str | None = None, *,
                            in_force: bool = False) -> list[Provision]:
        """National provisions; `in_force` leaves out superseded 'ancien' versions of amended
        articles, which consolidated codes print beside the 'nouveau' ones."""
        docs = [d for c, ds in self.countries.items() if country in (None, c) for d in ds]
        return [p for d in docs for p in self.parsed[d].provisions
                if not (in_force and "-ancien" in p.article_eid)]

    @cached_property
    def themes(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """Theme tags of every provision of the study (national texts and instruments)."""
        from .tag import tag_texts

        t0 = time.perf_counter()
        out: dict[tuple[str, str], tuple[str, ...]] = {}
        todo: dict[str, list[Provision]] = {}
        for doc in self.parsed.values():
            cached = _theme_cache(doc).read()
            if cached is not None:
                out.update(cached)
                continue
            for p in doc.provisions:
                todo.setdefault(p.language, []).append(p)
        fresh: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {}
        for lang, provs in todo.items():
            for p, r in zip(provs, tag_texts([p.text for p in provs], lang), strict=True):
                out[(p.document_id, p.eid)] = tuple(r.themes)
                fresh.setdefault(p.document_id, {})[(p.document_id, p.eid)] = tuple(r.themes)
        for doc_id, tags in fresh.items():
            _theme_cache(self.parsed[doc_id]).write(tags)
        self._timed("tag", t0)
        return out

    @cached_property
    def alignment_records(self) -> list[Alignment]:
        from . import match

        t0 = time.perf_counter()
        _ = self.themes
        sources = match.source_texts_for(self.obligations, lambda d: self.parsed[d] if d in
                                         self.parsed else corpus.load(d))
        records: list[Alignment] = []
        for country in self.countries:
            provs = self.national_provisions(country, in_force=True)
            records.extend(match.align(provs, self.obligations, source_texts=sources,
                                       config=match.MatchConfig(progress=self.progress)))
        self._timed("match", t0)
        return records

    def context(self, country: str, lang: str = "fr") -> CountryContext:
        docs = self.countries[country]
        carriers = frozenset(c for d in docs for c in corpus.entry(d).carriers)
        absent = [(a.id, a.short_fr, a.short_en, frozenset(a.carriers))
                  for a in corpus.absent_texts(country)]
        # a text of the country that is in the corpus but not in this study is not analysed
        # either: what only it would carry is "not assessable" here, never "missing"
        absent += [(e.id, f"{doc_short(e.id, 'fr')} (hors de l'étude)",
                    f"{doc_short(e.id, 'en')} (outside this study)", frozenset(e.carriers))
                   for e in self.outside_documents(country)]

        def party(instrument_id: str) -> tuple[bool, str]:
            try:
                p = corpus.entry(instrument_id).party(country)
            except CatalogueError:
                return False, "unknown instrument"
            return p.binding, f"{p.label}{' ' + str(p.date) if p.date else ''}"

        return CountryContext(country=country,
                              documents={d: doc_short(d, lang) for d in docs},
                              carriers=carriers, absent=absent, party=party,
                              source_sha={d: corpus.entry(d).document.sha256 for d in docs},
                              doc_carriers={d: frozenset(corpus.entry(d).carriers) for d in docs})

    def outside_documents(self, country: str) -> list[corpus.Entry]:
        """The country's texts in the corpus, carrying obligations, that the study leaves out
        (Benin's procedure code in `bj-tip`)."""
        skip = set(self.countries[country]) | {a.id for a in corpus.absent_texts(country)}
        return [e for e in corpus.catalogue()
                if e.document.country == country and e.in_corpus and e.carriers
                and e.id not in skip]

    @cached_property
    def gap_records(self) -> list[Gap]:
        records = self.alignment_records
        t0 = time.perf_counter()
        # The judgement is a pure function of these inputs: reuse it when none changed.
        contexts = {c: self.context(c) for c in self.countries}
        # repr, not pickle: pickle bytes depend on object identity (shared strings), and sets
        # iterate in hash-seed order; repr of sorted plain values is stable across runs.
        key = digest(
            repr(records).encode(), repr(self.obligations).encode(),
            repr(sorted(self.themes.items())).encode(),
            repr([(c, sorted(x.documents.items()), sorted(x.carriers),
                   [(a[:3], sorted(a[3])) for a in x.absent],
                   [x.party(i) for i in self.instrument_ids],
                   sorted((d, sorted(v)) for d, v in x.doc_carriers.items()))
                  for c, x in contexts.items()]).encode(),
            # provenance too: the same text read from a PDF (pages) or a .txt (none), or from
            # another source file, must not share judgements that quote pages and checksums
            *[f"{p.checksum}:{p.pages}".encode() for p in self.national_provisions()],
            *[d.document.sha256.encode() for d in self.parsed.values()],
            *module_sources("gaps", "penalties", "cues", "nlp"))
        cache = corpus.cache_dir() / "gaps" / f"{key}.pickle"
        out: list[Gap] | None = read_pickle(cache)
        if out is None:
            out = []
            for country in self.countries:
                provs = self.national_provisions(country, in_force=True)
                articles = {(p.document_id, p.eid): p for p in provs if p.level == "article"}
                out.extend(assess(self.obligations, records, articles, contexts[country],
                                  config=GapConfig(), all_provisions=provs, themes=self.themes))
            write_pickle(cache, out)
        self._timed("gaps", t0)
        return out

    # ------------------------------------------------------------------ DataFrames

    def documents(self) -> pd.DataFrame:
        rows = []
        for country, docs in self.countries.items():
            for d in docs:
                e = corpus.entry(d)
                rows.append({"country": country, "document_id": d, "title": e.document.title,
                             "kind": e.document.kind, "date": e.document.date,
                             "language": e.document.language,
                             "articles": len(self.parsed[d].articles),
                             "sha256": e.document.sha256, "analysed": True, "root": e.root})
            for a in corpus.absent_texts(country):
                rows.append({"country": country, "document_id": a.id, "title": a.reference,
                             "kind": a.kind, "date": a.date, "language": "fr", "articles": None,
                             "sha256": "", "analysed": False, "root": "absent"})
            for e in self.outside_documents(country):
                rows.append({"country": country, "document_id": e.id,
                             "title": e.document.title, "kind": e.document.kind,
                             "date": e.document.date, "language": e.document.language,
                             "articles": None, "sha256": e.document.sha256, "analysed": False,
                             "root": "outside"})
        return pd.DataFrame(rows)

    def instruments(self) -> pd.DataFrame:
        rows = []
        for i in self.instrument_ids:
            e = corpus.entry(i)
            row = {"instrument_id": i, "title": e.document.title, "title_fr": e.title_other,
                   "kind": e.document.kind, "scope": e.document.scope, "soft_law": e.soft_law,
                   "in_corpus": e.in_corpus}
            for c in self.countries:
                p = e.party(c)
                row |= {f"{c}_status": p.label, f"{c}_date": p.date, f"{c}_binding": p.binding,
                        f"{c}_evidence": "; ".join(x.get("source", "") for x in p.evidence)}
            rows.append(row)
        return pd.DataFrame(rows)

    def provisions(self) -> pd.DataFrame:
        rows = []
        for d, doc in self.parsed.items():
            for p in doc.provisions:
                rows.append({"document_id": d, "eid": p.eid, "number": p.number,
                             "level": p.level, "heading_path": " > ".join(p.heading_path),
                             "themes": "; ".join(self.themes.get((d, p.eid), ())),
                             "page": ",".join(map(str, p.pages)), "language": p.language,
                             "checksum": p.checksum, "source_sha256": doc.document.sha256,
                             "text": p.text})
        return pd.DataFrame(rows)

    def alignments(self) -> pd.DataFrame:
        cols = ["obligation_id", "instrument_id", "instrument_eid", "national_id", "national_eid",
                "score", "rank", "evidence"]
        rows = []
        for a in self.alignment_records:
            r = to_row(a)
            r["evidence"] = " | ".join(f"{e.method}: {e.detail}" + (
                f" ({e.score:.2f})" if e.score is not None else "") for e in a.evidence)
            rows.append(r)
        df = pd.DataFrame(rows, columns=cols)
        # Provenance on every row: page, provision checksum, source file checksum.
        index = {(d, p.eid): (p, doc.document.sha256) for d, doc in self.parsed.items()
                 for p in doc.provisions}
        found = [index.get((r.national_id, r.national_eid)) for r in df.itertuples()]
        df["national_page"] = [",".join(map(str, f[0].pages)) if f else "" for f in found]
        df["national_checksum"] = [f[0].checksum if f else "" for f in found]
        df["source_sha256"] = [f[1] if f else "" for f in found]
        decisions = {(a.review.obligation_id, a.review.national_id, a.review.national_eid):
                     (a.review.value if a.state == "active" else f"{a.review.value} ({a.state})")
                     for a in self.applied_reviews() if a.review.kind == "alignment"}
        df["review"] = [decisions.get((r.obligation_id, r.national_id, r.national_eid), "")
                        for r in df.itertuples()]
        return df

    def gaps(self) -> pd.DataFrame:
        """One row per obligation and country; analyst decisions applied and marked as such."""
        df = pd.DataFrame([gap_row(g) for g in self.gap_records])
        return apply_reviews(df, self.applied_reviews())

    # ------------------------------------------------------------------ analyst review

    @cached_property
    def store(self) -> ReviewStore:
        """The study's review database (work/<study>/reviews.sqlite), created on first use."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        return ReviewStore(self.workdir / "reviews.sqlite", study_id=self.id)

    def _ref(self, ref: str) -> tuple[str, str, str]:
        doc, _, eid = ref.partition("#")
        if doc not in self.parsed:
            raise CatalogueError(f"{ref}: {doc} is not a document of study {self.id}")
        return doc, eid, self.parsed[doc].get(eid).checksum

    def accept(self, obligation_id: str, ref: str, *, who: str, comment: str = "") -> Review:
        """Confirm an alignment: accept("tip.definition.means", "bj-code-penal-2018#art_499")."""
        return self.store.accept_alignment(obligation_id, *self._ref(ref), who=who,
                                           comment=comment)

    def reject(self, obligation_id: str, ref: str, *, who: str, comment: str = "") -> Review:
        return self.store.reject_alignment(obligation_id, *self._ref(ref), who=who,
                                           comment=comment)

    def set_status(self, obligation_id: str, status: str, *, who: str, comment: str,
                   evidence: Sequence[str] = ()) -> Review:
        return self.store.set_status(obligation_id, status, who=who, comment=comment,
                                     evidence=[self._ref(r) for r in evidence])

    def add_evidence(self, obligation_id: str, ref: str, *, who: str,
                     comment: str = "") -> Review:
        return self.store.add_evidence(obligation_id, *self._ref(ref), who=who, comment=comment)

    def comment(self, obligation_id: str, text: str, *, who: str) -> Review:
        return self.store.comment(obligation_id, text, who=who)

    def applied_reviews(self) -> list[AppliedReview]:
        """Every current review, checked against today's texts (active / stale / orphaned)."""
        path = self.workdir / "reviews.sqlite"
        if not path.exists():
            return []
        sums = {(p.document_id, p.eid): p.checksum for p in self.national_provisions()}
        return self.store.apply(self.store.current(), sums,
                                obligation_ids={o.id for o in self.obligations})

    def reviews(self) -> pd.DataFrame:
        return store_frame(self.applied_reviews())

    def summary(self) -> pd.DataFrame:
        """Counts of obligations by theme and status (per country)."""
        df = self.gaps()
        if df.empty:
            return df
        table = df.pivot_table(index=["country", "theme"], columns="status",
                               values="obligation_id", aggfunc="count", fill_value=0)
        return table.reset_index()

    def comparative(self) -> pd.DataFrame:
        """Per obligation, each country's status side by side."""
        df = self.gaps()
        return df.pivot_table(index=["obligation_id", "theme"], columns="country",
                              values="status", aggfunc="first").reset_index()

    def peer_wording(self, country: str, peer: str) -> pd.DataFrame:
        """Where `country` falls short (missing, partial, not assessable) and `peer` has
        provisions that meet or partly meet the obligation: the peer's exact wording beside
        the gap, with its article, page and checksums (analyst decisions applied)."""
        configured = self.peer_study if self.peer and self.peer[0] == peer else None
        for c in (country, peer):
            if c not in self.countries and not (c == peer and configured):
                raise LexcompareError(f"{c!r} is not a country of study {self.id!r} "
                                      f"(its countries: {', '.join(self.countries)}; "
                                      f"its peer: {self.peer[0] if self.peer else 'none'})")
        df = self.gaps()
        mine = df[(df.country == country)
                  & df.status.isin(["missing", "partial", "not_assessable"])]
        peer_df = configured.gaps() if configured and peer not in self.countries else df
        theirs = peer_df[(peer_df.country == peer) & peer_df.status.isin(["covered", "partial"])]
        keep = ["obligation_id", "status", "national_eids", "pages", "quotes",
                "provision_checksums", "source_sha256"]
        out = mine[["obligation_id", "theme", "label_fr", "label_en", "status"]].merge(
            theirs[keep], on="obligation_id", suffixes=(f"_{country}", f"_{peer}"))
        return out.rename(columns={c: f"{c}_{peer}" for c in keep[2:]}).reset_index(drop=True)


def apply_reviews(df: pd.DataFrame, applied: Sequence[AppliedReview]) -> pd.DataFrame:
    """Analyst decisions flow into the gap table, marked as such; stale ones are flagged only.

    `machine_status` always keeps the tool's suggestion; `status` is the analyst's when an active
    status review exists. A stale review (the provision text changed since) is shown in
    `analyst_status` with `review_state` = stale, and is not applied.
    """
    df = df.copy()
    df["machine_status"] = df["status"]
    for col in ("review_state", "analyst_status", "analyst_comment", "analyst_evidence",
                "reviewed_by"):
        df[col] = ""
    rows_of: dict[str, list[Any]] = {}
    for i, oid in zip(df.index, df.get("obligation_id", []), strict=False):
        rows_of.setdefault(oid, []).append(i)
    countries = df["country"] if "country" in df else pd.Series(dtype=str)
    for a in applied:
        r = a.review
        # In a several-country study a review applies to the country of the provisions it
        # cites (or to every country when it cites none, e.g. a comment).
        ref_countries = {_country_of(ref.national_id) for ref in r.refs}
        for i in rows_of.get(r.obligation_id, []):
            if not ref_countries or countries[i] in ref_countries:
                _apply_one(df, i, a)
    return df


def _country_of(doc_id: str) -> str:
    try:
        return corpus.entry(doc_id).document.country or ""
    except CatalogueError:
        return ""


def _apply_one(df: pd.DataFrame, i: Any, a: AppliedReview) -> None:
    r = a.review

    def append(col: str, text: str, sep: str = "\n") -> None:
        df.at[i, col] = sep.join(x for x in (df.at[i, col], text) if x)

    if r.kind == "status":
        df.at[i, "analyst_status"] = r.value
        df.at[i, "review_state"] = a.state
        df.at[i, "reviewed_by"] = f"{r.who} {r.at[:10]}"
        if a.state == "active":
            df.at[i, "status"] = r.value
            df.at[i, "decided_by"] = "analyst"
    elif r.kind == "evidence" and r.value == "added":
        state = "" if a.state == "active" else f" ({a.state})"
        append("analyst_evidence", f"{r.national_id}#{r.national_eid}{state}", "; ")
    if r.comment:
        append("analyst_comment", f"{r.who}: {r.comment}")


def gap_row(g: Gap) -> dict[str, Any]:
    return {
        "country": g.country, "obligation_id": g.obligation_id, "theme": g.theme,
        "label_fr": g.label_fr, "label_en": g.label_en,
        "instrument_id": g.instrument_id, "instrument_eid": g.instrument_eid,
        "sources": "; ".join(g.sources), "scope": g.scope, "soft_law": g.soft_law,
        "strength": g.strength, "binding": g.binding, "party": g.party, "status": g.status,
        "national_eids": "; ".join(g.national_eids),
        "pages": "; ".join(",".join(map(str, q.pages)) for q in g.quotes),
        "quotes": "\n\n".join(f"[{q.document_id} {q.number}] {q.short}" for q in g.quotes),
        "provision_checksums": "; ".join(q.checksum for q in g.quotes),
        "source_sha256": "; ".join(dict.fromkeys(q.source_sha256 for q in g.quotes)),
        "elements_found": "; ".join(g.elements_found),
        "missing_elements": "; ".join(g.missing_elements),
        "findings": "\n".join(g.findings),
        "findings_fr": "\n".join(g.findings_fr), "findings_en": "\n".join(g.findings_en),
        "weak_basis": g.weak_basis,
        "related": "; ".join(f"{q.document_id}#{q.eid}" for q in g.related),
        "absent_texts": "; ".join(g.absent_texts),
        "rationale_fr": g.rationale_fr, "rationale_en": g.rationale_en,
        "decided_by": g.decided_by,
    }


def frame_to_csv(df: pd.DataFrame, path: Path) -> Path:
    """CSV written atomically (temporary name, then rename)."""
    corpus.atomic_write_text(path, df.to_csv(index=False))
    return path

