"""Answers remembered per machine (publisher.machine), the early start of the workers
and the command's quick exit: each gives what the slow way gives, a cache entry that is
damaged, foreign or of the wrong shape is worked out again, and nothing is lost at exit."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale

from publisher import machine, matrix
from publisher.i18n import wording
from publisher.writers import fonts, webfonts

from .conftest import cli_env, copy_project, publisher_cli, run

SAMPLE = "seeds/fsc-pc-92-dprk.md"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(folder))

    def clear() -> None:
        for cached in (fonts.cache_dir, fonts.font_faces, fonts.file_sha256, webfonts._cmap):
            cached.cache_clear()
        wording._CLDR.table = None

    clear()
    yield folder
    clear()


def _only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_remembered_computes_once_and_recovers_from_bad_entries(cache_home):
    calls = []

    def compute() -> list[int]:
        calls.append(1)
        return [1, 2, 3]

    def read(data: object) -> list[int] | None:
        return data if isinstance(data, list) and all(type(x) is int for x in data) else None

    assert machine.remembered("t", "key", compute, read) == [1, 2, 3]
    assert machine.remembered("t", "key", compute, read) == [1, 2, 3]
    assert len(calls) == 1
    entry = _only(cache_home, "t-*.json")
    for damage in ("{not json", json.dumps({"a": 1}), json.dumps(["x"])):
        entry.write_text(damage, encoding="utf-8")
        assert machine.remembered("t", "key", compute, read) == [1, 2, 3]
    assert len(calls) == 4
    entry.write_text("[9]", encoding="utf-8")
    entry.chmod(0o666)  # another user could have written it: not read
    assert machine.remembered("t", "key", compute, read) == [1, 2, 3]
    assert len(calls) == 5
    assert machine.remembered("t", "other key", compute, read) == [1, 2, 3]
    assert len(calls) == 6


def test_code_point_runs_round_trip_and_refuse_nonsense():
    points = frozenset({0x20, 0x21, 0x22, 0x41, 0x430, 0x431, 0x10FFFF})
    runs = machine.int_ranges(points)
    assert runs == [[0x20, 0x22], [0x41, 0x41], [0x430, 0x431], [0x10FFFF, 0x10FFFF]]
    assert machine.from_int_ranges(json.loads(json.dumps(runs))) == points
    for bad in ({"a": 1}, [[2, 1]], [[0, 0x110000]], [[1]], [["1", 2]], [[True, 2]]):
        assert machine.from_int_ranges(bad) is None


def test_language_names_from_the_cache_are_babels(cache_home):
    langs = ["en", "uk", "fr", "de", "it", "ru", "es", "ar"]
    for lang in langs:
        for other in langs:
            assert wording.language_name(other, lang) == \
                Locale.parse(other).get_display_name(Locale.parse(lang))
    wording._CLDR.table = None  # a new process: answers come from the file
    assert wording.language_name("uk", "fr") == "ukrainien"
    assert wording.direction("ar") == "rtl" and wording.direction("uk") == "ltr"
    assert wording.region_tag("uk") == "uk-UA"
    entry = _only(cache_home, "cldr-names-*.json")
    table = json.loads(entry.read_text(encoding="utf-8"))
    table["direction:ar"] = "javascript:alert(1)"
    entry.write_text(json.dumps(table), encoding="utf-8")
    wording._CLDR.table = None
    assert wording.direction("ar") == "rtl"  # only ltr or rtl is ever taken from it


def test_font_faces_code_points_and_checksums_from_the_cache(cache_home):
    fresh = fonts.font_faces()
    face = fresh[0].path
    fonts.font_faces.cache_clear()
    assert fonts.font_faces() == fresh
    assert fonts.file_sha256(face) == hashlib.sha256(face.read_bytes()).hexdigest()
    fonts.file_sha256.cache_clear()
    assert fonts.file_sha256(face) == hashlib.sha256(face.read_bytes()).hexdigest()

    from fontTools.ttLib import TTFont

    font = TTFont(str(face), lazy=True)
    truth = frozenset(font.getBestCmap())
    font.close()
    assert webfonts._cmap(face) == truth
    webfonts._cmap.cache_clear()
    assert webfonts._cmap(face) == truth

    entry = _only(cache_home, "font-faces-*.json")
    rows = json.loads(entry.read_text(encoding="utf-8"))
    for bad in ([["Comic Sans", "normal", str(face), [400], False]],
                [[rows[0][0], "normal", "relative/path.ttf", [400], False]],
                [[rows[0][0], "normal", str(face), [400, 5000], False]], []):
        entry.write_text(json.dumps(bad), encoding="utf-8")
        fonts.font_faces.cache_clear()
        assert fonts.font_faces() == fresh


_EARLY_START = """
import json, sys
from pathlib import Path
from publisher import build as build_module, matrix
from publisher.build import BuildOptions, build
from publisher.project import Project

