"""Safe to publish on a shared machine: the cache runs no code and is only read from a
folder private to the user, the build lock follows no symbolic link, workers die with
the build, and the manifest never disagrees with the files on disk."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import pytest

from publisher import matrix
from publisher.pipeline import BuildOptions, Project, build
from publisher.writers import fonts, hyphenation

from .conftest import ROOT, alive, copy_project, descendants, publisher_cli

pyphen = pytest.importorskip("pyphen")

LANGS = ("de", "uk", "ru", "fr", "it", "es", "en")
WORDS = ("Bundesverfassungsgericht", "Donaudampfschifffahrtsgesellschaft", "Sicherheitspolitik",
         "безпеки", "співробітництво", "международного", "сотрудничества", "reconnaissance",
         "organisation", "internazionale", "cooperación", "responsabilidad", "implementation",
         "confidence-building", "Zucker", "OSZE")


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A cache folder of this test's own (``PUBLISHER_CACHE_DIR``); the module caches
    that remember a folder are cleared before and after."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(folder))
    fonts.cache_dir.cache_clear()
    fonts.covered_codepoints.cache_clear()
    yield folder
    fonts.cache_dir.cache_clear()
    fonts.covered_codepoints.cache_clear()


def dic(lang: str) -> Path:
    return Path(pyphen.LANGUAGES[pyphen.language_fallback(lang.replace("-", "_"))])


def hyphenated(dictionary, word: str) -> tuple[str, list[tuple[str, str]]]:
    hyphenator = object.__new__(pyphen.Pyphen)
    hyphenator.left, hyphenator.right, hyphenator.hd = 2, 2, dictionary
    return hyphenator.inserted(word), list(hyphenator.iterate(word))


def same_dictionary(a, b) -> bool:
    if a.maxlen != b.maxlen or a.patterns != b.patterns:
        return False
    for key, (_, points) in a.patterns.items():
        other = b.patterns[key][1]
        if [(type(p), getattr(p, "data", None)) for p in points] != \
                [(type(p), getattr(p, "data", None)) for p in other]:
            return False
    return all(hyphenated(a, w) == hyphenated(b, w) for w in WORDS)


def no_parsing(monkeypatch) -> None:
    """Make parsing a pattern file fail: whatever is loaded now came from the cache."""
    def refuse(self, path):
        raise AssertionError(f"parsed {path}")
    monkeypatch.setattr(pyphen.HyphDict, "__init__", refuse)


def tampered(lang: str) -> str:
    """Cache text in the right format whose patterns hyphenate differently."""
    fake = pyphen.HyphDict(dic(lang))
    fake.patterns = {"a": (0, (1,)), "e": (0, (1,)), "o": (0, (1,))}
    fake.maxlen = 1
    text = hyphenation._encode(fake)
    assert text is not None
    return text


# ---------------------------------------------------------------- hyphenation cache

@pytest.mark.parametrize("lang", [*LANGS, "hu"])  # Hungarian: nonstandard hyphenation too
def test_cached_hyphenation_equals_parsed(cache_home, monkeypatch, lang):
    fresh = pyphen.HyphDict(dic(lang))
    first = hyphenation.load(dic(lang))  # parses and writes the cache
    cached = hyphenation.cached_path(dic(lang))
    assert cached.suffix == ".json"
    json.loads(cached.read_text(encoding="utf-8"))  # data, not code
    no_parsing(monkeypatch)
    again = hyphenation.load(dic(lang))
    assert isinstance(again, pyphen.HyphDict)
    assert same_dictionary(fresh, first) and same_dictionary(fresh, again)


def test_preload_hands_the_cached_dictionary_to_pyphen(cache_home, monkeypatch):
    expected = hyphenated(pyphen.HyphDict(dic("de-DE")), "Sicherheitspolitik")[0]
    hyphenation.load(dic("de-DE"))
    monkeypatch.setattr(pyphen, "hdcache", {})
    no_parsing(monkeypatch)
    hyphenation.preload("de-DE")
    assert pyphen.Pyphen(lang="de_DE").inserted("Sicherheitspolitik") == expected


@pytest.mark.parametrize("content", [b"", b"\x80\x81 not text", b'{"format": 1, "keys"',
                                     b"[1, 2, 3]", b'{"format": 99}', b"null"])
def test_a_corrupt_cache_file_is_parsed_again_and_replaced(cache_home, content):
    cached = hyphenation.cached_path(dic("fr"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(content)
    assert same_dictionary(hyphenation.load(dic("fr")), pyphen.HyphDict(dic("fr")))
    assert json.loads(cached.read_text(encoding="utf-8"))["format"] == hyphenation.FORMAT


def test_malformed_patterns_are_parsed_again(cache_home):
    good = json.loads(hyphenation._encode(pyphen.HyphDict(dic("it"))) or "")
    cached = hyphenation.cached_path(dic("it"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    n = len(good["keys"])
    for change in ({"values": ["x"] * n}, {"values": good["values"][1:]},
                   {"values": ["1:0x1"] * n}, {"values": [":01"] * n}, {"values": ["-1:01"] * n},
                   {"values": ["\u0663:01"] * n}, {"values": [1] * n},
                   {"keys": [1] * n}, {"alternatives": {"nope": [[0, 1, "a", 0, 0]]}},
                   {"alternatives": {good["keys"][0]: [[99, 1, "a", 0, 0]]}}, {"keys": []},
                   {"format": 1}):
        cached.write_text(json.dumps({**good, **change}), encoding="utf-8")
        assert same_dictionary(hyphenation.load(dic("it")), pyphen.HyphDict(dic("it"))), change


def test_a_planted_pickle_is_never_unpickled(cache_home, tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.write_text, (marker, "ran"))

    folder = fonts.cache_dir() / "hyphenation"
    digest = hashlib.sha256(dic("de").read_bytes()).hexdigest()[:16]
    for name in (f"{dic('de').stem}-{digest}.pickle", hyphenation.cached_path(dic("de")).name):
        (folder / name).write_bytes(pickle.dumps(Payload()))
    hyphenation.load(dic("de"))
    assert not marker.exists()


def untrusted_setups():
    def world_writable(folder: Path, monkeypatch) -> str:
        folder.chmod(0o777)
        return "other users may write to it"

    def group_writable(folder: Path, monkeypatch) -> str:
        folder.chmod(0o770)
        return "other users may write to it"

    def foreign_owner(folder: Path, monkeypatch) -> str:
        uid = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: uid + 4242)
        return "another user owns it"

    def writable_subfolder(folder: Path, monkeypatch) -> str:
        (folder / "hyphenation").chmod(0o777)
        return "other users may write to it"

    def writable_parent(folder: Path, monkeypatch) -> str:
        folder.parent.chmod(0o777)  # not sticky: others may rename the cache folder away
        return f"other users may write to {folder.parent}"

    return [world_writable, group_writable, foreign_owner, writable_subfolder, writable_parent]


@pytest.fixture
def warnings_logged():
    """Warnings of the ``publisher`` logger (which the command line keeps from the root)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("publisher")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.parametrize("setup", untrusted_setups(), ids=lambda f: f.__name__)
