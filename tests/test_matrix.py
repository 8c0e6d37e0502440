"""CI-grade builds: incremental, parallel, sharded, locked, reproducible, with a manifest."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.fsutil import atomic_write
from publisher.pipeline import BuildOptions, Project, build

from .conftest import LANGS, ROOT, MatrixBuild, copy_built, copy_project, publisher_cli

ALL = len(LANGS) * 3


@pytest.fixture
def proj(tmp_path: Path) -> Project:
    """A copy of the project, nothing built yet."""
    return Project(copy_project(tmp_path))


@pytest.fixture
def built_proj(matrix_build: MatrixBuild, tmp_path: Path) -> Project:
    """A copy of the session's cold matrix build (see conftest): every output up to date."""
    return Project(copy_built(matrix_build.root, tmp_path))


def outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "fsc-pc-92-dprk").iterdir())}


def test_incremental_rebuilds_only_what_changed(matrix_build, built_proj):
    first = matrix_build.summary  # the cold build this project was copied from
    assert (first["built"], first["up_to_date"], first["failed"]) == (ALL, 0, [])
    proj = built_proj
    noop = build(proj, BuildOptions())
    assert (noop.built, noop.up_to_date) == (0, ALL)
    assert len(noop.outputs) == ALL

    po = proj.root / "locales" / "fr" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    po.write_text(po.read_text(encoding="utf-8").replace("Messieurs les Présidents,",
                                                         "Mesdames et Messieurs les Présidents,"),
                  encoding="utf-8")
    fr = build(proj, BuildOptions(jobs=1))
    assert (fr.built, fr.up_to_date) == (3, ALL - 3)
    html = (proj.build_dir / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.fr.html").read_text()
    assert "Mesdames et Messieurs les Présidents," in html

    css = proj.root / "templates" / "statement.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* restyled */\n", encoding="utf-8")
    restyled = build(proj, BuildOptions(jobs=1, formats=["html", "docx"]))
    assert (restyled.built, restyled.up_to_date) == (len(LANGS), len(LANGS))  # not the DOCX

    victim = proj.build_dir / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.de.docx"
    victim.unlink()
    again = build(proj, BuildOptions(jobs=1, formats=["docx"]))
    assert (again.built, again.up_to_date) == (1, len(LANGS) - 1)
    assert victim.exists()

    seed = proj.root / "seeds" / "fsc-pc-92-dprk.md"
    seed.write_text(seed.read_text(encoding="utf-8").replace("date: 2024-11-06",
                                                             "date: 2024-11-07"), encoding="utf-8")
    dated = build(proj, BuildOptions(jobs=2, formats=["html"]))
    assert dated.built == len(LANGS)


def test_noop_rebuild_says_so_and_imports_no_engine(built_proj):
    proj = built_proj  # built by `publisher build` (matrix_build), copied with its cache
    code = ("import sys\nfrom publisher.cli import main\n"
            "try:\n    main(['build'])\nexcept SystemExit as e:\n    code = e.code\n"
            "print('HEAVY', sorted(m for m in ('weasyprint', 'docx', 'babel', 'jinja2', "
            "'markdown_it', 'yaml') if m in sys.modules))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=proj.root, capture_output=True,
                          text=True, env=env, check=True)
    assert "HEAVY []" in proc.stdout
    assert f"nothing to do: {ALL} output(s) up to date" in proc.stderr


def test_jobs_and_runs_give_identical_bytes(matrix_build, two_builds_at_once):
    """Two runs in two copies of the project (conftest): two workers (``matrix_build``)
    and one worker (the first of ``two_builds_at_once``)."""
    one, two = two_builds_at_once.root / "build", matrix_build.root / "build"
    assert matrix_build.summary["built"] == ALL
    assert len(outputs(one)) == ALL
    assert outputs(one) == outputs(two)
    assert (one / "manifest.json").read_bytes() == (two / "manifest.json").read_bytes()
    assert (one / "index.html").read_bytes() == (two / "index.html").read_bytes()


