"""The build matrix: which outputs are stale, who renders them, what was made.

- Incremental: each output records a digest of everything it depends on (the statement,
  its catalogues, the template folder, the fonts, the tool's version and the options);
  an output whose digest and file are unchanged is not rebuilt.
- Parallel: stale outputs are rendered by a pool of forked worker processes; each
  worker imports its writers and sets WeasyPrint up once, then renders many outputs.
- Safe: outputs are written atomically by the worker that renders them, one build at a
  time holds ``.publisher.lock`` in the output folder (never through a symbolic link),
  and the cache and the manifest are written atomically too. The manifest is taken
  away before any output is replaced and lists only files whose bytes it has checked,
  so a killed build leaves no manifest that disagrees with the disk. Workers die with
  the build that started them, even when it is killed outright.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import resource
import stat
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

from . import __version__
from .errors import Diagnostic, PublisherError
from .fsutil import atomic_write

if TYPE_CHECKING:
    from .editions import TemplateMessages
    from .model import Edition

CACHE = ".publisher-cache.json"
LOCK = ".publisher.lock"
MANIFEST = "manifest.json"


class LockError(PublisherError):
    """The build lock cannot be taken safely (it is not a plain file of its own)."""

    code = "lock"


class Unit(NamedTuple):
    """One output: a statement in one language and one format."""

    slug: str
    lang: str
    fmt: str

    def path(self, out_root: Path) -> Path:
        return out_root / self.slug / f"{self.slug}.{self.lang}.{self.fmt}"

    def key(self) -> str:
        return f"{self.slug}/{self.slug}.{self.lang}.{self.fmt}"


def shard(units: list[Unit], spec: str | None) -> list[Unit]:
    """``I/N``: the I-th of N deterministic slices. Editions (statement x language) are
    dealt round robin in sorted order, each with all its formats: a slice of the sorted
    outputs would give one machine every PDF (the slow format) and another every web page,
    and would translate each edition on every machine."""
    if not spec:
        return units
    i, n = (int(x) for x in spec.split("/"))
    editions = sorted({(u.slug, u.lang) for u in units})
    mine = {edition for k, edition in enumerate(editions) if k % n == i - 1}
    return [u for u in units if (u.slug, u.lang) in mine]


# ---------------------------------------------------------------- digests

def _hash_files(paths: list[Path], h: "hashlib._Hash", root: Path | None = None,
                read: dict[Path, bytes] | None = None) -> None:
    """Names and bytes of ``paths`` into ``h``; ``read``: the files read so far in this
    build (a catalogue is an input of three outputs), added to."""
    for p in sorted(paths):
        name = p.relative_to(root).as_posix() if root else p.name
        h.update(name.encode() + b"\0")
        data = read.get(p) if read is not None else None
        if data is None:
            data = p.read_bytes() if p.is_file() else b"<missing>"
            if read is not None:
                read[p] = data
        h.update(data)
        h.update(b"\0")


def tree_digest(folder: Path, fmt: str) -> str:
    """The templates an output of ``fmt`` depends on: DOCX reads the reference document
    and the mission profiles, HTML and PDF everything else."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    missions = folder / "missions"
    if fmt == "docx":
        files = [p for p in files if p.name == "reference.docx" or p.is_relative_to(missions)]
    else:
        files = [p for p in files if p.name != "reference.docx"]
    h = hashlib.sha256()
    _hash_files(files, h, folder)
    return h.hexdigest()


def fonts_digest(known: list[str]) -> tuple[str, list[str]]:
    """The PDF fonts' identity (file names and sizes), and their files. The file list is
    kept in the build cache (``known``), so a rebuild does not ask the font packages again."""
    paths = [Path(p) for p in known]
    if not paths or not all(p.is_file() for p in paths):
        from .writers.fonts import font_faces

        paths = [face.path for face in font_faces()]
    h = hashlib.sha256()
    for p in paths:
        h.update(f"{p.name}\0{p.stat().st_size}\0".encode())
    return h.hexdigest(), [str(p) for p in paths]