def test_nothing_is_read_from_a_cache_folder_others_control(cache_home, monkeypatch, warnings_logged,
                                                            setup):
    """A planted pattern file in a folder another user owns or may write to is never
    read: a private temporary folder serves the build instead."""
    (cache_home / "hyphenation").mkdir(parents=True)
    cache_home.chmod(0o700)
    cached = hyphenation.cached_path(dic("es"))
    fonts.cache_dir.cache_clear()
    cached.write_text(tampered("es"), encoding="utf-8")
    reason = setup(cache_home, monkeypatch)
    folder = fonts.cache_dir()
    assert folder != cache_home
    assert any(f"not used as the cache: {reason} (" in r.getMessage() for r in warnings_logged)
    assert same_dictionary(hyphenation.load(dic("es")), pyphen.HyphDict(dic("es")))
    assert cached.read_text(encoding="utf-8") == tampered("es")  # neither read nor rewritten


def test_a_private_folder_in_a_sticky_one_is_used(cache_home):
    cache_home.parent.chmod(0o1777)  # like /tmp: others cannot rename what is ours
    assert fonts.cache_dir() == cache_home


def test_a_symlinked_cache_folder_is_not_used(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(link))
    fonts.cache_dir.cache_clear()
    try:
        assert fonts.cache_dir() not in (link, real)
    finally:
        fonts.cache_dir.cache_clear()


