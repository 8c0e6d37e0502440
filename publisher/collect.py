"""``publisher collect``: the build folders of CI shards merged into one.

CI builds the matrix in slices (``publisher build --shard I/N``), each on a machine of
its own; each slice's folder holds its outputs and a ``manifest.json`` listing them.
Collecting merges them into one folder:

1. **Read and verify** (writes nothing): every shard's manifest is untrusted input. Each
   output must be named exactly ``<slug>/<slug>.<lang>.<fmt>`` after its own fields, in
   a format of the registry, for a statement of this project in one of its languages;
   every listed file is hashed and must be the bytes its manifest names; two shards may
   list one output only with the same bytes; every shard must come from this version of
   publisher. Any problem stops here, with a one-line error naming the file.
2. **Copy** (under the output folder's build lock): each file is copied to a temporary
   file beside its destination, hashed again as it is read; only when every copy is
   complete are they renamed into place. A destination that already holds the same
   bytes is left alone, so the output folder may be one of the shards.
3. **Record**: ``manifest.json`` listing every collected output once (the format of
   :func:`publisher.matrix.write_manifest`), ``index.html`` for the project's
   statements, and the build cache kept truthful (:func:`_record_in_cache`).

Files are opened without following symbolic links, and a statement folder that is not
a real folder, in a shard or in the output folder, is refused.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, matrix
from .build import Output, index_page, summarize
from .errors import PublisherError, display_path, warning
from .fsutil import atomic_write
from .matrix import MANIFEST, BuildCache, OutputRecord, StatementSummary
from .project import SLUG, Missions, Project
from .writers import FORMATS
from .log import log


MAX_MANIFEST = 64 << 20
"""Bytes: a manifest larger than this is refused unread."""

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class CollectError(PublisherError):
    """A shard that cannot be collected: its manifest, one of its files, or a clash
    with another shard."""

    code = "collect"


@dataclass(frozen=True)
class _Entry:
    """One output as a shard's manifest lists it (every field checked)."""

    statement: str
    language: str
    format: str
    path: str
    """``<slug>/<slug>.<lang>.<fmt>``, relative to the shard's folder."""
    size: int
    sha256: str
    completeness: float
    shard: Path
    manifest: Path

    def same(self, other: _Entry) -> bool:
        return ((self.size, self.sha256, self.completeness)
                == (other.size, other.sha256, other.completeness))


@dataclass
class CollectReport:
    outputs: list[Output] = field(default_factory=list)
    """Every collected output, sorted by path, in the output folder."""
    out_dir: Path | None = None
    shards: int = 0
    copied: int = 0
    unchanged: int = 0
    """Outputs the output folder already held with the same bytes."""
    manifest: Path | None = None
    index: Path | None = None
    seconds: float = 0.0


def collect(project: Project, shard_dirs: list[Path], out_dir: Path | None = None) -> CollectReport:
    """Merge the build folders ``shard_dirs`` (each with the ``manifest.json`` of
    ``publisher build --shard I/N``) into ``out_dir`` (default: the project's build
    folder). Nothing is written unless every shard's every file is verified."""
    started = time.perf_counter()
    out_root = out_dir or project.build_dir
    if not shard_dirs:
        raise CollectError("no shard folders to collect")

    # 1. Read and verify: nothing is written before this is done.
    listed = _read_shards([Path(d) for d in shard_dirs])
    merged = _merge(listed)
    entries = [merged[key] for key in sorted(merged)]
    summaries, _ = summarize(project, project.statement_paths(), BuildCache(), Missions(project))
    _check_published(entries, summaries)
    checked: set[Path] = set()
    for entry in listed:
        _verify(entry, checked)
    for slug in sorted({e.statement for e in entries}):
        _check_real_folder(out_root / slug, missing_ok=True)

    # 2. Copy, 3. record: under the lock, as a build does.
    report = CollectReport(out_dir=out_root, shards=len(shard_dirs))

    def waiting() -> None:
        log.warning("%s: warning: a build is writing here; waiting for it", display_path(out_root))

    with matrix.build_lock(out_root, waiting):
        copied = _copy(entries, out_root)
        report.copied, report.unchanged = len(copied), len(entries) - len(copied)
        for entry in copied:
            log.info("wrote %s", display_path(out_root / entry.path))
        records = _record_in_cache(out_root, entries)
        report.manifest = matrix.write_manifest(out_root, records)
        _check_manifest(report.manifest, len(records))
        report.index = out_root / "index.html"
        page = index_page(project, summaries, out_root)
        if _read_if_file(report.index) != page:
            atomic_write(report.index, page)
    _warn_unlisted(summaries, merged, out_root)
    report.outputs = [Output(e.statement, e.language, e.format, out_root / e.path, e.size,
                             e.sha256) for e in entries]
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------- reading the shards