def unit_digest(unit: Unit, inputs: list[Path], shared: str, options: str,
                read: dict[Path, bytes] | None = None) -> str:
    """Everything the output depends on, in one hash (``read``: see :func:`_hash_files`)."""
    h = hashlib.sha256()
    h.update(f"publisher {__version__}\0{unit.key()}\0{shared}\0{options}\0".encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode() + b"\0")
    _hash_files(inputs, h, read=read)
    return h.hexdigest()


# ---------------------------------------------------------------- cache, lock, manifest

def _str_list(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return list(value)
    return None


class OutputRecord(NamedTuple):
    """What the cache remembers of one output it wrote."""

    digest: str
    """:func:`unit_digest` of its inputs."""
    size: int
    mtime_ns: int
    sha256: str
    statement: str
    lang: str
    format: str
    completeness: float
    """Percent of the statement's messages published translated."""
    warnings: tuple[Diagnostic, ...] = ()
    """The warnings its edition gave (replayed when it is up to date)."""

    def to_json(self) -> dict[str, object]:
        return {"digest": self.digest, "size": self.size, "mtime_ns": self.mtime_ns,
                "sha256": self.sha256, "statement": self.statement, "lang": self.lang,
                "format": self.format, "completeness": self.completeness,
                "warnings": [w.as_dict() for w in self.warnings]}

    @classmethod
    def from_json(cls, data: object) -> OutputRecord | None:
        """The record, or None for anything that is not one (a hand-edited cache)."""
        if not isinstance(data, dict):
            return None
        found = data.get("warnings", [])
        warnings = [Diagnostic.from_dict(w) for w in found] if isinstance(found, list) else [None]
        if None in warnings:
            return None
        try:
            record = cls(str(data["digest"]), int(data["size"]), int(data["mtime_ns"]),
                         str(data["sha256"]), str(data["statement"]), str(data["lang"]),
                         str(data["format"]), float(data["completeness"]),
                         tuple(w for w in warnings if w is not None))
        except (KeyError, TypeError, ValueError):
            return None
        return record


class StatementSummary(NamedTuple):
    """What the build needs of a statement without parsing it again: kept in the cache
    with the digests of the statement and of its mission profile."""

    path: str
    sha256: str
    slug: str
    mission: str
    mission_sha256: str
    """The profile's digest: a statement without ``languages:`` takes the profile's."""
    languages: tuple[str, ...]
    original: str
    title: str
    date: str
    symbol_warning: Diagnostic | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = self._asdict()
        data["languages"] = list(self.languages)
        data["symbol_warning"] = self.symbol_warning.as_dict() if self.symbol_warning else None
        return data

    @classmethod
    def from_json(cls, data: object) -> StatementSummary | None:
        if not isinstance(data, dict):
            return None
        langs = _str_list(data.get("languages"))
        text = {k: v for k, v in data.items() if isinstance(v, str)}
        if langs is None:
            return None
        try:
            return cls(text["path"], text["sha256"], text["slug"], text["mission"],
                       text["mission_sha256"], tuple(langs), text["original"],
                       text["title"], text["date"], Diagnostic.from_dict(data.get("symbol_warning")))
        except KeyError:
            return None


@dataclass
class BuildCache:
    """``build/.publisher-cache.json``: the outputs written, the statements read, the
    font files and the template messages found; JSON only, versioned (a cache from
    another version is ignored), written atomically."""

    outputs: dict[str, OutputRecord] = field(default_factory=dict)
    """Keyed by :meth:`Unit.key`."""
    statements: dict[str, StatementSummary] = field(default_factory=dict)
    """Keyed by the statement's path."""
    font_files: list[str] = field(default_factory=list)
    template_messages: TemplateMessages | None = None

    @classmethod
    def load(cls, out_root: Path) -> BuildCache:
        from .editions import TemplateMessages

        try:
            data = json.loads((out_root / CACHE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict) or data.get("version") != __version__:
            return cls()
        cache = cls(font_files=_str_list(data.get("font_files")) or [])
        statements = data.get("statements")
        for key, value in (statements.items() if isinstance(statements, dict) else ()):
            summary = StatementSummary.from_json(value)
            if summary is not None:
                cache.statements[key] = summary
        outputs = data.get("outputs")
        for key, value in (outputs.items() if isinstance(outputs, dict) else ()):
            record = OutputRecord.from_json(value)
            if record is not None:
                cache.outputs[key] = record
        known = data.get("template_messages")
        if isinstance(known, dict) and isinstance(known.get("messages"), list):
            try:
                cache.template_messages = TemplateMessages(
                    str(known["digest"]), tuple((str(m), None if c is None else str(c))
                                                for m, c in known["messages"]))
            except (KeyError, TypeError, ValueError):
                pass
        return cache

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "version": __version__,
            "outputs": {k: r.to_json() for k, r in sorted(self.outputs.items())},
            "statements": {k: s.to_json() for k, s in sorted(self.statements.items())},
            "font_files": self.font_files,
        }
        if self.template_messages is not None:
            data["template_messages"] = {"digest": self.template_messages.digest,
                                         "messages": [list(m) for m in self.template_messages.messages]}
        return data

    def save(self, out_root: Path) -> bool:
        """Write the cache if it changed; whether it did."""
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=1, sort_keys=True)
        path = out_root / CACHE
        try:
            if path.read_text(encoding="utf-8") == text:
                return False
        except (OSError, ValueError):
            pass
        atomic_write(path, text)
        return True