pools, seen = [], []
real_renderer, real_summarize = matrix.Renderer, build_module.summarize

def renderer(workers, formats):
    pools.append(real_renderer(workers, formats))
    return pools[-1]

def summarize(*args, **kwargs):  # the statements are read after the worker started
    seen.append([p.started for p in pools])
    return real_summarize(*args, **kwargs)

matrix.Renderer, build_module.summarize = renderer, summarize
root = Path(sys.argv[1])
options = BuildOptions(paths=(root / "seeds/fsc-pc-92-dprk.md",), languages=("uk",),
                       formats=["pdf"], jobs=2)
first = build(Project(root), options)
workers = [p.workers for p in pools]
pools.clear()
again = build(Project(root), options)
print(json.dumps({"built": first.built, "seen": seen, "workers": workers,
                  "again": [again.built, again.up_to_date], "pools_again": len(pools)}))
"""


def test_a_first_build_of_one_pdf_starts_one_worker_early(tmp_path):
    """In a fresh process (the engines not loaded), a first build of one PDF starts one
    worker, before the statement is read; a rebuild with nothing stale starts none."""
    proj = copy_project(tmp_path)
    out = run(sys.executable, "-c", _EARLY_START, str(proj), env=cli_env()).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found == {"built": 1, "seen": [[1], []], "workers": [1], "again": [0, 1],
                     "pools_again": 0}
    pdf = proj / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_the_command_exits_with_its_code_and_its_output_flushed(tmp_path):
    proj = copy_project(tmp_path)
    ok = publisher_cli("stats", cwd=proj)
    assert ok.returncode == 0 and "fsc-pc-92-dprk" in ok.stdout
    (proj / "seeds" / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n",
                                              encoding="utf-8")
    bad = publisher_cli("build", "seeds/broken.md", cwd=proj)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("seeds/broken.md:")
    usage = publisher_cli("build", "--format", "epub", cwd=proj)
    assert usage.returncode == 2 and "epub" in usage.stderr


@pytest.mark.parametrize("args", [
    ("--lang", "uk", "--format", "html"),
    ("--lang", "uk,fr", "--format", "pdf,html", "-j", "2"),
], ids=["web page in-process", "PDFs in two workers"])
def test_the_command_still_removes_its_temporary_cache_folder(tmp_path, args):
    """The exit handlers run before the quick exit: a cache folder made for one process
    (the cache home cannot be written) is removed when the command ends. Its workers
    use the same folder (the font instances are made once), and remove the copies of
    the faces WeasyPrint made for them as they end."""
    proj = copy_project(tmp_path / "p")
    not_a_folder = tmp_path / "cache-home"
    not_a_folder.write_text("a file where a folder should be")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {"XDG_CACHE_HOME": str(not_a_folder), "TMPDIR": str(temp)}
    saved = os.environ.pop("PUBLISHER_CACHE_DIR", None)
    try:
        done = publisher_cli("build", SAMPLE, *args, cwd=proj, env=env)
    finally:
        if saved is not None:
            os.environ["PUBLISHER_CACHE_DIR"] = saved
    assert done.returncode == 0, done.stderr
    assert (proj / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.uk.html").is_file()
    assert list(temp.iterdir()) == [], "the command left temporary folders behind"
    assert done.stderr.count("static font instance(s)") <= 1


@pytest.mark.parametrize("args", [("--format", "pdf"), ("--format", "pdf,html", "-j", "2")],
                         ids=["one worker", "two workers"])
def test_a_pdf_build_leaves_nothing_in_the_temporary_folder(tmp_path, args):
    """WeasyPrint copies the faces into a temporary folder it only removes when its font
    configuration is garbage-collected, which a worker never is: each process that
    made one removes it as it ends."""
    proj = copy_project(tmp_path / "p")
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = publisher_cli("build", SAMPLE, "--lang", "uk,fr", *args, cwd=proj,
                         env={"TMPDIR": str(temp)})
    assert done.returncode == 0, done.stderr
    assert (proj / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.fr.pdf").is_file()
    assert list(temp.iterdir()) == []


def test_a_process_with_the_engines_loaded_renders_one_worker_in_process():
    """``publisher serve`` loads the engines once in its own process: its builds (one
    worker) must render there, not in a fresh worker that loads them again."""
    matrix.load_engines(("html", "pdf", "docx"))
    assert not matrix.engine_to_load(["html", "pdf", "docx"])
    renderer = matrix.Renderer(1, ("docx", "html", "pdf"))
    try:
        assert renderer.in_process
        renderer.engage(3, 1)
        assert renderer.started == 0 and renderer.pool is None
    finally:
        renderer.close()
    several = matrix.Renderer(2, ("pdf",))  # two workers: worker processes, as ever
    try:
        assert not several.in_process
        several.engage(2, 2)
        assert several.started == 2 and several.pool is not None
    finally:
        several.close()


def test_a_later_build_removes_the_worker_folders_of_a_killed_one(tmp_path, monkeypatch):
    """A build killed outright leaves its workers' folder; a later build removes such
    folders once they are a day old and their build process is gone, and nothing else:
    not a running build's, not another kind of file, not a link."""
    import tempfile
    import time

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(gone.stdout)
    old = time.time() - matrix.SCRATCH_KEPT - 60

    def folder(name: str, age: float = old) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "face.ttf").write_bytes(b"x" * 100)
        os.utime(path, (age, age))
        return path

    killed = folder(f"{matrix.SCRATCH}{dead}-abc123")
    recent = folder(f"{matrix.SCRATCH}{dead}-recent", age=time.time())
    running = folder(f"{matrix.SCRATCH}{os.getpid()}-live")
    other = folder("publisher-other-1-x")
    plain = tmp_path / f"{matrix.SCRATCH}{dead}-file"
    plain.write_text("not a folder")
    link = tmp_path / f"{matrix.SCRATCH}{dead}-link"
    link.symlink_to(other)
    os.utime(plain, (old, old))
    assert matrix.sweep_scratch() == [killed.name]
    assert not killed.exists()
    assert all(p.exists() for p in (recent, running, other, plain, link))
    assert (other / "face.ttf").exists()