def _read_shards(shard_dirs: list[Path]) -> list[_Entry]:
    """Every output every shard lists; the shards must all come from this version."""
    listed: list[_Entry] = []
    first: tuple[str, Path] | None = None
    for shard in shard_dirs:
        made_by, entries = _read_manifest(shard)
        if first is None:
            first = (made_by, shard / MANIFEST)
        elif made_by != first[0]:
            raise CollectError(f"made by {_show(made_by)}, but {display_path(first[1])} by "
                               f"{_show(first[0])}: collect shards of one version only",
                               shard / MANIFEST)
        listed += entries
    ours = f"publisher {__version__}"
    if first is not None and first[0] != ours:
        raise CollectError(f"made by {_show(first[0])}, this is {ours}: collect with the "
                           "version that built the shards", first[1])
    return listed


def _merge(listed: list[_Entry]) -> dict[str, _Entry]:
    """Each output once: two shards may list one only with the same bytes."""
    merged: dict[str, _Entry] = {}
    for entry in listed:
        known = merged.setdefault(entry.path, entry)
        if not known.same(entry):
            raise CollectError(f"{entry.path} is listed with other bytes by "
                               f"{display_path(known.manifest)} (sha256 {known.sha256[:12]}…, "
                               f"here {entry.sha256[:12]}…)", entry.manifest)
    return merged