def is_fresh(record: OutputRecord | None, digest: str, path: Path) -> bool:
    """Whether the output at ``path`` is the one ``record`` describes, made from inputs
    with this ``digest``."""
    if record is None or record.digest != digest:
        return False
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    return st.st_size == record.size and st.st_mtime_ns == record.mtime_ns


def _open_lock(path: Path) -> int:
    """Open (or create) the lock file without following a symbolic link and without
    truncating or writing anything: only a plain file is accepted."""
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LockError("the build lock is a symbolic link; refusing to follow it "
                            "(remove it)", path) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LockError("the build lock is not a regular file; refusing to use it (remove it)",
                        path)
    return fd


@contextmanager
def build_lock(out_root: Path, waiting: Callable[[], None]) -> Iterator[None]:
    """One build at a time per output folder; a second one waits for the first."""
    out_root.mkdir(parents=True, exist_ok=True)
    fd = _open_lock(out_root / LOCK)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def retract_manifest(out_root: Path) -> None:
    """Take the manifest away (atomically) before outputs are replaced: a build killed
    while rendering then leaves no manifest, never one naming files it no longer
    describes. :func:`write_manifest` puts it back at the end of the build."""
    try:
        os.unlink(out_root / MANIFEST)
    except FileNotFoundError:
        pass


def file_digest(path: Path) -> tuple[int, str] | None:
    """Size and SHA-256 of the regular file at ``path`` (None when there is none)."""
    try:
        # O_NONBLOCK: a named pipe put there is refused below instead of waited on
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        h = hashlib.sha256()
        size = 0
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def write_manifest(out_root: Path, records: dict[str, OutputRecord]) -> Path:
    """``manifest.json``: every output on disk, sorted, with its checksum (no timestamps).

    Each listed file's bytes are hashed now (a few milliseconds for a statement's 24
    outputs): a file whose bytes are not the ones the build recorded (left by a build
    that was killed, or changed by hand) is not listed, so the manifest never names a
    checksum the disk disagrees with."""
    outputs = []
    for key, rec in sorted(records.items()):
        on_disk = file_digest(out_root / key)
        if on_disk is None or on_disk != (rec.size, rec.sha256):
            continue
        outputs.append({"statement": rec.statement, "language": rec.lang,
                        "format": rec.format, "path": key, "size": on_disk[0],
                        "sha256": on_disk[1], "completeness": rec.completeness})
    data = {"generator": f"publisher {__version__}", "outputs": outputs}
    path = out_root / MANIFEST
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        atomic_write(path, text)
    return path


# ---------------------------------------------------------------- rendering

class Job(NamedTuple):
    unit: Unit
    edition: Edition
    template_dir: Path
    path: Path
    variant: str = ""
    """The format's variant (``pdf/a-3b``); "" for its default."""


