"""The per-machine cache folder, and answers remembered in it.

Some work gives the same answer at every start on a given machine: which font files a
font package installed, which code points a font file has, what CLDR calls a language.
Each such answer is kept in the user's cache folder under a key naming what it depends
on (a file's checksum, a package version), so a build pays for it once per machine
rather than once per process.

Nothing is read from a folder another user could write (see :func:`trusted_folder`);
every remembered answer is checked for shape before use, and one that is missing or
does not pass is worked out again (a cache that cannot be read or written only costs
time).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

from .errors import TemplateError
from .fsutil import atomic_write
from .log import log


T = TypeVar("T")

CACHE_SUBFOLDERS = ("fonts", "hyphenation", "templates")


def _private(st: os.stat_result) -> bool:
    """Whether a file's status says this user owns it and nobody else may write it."""
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _distrust(folder: Path) -> str | None:
    """Why derived files must not be read from ``folder`` (None: they may). It must be a
    real folder (not a symbolic link) of this user that nobody else can write, reached
    through folders nobody else can rename or replace: each one this user's or root's,
    and not writable by others unless sticky, like ``/tmp``."""
    try:
        st = os.lstat(folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if st.st_uid != os.getuid():
        return "another user owns it"
    if st.st_mode & 0o022:
        return "other users may write to it"
    ancestors = {*Path(os.path.abspath(folder)).parents, *Path(os.path.realpath(folder)).parents}
    for parent in sorted(ancestors):
        try:
            pst = os.stat(parent)
        except OSError as exc:
            return f"{parent}: {exc.strerror or exc}"
        if pst.st_uid not in (0, os.getuid()):
            return f"another user owns {parent}"
        if pst.st_mode & 0o022 and not pst.st_mode & stat.S_ISVTX:
            return f"other users may write to {parent}"
    return None


def trusted_folder(folder: Path) -> bool:
    """Whether derived files may be read from ``folder`` (see :func:`_distrust`)."""
    return _distrust(folder) is None


def trusted_file(path: Path) -> bool:
    """A cached file that may be read: a regular file (not a symbolic link) of this user
    that nobody else can write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and _private(st)


def cached_bytes(path: Path, make: Callable[[], bytes],
                 usable: Callable[[bytes], bool]) -> bytes:
    """The bytes kept at ``path`` in the cache folder when it is a trusted file whose
    content ``usable`` accepts; else ``make()``'s, stored there for the next process (a
    cache that cannot be written only costs time)."""
    if trusted_file(path):
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        if usable(data):
            return data
    data = make()
    try:
        atomic_write(path, data)
    except OSError:
        pass
    return data


def _usable(folder: Path) -> bool:
    """Make ``folder`` and its subfolders (private to this user when new) and tell whether
    derived files may be read from them and written to them."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        for path in (folder, *(folder / name for name in CACHE_SUBFOLDERS)):
            try:
                path.mkdir(mode=0o700)
            except FileExistsError:
                pass
            reason = _distrust(path)
            if reason is not None:
                if path.exists():
                    log.warning("%s: warning: not used as the cache: %s (a temporary folder is "
                                "used instead; fix this or set PUBLISHER_CACHE_DIR)", path, reason)
                return False
        return os.access(folder, os.W_OK)
    except OSError:
        return False