def test_compiled_templates_are_kept_apart_by_the_options_they_were_compiled_under(tmp_path):
    """One cache folder, one template file, two sets of Jinja options: each renders what
    a fresh compilation renders (Jinja's own entry name, the template's name and file,
    would hand the second environment the first one's code); the same options share it."""
    import jinja2

    from publisher.writers.html import OPTIONS, POLICIES, CompiledTemplates

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "a.html").write_text("{% if true %}\n  X\n{% endif %}\n", encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir()

    def render(options: dict, cached: bool) -> str:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), **options,
                                 bytecode_cache=CompiledTemplates(str(cache), options, POLICIES)
                                 if cached else None)
        env.policies.update(POLICIES)
        return env.get_template("a.html").render()

    ours = dict(OPTIONS)
    other = {**OPTIONS, "trim_blocks": False, "lstrip_blocks": False}
    assert render(ours, False) != render(other, False)
    for options in (ours, other, ours):
        assert render(options, True) == render(options, False)
    assert len(list(cache.iterdir())) == 2


def test_copies_of_a_template_share_their_compiled_code_and_keep_their_own_file(tmp_path):
    """A project copied elsewhere (a checkout, a CI job's folder) reuses the compiled
    templates: an entry is named by the template's name and source, not its folder. The
    code read back names the file it now serves, as a fresh compilation would; an edited
    template is compiled again."""
    import traceback

    import jinja2

    from publisher.writers.html import OPTIONS, POLICIES, CompiledTemplates

    cache = tmp_path / "cache"
    cache.mkdir()
    source = "{% for x in items %}{{ x }} {% endfor %}{{ missing }}\n"
    folders = [tmp_path / "one", tmp_path / "two"]

    def template(folder: Path) -> jinja2.Template:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), **OPTIONS,
                                 bytecode_cache=CompiledTemplates(str(cache), OPTIONS, POLICIES))
        env.policies.update(POLICIES)
        return env.get_template("page.html")

    for folder in folders:
        folder.mkdir()
        (folder / "page.html").write_text(source, encoding="utf-8")
        t = template(folder)
        assert t.filename == str(folder / "page.html")
        with pytest.raises(jinja2.UndefinedError) as raised:
            t.render(items=[1, 2])
        files = {f.filename for f in traceback.extract_tb(raised.tb)}
        assert str(folder / "page.html") in files
        assert not {str(f / "page.html") for f in folders if f != folder} & files
    assert len(list(cache.iterdir())) == 1
    (folders[1] / "page.html").write_text("{{ 1 + 1 }}\n", encoding="utf-8")
    assert template(folders[1]).render() == "2"
    assert len(list(cache.iterdir())) == 2