class Result(NamedTuple):
    unit: Unit
    path: Path
    size: int = 0
    sha256: str = ""
    mtime_ns: int = 0
    seconds: float = 0.0
    error: str = ""
    peak_rss_mb: float = 0.0


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when the thread that made it exits."""


def die_with_parent(parent: int) -> None:
    """Pool worker start: end this worker when the build that started it (``parent``)
    dies, even by SIGKILL, instead of living on as an orphan.

    Linux delivers SIGKILL when the parent goes (``PR_SET_PDEATHSIG``); elsewhere a
    thread watches for the worker being handed to another parent. Either way, a parent
    that died before this ran is seen at once: the worker is no longer its child."""
    import signal

    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL)) == 0
        except (OSError, AttributeError):
            armed = False
    else:
        armed = False
    if os.getppid() != parent:  # the build died before (or while) we armed
        os._exit(1)
    if not armed:
        import threading

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def load_engines(formats: tuple[str, ...]) -> None:
    """Import the writers (and their engines) once for all the jobs of this process."""
    from .writers import get_writer

    for fmt in formats:
        get_writer(fmt)


def _first_page() -> None:
    """Render a throw-away page once (see :func:`publisher.writers.pdf.warm_up`), so the
    first real PDF costs what the others do."""
    from .writers import pdf

    pdf.warm_up()


def render(job: Job) -> Result:
    """Render one output and write it atomically (runs in a worker or in-process)."""
    from .writers import REGISTRY, get_writer

    start = time.perf_counter()
    try:
        variant = job.variant or REGISTRY[job.unit.fmt].default_variant
        data = get_writer(job.unit.fmt)(job.edition, job.template_dir, variant)
        atomic_write(job.path, data)
        st = job.path.stat()
    except PublisherError as exc:
        return Result(job.unit, job.path, error=str(exc))
    except Exception as exc:  # a writer bug must not take the other outputs down
        return Result(job.unit, job.path, error=f"{type(exc).__name__}: {exc}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Result(job.unit, job.path, len(data), hashlib.sha256(data).hexdigest(),
                  st.st_mtime_ns, time.perf_counter() - start, peak_rss_mb=rss)


def prepare_fonts(workers: int, note: Callable[[str], None]) -> None:
    """Make the static font instances the PDFs need, once per machine, in parallel."""
    from .writers.fonts import make_instance, missing_instances

    todo = missing_instances()
    if not todo:
        return
    note(f"preparing {len(todo)} static font instance(s) for PDF (once per machine)")
    if workers <= 1 or len(todo) == 1:
        for args in todo:
            make_instance(*args)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx,
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        list(pool.map(make_instance, *zip(*todo, strict=True)))


FORMAT_COST = {"pdf": 1.0, "docx": 0.2, "html": 0.04}
"""Seconds to render an output, relative to a left-to-right PDF of the same text
(measured on the sample, warm worker: PDF 0.23 s, DOCX 0.05 s, web page 0.008 s)."""
RTL_PDF_COST = 1.5
"""A right-to-left PDF costs half as much again (Arabic: 0.34 s against 0.23 s): shaping,
and marks drawn on their letters."""


def _characters(blocks: tuple[Any, ...]) -> int:
    from .model import Heading, ListBlock, Paragraph, Quote

    count = 0
    for block in blocks:
        if isinstance(block, (Paragraph, Heading)):
            count += len(block.text.plain)
        elif isinstance(block, ListBlock):
            count += sum(_characters(item) for item in block.items)
        elif isinstance(block, Quote):
            count += _characters(block.children)
    return count


def estimated_cost(job: Job) -> float:
    """How long ``job`` will take, in arbitrary units: its text's length, weighed by
    format and direction. Only the order of the work depends on it, never an output."""
    statement = job.edition.statement
    text = _characters(statement.blocks) + sum(len(note.text.plain)
                                                for note in statement.footnotes)
    cost = (1000 + text) * FORMAT_COST.get(job.unit.fmt, 1.0)
    if job.unit.fmt == "pdf" and job.edition.direction == "rtl":
        cost *= RTL_PDF_COST
    return cost


TAIL_EDITIONS = 2
"""Per worker, how many of the shortest editions go out one output at a time at the
end: a worker that finishes early takes a DOCX instead of waiting for a whole edition."""

ENGINE_FORMATS = ("pdf", "docx")
"""Formats whose writer loads an engine (WeasyPrint, python-docx) worth loading in a
worker while the build plans, even for one output, unless this process has it already
(``publisher serve`` keeps the engines loaded in its own process)."""


def engine_to_load(formats: tuple[str, ...] | list[str]) -> bool:
    """Whether one of ``formats`` has an engine this process has not loaded yet."""
    from .writers import REGISTRY

    return any(fmt in ENGINE_FORMATS and REGISTRY[fmt].writer.split(":")[0] not in sys.modules
               for fmt in formats)


def _serve_jobs(inbox: Any, outbox: Any) -> None:
    """A worker's loop: take the next group of jobs from ``inbox``, render each, send
    its result to ``outbox``; end at None or when the build has gone."""
    while True:
        try:
            task = inbox.recv()
        except EOFError:
            return
        if task is None:
            return
        for index, job in task:
            outbox.send((index, render(job)))


def _first_worker(parent: int, formats: tuple[str, ...], pipes: list[tuple[Any, Any]],
                  flags: Any, scratch: str) -> None:
    """The process the workers are forked from: it loads the engines (and renders a
    throw-away page if it has the time), then forks one worker per pair of ``pipes``
    (its jobs in, its results out), which start with everything loaded, and waits for
    them. It renders nothing itself, so a worker that dies takes no other with it; they
    all die with it. With one worker's jobs it renders them itself."""
    import signal
    import tempfile

    die_with_parent(parent)
    # Ctrl-C is the build's to handle: it stops the workers (see Workers.close).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = scratch  # the workers' temporary files, removed by the build
    load_engines(formats)
    if flags[WARM] and not flags[SUBMITTED]:
        _first_page()
    if len(pipes) == 1:  # a worker of its own would cost a fork and take over nothing
        _serve_jobs(*pipes[0])
        return
    children = []
    for own in pipes:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                die_with_parent(os.getppid())
                for pair in pipes:
                    if pair is not own:
                        for end in pair:
                            end.close()
                _serve_jobs(*own)
                code = 0
            except BaseException:  # pragma: no cover - reported by the build as a death
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        children.append(pid)
    for pair in pipes:
        for end in pair:
            end.close()
    for pid in children:
        os.waitpid(pid, 0)