def test_a_cache_file_others_may_write_is_not_read(cache_home):
    cached = hyphenation.cached_path(dic("ru"))
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(tampered("ru"), encoding="utf-8")
    cached.chmod(0o666)
    assert same_dictionary(hyphenation.load(dic("ru")), pyphen.HyphDict(dic("ru")))
    assert stat.S_IMODE(cached.stat().st_mode) == 0o644  # replaced by a good copy


def test_fallback_folder_is_private_new_and_removed_at_exit(tmp_path):
    """A cache home that cannot be written: each process gets a new 0700 folder of its
    own (not a name another user could guess and create first), gone when it exits."""
    not_a_folder = tmp_path / "cache-home"
    not_a_folder.write_text("a file where a folder should be")
    env = {**os.environ, "XDG_CACHE_HOME": str(not_a_folder), "PYTHONPATH": str(ROOT)}
    env.pop("PUBLISHER_CACHE_DIR", None)
    code = ("import os, stat\nfrom publisher.writers.fonts import cache_dir\nf = cache_dir()\n"
            "st = os.lstat(f)\nprint(f, oct(stat.S_IMODE(st.st_mode)), st.st_uid == os.getuid(),\n"
            "      sorted(os.listdir(f)))\n")
    seen = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.strip().split(maxsplit=2)
        assert out[1:] == ["0o700", "True ['fonts', 'hyphenation', 'templates']"]
        folder = Path(out[0])
        assert folder.parent == Path(tempfile.gettempdir())
        assert folder.name != f"publisher-cache-{os.getuid()}"
        assert not folder.exists()  # removed when the process ended
        seen.append(folder)
    assert seen[0] != seen[1]


def test_font_instances_and_coverage_only_from_private_files(cache_home):
    todo = {target: (source, weight) for source, weight, target in fonts.missing_instances()}
    assert todo, "a fresh cache has no font instances yet"
    target = Path(next(iter(todo)))
    assert target.parent == fonts.cache_dir() / "fonts"
    target.write_bytes(b"a font someone else may have written")
    target.chmod(0o666)
    assert str(target) in {t for *_, t in fonts.missing_instances()}  # made again
    target.chmod(0o644)
    assert str(target) not in {t for *_, t in fonts.missing_instances()}

    real = fonts.covered_codepoints()
    coverage = next((fonts.cache_dir() / "fonts").glob("coverage-*.json"))
    coverage.write_text("[65]", encoding="ascii")
    coverage.chmod(0o666)
    fonts.covered_codepoints.cache_clear()
    assert fonts.covered_codepoints() == real


# ---------------------------------------------------------------- the build lock