def test_entries_unread_for_a_month_are_pruned_once_a_day(tmp_path):
    """Compiled templates (one per version of a template), answers keyed by a file's time and
    font subsets keyed by a statement's characters grow with what is built; entries no
    one has read for UNUSED_DAYS go, once a day. Recent entries, the fonts' static
    instances, and files that are not the cache's own stay."""
    now = 2_000_000_000.0
    old = now - (machine.UNUSED_DAYS + 1) * 86400
    fresh = now - 86400
    (tmp_path / "templates").mkdir()
    (tmp_path / "fonts").mkdir()
    names = {
        "font-faces-0123456789abcdef01234567.json": True,
        "templates/__jinja2_" + "a" * 40 + ".cache": True,
        "fonts/web-" + "b" * 32 + ".woff2": True,
        "fonts/docx-subset-NotoSerif-Regular-" + "c" * 24 + ".ttf": True,
        "fonts/notoserif-normal-400-0123456789ab.ttf": False,  # a static instance
        "notes.txt": False,  # not ours
        "templates/__jinja2_mine.cache": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (old, old))
    recent = tmp_path / ("sha256-" + "d" * 24 + ".json")
    recent.write_bytes(b"x")
    os.utime(recent, (fresh, old))  # read yesterday
    assert machine.prune(tmp_path, now) == 4
    left = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert left == {name for name, goes in names.items() if not goes} | {
        "sha256-" + "d" * 24 + ".json", machine.PRUNED}
    later = tmp_path / ("cmap-" + "e" * 24 + ".json")
    later.write_bytes(b"x")
    os.utime(later, (old, old))
    os.utime(tmp_path / machine.PRUNED, (now - 3600, now - 3600))
    assert machine.prune(tmp_path, now) == 0  # pruned within the day
    os.utime(tmp_path / machine.PRUNED, (now - 90000, now - 90000))
    assert machine.prune(tmp_path, now) == 1


def test_a_command_prunes_the_cache_folder_it_uses(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    entry = cache / ("font-faces-" + "f" * 24 + ".json")
    entry.write_text("[]")
    os.utime(entry, (1_000_000_000, 1_000_000_000))
    proc = subprocess.run([sys.executable, "-c", "from publisher.machine import cache_dir; "
                           "print(cache_dir())"], env={**os.environ,
                          "PUBLISHER_CACHE_DIR": str(cache)}, capture_output=True, text=True)
    assert proc.stdout.strip() == str(cache), proc.stderr
    assert not entry.exists() and (cache / machine.PRUNED).is_file()