def test_manifest_lists_every_output_with_checksum(matrix_build):
    import hashlib

    build_dir = matrix_build.root / "build"
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["generator"].startswith("publisher ")
    entries = manifest["outputs"]
    assert len(entries) == ALL
    assert [e["path"] for e in entries] == sorted(e["path"] for e in entries)
    for e in entries:
        data = (build_dir / e["path"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest() and e["size"] == len(data)
        assert e["statement"] == "fsc-pc-92-dprk" and e["format"] in ("html", "pdf", "docx")
        assert e["completeness"] == 100.0
    assert "time" not in json.dumps(manifest)


def test_a_failed_output_does_not_stop_the_others(proj):
    (proj.root / "templates" / "reference.docx").write_bytes(b"not a zip")
    proc = publisher_cli("build", "--lang", "en,uk", cwd=proj.root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    failed = [ln for ln in proc.stderr.splitlines() if ": error: " in ln]
    assert len(failed) == 2 and all(".docx: error: " in ln for ln in failed)
    assert "built 4 file(s), 2 FAILED" in proc.stderr
    out = proj.build_dir / "fsc-pc-92-dprk"
    assert sorted(p.name for p in out.iterdir()) == [
        "fsc-pc-92-dprk.en.html", "fsc-pc-92-dprk.en.pdf",
        "fsc-pc-92-dprk.uk.html", "fsc-pc-92-dprk.uk.pdf"]


def test_a_problem_in_one_edition_fails_only_its_outputs(built_proj):
    """A character the PDF fonts lack fails that edition's PDF only; a catalogue that does
    not read fails that language's outputs only. Both are reported, the rest is built and
    nothing stale is left to be published."""
    proj = built_proj
    po = proj.root / "locales" / "{lang}" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    uk = Path(str(po).format(lang="uk"))
    uk.write_text(uk.read_text(encoding="utf-8").replace(
        'msgstr "Шановні Голови,"', 'msgstr "Шановні Голови ☃,"'), encoding="utf-8")
    fr = Path(str(po).format(lang="fr"))
    text = fr.read_text(encoding="utf-8")
    fr.write_text(text.replace('msgstr "', 'msgstr "unterminated\n', 1), encoding="utf-8")
    broken_line = text[:text.index('msgstr "')].count("\n") + 1
    snow_line = uk.read_text(encoding="utf-8").split("\n").index('msgstr "Шановні Голови ☃,"') + 1

    proc = publisher_cli("build", "--json", cwd=proj.root)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ": error: " in ln]
    assert errors == [
        f"locales/fr/LC_MESSAGES/fsc-pc-92-dprk.po:{broken_line}: error: [catalogue] cannot "
        "parse catalogue: unterminated string",
        # the line of the translation that brought it
        f"locales/uk/LC_MESSAGES/fsc-pc-92-dprk.po:{snow_line}: error: [glyphs] uk: no glyph in "
        "the PDF fonts (Noto Serif, Amiri) for '☃' (U+2603 SNOWMAN)"], proc.stderr
    summary = json.loads(proc.stdout)
    failed = {(f["language"], f["format"]): f["error"] for f in summary["failures"]}
    assert sorted(failed) == [("fr", "docx"), ("fr", "html"), ("fr", "pdf"), ("uk", "pdf")]
    assert failed[("uk", "pdf")] == errors[1] and failed[("fr", "pdf")] == errors[0]
    assert len(summary["failed"]) == 4
    assert (summary["built"], summary["up_to_date"]) == (2, ALL - 6)  # uk HTML and DOCX
    assert "built 2 file(s), " in proc.stderr and ", 4 FAILED" in proc.stderr

    out = proj.build_dir / "fsc-pc-92-dprk"
    gone = {"fsc-pc-92-dprk.uk.pdf", "fsc-pc-92-dprk.fr.pdf", "fsc-pc-92-dprk.fr.html",
            "fsc-pc-92-dprk.fr.docx"}
    assert not gone & {p.name for p in out.iterdir()}  # last build's copies are not left
    manifest = json.loads((proj.build_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = {Path(o["path"]).name for o in manifest["outputs"]}
    assert len(listed) == ALL - 4 and not gone & listed
    index = (proj.build_dir / "index.html").read_text(encoding="utf-8")
    assert not any(name in index for name in gone)
    assert "fsc-pc-92-dprk.uk.html" in index

    fr.write_text(text, encoding="utf-8")
    uk.write_text(uk.read_text(encoding="utf-8").replace(" ☃,", ","), encoding="utf-8")
    fixed = build(proj, BuildOptions())
    assert (fixed.built, fixed.failed) == (6, [])
    manifest = json.loads((proj.build_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["outputs"]) == ALL


def test_shards_cover_the_matrix_exactly_once(matrix_build, tmp_path):
    # Each shard in an output folder of its own (as on a CI machine of its own), restored
    # from the shared build: what a shard lists is planned, rendering would change nothing.
    seen: list[str] = []
    for i in (1, 2, 3):
        out = copy_built(matrix_build.root / "build", tmp_path / f"shard{i}")
        proc = publisher_cli("build", "--shard", f"{i}/3", "--json", "--format", "html,docx",
                             "--output-dir", str(out), cwd=matrix_build.root)
        assert proc.returncode == 0, proc.stderr
        summary = json.loads(proc.stdout)
        seen += [Path(o["path"]).name for o in summary["outputs"]]
    expected = sorted(f"fsc-pc-92-dprk.{lang}.{fmt}" for lang in LANGS for fmt in ("html", "docx"))
    assert sorted(seen) == expected
    assert publisher_cli("build", "--shard", "4/3", cwd=matrix_build.root).returncode == 2


def test_json_summary_and_plain_progress_lines(proj):
    proc = publisher_cli("build", "--format", "html", "--json", cwd=proj.root)
    summary = json.loads(proc.stdout)
    assert summary["built"] == len(LANGS) and summary["failed"] == [] and summary["up_to_date"] == 0
    assert summary["peak_worker_rss_mb"] > 0
    proc = publisher_cli("build", "--format", "docx", cwd=proj.root)  # not a terminal
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("[")]
    assert len(lines) == len(LANGS)
    assert lines[-1].startswith(f"[{len(LANGS)}/{len(LANGS)}] build/fsc-pc-92-dprk/")


def test_two_builds_at_once_do_not_corrupt_anything(two_builds_at_once):
    # conftest: two `publisher build --jobs 1` started at the same moment in a fresh copy.
    procs, build_dir = two_builds_at_once.procs, two_builds_at_once.root / "build"
    assert [p.returncode for p in procs] == [0, 0], [p.stderr for p in procs]
    stderr = "\n".join(p.stderr for p in procs)
    assert "another build is writing here; waiting for it" in stderr
    assert f"nothing to do: {ALL} output(s) up to date" in stderr  # the second found it done
    assert not list(build_dir.rglob("*.tmp"))
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["outputs"]) == ALL


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "statement.pdf"
    target.write_bytes(b"old")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write(target, b"new and complete")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["statement.pdf"]


def test_shards_deal_whole_editions_evenly():
    from publisher import matrix

    units = [matrix.Unit("s", lang, fmt) for lang in LANGS for fmt in ("html", "pdf", "docx")]
    slices = [matrix.shard(units, f"{i}/3") for i in (1, 2, 3)]
    assert sorted(u.key() for s in slices for u in s) == sorted(u.key() for u in units)
    for part in slices:
        langs = {u.lang for u in part}
        assert len(part) == 3 * len(langs)  # every format of an edition on one machine
        assert {u.fmt for u in part} == {"html", "pdf", "docx"}
    assert max(map(len, slices)) - min(map(len, slices)) <= 3


def test_a_named_pipe_is_not_waited_on(tmp_path):
    from publisher import matrix

    fifo = tmp_path / "fsc-pc-92-dprk.uk.pdf"
    os.mkfifo(fifo)
    assert matrix.file_digest(fifo) is None


def test_the_longest_outputs_are_rendered_first(project, sample):
    """The workers take the longest outputs first (a right-to-left PDF before the others,
    PDFs before word-processor files before web pages), so the short ones even out the
    end; the estimate follows the text's length."""
    from publisher.editions import Translator
    from publisher.matrix import Job, Unit, estimated_cost

    translator = Translator(project)
    editions = {lang: translator.edition(sample, lang, [])[0] for lang in ("ar", "en", "fr")}
    costs = {(lang, fmt): estimated_cost(Job(Unit(sample.slug, lang, fmt), edition,
                                             project.templates, Path(f"{lang}.{fmt}")))
             for lang, edition in editions.items() for fmt in ("pdf", "docx", "html")}
    order = sorted(costs, key=costs.__getitem__, reverse=True)
    assert order[0] == ("ar", "pdf")
    assert [fmt for _lang, fmt in order] == ["pdf"] * 3 + ["docx"] * 3 + ["html"] * 3
    short = dataclasses.replace(editions["en"], statement=dataclasses.replace(
        editions["en"].statement, blocks=editions["en"].statement.blocks[:2]))
    assert estimated_cost(Job(Unit(sample.slug, "en", "pdf"), short, project.templates,
                              Path("en.pdf"))) < costs["en", "pdf"]


def test_whole_editions_go_to_the_workers_and_the_last_ones_output_by_output(project, sample):
    """A worker is handed an edition's PDF and DOCX as one task, longest first, except
    the shortest editions at the end, handed one output at a time (PDFs first), so the
    worker that finishes first takes a DOCX rather than leave the other to render a
    whole edition alone. Web pages are not the workers' (the build makes them)."""
    from publisher.editions import Translator
    from publisher.matrix import TAIL_EDITIONS, Job, Renderer, Unit

    translator = Translator(project)
    langs = ("ar", "de", "en", "es", "fr", "it", "ru", "uk")
    editions = {lang: translator.edition(sample, lang, [])[0] for lang in langs}
    jobs = [Job(Unit(sample.slug, lang, fmt), editions[lang], project.templates,
                Path(f"{lang}.{fmt}")) for lang in langs for fmt in ("html", "pdf", "docx")]
    renderer = Renderer(2, ("docx", "html", "pdf"))
    renderer.started = 2
    groups = renderer.groups(jobs)
    handed = sorted(index for group in groups for index in group)
    assert handed == [i for i, job in enumerate(jobs) if job.unit.fmt != "html"]
    whole = len(langs) - TAIL_EDITIONS * 2
    assert all(len(group) == 2 for group in groups[:whole])
    assert jobs[groups[0][0]].unit.lang == "ar"  # the right-to-left PDF is the longest
    tail = [jobs[group[0]].unit for group in groups[whole:]]
    assert all(len(group) == 1 for group in groups[whole:])
    assert [unit.fmt for unit in tail] == ["pdf"] * TAIL_EDITIONS * 2 + ["docx"] * TAIL_EDITIONS * 2
    assert {unit.lang for unit in tail} == {jobs[group[0]].unit.lang for group in groups[whole:]}
    assert not {unit.lang for unit in tail} & {jobs[g[0]].unit.lang for g in groups[:whole]}

    few = [job for job in jobs if job.unit.lang in ("en", "fr")]  # editions <= workers
    assert sorted(len(group) for group in renderer.groups(few)) == [1, 1, 1, 1]


_WORKERS_PROBE = """
import json, os, sys, time
from pathlib import Path
from publisher import matrix
from publisher.build import BuildOptions, build
from publisher.project import Project

log = Path(sys.argv[2])
real_load, real_render = matrix.load_engines, matrix.render

def load_engines(formats):
    with log.open("a") as f:
        f.write(json.dumps(["load", os.getpid()]) + "\\n")
    real_load(formats)

def render(job):
    if job.unit.lang == sys.argv[3] and job.unit.fmt == "pdf":
        os._exit(3)  # a worker dies as a crash in a library would end it
    if job.unit.lang == sys.argv[5] and job.unit.fmt == "pdf":
        log.with_name("stuck").write_text(str(os.getpid()))
        time.sleep(120)  # until it is killed from outside
    with log.open("a") as f:
        f.write(json.dumps(["render", os.getpid(), job.unit.fmt]) + "\\n")
    return real_render(job)

matrix.load_engines, matrix.render = load_engines, render
report = build(Project(Path(sys.argv[1])), BuildOptions(formats=["html", "pdf"],
                                                          jobs=int(sys.argv[4]),
                                                          languages=("en", "fr", "de")))
print(json.dumps({"built": report.built,
                  "failed": [[f.lang, f.format, f.error] for f in report.failures]}))
"""


def workers_probe(tmp_path: Path, die: str, jobs: int = 2, stuck: str = "none",
                  ) -> tuple[dict, list]:
    proj = copy_project(tmp_path / "p")
    log = tmp_path / "log.jsonl"
    log.touch()
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.run([sys.executable, "-c", _WORKERS_PROBE, str(proj), str(log), die,
                           str(jobs), stuck],
                          capture_output=True, text=True, env={**os.environ, "TMPDIR": str(temp),
                                                               "PYTHONPATH": str(ROOT)},
                          timeout=300, check=True)
    assert list(temp.iterdir()) == [], "the workers' temporary files were left behind"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    return json.loads(proc.stdout.strip().splitlines()[-1]), lines


def test_workers_load_the_engines_once_between_them(tmp_path):
    """Both workers are forked from one process once it has loaded the engines; the
    build's own process makes the web pages (no engine, a template filled in)."""
    summary, log = workers_probe(tmp_path, die="none")
    assert summary == {"built": 6, "failed": []}
    loads = [entry[1] for entry in log if entry[0] == "load"]
    renderers = {pid for kind, pid, fmt in (e for e in log if e[0] == "render") if fmt == "pdf"}
    pages = {pid for kind, pid, fmt in (e for e in log if e[0] == "render") if fmt == "html"}
    assert len(loads) == 1 and len(renderers) == 2 and loads[0] not in renderers
    assert pages and not pages & (renderers | set(loads))


def test_a_worker_that_dies_fails_its_outputs_and_the_others_are_built(tmp_path):
    """A worker dies on the French PDF: the output it had been given fails with a
    message, the other worker builds the rest, nothing hangs."""
    summary, _log = workers_probe(tmp_path, die="fr")
    assert summary["built"] == 5
    assert [(lang, fmt) for lang, fmt, _error in summary["failed"]] == [("fr", "pdf")]
    assert all("ended abruptly" in error for _lang, _fmt, error in summary["failed"])


def test_the_only_worker_dying_fails_what_is_left_and_nothing_hangs(tmp_path):
    """With one worker (it renders in the process that loaded the engines), its death
    fails the output it was making and every output not yet made, each with a message."""
    summary, _log = workers_probe(tmp_path, die="fr", jobs=1)
    failed = {(lang, fmt): error for lang, fmt, error in summary["failed"]}
    assert summary["built"] + len(failed) == 6 and ("fr", "pdf") in failed
    assert "ended abruptly" in failed["fr", "pdf"]
    assert not [fmt for _lang, fmt in failed if fmt == "html"]  # made by the build itself
    assert all("ended abruptly" in error or "no worker was left" in error
               for error in failed.values())


def test_a_worker_killed_from_outside_fails_its_outputs_and_the_build_ends(tmp_path):
    """As the kernel's out-of-memory killer would: SIGKILL a worker (no lock or queue is
    shared, so the other worker goes on and the build ends, saying what failed)."""
    import signal
    import threading

    stuck = tmp_path / "stuck"

    def kill_when_stuck() -> None:
        for _ in range(1200):
            if stuck.exists() and stuck.read_text():
                os.kill(int(stuck.read_text()), signal.SIGKILL)
                return
            threading.Event().wait(0.05)

    killer = threading.Thread(target=kill_when_stuck)
    killer.start()
    summary, _log = workers_probe(tmp_path, die="none", stuck="de")
    killer.join()
    assert summary["built"] == 5
    assert [(lang, fmt) for lang, fmt, _error in summary["failed"]] == [("de", "pdf")]
    assert all("ended abruptly" in error for _lang, _fmt, error in summary["failed"])