SCRATCH = "publisher-workers-"
"""The workers' temporary folder: this, the build's process id, a dash, random letters."""
SCRATCH_KEPT = 24 * 3600
"""Seconds a worker folder left by a build that is gone is kept before a later build
removes it (a process of another container that shares the folder may look gone)."""


def sweep_scratch(now: float | None = None) -> list[str]:
    """Remove the workers' folders that builds killed outright (SIGKILL: nothing of
    theirs could run) left in the temporary directory: this user's, at least
    :data:`SCRATCH_KEPT` old, of a build process that no longer runs. The names removed."""
    import re
    import shutil
    import stat
    import tempfile

    now = time.time() if now is None else now
    pattern = re.compile(rf"{re.escape(SCRATCH)}(\d+)-[\w]+")
    removed: list[str] = []
    folder = tempfile.gettempdir()
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = pattern.fullmatch(name)
        if not match:
            continue
        path = os.path.join(folder, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if (not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid()
                or now - st.st_mtime < SCRATCH_KEPT):
            continue
        try:
            os.kill(int(match.group(1)), 0)
            continue  # its build still runs (or the number is another process's now)
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError, ValueError):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(name)
    return removed


WARM, SUBMITTED = 0, 1
"""The build's flags to the first worker, in shared memory without a lock (no process
can die holding one): render a throw-away page if there is time; the jobs are queued."""