def _private_temporary_folder() -> Path:
    """A new folder only this user can open, removed when this process exits."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="publisher-cache-"))  # mode 0700, unpredictable
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not in forked workers
            shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    for name in CACHE_SUBFOLDERS:
        (folder / name).mkdir(mode=0o700)
    return folder


@lru_cache(maxsize=1)
def cache_dir() -> Path:
    """Where per-machine derived files go: ``PUBLISHER_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/publisher``, else ``~/.cache/publisher``.

    Files are only read from a folder this user owns and nobody else can write (see
    :func:`trusted_folder`); when the folder is not such a one, or cannot be written (a
    read-only home in CI), a new private folder in the system's temporary directory
    serves this process only, so nothing another user put there is ever read."""
    base = os.environ.get("PUBLISHER_CACHE_DIR")
    candidate: Path | None = None
    if base:
        candidate = Path(base)
    else:
        try:
            xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            candidate = Path(xdg) / "publisher"
        except RuntimeError:  # no home directory
            pass
    if candidate is not None and _usable(candidate):
        prune(candidate)
        return candidate
    try:
        return _private_temporary_folder()
    except OSError:
        raise TemplateError("no writable folder for the font cache (set PUBLISHER_CACHE_DIR)") from None


UNUSED_DAYS = 30
"""Entries of the cache folder unread for this long are removed (see :func:`prune`)."""
PRUNED = ".pruned"
"""The file whose time says when the cache folder was last pruned."""
_PRUNABLE = {
    "": re.compile(r"[a-z][a-z0-9-]*-[0-9a-f]{24}\.json"),  # remembered answers
    "templates": re.compile(r"__jinja2_[0-9a-f]{40}\.cache"),  # compiled templates
    "fonts": re.compile(r"(?:web-[0-9a-f]{32}\.woff2|docx-subset-[^/]+-[0-9a-f]{24}\.ttf)"),
}
"""What may be removed, by subfolder: the entries that grow with what is built (answers
keyed by a file's time or a folder, templates by their source, font subsets by the
characters of a statement); never the fonts' static instances a running build may hold
by name, and nothing that is not ours (the folder may be one a user chose)."""


def prune(folder: Path, now: float | None = None) -> int:
    """Remove the entries of ``folder`` (a trusted cache folder) that nothing has read for
    :data:`UNUSED_DAYS` days, at most once a day; how many. An entry's last use is its
    access time (updated by reads at most daily under Linux's default ``relatime``) or
    its modification time, whichever is later; on a file system that keeps no access
    times an entry lives its days from when it was written, then is made again. A file
    removed while another process reads it is only worked out again."""
    import time

    now = time.time() if now is None else now
    stamp = folder / PRUNED
    try:
        if now - os.stat(stamp).st_mtime < 86400:
            return 0
    except OSError:
        pass
    try:
        atomic_write(stamp, b"")
    except OSError:
        return 0
    removed = 0
    limit = now - UNUSED_DAYS * 86400
    for sub, pattern in _PRUNABLE.items():
        try:
            entries = list(os.scandir(folder / sub if sub else folder))
        except OSError:
            continue
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
                if (stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid()
                        and max(st.st_atime, st.st_mtime) < limit):
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
    return removed


def _entry(name: str, key: str) -> str:
    """The cache file of an answer: its name and a digest of what it depends on."""
    return f"{name}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.json"


def remembered(name: str, key: str, compute: Callable[[], object],
               read: Callable[[object], T | None]) -> T:
    """An answer kept in the cache folder as ``<name>-<digest of key>.json``.

    ``compute()`` works out the answer as data ``json`` can write; ``read`` turns such
    data into the answer, or gives None when it is not of the right shape (then the
    answer is worked out again): what was read back and what was just computed pass
    through the same ``read``."""
    path = cache_dir() / _entry(name, key)
    if trusted_file(path):
        try:
            found = read(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            found = None
        if found is not None:
            return found
    data = compute()
    answer = read(data)
    if answer is None:
        raise ValueError(f"{name}: the computed answer does not read back")
    try:
        atomic_write(path, json.dumps(data, ensure_ascii=False, sort_keys=True))
    except OSError:
        pass
    return answer


def int_ranges(points: frozenset[int] | set[int]) -> list[list[int]]:
    """Code points as [first, last] runs: a font's few thousand points in a few hundred."""
    runs: list[list[int]] = []
    for p in sorted(points):
        if runs and runs[-1][1] == p - 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return runs


def from_int_ranges(data: object) -> frozenset[int] | None:
    """The inverse of :func:`int_ranges`; None when ``data`` is not such a list."""
    if not isinstance(data, list):
        return None
    points: set[int] = set()
    for run in data:
        if (not isinstance(run, list) or len(run) != 2
                or not all(type(x) is int for x in run) or not 0 <= run[0] <= run[1] <= 0x10FFFF):
            return None
        points.update(range(run[0], run[1] + 1))
    return frozenset(points)


class RememberedStrings:
    """Small answers (strings under string keys) kept together in one cache file, read
    once per process and written back when an answer was missing."""

    def __init__(self, name: str, key: str) -> None:
        self.name = _entry(name, key)
        self.table: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self.table is None:
            self.table = {}
            path = cache_dir() / self.name
            if trusted_file(path):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    data = None
                if isinstance(data, dict):
                    self.table = {k: v for k, v in data.items()
                                  if isinstance(k, str) and isinstance(v, str)}
        return self.table

    def get(self, key: str, compute: Callable[[], str]) -> str:
        table = self._load()
        value = table.get(key)
        if value is None:
            value = table[key] = compute()
            try:
                atomic_write(cache_dir() / self.name,
                             json.dumps(table, ensure_ascii=False, sort_keys=True))
            except OSError:
                pass
        return value
