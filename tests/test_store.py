"""Analyst review store: nothing may ever be lost."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import re
import shutil
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from lexcompare import store as store_module
from lexcompare.errors import LexcompareError
from lexcompare.store import (
    STATUSES,
    ImportConflictError,
    InvalidReviewError,
    ProvisionRef,
    ReviewStore,
    StoreCorruptError,
    StoreLocationError,
    StoreVersionError,
    UnknownStatusError,
    apply,
    as_dataframe,
)

ROOT = Path(__file__).resolve().parents[1]
PENAL = ROOT / "corpus" / "national" / "bj" / "bj-code-penal-2018.fr.txt"
DOC = "bj-code-penal-2018"
OBLIGATION = "tip.definition.means"
# fork: fast under load; no test holds a connection open while it starts a child (SQLite
# connections must not cross a fork).
SPAWN = mp.get_context("fork")


def article(text: str, number: str) -> str:
    """The text of an article, from its 'Article N :' heading to the next article heading."""
    match = re.search(
        rf"^Article {re.escape(number)} :.*?(?=^Article \d|\Z)", text, flags=re.M | re.S
    )
    assert match, f"Article {number} not found"
    return match.group(0).rstrip()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PENAL_TEXT = PENAL.read_text(encoding="utf-8")
ART_499 = article(PENAL_TEXT, "499")
ART_500 = article(PENAL_TEXT, "500")
SHA_499 = sha(ART_499)
SHA_500 = sha(ART_500)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    study = tmp_path / "work" / "gn-tip"
    study.mkdir(parents=True)
    return study / "reviews.sqlite"


@pytest.fixture
def store(db_path: Path) -> Any:
    with ReviewStore(db_path) as s:
        yield s


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# ------------------------------------------------------------------------------- child processes


def _write_one_and_exit(path: str) -> None:
    with ReviewStore(path) as s:
        s.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="child", comment="from child")


def _writer(path: str, worker: int, count: int, barrier: Any) -> None:
    s = ReviewStore(path)
    barrier.wait()
    for i in range(count):
        verb = s.accept_alignment if i % 2 else s.reject_alignment
        verb(OBLIGATION, DOC, "art_499", SHA_499, who=f"analyst-{worker}", comment=f"{worker}:{i}")
        if i % 4 == 0:
            time.sleep(0.001)  # let the other writer in (SQLite locks are not fair)
    s.close()


def _reader(path: str, barrier: Any, stop: Any, out: Any) -> None:
    s = ReviewStore(path)
    barrier.wait()
    seen: list[int] = []
    while not stop.is_set():
        seen.append(len(s.reviews()))
        time.sleep(0.002)
    seen.append(len(s.reviews()))
    ok = s.integrity_check()
    s.close()
    out.send((seen, ok))


def _killed_mid_transaction(path: str, committed: int, inside: Any) -> None:
    s = ReviewStore(path)
    for i in range(committed):
        s.add_evidence(OBLIGATION, DOC, "art_499", SHA_499, who="victim", comment=f"c{i}")

    def hang() -> None:  # rows are written, COMMIT not yet issued
        inside.set()
        time.sleep(60)

    s._before_commit = hang
    s.comment(OBLIGATION, "never committed", who="victim")


def _write_and_report(path: str, out: Any) -> None:
    s = ReviewStore(path)
    i = 0
    while True:
        review = s.accept_alignment(
            OBLIGATION, DOC, f"art_{i % 7}", SHA_499, who="burst", comment=str(i)
        )
        out.send(review.id)
        i += 1


def _reap(*processes: Any) -> None:
    for p in processes:
        if p.is_alive():
            p.kill()
            p.join(5)


# ---------------------------------------------------------------------------------------- tests


def test_article_slice_is_the_real_text() -> None:
    assert ART_499.startswith("Article 499 :\nConstitue un acte de traite des personnes")
    assert ART_499.endswith("enfant de moins de 14 ans à des fins lucratives.")
    assert "Article 500" not in ART_499


def test_round_trip(db_path: Path) -> None:
    with ReviewStore(db_path) as s:
        assert s.study_id == "gn-tip"
        made = [
            s.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata", comment="ok"),
            s.reject_alignment(OBLIGATION, DOC, "art_500", SHA_500, who="aminata"),
            s.set_status(
                OBLIGATION,
                "partial",
                who="aminata",
                comment="means listed, 'abuse of vulnerability' present; no fraud element",
                evidence=[(DOC, "art_499", SHA_499), ProvisionRef(DOC, "art_500", SHA_500)],
            ),
            s.add_evidence("tip.consent.irrelevant", DOC, "art_499", SHA_499, who="moussa"),
            s.comment(OBLIGATION, "ask the ministry about the 2023 draft", who="moussa"),
        ]
    with ReviewStore(db_path) as s:
        current = s.current()
        assert sorted(current, key=lambda r: r.id) == sorted(made, key=lambda r: r.id)
        status = next(r for r in current if r.kind == "status")
        assert status.value == "partial"
        assert status.national_refs == (f"{DOC}#art_499", f"{DOC}#art_500")
        assert status.text_checksums == (SHA_499, SHA_500)
        assert status.study_id == "gn-tip" and status.tool_version
        assert status.at.endswith("+00:00")
        first = made[0]
        assert (first.national_id, first.national_eid, first.text_sha256) == (
            DOC,
            "art_499",
            SHA_499,
        )
        assert s.schema_version == len(store_module.MIGRATIONS)
        frame = as_dataframe(apply(current, {(DOC, "art_499"): SHA_499, (DOC, "art_500"): SHA_500}))
        assert set(frame["state"]) == {"active"}
        assert len(frame) == 5
        s.backup(db_path.with_name("backup.sqlite"))
    with ReviewStore(db_path.with_name("backup.sqlite")) as copy:
        assert sorted(r.id for r in copy.current()) == sorted(r.id for r in made)
        assert len(copy.history()) == 5


def test_latest_wins_and_full_history_is_kept(store: ReviewStore) -> None:
    a = store.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata")
    b = store.reject_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="moussa", comment="no")
    c = store.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata", comment="yes")
    store.set_status(OBLIGATION, "missing", who="aminata", comment="first look")
    store.set_status(OBLIGATION, "covered", who="aminata", comment="art. 499 read in full")
    store.comment(OBLIGATION, "one", who="x")
    store.comment(OBLIGATION, "two", who="x")

    current = store.current()
    alignments = [r for r in current if r.kind == "alignment"]
    assert [r.id for r in alignments] == [c.id]
    assert [r.value for r in current if r.kind == "status"] == ["covered"]
    assert sorted(r.comment for r in current if r.kind == "comment") == ["one", "two"]

    assert [r.id for r in store.reviews() if r.kind == "alignment"] == [a.id, b.id, c.id]
    trail = [e for e in store.history(OBLIGATION) if e.kind == "alignment"]
    assert [(e.before, e.after, e.who) for e in trail] == [
        (None, "accepted", "aminata"),
        ("accepted", "rejected", "moussa"),
        ("rejected", "accepted", "aminata"),
    ]
    assert [e.comment for e in trail] == ["", "no", "yes"]
    status_trail = [(e.before, e.after) for e in store.history() if e.kind == "status"]
    assert status_trail == [(None, "missing"), ("missing", "covered")]
    assert store.history("tip.other") == []

    added = store.add_evidence(OBLIGATION, DOC, "art_500", SHA_500, who="moussa")
    withdrawn = store.withdraw_evidence(OBLIGATION, DOC, "art_500", SHA_500, who="aminata")
    assert [r.id for r in store.current() if r.kind == "evidence"] == [withdrawn.id]
    assert added in store.reviews()


def test_invalid_input_is_refused_and_nothing_written(store: ReviewStore) -> None:
    with pytest.raises(UnknownStatusError) as info:
        store.set_status(OBLIGATION, "mostly", who="aminata", comment="")
    assert isinstance(info.value, LexcompareError)
    assert "not_assessable" in str(info.value)
    with pytest.raises(InvalidReviewError, match="Provision.checksum"):
        store.accept_alignment(OBLIGATION, DOC, "art_499", "abc", who="aminata")
    with pytest.raises(InvalidReviewError):
        store.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="")
    with pytest.raises(InvalidReviewError):
        store.set_status(OBLIGATION, "covered", who="a", comment="", evidence=[(DOC, "art_1")])
    assert store.reviews() == [] and store.history() == []
    assert set(STATUSES) == {"covered", "partial", "missing", "conflicting", "not_assessable"}


def test_amended_text_makes_the_review_stale(store: ReviewStore, tmp_path: Path) -> None:
    accepted = store.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata")
    kept = store.accept_alignment(OBLIGATION, DOC, "art_500", SHA_500, who="aminata")
    status = store.set_status(
        OBLIGATION, "covered", who="aminata", comment="", evidence=[(DOC, "art_499", SHA_499)]
    )

    amended = tmp_path / "bj-code-penal-2018.fr.txt"  # a copy: the corpus is never edited
    shutil.copyfile(PENAL, amended)
    text = amended.read_text(encoding="utf-8")
    assert text.count("enfant de moins de 14 ans à des fins lucratives") == 1
    amended.write_text(text.replace("moins de 14 ans", "moins de 15 ans"), encoding="utf-8")
    new_text = amended.read_text(encoding="utf-8")
    new_499 = sha(article(new_text, "499"))
    assert new_499 != SHA_499 and sha(article(new_text, "500")) == SHA_500

    today = {(DOC, "art_499"): new_499, (DOC, "art_500"): SHA_500}
    applied = {a.id: a for a in store.apply(store.current(), today)}
    assert applied[accepted.id].state == "stale"
    assert applied[accepted.id].review.text_sha256 == SHA_499  # both checksums kept
    assert applied[accepted.id].current_sha256 == (new_499,)
    assert "art_499" in applied[accepted.id].detail
    assert applied[status.id].state == "stale"
    assert applied[kept.id].state == "active"
    # flagged, neither silently applied nor discarded: the stored decision is unchanged
    assert accepted in store.current() and status in store.current()

    # re-reviewing the amended text supersedes the stale decision (same stable key)
    again = store.accept_alignment(OBLIGATION, DOC, "art_499", new_499, who="aminata")
    states = {a.id: a.state for a in apply(store.current(), today)}
    assert states[again.id] == "active" and accepted.id not in states
    assert accepted in store.reviews()


def test_removed_document_orphans_reviews_which_are_still_exported(
    store: ReviewStore, tmp_path: Path
) -> None:
    r = store.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata")
    c = store.comment(OBLIGATION, "note", who="aminata")
    applied = apply(store.current(), {("gn-loi-2016-059", "art_1"): SHA_500})
    states = {a.id: a.state for a in applied}
    assert states == {r.id: "orphaned", c.id: "active"}
    orphan = next(a for a in applied if a.id == r.id)
    assert orphan.current_sha256 == (None,) and DOC in orphan.detail
    gone = apply(store.current(), {(DOC, "art_499"): SHA_499}, obligation_ids={"tip.other"})
    assert {a.state for a in gone} == {"orphaned"}

    out = tmp_path / "reviews.jsonl"
    assert store.export_jsonl(out) == 2
    assert r.id in out.read_text(encoding="utf-8")


def test_history_cannot_be_altered_even_by_a_buggy_caller(store: ReviewStore) -> None:
    store.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata")
    store.set_status(
        OBLIGATION, "partial", who="aminata", comment="", evidence=[(DOC, "art_499", SHA_499)]
    )
    before = (store.reviews(), store.history())
    conn = raw(store.path)
    attacks = [
        "UPDATE audit SET who = 'someone else'",
        "DELETE FROM audit",
        "UPDATE review SET value = 'rejected'",
        "DELETE FROM review",
        "DELETE FROM review_ref",
        "UPDATE review_ref SET text_sha256 = '" + "0" * 64 + "'",
        "INSERT OR REPLACE INTO audit (seq, review_id, study_id, kind, key, obligation_id, who,"
        " at, recorded_at) VALUES (1, 'x', 'gn-tip', 'status', 'k', 'o', 'w', 'a', 'b')",
        "INSERT OR REPLACE INTO review (seq, id, study_id, kind, key, obligation_id, value, who,"
        " at, tool_version, recorded_at) SELECT seq, id, study_id, kind, key, obligation_id,"
        " 'rejected', who, at, tool_version, recorded_at FROM review",
        "INSERT OR REPLACE INTO review_ref SELECT review_id, position, national_id, national_eid,"
        " '" + "1" * 64 + "' FROM review_ref",
    ]
    for statement in attacks:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    conn.close()
    assert (store.reviews(), store.history()) == before
    assert store.integrity_check() == "ok"


def test_reopen_after_the_writing_process_has_ended(db_path: Path) -> None:
    child = SPAWN.Process(target=_write_one_and_exit, args=(str(db_path),))
    child.start()
    child.join(20)
    assert child.exitcode == 0
    with ReviewStore(db_path) as s:
        [review] = s.current()
        assert (review.who, review.comment, review.value) == ("child", "from child", "accepted")
        assert [e.after for e in s.history()] == ["accepted"]


def test_two_processes_writing_at_once_lose_nothing(db_path: Path) -> None:
    ReviewStore(db_path).close()  # create the schema once
    count = 200
    barrier = SPAWN.Barrier(3)
    stop = SPAWN.Event()
    receive, send = SPAWN.Pipe(duplex=False)
    writers = [
        SPAWN.Process(target=_writer, args=(str(db_path), w, count, barrier)) for w in (1, 2)
    ]
    reader = SPAWN.Process(target=_reader, args=(str(db_path), barrier, stop, send))
    for p in (*writers, reader):
        p.start()
    try:
        for p in writers:
            p.join(25)
            assert p.exitcode == 0
        stop.set()
        assert receive.poll(10)
        seen, reader_check = receive.recv()
        reader.join(5)
    finally:
        _reap(*writers, reader)
    assert reader_check == "ok"
    assert seen == sorted(seen) and seen[-1] == 2 * count  # reader never saw rows vanish

    with ReviewStore(db_path) as s:
        assert s.integrity_check() == "ok"
        reviews = s.reviews()
        assert sorted(r.comment for r in reviews) == sorted(
            f"{w}:{i}" for w in (1, 2) for i in range(count)
        )
        writers_in_order = [r.comment.split(":")[0] for r in reviews]
        switches = sum(a != b for a, b in zip(writers_in_order, writers_in_order[1:], strict=False))
        assert switches > 1, "the two writers did not interleave"
        trail = s.history()
        assert len(trail) == 2 * count
        # before -> after chains exactly: no write was based on a stale read
        for prev, entry in zip(trail, trail[1:], strict=False):
            assert entry.before == prev.after
        [latest] = [r for r in s.current() if r.kind == "alignment"]
        assert latest.id == reviews[-1].id and latest.value == trail[-1].after
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sigkill_mid_transaction_keeps_committed_reviews(db_path: Path) -> None:
    ReviewStore(db_path).close()
    inside = SPAWN.Event()
    child = SPAWN.Process(target=_killed_mid_transaction, args=(str(db_path), 5, inside))
    child.start()
    try:
        assert inside.wait(20), "child never reached its uncommitted write"
    finally:
        os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert child.exitcode == -signal.SIGKILL
    with ReviewStore(db_path) as s:
        assert s.integrity_check() == "ok"
        assert sorted(r.comment for r in s.reviews()) == [f"c{i}" for i in range(5)]
        assert len(s.history()) == 5
        s.comment(OBLIGATION, "after the crash", who="aminata")  # the lock was released
        assert len(s.reviews()) == 6


def test_sigkill_during_a_write_burst_loses_no_committed_review(db_path: Path) -> None:
    ReviewStore(db_path).close()
    receive, send = SPAWN.Pipe(duplex=False)
    child = SPAWN.Process(target=_write_and_report, args=(str(db_path), send))
    child.start()
    reported: list[str] = []
    try:
        while len(reported) < 150:
            assert receive.poll(20)
            reported.append(receive.recv())
    finally:
        os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    while receive.poll(0.2):
        try:
            reported.append(receive.recv())
        except EOFError:
            break
    with ReviewStore(db_path) as s:
        assert s.integrity_check() == "ok"
        stored = {r.id for r in s.reviews()}
        assert set(reported) <= stored
        assert len(stored) - len(reported) <= 1  # at most the one committed but not yet reported
        assert len(s.history()) == len(stored)


def test_corrupt_file_is_reported_and_never_modified(db_path: Path) -> None:
    db_path.write_bytes(b"this is a spreadsheet, not a database\n" * 100)
    original = db_path.read_bytes()
    with pytest.raises(StoreCorruptError, match="not an SQLite database") as info:
        ReviewStore(db_path)
    assert isinstance(info.value, LexcompareError) and "untouched" in str(info.value)
    assert db_path.read_bytes() == original
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["reviews.sqlite"]


def test_damaged_database_is_reported_and_never_modified(db_path: Path) -> None:
    with ReviewStore(db_path) as s:
        for i in range(50):
            s.comment(OBLIGATION, f"note {i} " + "x" * 200, who="aminata")
    data = bytearray(db_path.read_bytes())
    assert len(data) > 4 * 4096
    data[4096 + 8 : 3 * 4096] = b"\xa5" * (2 * 4096 - 8)  # trash b-tree pages, keep the header
    db_path.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match="untouched"):
        ReviewStore(db_path)
    assert db_path.read_bytes() == bytes(data)


def test_foreign_sqlite_database_is_refused(db_path: Path) -> None:
    with raw(db_path) as conn:
        conn.execute("CREATE TABLE invoices (n INTEGER)")
    conn.close()
    original = db_path.read_bytes()
    with pytest.raises(StoreCorruptError, match="another application"):
        ReviewStore(db_path)
    assert db_path.read_bytes() == original


def test_missing_directory_is_an_error_not_created(tmp_path: Path) -> None:
    path = tmp_path / "work" / "gn-tip" / "reviews.sqlite"
    with pytest.raises(StoreLocationError, match="mkdir -p"):
        ReviewStore(path)
    assert not path.parent.exists()


def test_forward_migration_and_newer_schema(db_path: Path, monkeypatch: Any) -> None:
    with ReviewStore(db_path) as s:
        r = s.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata")
    v2 = ("CREATE TABLE review_tag (review_id TEXT NOT NULL, tag TEXT NOT NULL)",)
    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, v2])
    with ReviewStore(db_path) as s:
        assert s.schema_version == 2
        assert s.current() == [r]
    monkeypatch.undo()
    original = db_path.read_bytes()
    with pytest.raises(StoreVersionError, match="upgrade lexcompare"):
        ReviewStore(db_path)
    assert db_path.read_bytes() == original


def test_export_import_is_idempotent_and_merges(tmp_path: Path) -> None:
    here, there = tmp_path / "a" / "gn-tip", tmp_path / "b" / "gn-tip"
    here.mkdir(parents=True)
    there.mkdir(parents=True)
    with ReviewStore(here / "reviews.sqlite") as a, ReviewStore(there / "reviews.sqlite") as b:
        a.accept_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="aminata", comment="é ’")
        a.set_status(
            OBLIGATION, "partial", who="aminata", comment="", evidence=[(DOC, "art_499", SHA_499)]
        )
        a.reject_alignment(OBLIGATION, DOC, "art_499", SHA_499, who="moussa")
        b.comment(OBLIGATION, "from the field office", who="fatou")

        out = tmp_path / "a.jsonl"
        assert a.export_jsonl(out) == 3
        first = b.import_jsonl(out)
        second = b.import_jsonl(out)
        assert (first.added, first.skipped) == (3, 0)
        assert (second.added, second.skipped) == (0, 3)
        assert len(b.reviews()) == 4 and len(b.history()) == 4
        assert {r.id for r in a.current()} <= {r.id for r in b.current()}
        [latest] = [r for r in b.current() if r.kind == "alignment"]
        assert latest.value == "rejected" and latest.origin == "import:a.jsonl"

        back = tmp_path / "b.jsonl"
        b.export_jsonl(back)
        assert a.import_jsonl(back).added == 1
        assert a.import_jsonl(back).added == 0
        ids = lambda s: sorted(r.id for r in s.reviews())  # noqa: E731
        assert ids(a) == ids(b)

        # a clash (same id, other content) or a malformed line imports nothing
        lines = out.read_text(encoding="utf-8").splitlines()
        record = json.loads(lines[0])
        record["value"] = "rejected"
        clash = tmp_path / "clash.jsonl"
        fresh = {**json.loads(lines[1]), "id": "f" * 32}
        clash.write_text(json.dumps(fresh) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
        with pytest.raises(ImportConflictError):
            b.import_jsonl(clash)
        broken = tmp_path / "broken.jsonl"
        broken.write_text(json.dumps(fresh) + "\n{not json\n", encoding="utf-8")
        with pytest.raises(InvalidReviewError, match="broken.jsonl:2"):
            b.import_jsonl(broken)
        assert len(b.reviews()) == 4