class Workers:
    """Worker processes that share one load of the engines: a process forked from the
    build loads them, and the workers are forked from it once it has (see
    :func:`_first_worker`). Started as soon as the build knows it will need them, so
    the engines load while it plans.

    Each worker has a pipe of its own for its jobs and one for its results, so no lock
    is shared between processes (a process that dies holding one would stop the rest).
    The build hands a worker the next group of jobs when it has sent the results of the
    last (longest first, so the short ones even out the end), through a thread per
    worker, so the build never waits on a full pipe. A worker's results pipe reads as
    closed when it has ended, however it ended: the jobs it had been given and had not
    finished fail with a message, and the others go to the workers that remain.

    The workers' temporary files go in a folder of the build's (``tempfile.tempdir``
    in them), which it removes when they have ended, killed or not.
    """

    def __init__(self, count: int, formats: tuple[str, ...]) -> None:
        import multiprocessing
        import tempfile

        from .machine import cache_dir

        try:  # now, so the workers share this process's cache folder, even a temporary one
            cache_dir()
        except PublisherError:
            pass  # said when a worker needs it
        sweep_scratch()
        # The workers end with os._exit, or are killed, so what they would remove as they
        # end (WeasyPrint's copies of the faces) goes in a folder the build removes.
        self.scratch = tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-")
        ctx = multiprocessing.get_context("fork")
        self.count = count
        jobs_pipes = [ctx.Pipe(duplex=False) for _ in range(count)]
        result_pipes = [ctx.Pipe(duplex=False) for _ in range(count)]
        self.inboxes = [writer for _, writer in jobs_pipes]
        self.outboxes = [reader for reader, _ in result_pipes]
        self.flags = ctx.RawArray("b", 2)
        worker_ends = [(jobs_reader, results_writer) for (jobs_reader, _), (_, results_writer)
                       in zip(jobs_pipes, result_pipes, strict=True)]
        self.process = ctx.Process(target=_first_worker, name="publisher-worker", daemon=True,
                                   args=(os.getpid(), formats, worker_ends, self.flags,
                                         self.scratch))
        self.process.start()
        for pair in worker_ends:
            for end in pair:
                end.close()
        self.finished = False

    def warm(self) -> None:
        """Ask for a throw-away page before the first job, if there is time."""
        self.flags[WARM] = 1

    def run(self, jobs: list[Job], groups: list[list[int]], done: Callable[[Result], None],
            meanwhile: Callable[[], None]) -> dict[int, Result]:
        """Render the jobs of ``groups`` (indices into ``jobs``), a group at a time, in
        this order; results by index into ``jobs``."""
        import queue
        import threading
        from collections import deque
        from multiprocessing.connection import wait

        mailboxes: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in self.inboxes]

        def post(k: int) -> None:  # a worker's thread: what the build hands it, in order
            while True:
                item = mailboxes[k].get()
                try:
                    self.inboxes[k].send(item)
                except OSError:  # the worker has ended: its results pipe says so
                    return
                if item is None:
                    return

        for k in range(self.count):
            threading.Thread(target=post, args=(k,), name=f"publisher-jobs-{k}",
                             daemon=True).start()
        waiting = deque(groups)
        given: dict[int, set[int]] = {}
        results: dict[int, Result] = {}

        def hand(k: int) -> None:
            if waiting:
                group = waiting.popleft()
                given[k] = set(group)
                mailboxes[k].put([(index, jobs[index]) for index in group])
            else:
                given.pop(k, None)
                mailboxes[k].put(None)

        def finish(index: int, result: Result) -> None:
            results[index] = result
            done(result)

        for k in range(self.count):
            hand(k)
        self.flags[SUBMITTED] = 1
        meanwhile()
        alive = dict(enumerate(self.outboxes))
        expected = sum(map(len, groups))
        while len(results) < expected:
            ready = wait(list(alive.values()))
            for k in [k for k, conn in alive.items() if conn in ready]:
                try:
                    index, result = alive[k].recv()
                except EOFError:  # the worker has ended
                    del alive[k]
                    for index in sorted(given.pop(k, ())):
                        finish(index, Result(jobs[index].unit, jobs[index].path,
                                             error="the worker rendering it ended abruptly"))
                    mailboxes[k].put(None)
                    continue
                finish(index, result)
                given[k].discard(index)
                if not given[k]:
                    hand(k)
            if not alive:
                for group in waiting:
                    for index in group:
                        finish(index, Result(jobs[index].unit, jobs[index].path,
                                             error="no worker was left to render it"))
                waiting.clear()
        self.finished = True
        return results

    def close(self) -> None:
        """Wait for the workers to end (at once if the jobs did not all go out)."""
        import shutil

        if not self.finished:  # the build stopped early: the jobs left are not wanted
            self.process.terminate()  # its workers die with it
        self.process.join()
        for conn in (*self.inboxes, *self.outboxes):
            conn.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


