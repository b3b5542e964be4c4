"""One lock per study, shared by every worker: taken while a worker decides whether the study
still has room for a trial and, if so, creates it.

Optuna numbers trials atomically, but "is the budget spent?" followed by "start a trial" is
two steps: two workers that both see one trial missing would both start one, and the study
would end with one trial too many. Under this lock only one worker at a time asks. What the
lock is depends on where the study lives:

- PostgreSQL: a session-level advisory lock (``pg_advisory_lock``), on the study's own
  server, so workers on several machines share it; it goes away with a worker that dies.
- MySQL: ``GET_LOCK``, the same for MySQL.
- A journal file or SQLite: an OS file lock beside the file (workers on one machine, or on
  a shared file system that honours locks).
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import sqlalchemy
from filelock import FileLock
from sqlalchemy.pool import NullPool

from dl_lab.tuning.config import StorageConfig

SUFFIX = ".budget.lock"


class StudyLock(AbstractContextManager):
    """Acquire and release (or ``with``); re-entrant calls are not supported."""

    @abstractmethod
    def acquire(self) -> None:
        """Block until this process holds the study's lock."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock back."""

    @property
    @abstractmethod
    def held(self) -> bool:
        """Whether this process holds the lock now."""

    def close(self) -> None:
        """Release the lock if held and free what it uses (a connection)."""
        if self.held:
            self.release()

    def __enter__(self) -> StudyLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.held:
            self.release()


class FileStudyLock(StudyLock):
    """An OS file lock at ``<file>.budget.lock``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path), thread_local=False)

    def acquire(self) -> None:
        self._lock.acquire()

    def release(self) -> None:
        self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.is_locked


class LocalLock(StudyLock):
    """A lock within this process only: for a study no other worker shares."""

    def __init__(self) -> None:
        self._held = False

    def acquire(self) -> None:
        self._held = True

    def release(self) -> None:
        self._held = False

    @property
    def held(self) -> bool:
        return self._held


class DatabaseStudyLock(StudyLock):
    """A named lock of the study's database server, held by one connection of this worker."""

    STATEMENTS = {
        "postgresql": ("SELECT pg_advisory_lock(:key)", "SELECT pg_advisory_unlock(:key)"),
        "mysql": ("SELECT GET_LOCK(:name, -1)", "SELECT RELEASE_LOCK(:name)"),
    }

    def __init__(self, url: str, study_name: str) -> None:
        self.dialect = sqlalchemy.engine.make_url(url).get_backend_name()
        if self.dialect not in self.STATEMENTS:
            raise ValueError(
                f"no study lock for database {self.dialect!r}; "
                f"allowed: {', '.join(self.STATEMENTS)}, a journal file or SQLite"
            )
        name = f"dl_lab.study.{study_name}"
        digest = hashlib.sha256(name.encode()).digest()
        self.params = {"key": int.from_bytes(digest[:8], "big", signed=True), "name": name[:64]}
        self._engine = sqlalchemy.create_engine(url, poolclass=NullPool)
        self._connection: sqlalchemy.Connection | None = None

    def acquire(self) -> None:
        lock, _ = self.STATEMENTS[self.dialect]
        connection = self._engine.connect()
        try:
            connection.execute(sqlalchemy.text(lock), self.params)
            connection.commit()
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    def release(self) -> None:
        _, unlock = self.STATEMENTS[self.dialect]
        connection, self._connection = self._connection, None
        try:
            connection.execute(sqlalchemy.text(unlock), self.params)
            connection.commit()
        finally:
            connection.close()  # the server drops a session's locks with it in any case

    @property
    def held(self) -> bool:
        return self._connection is not None

    def close(self) -> None:
        super().close()
        self._engine.dispose()


def study_lock(storage: StorageConfig, study_name: str) -> StudyLock:
    """The lock of study ``study_name`` in ``storage`` (see the module's docstring)."""
    url = storage.url
    if url.startswith("journal:"):
        path = Path(url.removeprefix("journal:").removeprefix("//"))
        return FileStudyLock(path.with_name(path.name + SUFFIX))
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return FileStudyLock(path.with_name(f"{path.name}.{study_name}{SUFFIX}"))
    return DatabaseStudyLock(url, study_name)