def _show(value: object) -> str:
    """An untrusted value in a one-line message: quoted, escaped, shortened."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _read_manifest(shard: Path) -> tuple[str, list[_Entry]]:
    """A shard's generator and outputs, every field checked (a :class:`CollectError`
    naming the manifest otherwise)."""
    path = shard / MANIFEST
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        why = {errno.ENOENT: "no manifest: not a folder made by `publisher build`",
               errno.ELOOP: "the manifest is a symbolic link; refusing to follow it"}
        raise CollectError(why.get(exc.errno or 0, f"cannot read the manifest: {exc.strerror}"),
                           path) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CollectError("the manifest is not a regular file", path)
        raw = fh.read(MAX_MANIFEST + 1)
    if len(raw) > MAX_MANIFEST:
        raise CollectError(f"the manifest is larger than {MAX_MANIFEST >> 20} MiB", path)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CollectError("the manifest is not UTF-8", path) from None
    except json.JSONDecodeError as exc:
        raise CollectError(f"the manifest is not valid JSON: {exc.msg}", path, exc.lineno) from None
    except RecursionError:
        raise CollectError("the manifest is nested too deeply", path) from None
    if not isinstance(data, dict) or not isinstance(data.get("generator"), str) \
            or not isinstance(data.get("outputs"), list):
        raise CollectError("not a manifest of `publisher build` (an object with "
                           "\"generator\" and \"outputs\")", path)
    return data["generator"], [_entry(item, i, shard, path)
                               for i, item in enumerate(data["outputs"])]


def _entry(item: object, i: int, shard: Path, manifest: Path) -> _Entry:
    """One output of a manifest, checked: its path is exactly the one its statement,
    language and format name."""
    where = f"outputs[{i}]"

    def bad(message: str) -> CollectError:
        return CollectError(f"{where}: {message}", manifest)

    if not isinstance(item, dict):
        raise bad("not an object")
    for key in ("statement", "language", "format", "path", "sha256"):
        if not isinstance(item.get(key), str):
            raise bad(f"\"{key}\" is missing or not a string")
    statement, lang, fmt, path = item["statement"], item["language"], item["format"], item["path"]
    where = f"outputs[{i}] {_show(path)}"
    if ".." in path or "\\" in path or path.startswith("/") or "\0" in path:
        raise bad("not a path inside the shard's folder")
    if not SLUG.fullmatch(statement):
        raise bad(f"{_show(statement)} is not a statement's name")
    if fmt not in FORMATS:
        raise bad(f"unknown format {_show(fmt)} (formats: {', '.join(FORMATS)})")
    if not lang or any(c in lang for c in "/\\.\0") or not lang.isprintable():
        raise bad(f"{_show(lang)} is not a language tag")
    if path != f"{statement}/{statement}.{lang}.{fmt}":
        raise bad(f"the path is not {statement}/{statement}.{lang}.{fmt}, as its statement, "
                  "language and format say")
    size, sha256, completeness = item.get("size"), item["sha256"], item.get("completeness")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise bad("\"size\" is not a number of bytes")
    if not _SHA256.fullmatch(sha256):
        raise bad("\"sha256\" is not a SHA-256 in hexadecimal")
    if (not isinstance(completeness, (int, float)) or isinstance(completeness, bool)
            or not 0 <= completeness <= 100):  # NaN compares false
        raise bad("\"completeness\" is not a percentage")
    return _Entry(statement, lang, fmt, path, size, sha256, float(completeness), shard, manifest)


def _check_published(entries: list[_Entry], summaries: list[StatementSummary]) -> None:
    """Every output is of a statement of this project, in one of its languages: the
    index page lists exactly those."""
    by_slug = {s.slug: s for s in summaries}
    for e in entries:
        s = by_slug.get(e.statement)
        if s is None:
            raise CollectError(f"{e.path}: no statement '{e.statement}' in this project's "
                               "seeds/", e.manifest)
        if e.language not in s.languages:
            raise CollectError(f"{e.path}: '{e.statement}' is not published in '{e.language}' "
                               f"(its languages: {', '.join(s.languages)})", e.manifest)


def _check_real_folder(path: Path, missing_ok: bool = False) -> None:
    """A statement's folder must be a folder, not a symbolic link to one."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        if missing_ok:
            return
        raise CollectError("no such folder (the manifest lists files in it)", path) from None
    if not stat.S_ISDIR(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a folder"
        raise CollectError(f"{kind}: a statement's outputs must be in a real folder; "
                           "refusing to follow it", path)


def _verify(entry: _Entry, checked: set[Path]) -> None:
    """The listed file is a regular file (no link, in a real folder) with the listed bytes."""
    folder = entry.shard / entry.statement
    if folder not in checked:
        _check_real_folder(folder)
        checked.add(folder)
    path = entry.shard / entry.path
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise CollectError("listed in the manifest but missing", path) from None
    if not stat.S_ISREG(mode):  # a link, a pipe: never opened
        raise CollectError("not a regular file (a symbolic link?); refusing to read it", path)
    found = matrix.file_digest(path)
    if found is None:
        raise CollectError("not a regular file; refusing to read it", path)
    if found != (entry.size, entry.sha256):
        raise CollectError(f"does not match {display_path(entry.manifest)}: {found[0]} bytes, "
                           f"sha256 {found[1][:12]}…, listed as {entry.size} bytes, "
                           f"sha256 {entry.sha256[:12]}…", path)


# ---------------------------------------------------------------- copying

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _open_folder(path: Path, create: bool = False) -> int:
    """A statement's folder, opened without following a link (created if asked)."""
    if create:
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            pass
    try:
        return os.open(path, _DIR_FLAGS)
    except OSError:
        _check_real_folder(path)
        raise


def _digest_at(folder: int, name: str) -> tuple[int, str] | None:
    """Size and SHA-256 of the regular file ``name`` in the open folder (None if none)."""
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=folder)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        h, size = hashlib.sha256(), 0
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _stage(entry: _Entry, name: str, dest: int, staged: list[tuple[int, str, str]]) -> None:
    """Copy the shard's file to a new temporary file in the open folder ``dest`` (put on
    ``staged`` at once, so a failure removes it), checking the bytes it reads."""
    source = entry.shard / entry.path
    src_folder = _open_folder(source.parent)
    try:
        src = os.open(name, _READ_FLAGS, dir_fd=src_folder)
    except OSError as exc:
        raise CollectError(f"cannot read it: {exc.strerror}", source) from None
    finally:
        os.close(src_folder)
    with os.fdopen(src, "rb") as reader:
        if not stat.S_ISREG(os.fstat(src).st_mode):
            raise CollectError("not a regular file; refusing to read it", source)
        tmp = f".{name}.{secrets.token_hex(6)}.tmp"
        out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                      0o644, dir_fd=dest)
        staged.append((dest, tmp, name))
        h, size = hashlib.sha256(), 0
        with os.fdopen(out, "wb") as writer:
            while chunk := reader.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
                writer.write(chunk)
            writer.flush()
            os.fchmod(out, 0o644)
            os.fsync(out)
    if (size, h.hexdigest()) != (entry.size, entry.sha256):
        raise CollectError("changed while it was being collected", source)


