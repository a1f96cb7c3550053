"""Analyst review store: the decisions legal analysts take on machine suggestions.

Nothing may ever be lost. Every decision (accept or reject an alignment, set a gap status, add
or withdraw evidence, comment) is a new row; rows are never updated or deleted, and SQLite
triggers refuse UPDATE, DELETE and INSERT OR REPLACE on them, so even a buggy caller cannot erase
history. Each write also appends an `audit` row (who, when, kind, key, before -> after, comment).

Reviews are keyed by stable ids (study, obligation id, document id, eId) and also record the
sha256 of every provision text they rest on. `current()` gives the latest decision per key;
`apply()` then compares the recorded checksums with those of the corpus as parsed today and marks
each review `active` (text unchanged), `stale` (text amended since: re-review, both checksums are
kept) or `orphaned` (provision or obligation gone). Stale and orphaned reviews are still returned
and exported, never dropped.

Storage: one SQLite file in the study's working directory (e.g. `work/gn-tip/reviews.sqlite`),
WAL mode, `synchronous=FULL`, writes in `BEGIN IMMEDIATE` transactions retried while another
process holds the lock, schema versioned with `PRAGMA user_version` and forward migrations.
WAL needs a local file system (not a network share). An existing file is checked through a
read-only connection before it is opened for writing, so a damaged or foreign file is reported
and left byte-for-byte untouched.

`export_jsonl()` / `import_jsonl()` carry reviews to another machine; importing is idempotent
(review ids are UUIDs; a review already present is skipped).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lexcompare import __version__
from lexcompare.errors import LexcompareError
from lexcompare.model import Provision

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "STATUSES",
    "AppliedReview",
    "AuditEntry",
    "ImportResult",
    "ProvisionRef",
    "Review",
    "ReviewStore",
    "ReviewStoreError",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreLocationError",
    "StoreVersionError",
    "InvalidReviewError",
    "UnknownStatusError",
    "ImportConflictError",
    "apply",
    "as_dataframe",
    "checksums",
]

Kind = Literal["alignment", "status", "evidence", "comment"]
State = Literal["active", "stale", "orphaned"]

STATUSES: tuple[str, ...] = ("covered", "partial", "missing", "conflicting", "not_assessable")
KINDS: tuple[str, ...] = ("alignment", "status", "evidence", "comment")
VALUES: dict[str, tuple[str, ...]] = {
    "alignment": ("accepted", "rejected"),
    "status": STATUSES,
    "evidence": ("added", "withdrawn"),
    "comment": ("",),
}
APPLICATION_ID = 0x4C585256  # "LXRV": marks the file as a lexcompare review store
EXPORT_FORMAT = "lexcompare.review/1"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5_000
RETRY_SECONDS = 60.0
_HEX = frozenset("0123456789abcdef")
_FORBIDDEN_IN_IDS = frozenset("|#\n\r\t ")


# --------------------------------------------------------------------------------------- errors


class ReviewStoreError(LexcompareError):
    """The review store cannot be opened, read or written."""


class StoreLocationError(ReviewStoreError):
    """The database path is not usable (missing directory, is a directory, not writable)."""


class StoreCorruptError(ReviewStoreError):
    """The file is not a SQLite database, is damaged, or belongs to another application."""


class StoreVersionError(ReviewStoreError):
    """The database was written by a newer lexcompare (schema version unknown here)."""


class StoreBusyError(ReviewStoreError):
    """Another process kept the database locked for too long."""


class InvalidReviewError(ReviewStoreError, ValueError):
    """A review argument is malformed (empty id, bad checksum, unknown value)."""


class UnknownStatusError(InvalidReviewError):
    """A gap status outside STATUSES."""


class ImportConflictError(ReviewStoreError):
    """An imported review has the id of a stored review but different content."""


# ----------------------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class ProvisionRef:
    """A national provision a review rests on, with the sha256 of its text at review time."""

    national_id: str
    national_eid: str
    text_sha256: str

    @property
    def ref(self) -> str:
        return f"{self.national_id}#{self.national_eid}"

    @classmethod
    def of(cls, provision: Provision) -> ProvisionRef:
        return cls(provision.document_id, provision.eid, provision.checksum)


@dataclass(frozen=True, slots=True)
class Review:
    """One stored decision. `refs` are the provisions (and text checksums) it rests on."""

    id: str
    kind: str  # alignment | status | evidence | comment
    obligation_id: str
    refs: tuple[ProvisionRef, ...]
    value: str  # accepted/rejected, a status, added/withdrawn, "" for comments
    who: str
    at: str  # UTC ISO 8601, microseconds
    comment: str
    study_id: str
    tool_version: str
    key: str  # what "latest wins" groups on
    origin: str = "local"  # "local" or "import:<file name>"

    @property
    def national_refs(self) -> tuple[str, ...]:
        return tuple(r.ref for r in self.refs)

    @property
    def text_checksums(self) -> tuple[str, ...]:
        return tuple(r.text_sha256 for r in self.refs)

    @property
    def national_id(self) -> str | None:
        return self.refs[0].national_id if self.refs else None

    @property
    def national_eid(self) -> str | None:
        return self.refs[0].national_eid if self.refs else None

    @property
    def text_sha256(self) -> str | None:
        return self.refs[0].text_sha256 if self.refs else None


@dataclass(frozen=True, slots=True)
class AppliedReview:
    """A review checked against today's provision texts.

    `current_sha256[i]` is today's checksum of `review.refs[i]` (None when the provision is gone);
    the checksum at review time stays in `review.refs[i].text_sha256`.
    """

    review: Review
    state: State
    current_sha256: tuple[str | None, ...]
    detail: str = ""

    @property
    def id(self) -> str:
        return self.review.id


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    review_id: str
    study_id: str
    kind: str
    key: str
    obligation_id: str
    who: str
    at: str  # when the decision was taken
    recorded_at: str  # when it was written into this database (differs for imports)
    before: str | None  # the key's current value before this row (None: no decision yet)
    after: str | None  # the key's current value after this row
    comment: str
    origin: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    skipped: int  # already present (same id, same content)


# ----------------------------------------------------------------------------------------- schema

_TABLES = ("review", "review_ref", "audit")


def _append_only_triggers() -> tuple[str, ...]:
    out: list[str] = []
    for table in _TABLES:
        for op in ("UPDATE", "DELETE"):
            out.append(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} rows are append-only: record a new review "
                f"instead of changing or deleting one'); END"
            )
    # INSERT OR REPLACE would delete the old row without firing DELETE triggers.
    clashes = {
        "review": "SELECT 1 FROM review WHERE id = NEW.id OR seq = NEW.seq",
        "review_ref": "SELECT 1 FROM review_ref WHERE review_id = NEW.review_id "
        "AND position = NEW.position",
        "audit": "SELECT 1 FROM audit WHERE seq = NEW.seq",
    }
    for table, query in clashes.items():
        out.append(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS ({query}) BEGIN "
            f"SELECT RAISE(ABORT, '{table} rows are append-only: this row already exists'); END"
        )
    return tuple(out)


_V1: tuple[str, ...] = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    """CREATE TABLE review (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        study_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('alignment', 'status', 'evidence', 'comment')),
        key TEXT NOT NULL,
        obligation_id TEXT NOT NULL,
        value TEXT NOT NULL,
        who TEXT NOT NULL CHECK (length(who) > 0),
        at TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        tool_version TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT 'local',
        recorded_at TEXT NOT NULL
    )""",
    "CREATE INDEX review_by_key ON review (study_id, key, at, seq)",
    "CREATE INDEX review_by_obligation ON review (study_id, obligation_id)",
    """CREATE TABLE review_ref (
        review_id TEXT NOT NULL REFERENCES review (id),
        position INTEGER NOT NULL CHECK (position >= 0),
        national_id TEXT NOT NULL,
        national_eid TEXT NOT NULL,
        text_sha256 TEXT NOT NULL CHECK (length(text_sha256) = 64),
        PRIMARY KEY (review_id, position)
    )""",
    "CREATE INDEX review_ref_by_provision ON review_ref (national_id, national_eid)",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id TEXT NOT NULL REFERENCES review (id),
        study_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        obligation_id TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        before TEXT,
        after TEXT,
        comment TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'local'
    )""",
    "CREATE INDEX audit_by_obligation ON audit (study_id, obligation_id, seq)",
    *_append_only_triggers(),
)