def test_lock_never_follows_a_symlink(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("do not truncate me", encoding="utf-8")
    (out / matrix.LOCK).symlink_to(precious)
    with pytest.raises(matrix.LockError) as info:
        with matrix.build_lock(out, lambda: None):
            pytest.fail("locked through a symbolic link")
    assert precious.read_text(encoding="utf-8") == "do not truncate me"
    assert info.value.path == str(out / matrix.LOCK)
    assert "symbolic link" in str(info.value) and "\n" not in str(info.value)

    (out / matrix.LOCK).unlink()
    (out / matrix.LOCK).symlink_to(tmp_path / "not-there")  # dangling: nothing is created
    with pytest.raises(matrix.LockError):
        with matrix.build_lock(out, lambda: None):
            pass
    assert not (tmp_path / "not-there").exists()


def test_lock_refuses_a_fifo_and_keeps_a_plain_file(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    os.mkfifo(out / matrix.LOCK)
    with pytest.raises(matrix.LockError, match="not a regular file"):
        with matrix.build_lock(out, lambda: None):
            pass
    (out / matrix.LOCK).unlink()
    (out / matrix.LOCK).write_text("left by an older build", encoding="utf-8")
    with matrix.build_lock(out, lambda: None):
        pass
    assert (out / matrix.LOCK).read_text(encoding="utf-8") == "left by an older build"


def test_build_reports_a_symlinked_lock_in_one_line(tmp_path):
    copy_project(tmp_path)
    (tmp_path / "build").mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("keep", encoding="utf-8")
    (tmp_path / "build" / matrix.LOCK).symlink_to(precious)
    proc = publisher_cli("build", "--format", "html", "--lang", "en", "-j", "1", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        f"build/{matrix.LOCK}: error: [lock] the build lock is a symbolic link")
    assert precious.read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "build" / "fsc-pc-92-dprk").exists()


# ---------------------------------------------------------------- workers die with the build

def kill_build_when(proc: subprocess.Popen[bytes], ready: Callable[[dict[int, str]], bool],
                    ) -> dict[int, str]:
    """Wait until ``ready(workers)``, SIGKILL the build, return the workers it had."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the build ended before it was killed"
        workers = descendants(proc.pid)
        if ready(workers):
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            return workers
        time.sleep(0.01)
    proc.kill()
    pytest.fail("the build never started its workers")


def assert_all_gone(workers: dict[int, str]) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        survivors = [pid for pid, started in workers.items() if alive(pid, started)]
        if not survivors:
            return
        time.sleep(0.05)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    pytest.fail(f"worker(s) {survivors} outlived the killed build")


def start_build(root: Path, *args: str, env: dict[str, str] | None = None,
                ) -> subprocess.Popen[bytes]:
    """``publisher build ARGS`` in the background; its messages go to ``root/stderr.txt``,
    its temporary files (unless ``env`` says where) to ``root/.tmp``: a build killed
    outright cannot remove them."""
    scratch = root / ".tmp"
    scratch.mkdir(exist_ok=True)
    full_env = {**os.environ, "TMPDIR": str(scratch), **(env or {}), "PYTHONPATH": str(ROOT)}
    with open(root / "stderr.txt", "wb") as stderr:
        return subprocess.Popen([sys.executable, "-m", "publisher", "build", *args], cwd=root,
                                env=full_env, stdout=subprocess.DEVNULL, stderr=stderr)


def manifest_agrees_with_disk(out_root: Path) -> None:
    path = out_root / matrix.MANIFEST
    if not path.exists():
        return
    for entry in json.loads(path.read_text(encoding="utf-8"))["outputs"]:
        data = (out_root / entry["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"]), \
            entry["path"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_render_workers_die_with_a_killed_build(tmp_path):
    """Killed while its workers render (some outputs replaced, others not yet): no
    worker lives on, and no manifest names the files of the build before."""
    root = copy_project(tmp_path)
    args = ("--format", "html,pdf", "--lang", "en,fr,de", "-j", "2")
    proc = publisher_cli("build", *args, cwd=root)
    assert proc.returncode == 0, proc.stderr
    manifest_agrees_with_disk(root / "build")
    css = root / "templates" / "statement.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* restyled */\n", encoding="utf-8")
    running = start_build(root, *args)
    workers = kill_build_when(running, lambda found: len(found) >= 2
                              and "[1/6]" in (root / "stderr.txt").read_text(encoding="utf-8"))
    assert_all_gone(workers)
    assert not (root / "build" / matrix.MANIFEST).exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_stops_the_build_and_its_workers_quietly(tmp_path):
    """Ctrl-C reaches the whole process group: the build stops its workers itself (they
    ignore it), says it was stopped, and no worker prints a traceback or lives on."""
    root = copy_project(tmp_path / "p")
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = start_build(root, "--format", "html,pdf", "--lang", "en,fr,de,it", "-j", "2",
                       env={"TMPDIR": str(temp)})
    stderr = root / "stderr.txt"
    deadline = time.monotonic() + 120
    # The build's own process makes the web pages first; a PDF comes from a worker.
    while ".pdf (" not in stderr.read_text(encoding="utf-8"):
        assert proc.poll() is None and time.monotonic() < deadline, stderr.read_text()
        time.sleep(0.01)
    workers = descendants(proc.pid)
    assert len(workers) >= 2
    for pid in [proc.pid, *workers]:  # as a terminal sends it: to every process
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            pass  # one that ended meanwhile (a terminal's signal to the group skips it too)
    assert proc.wait(timeout=60) == 1
    assert_all_gone(workers)
    said = stderr.read_text(encoding="utf-8")
    assert "Traceback" not in said and "Aborted" in said, said
    assert not (root / "build" / matrix.MANIFEST).exists()
    assert list(temp.iterdir()) == [], "the workers' temporary files were left behind"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_font_workers_die_with_a_killed_build(tmp_path):
    root = copy_project(tmp_path)
    cache = tmp_path / "cache"  # empty: the build first makes the font instances
    proc = start_build(root, "--format", "pdf", "--lang", "en", "-j", "2",
                       env={"PUBLISHER_CACHE_DIR": str(cache)})
    workers = kill_build_when(proc, lambda found: len(found) >= 2)
    assert len(list((cache / "fonts").glob("*.ttf"))) < 4, "the font workers had finished"
    assert_all_gone(workers)


# ---------------------------------------------------------------- the manifest

def html_build(proj: Project, *langs: str) -> None:
    report = build(proj, BuildOptions(jobs=1, formats=["html"], languages=list(langs)))
    assert not report.failed


def test_manifest_is_taken_away_while_outputs_are_replaced(tmp_path, monkeypatch):
    proj = Project(copy_project(tmp_path))
    html_build(proj, "en", "fr")
    out = proj.build_dir
    assert len(json.loads((out / matrix.MANIFEST).read_text(encoding="utf-8"))["outputs"]) == 2

    po = proj.root / "locales" / "fr" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    po.write_text(po.read_text(encoding="utf-8").replace("Messieurs les Présidents,",
                                                         "Mesdames et Messieurs les Présidents,"),
                  encoding="utf-8")

    def killed(*args: object) -> None:
        raise KeyboardInterrupt("killed after the outputs were written")

    monkeypatch.setattr(matrix.BuildCache, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        html_build(proj, "en", "fr")
    monkeypatch.undo()
    assert "Mesdames" in (out / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.fr.html").read_text()
    manifest_agrees_with_disk(out)
    assert not (out / matrix.MANIFEST).exists()

    # A later build of other outputs does not list the file the killed build left.
    html_build(proj, "en")
    listed = {e["path"] for e in json.loads((out / matrix.MANIFEST).read_text())["outputs"]}
    assert listed == {"fsc-pc-92-dprk/fsc-pc-92-dprk.en.html"}
    manifest_agrees_with_disk(out)

    html_build(proj, "en", "fr")  # and the next full build lists both again
    assert len(json.loads((out / matrix.MANIFEST).read_text())["outputs"]) == 2
    manifest_agrees_with_disk(out)


def test_manifest_hashes_what_is_on_disk(tmp_path):
    """An output whose bytes changed under the same size and time (the cache cannot
    tell) is left out of the manifest rather than listed with a stale checksum."""
    proj = Project(copy_project(tmp_path))
    html_build(proj, "en", "fr")
    out = proj.build_dir
    fr = out / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.fr.html"
    st = fr.stat()
    data = fr.read_bytes()
    changed = data.replace(b"<html", b"<HTML", 1)
    assert changed != data and len(changed) == len(data)
    fr.write_bytes(changed)
    os.utime(fr, ns=(st.st_atime_ns, st.st_mtime_ns))
    html_build(proj, "en", "fr")  # nothing to render: the cache thinks fr is fresh
    listed = {e["path"] for e in json.loads((out / matrix.MANIFEST).read_text())["outputs"]}
    assert listed == {"fsc-pc-92-dprk/fsc-pc-92-dprk.en.html"}
    manifest_agrees_with_disk(out)