class Renderer:
    """Renders jobs in-process or in worker processes (:class:`Workers`: forked, no fork
    server or resource tracker process; each worker dies with the build, see
    :func:`die_with_parent`).

    Only the formats with an engine (:data:`ENGINE_FORMATS`) go to workers: a web page
    is a template filled in, a few milliseconds, and this process renders those while
    the workers load the engines or render, so no worker is started for them.

    Workers are started before the build has finished planning, so they load WeasyPrint
    and python-docx while the main process reads and translates: as soon as the build
    knows it has work, or, on a first build, before it has read the statements (see
    :meth:`engage`). Their number is fixed when they start, so the build sizes them to
    its outputs. A process that has the engines loaded already (``publisher serve``)
    renders one worker's jobs itself.
    """

    def __init__(self, workers: int, formats: tuple[str, ...]) -> None:
        self.workers = workers
        self.formats = formats
        self.started = 0
        self.in_process = (not any(fmt in ENGINE_FORMATS for fmt in formats)
                           or (workers <= 1 and not engine_to_load(formats)))
        self.pool: Workers | None = None

    def engage(self, outputs: int, pdfs: int = 0) -> None:
        """Start workers for ``outputs`` outputs with an engine (``pdfs`` of them PDFs),
        if not yet running: with more PDFs than workers, the first worker renders a
        throw-away page before the others are forked from it, if it gets the time."""
        if self.in_process:
            return
        if self.pool is None and outputs > 0:
            self.started = min(self.workers, outputs)
            self.pool = Workers(self.started, self.formats)
        if self.pool is not None and pdfs > self.started:
            self.pool.warm()

    def run(self, jobs: list[Job], done: Callable[[Result], None],
            meanwhile: Callable[[], None] = lambda: None) -> list[Result]:
        """Render every job; results come back in job order. ``meanwhile`` runs in this
        process while the workers render (with no workers: before rendering)."""
        if self.pool is None:
            meanwhile()
            load_engines(self.formats)
            results = []
            for job in jobs:
                result = render(job)
                done(result)
                results.append(result)
            return results
        here = [index for index, job in enumerate(jobs) if job.unit.fmt not in ENGINE_FORMATS]
        ours: dict[int, Result] = {}

        def render_here() -> None:  # while the workers load the engines or render
            for index in here:
                ours[index] = render(jobs[index])
                done(ours[index])
            meanwhile()

        by_index = self.pool.run(jobs, self.groups(jobs), done, render_here)
        by_index.update(ours)
        return [by_index[index] for index in range(len(jobs))]

    def groups(self, jobs: list[Job]) -> list[list[int]]:
        """The workers' tasks (indices into ``jobs``), longest first: each worker is
        handed the next when it is done. An edition's outputs make one task when there
        are editions enough to keep every worker busy (a worker's memory stays flat when
        it renders an edition's formats in turn), except the last few, whose outputs go
        one by one so the workers finish together; else one output per task."""
        engine = [index for index, job in enumerate(jobs) if job.unit.fmt in ENGINE_FORMATS]
        editions = {(jobs[index].unit.slug, jobs[index].unit.lang) for index in engine}
        by_key: dict[object, list[int]] = {}
        for index in engine:
            unit = jobs[index].unit
            key = (unit.slug, unit.lang) if len(editions) > self.started else index
            by_key.setdefault(key, []).append(index)

        def cost(group: list[int]) -> float:
            return sum(estimated_cost(jobs[index]) for index in group)

        groups = sorted(by_key.values(), key=cost, reverse=True)
        split = max(0, len(groups) - TAIL_EDITIONS * self.started)
        tail = sorted(([index] for group in groups[split:] for index in group),
                      key=cost, reverse=True)
        return groups[:split] + tail

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