def _copy(entries: list[_Entry], out_root: Path) -> list[_Entry]:
    """Put every entry's bytes at its path in ``out_root``: all copies are staged first,
    then renamed into place (the manifest is taken away before the first). A destination
    with the same bytes is left alone. Returns the entries copied."""
    folders: dict[str, int] = {}
    staged: list[tuple[int, str, str]] = []
    copied: list[_Entry] = []
    try:
        for entry in entries:
            slug, name = entry.path.split("/")
            if slug not in folders:
                folders[slug] = _open_folder(out_root / slug, create=True)
            if _digest_at(folders[slug], name) == (entry.size, entry.sha256):
                continue
            _stage(entry, name, folders[slug], staged)
            copied.append(entry)
        if staged:
            matrix.retract_manifest(out_root)  # write_manifest puts it back
        while staged:
            folder, tmp, name = staged[0]
            os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
            staged.pop(0)
    finally:
        for folder, tmp, _ in staged:
            try:
                os.unlink(tmp, dir_fd=folder)
            except FileNotFoundError:
                pass
        for fd in folders.values():
            os.close(fd)
    return copied


# ---------------------------------------------------------------- recording

def _record_in_cache(out_root: Path, entries: list[_Entry]) -> dict[str, OutputRecord]:
    """Keep the output folder's build cache truthful, and return the collected outputs'
    records (for the manifest).

    A record of the folder's own cache stays only while it still describes the file on
    disk (same size and modification time, and for a collected output the same bytes):
    the outputs of a shard collected into its own folder stay up to date. Every other
    collected output is recorded with its bytes but no input digest, so the manifest of a
    later build in this folder still lists it, and that build renders it again (it
    cannot know what the output was made from). A shard's cache is never copied."""
    cache = BuildCache.load(out_root)
    for key, rec in list(cache.outputs.items()):
        try:
            st = os.lstat(out_root / key)
        except OSError:
            st = None
        if st is None or not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_mtime_ns) \
                != (rec.size, rec.mtime_ns):
            del cache.outputs[key]
    records: dict[str, OutputRecord] = {}
    for e in entries:
        known = cache.outputs.get(e.path)
        if known is not None and (known.sha256, known.completeness, known.statement, known.lang,
                                  known.format) == (e.sha256, e.completeness, e.statement,
                                                    e.language, e.format):
            rec = known
        else:
            rec = OutputRecord(digest="", size=e.size,
                               mtime_ns=os.lstat(out_root / e.path).st_mtime_ns,
                               sha256=e.sha256, statement=e.statement, lang=e.language,
                               format=e.format, completeness=e.completeness)
            cache.outputs[e.path] = rec
        records[e.path] = rec
    cache.save(out_root)
    return records


def _check_manifest(path: Path, expected: int) -> None:
    """The manifest lists only files whose bytes it checked: every collected one."""
    listed = json.loads(path.read_text(encoding="utf-8"))["outputs"]
    if len(listed) != expected:
        raise CollectError(f"{expected - len(listed)} collected output(s) changed while "
                           "the manifest was written: collect again", path)


def _read_if_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _warn_unlisted(summaries: list[StatementSummary], merged: dict[str, _Entry],
                   out_root: Path) -> None:
    """An output of the project already in the output folder that no shard listed: the
    index page links it (it links what is there), the manifest does not."""
    for s in summaries:
        for lang in s.languages:
            for fmt in FORMATS:
                key = f"{s.slug}/{s.slug}.{lang}.{fmt}"
                if key not in merged and (out_root / key).is_file():
                    log.warning("%s", warning(
                        "collect", "in the output folder but in no shard's manifest: the "
                        "index page links it, manifest.json does not", out_root / key))