# MIGRATIONS[i] brings a database from user_version i to i + 1. Only ever append to this list;
# never edit a released step (databases in the field have already run it).
MIGRATIONS: list[tuple[str, ...]] = [_V1]


# ---------------------------------------------------------------------------------------- helpers


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _normalise_at(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidReviewError(f"'at' must be an ISO 8601 string, found {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidReviewError(f"'at' is not an ISO 8601 timestamp: {value!r}") from exc
    if moment.tzinfo is None:
        raise InvalidReviewError(f"'at' has no time zone: {value!r}; write it in UTC (+00:00)")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _check_id(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value or _FORBIDDEN_IN_IDS & set(value):
        raise InvalidReviewError(
            f"{name} must be a non-empty id without spaces, '|' or '#', found {value!r} "
            "(use the manifest document id and the eId, e.g. 'bj-code-penal-2018', 'art_499')"
        )
    return value


def _check_sha(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 64 or not set(value) <= _HEX:
        raise InvalidReviewError(
            f"text_sha256 must be 64 lower-case hex digits, found {value!r} "
            "(pass Provision.checksum, the sha256 of the provision's text)"
        )
    return value


def _check_text(name: str, value: Any, *, required: bool) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidReviewError(f"{name} must be a non-empty string, found {value!r}")
    return value


def _as_ref(item: ProvisionRef | Provision | Sequence[str]) -> ProvisionRef:
    if isinstance(item, ProvisionRef):
        ref = item
    elif isinstance(item, Provision):
        ref = ProvisionRef.of(item)
    else:
        if isinstance(item, str) or len(item) != 3:
            raise InvalidReviewError(
                f"evidence items are (national_id, national_eid, text_sha256), found {item!r}"
            )
        ref = ProvisionRef(item[0], item[1], item[2])
    _check_id("national_id", ref.national_id)
    _check_id("national_eid", ref.national_eid)
    _check_sha(ref.text_sha256)
    return ref


def _check_value(kind: str, value: str) -> None:
    if kind not in VALUES:
        raise InvalidReviewError(f"unknown review kind {kind!r}; expected one of {KINDS}")
    if value not in VALUES[kind]:
        if kind == "status":
            raise UnknownStatusError(
                f"unknown gap status {value!r}; use one of: {', '.join(STATUSES)}"
            )
        raise InvalidReviewError(f"{kind} value must be one of {VALUES[kind]}, found {value!r}")


def _key(kind: str, obligation_id: str, refs: Sequence[ProvisionRef], review_id: str) -> str:
    """What 'latest wins' groups on: stable ids only, so a re-review of amended text supersedes."""
    if kind == "status":
        return f"status|{obligation_id}"
    if kind in ("alignment", "evidence"):
        return f"{kind}|{obligation_id}|{refs[0].ref}"
    return f"comment|{obligation_id}|{review_id}"  # every comment stays visible


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def checksums(provisions: Iterable[Provision]) -> dict[tuple[str, str], str]:
    """{(document_id, eid): sha256 of text} for `apply()`."""
    return {(p.document_id, p.eid): p.checksum for p in provisions}


def apply(
    reviews: Iterable[Review],
    provisions_checksums: Mapping[tuple[str, str], str],
    *,
    obligation_ids: Collection[str] | None = None,
) -> list[AppliedReview]:
    """Check reviews against today's texts; every review comes back, flagged, none dropped.

    `orphaned`: a provision it rests on is no longer present (or its obligation, when
    `obligation_ids` is given). `stale`: a provision's text changed since the review.
    `active`: everything it rests on is unchanged.
    """
    out: list[AppliedReview] = []
    for review in reviews:
        current = tuple(
            provisions_checksums.get((r.national_id, r.national_eid)) for r in review.refs
        )
        missing = [r.ref for r, sha in zip(review.refs, current, strict=True) if sha is None]
        changed = [
            f"{r.ref} ({r.text_sha256[:12]} -> {sha[:12]})"
            for r, sha in zip(review.refs, current, strict=True)
            if sha is not None and sha != r.text_sha256
        ]
        state: State
        if obligation_ids is not None and review.obligation_id not in obligation_ids:
            state = "orphaned"
            detail = f"obligation {review.obligation_id} is no longer in the catalogue"
        elif missing:
            state = "orphaned"
            detail = "no longer present: " + ", ".join(missing) + "; re-review or re-link"
        elif changed:
            state = "stale"
            detail = "text changed since review: " + ", ".join(changed) + "; re-review"
        else:
            state = "active"
            detail = ""
        out.append(AppliedReview(review, state, current, detail))
    return out


def _flat(item: Review | AppliedReview | AuditEntry) -> dict[str, Any]:
    if isinstance(item, AuditEntry):
        return asdict(item)
    review = item.review if isinstance(item, AppliedReview) else item
    row: dict[str, Any] = {
        "id": review.id,
        "study_id": review.study_id,
        "kind": review.kind,
        "obligation_id": review.obligation_id,
        "national_refs": "; ".join(review.national_refs),
        "text_sha256": "; ".join(review.text_checksums),
        "value": review.value,
        "who": review.who,
        "at": review.at,
        "comment": review.comment,
        "tool_version": review.tool_version,
        "origin": review.origin,
    }
    if isinstance(item, AppliedReview):
        row["state"] = item.state
        row["current_sha256"] = "; ".join(s or "" for s in item.current_sha256)
        row["detail"] = item.detail
    return row


def as_dataframe(items: Iterable[Review | AppliedReview | AuditEntry]) -> pd.DataFrame:
    """A pandas DataFrame, one row per review / applied review / audit entry."""
    import pandas as pd

    return pd.DataFrame([_flat(item) for item in items])


# ------------------------------------------------------------------------------------------ store

_REVIEW_COLS = (
    "id, kind, obligation_id, value, who, at, comment, study_id, tool_version, key, origin"
)
_AUDIT_COLS = (
    "seq, review_id, study_id, kind, key, obligation_id, who, at, recorded_at, before, after, "
    "comment, origin"
)


class ReviewStore:
    """Analyst decisions for one study, in an SQLite file. Use as a context manager or close().

    `study_id` defaults to the name of the directory holding the file (`work/gn-tip/...` ->
    `gn-tip`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        study_id: str | None = None,
        tool_version: str = __version__,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.study_id = _check_id("study_id", study_id or self.path.resolve().parent.name)
        self.tool_version = tool_version
        self._busy_timeout_ms = busy_timeout_ms
        self._retry_seconds = retry_seconds
        # Test hook: called inside each write transaction just before COMMIT.
        self._before_commit: Callable[[], None] | None = None
        self._check_location()
        if self.path.exists() and self.path.stat().st_size > 0:
            self._inspect_read_only()
        self._conn = self._connect()
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # -- opening

    def _check_location(self) -> None:
        parent = self.path.parent
        if not parent.is_dir():
            raise StoreLocationError(
                f"cannot open review store {self.path}: directory {parent} does not exist; "
                f"create the study's working directory first (mkdir -p {parent}) or check the path"
            )
        if self.path.exists() and not self.path.is_file():
            raise StoreLocationError(
                f"cannot open review store {self.path}: it is not a regular file; "
                "pass the path of the .sqlite file (e.g. work/<study>/reviews.sqlite)"
            )

    def _inspect_read_only(self) -> None:
        """Check an existing file without any chance of writing to it."""
        try:
            with self.path.open("rb") as fh:
                header = fh.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise StoreLocationError(f"cannot read review store {self.path}: {exc}") from exc
        if header != SQLITE_HEADER:
            raise StoreCorruptError(
                f"{self.path} is not an SQLite database (wrong header); it was left untouched. "
                "Restore it from a backup or a review export (import_jsonl), or move it aside "
                "and open a new store"
            )
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self._busy_timeout_ms / 1000)
        except sqlite3.Error as exc:
            raise StoreCorruptError(f"cannot open {self.path} read-only: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            check = [row[0] for row in conn.execute("PRAGMA quick_check")]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise StoreBusyError(
                    f"{self.path} stayed locked by another process; retry in a moment"
                ) from exc
            raise StoreCorruptError(
                f"{self.path} is damaged ({exc}); it was left untouched. Restore it from a "
                "backup or a review export (import_jsonl) into a new file"
            ) from exc
        finally:
            conn.close()
        if check != ["ok"]:
            raise StoreCorruptError(
                f"{self.path} failed its integrity check ({'; '.join(check[:3])}); it was left "
                "untouched. Restore it from a backup or a review export into a new file"
            )
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and (version or tables)):
            raise StoreCorruptError(
                f"{self.path} is an SQLite database of another application, not a lexcompare "
                "review store; it was left untouched. Choose another path"
            )
        if version > len(MIGRATIONS):
            raise StoreVersionError(
                f"{self.path} has review schema version {version}, this lexcompare "
                f"({__version__}) knows up to {len(MIGRATIONS)}; upgrade lexcompare to read it "
                "(the file was left untouched)"
            )

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA recursive_triggers = ON")
        except sqlite3.DatabaseError as exc:
            if _is_busy(exc):
                raise StoreBusyError(
                    f"{self.path} stayed locked by another process; retry in a moment"
                ) from exc
            raise StoreLocationError(
                f"cannot open review store {self.path} for writing: {exc}; check the file and "
                "directory permissions and that it is on a local disk"
            ) from exc
        if str(mode).lower() != "wal":
            conn.close()
            raise StoreLocationError(
                f"{self.path} cannot use WAL journaling (got {mode!r}); put the study working "
                "directory on a local disk"
            )
        return conn

    def _migrate(self) -> None:
        def step(conn: sqlite3.Connection) -> None:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreVersionError(
                    f"{self.path} has review schema version {version}, this lexcompare knows up "
                    f"to {len(MIGRATIONS)}; upgrade lexcompare"
                )
            if version == 0:
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                tables = conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                ).fetchone()[0]
                if tables or app_id not in (0, APPLICATION_ID):
                    raise StoreCorruptError(
                        f"{self.path} is an SQLite database of another application, not a "
                        "lexcompare review store; choose another path"
                    )
            for target in range(version + 1, len(MIGRATIONS) + 1):
                for statement in MIGRATIONS[target - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

        self._write(step)

    # -- plumbing

    def _write(self, body: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run body in a BEGIN IMMEDIATE transaction; retry while another writer holds the lock."""
        conn = self._conn
        deadline = time.monotonic() + self._retry_seconds
        while True:
            try:
                self._begin(deadline)
                try:
                    result = body(conn)
                    if self._before_commit is not None:
                        self._before_commit()
                    conn.execute("COMMIT")
                    return result
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise ReviewStoreError(f"writing to {self.path} failed: {exc}") from exc
                time.sleep(random.uniform(0.001, 0.01))
            except sqlite3.DatabaseError as exc:
                raise ReviewStoreError(f"writing to {self.path} failed: {exc}") from exc

    def _begin(self, deadline: float) -> None:
        """BEGIN IMMEDIATE, polling with short random pauses while another process writes.

        SQLite's own busy handler backs off up to 100 ms per try, which lets a busy writer
        starve the others; short jittered polls take turns fairly.
        """
        conn = self._conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            pause = 0.002
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc):
                        raise
                    if time.monotonic() >= deadline:
                        raise StoreBusyError(
                            f"{self.path} stayed locked by another process for "
                            f"{self._retry_seconds:.0f} s; nothing was written. Close other "
                            "notebooks or jobs writing reviews and retry"
                        ) from exc
                    time.sleep(random.uniform(0.0005, pause))
                    pause = min(pause * 1.5, 0.05)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")

    @staticmethod
    def _effective(conn: sqlite3.Connection, study_id: str, key: str) -> str | None:
        row = conn.execute(
            "SELECT value FROM review WHERE study_id = ? AND key = ? "
            "ORDER BY at DESC, seq DESC LIMIT 1",
            (study_id, key),
        ).fetchone()
        return None if row is None else row[0]

    @staticmethod
    def _insert(conn: sqlite3.Connection, review: Review, recorded_at: str) -> None:
        before = ReviewStore._effective(conn, review.study_id, review.key)
        conn.execute(
            "INSERT INTO review (id, study_id, kind, key, obligation_id, value, who, at, comment,"
            " tool_version, origin, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                review.id,
                review.study_id,
                review.kind,
                review.key,
                review.obligation_id,
                review.value,
                review.who,
                review.at,
                review.comment,
                review.tool_version,
                review.origin,
                recorded_at,
            ),
        )
        conn.executemany(
            "INSERT INTO review_ref (review_id, position, national_id, national_eid, text_sha256)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (review.id, i, r.national_id, r.national_eid, r.text_sha256)
                for i, r in enumerate(review.refs)
            ],
        )
        after = ReviewStore._effective(conn, review.study_id, review.key)
        conn.execute(
            "INSERT INTO audit (review_id, study_id, kind, key, obligation_id, who, at,"
            " recorded_at, before, after, comment, origin)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                review.id,
                review.study_id,
                review.kind,
                review.key,
                review.obligation_id,
                review.who,
                review.at,
                recorded_at,
                before,
                after,
                review.comment,
                review.origin,
            ),
        )

    def _record(
        self,
        kind: str,
        obligation_id: str,
        refs: Sequence[ProvisionRef | Provision | Sequence[str]],
        value: str,
        who: str,
        comment: str,
    ) -> Review:
        _check_id("obligation_id", obligation_id)
        _check_value(kind, value)
        _check_text("who", who, required=True)
        _check_text("comment", comment, required=kind == "comment")
        checked = tuple(_as_ref(r) for r in refs)
        review_id = uuid.uuid4().hex
        key = _key(kind, obligation_id, checked, review_id)

        def body(conn: sqlite3.Connection) -> Review:
            at = _now()  # taken under the write lock: commit order == time order
            review = Review(
                id=review_id,
                kind=kind,
                obligation_id=obligation_id,
                refs=checked,
                value=value,
                who=who,
                at=at,
                comment=comment,
                study_id=self.study_id,
                tool_version=self.tool_version,
                key=key,
            )
            self._insert(conn, review, at)
            return review

        result: Review = self._write(body)
        return result

    def _load(self, where: str, params: Sequence[Any], order: str) -> list[Review]:
        rows = self._conn.execute(
            f"SELECT {_REVIEW_COLS} FROM review WHERE {where} ORDER BY {order}", params
        ).fetchall()
        return self._with_refs(rows)

    def _with_refs(self, rows: list[tuple[Any, ...]]) -> list[Review]:
        refs: dict[str, list[ProvisionRef]] = {}
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for rid, nid, eid, sha in self._conn.execute(
                "SELECT review_id, national_id, national_eid, text_sha256 FROM review_ref "
                f"WHERE review_id IN ({marks}) ORDER BY review_id, position",
                chunk,
            ):
                refs.setdefault(rid, []).append(ProvisionRef(nid, eid, sha))
        return [
            Review(
                id=row[0],
                kind=row[1],
                obligation_id=row[2],
                refs=tuple(refs.get(row[0], ())),
                value=row[3],
                who=row[4],
                at=row[5],
                comment=row[6],
                study_id=row[7],
                tool_version=row[8],
                key=row[9],
                origin=row[10],
            )
            for row in rows
        ]

    # -- verbs

    def accept_alignment(
        self,
        obligation_id: str,
        national_id: str,
        national_eid: str,
        text_sha256: str,
        *,
        who: str,
        comment: str = "",
    ) -> Review:
        """Confirm that the national provision addresses the obligation."""
        ref = (national_id, national_eid, text_sha256)
        return self._record("alignment", obligation_id, [ref], "accepted", who, comment)

    def reject_alignment(
        self,
        obligation_id: str,
        national_id: str,
        national_eid: str,
        text_sha256: str,
        *,
        who: str,
        comment: str = "",
    ) -> Review:
        """Mark a suggested alignment as wrong."""
        ref = (national_id, national_eid, text_sha256)
        return self._record("alignment", obligation_id, [ref], "rejected", who, comment)

    def set_status(
        self,
        obligation_id: str,
        status: str,
        *,
        who: str,
        comment: str,
        evidence: Sequence[ProvisionRef | Provision | Sequence[str]] = (),
    ) -> Review:
        """Set the gap status; `evidence` = (national_id, national_eid, text_sha256) it rests on."""
        return self._record("status", obligation_id, list(evidence), status, who, comment)

    def add_evidence(
        self,
        obligation_id: str,
        national_id: str,
        national_eid: str,
        text_sha256: str,
        *,
        who: str,
        comment: str = "",
    ) -> Review:
        """Link a provision the machine missed."""
        ref = (national_id, national_eid, text_sha256)
        return self._record("evidence", obligation_id, [ref], "added", who, comment)

    def withdraw_evidence(
        self,
        obligation_id: str,
        national_id: str,
        national_eid: str,
        text_sha256: str,
        *,
        who: str,
        comment: str = "",
    ) -> Review:
        """Withdraw previously added evidence (a new row; the addition stays in history)."""
        ref = (national_id, national_eid, text_sha256)
        return self._record("evidence", obligation_id, [ref], "withdrawn", who, comment)

    def comment(self, obligation_id: str, text: str, *, who: str) -> Review:
        """A free-text note on an obligation. Every comment stays in `current()`."""
        return self._record("comment", obligation_id, [], "", who, text)

    # -- reading

    def current(self, study_id: str | None = None) -> list[Review]:
        """The latest decision per key (all comments), ordered by obligation, kind and key."""
        rows = self._conn.execute(
            f"SELECT {_REVIEW_COLS} FROM (SELECT *, ROW_NUMBER() OVER ("
            "PARTITION BY key ORDER BY at DESC, seq DESC) AS rn FROM review "
            "WHERE study_id = ?) WHERE rn = 1 ORDER BY obligation_id, kind, key, at",
            (study_id or self.study_id,),
        ).fetchall()
        return self._with_refs(rows)

    def reviews(self, study_id: str | None = None) -> list[Review]:
        """Every review ever recorded for the study (superseded ones too), oldest first."""
        return self._load("study_id = ?", (study_id or self.study_id,), "at, seq")

    def history(
        self, obligation_id: str | None = None, *, study_id: str | None = None
    ) -> list[AuditEntry]:
        """The audit trail, in the order rows were written."""
        where, params = "study_id = ?", [study_id or self.study_id]
        if obligation_id is not None:
            where += " AND obligation_id = ?"
            params.append(obligation_id)
        rows = self._conn.execute(
            f"SELECT {_AUDIT_COLS} FROM audit WHERE {where} ORDER BY seq", params
        ).fetchall()
        return [AuditEntry(*row) for row in rows]

    def studies(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT study_id FROM review ORDER BY 1")]

    def apply(
        self,
        reviews: Iterable[Review],
        provisions_checksums: Mapping[tuple[str, str], str],
        *,
        obligation_ids: Collection[str] | None = None,
    ) -> list[AppliedReview]:
        """See the module-level `apply()`."""
        return apply(reviews, provisions_checksums, obligation_ids=obligation_ids)

    def as_dataframe(self, study_id: str | None = None) -> pd.DataFrame:
        """Current decisions as a DataFrame."""
        return as_dataframe(self.current(study_id))

    def integrity_check(self) -> str:
        """'ok', or SQLite's description of the damage."""
        return "; ".join(row[0] for row in self._conn.execute("PRAGMA integrity_check"))

    @property
    def schema_version(self) -> int:
        version: int = self._conn.execute("PRAGMA user_version").fetchone()[0]
        return version

    # -- carrying reviews elsewhere

    def export_jsonl(self, path: str | os.PathLike[str], study_id: str | None = None) -> int:
        """Write every review (history included) as JSON lines; returns the number written.

        `study_id=None` exports all studies in the file. The file is replaced atomically.
        """
        target = Path(path)
        if not target.parent.is_dir():
            raise StoreLocationError(
                f"cannot export to {target}: directory {target.parent} does not exist"
            )
        if study_id is None:
            reviews = self._load("1 = 1", (), "at, seq")
        else:
            reviews = self._load("study_id = ?", (study_id,), "at, seq")
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        try:
            with tmp.open("w", encoding="utf-8", newline="\n") as fh:
                for review in reviews:
                    record = {
                        "format": EXPORT_FORMAT,
                        "id": review.id,
                        "study_id": review.study_id,
                        "kind": review.kind,
                        "obligation_id": review.obligation_id,
                        "refs": [asdict(r) for r in review.refs],
                        "value": review.value,
                        "who": review.who,
                        "at": review.at,
                        "comment": review.comment,
                        "tool_version": review.tool_version,
                    }
                    fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return len(reviews)

    def import_jsonl(self, path: str | os.PathLike[str]) -> ImportResult:
        """Add the reviews of an export; those already present are skipped (idempotent).

        All or nothing: a malformed line or an id clash with different content aborts the import
        and nothing is written.
        """
        source = Path(path)
        origin = f"import:{source.name}"
        incoming: list[Review] = []
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ReviewStoreError(f"cannot read review export {source}: {exc}") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                incoming.append(_review_from_record(json.loads(line), origin))
            except (json.JSONDecodeError, InvalidReviewError, KeyError, TypeError) as exc:
                raise InvalidReviewError(
                    f"{source}:{number}: not a lexcompare review ({exc}); nothing was imported. "
                    "Fix or remove that line and import again"
                ) from exc
        incoming.sort(key=lambda r: r.at)

        def body(conn: sqlite3.Connection) -> ImportResult:
            added = skipped = 0
            recorded_at = _now()
            for review in incoming:
                stored = self._load("id = ?", (review.id,), "seq")
                if stored:
                    if _same(stored[0], review):
                        skipped += 1
                        continue
                    raise ImportConflictError(
                        f"{source}: review {review.id} exists here with different content; "
                        "nothing was imported. Review ids must never be reused: re-export from "
                        "the original store"
                    )
                self._insert(conn, review, recorded_at)
                added += 1
            return ImportResult(added, skipped)

        result: ImportResult = self._write(body)
        return result

    def backup(self, path: str | os.PathLike[str]) -> None:
        """A consistent copy of the whole database (SQLite online backup)."""
        target = Path(path)
        if target.exists():
            raise StoreLocationError(f"backup target {target} exists; choose a new file name")
        dest = sqlite3.connect(target)
        try:
            self._conn.backup(dest)
        finally:
            dest.close()

    # -- lifecycle

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReviewStore({str(self.path)!r}, study_id={self.study_id!r})"


def _same(a: Review, b: Review) -> bool:
    fields = ("id", "kind", "obligation_id", "refs", "value", "who", "at", "comment", "study_id")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def _review_from_record(record: Any, origin: str) -> Review:
    if not isinstance(record, dict):
        raise InvalidReviewError("a line must hold a JSON object")
    if record.get("format") != EXPORT_FORMAT:
        raise InvalidReviewError(f"format {record.get('format')!r}, expected {EXPORT_FORMAT!r}")
    review_id = record["id"]
    if not isinstance(review_id, str) or not review_id or _FORBIDDEN_IN_IDS & set(review_id):
        raise InvalidReviewError(f"bad review id {review_id!r}")
    kind = record["kind"]
    value = record["value"]
    _check_value(kind, value)
    obligation_id = _check_id("obligation_id", record["obligation_id"])
    refs = tuple(
        _as_ref((r["national_id"], r["national_eid"], r["text_sha256"])) for r in record["refs"]
    )
    if kind in ("alignment", "evidence") and len(refs) != 1:
        raise InvalidReviewError(f"{kind} review needs exactly one provision, found {len(refs)}")
    if kind == "comment" and refs:
        raise InvalidReviewError("comment reviews carry no provision")
    return Review(
        id=review_id,
        kind=kind,
        obligation_id=obligation_id,
        refs=refs,
        value=value,
        who=_check_text("who", record["who"], required=True),
        at=_normalise_at(record["at"]),
        comment=_check_text("comment", record.get("comment", ""), required=False),
        study_id=_check_id("study_id", record["study_id"]),
        tool_version=str(record.get("tool_version", "")),
        key=_key(kind, obligation_id, refs, review_id),
        origin=origin,
    )
