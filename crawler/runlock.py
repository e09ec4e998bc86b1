"""One crawl at a time per database: an exclusive ``flock`` on ``<database>.lock``.

The lock is taken before the crawl starts and released when it ends; if the process dies
(SIGKILL, out of memory, reboot) the operating system releases it, so a stale lock file never
blocks the next run. The file holds the pid of the run that holds it, for the message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class RunLocked(Exception):
    """Another run holds the lock; the message says which file and which process."""


def lock_path_for(db_path: str | Path) -> Path:
    """The lock file of a database: beside it, named ``<database>.lock``."""
    return Path(f"{db_path}.lock")


class RunLock:
    """>>> with RunLock(Path("data/news.db.lock")): ...   # raises RunLocked if another run holds it"""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise RunLocked(f"another crawl ({who}) holds the run lock {self.path}") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            # The file stays: removing it would let a third run lock a new file while a
            # second one still waits on the old one.
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
