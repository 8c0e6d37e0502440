"""``publisher collect``: the output folders of CI shards merged into one, every file's
hash verified, one manifest and one index page; untrusted manifests confined."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

import pytest

from publisher.collect import CollectError
from publisher.matrix import CACHE, BuildCache, file_digest, is_fresh
from publisher.pipeline import BuildOptions, Project, build, collect

from .conftest import LANGS, MatrixBuild, copy_built, copy_project, publisher_cli

SLUG = "fsc-pc-92-dprk"
ALL = len(LANGS) * 3
KEYS = sorted(f"{SLUG}/{SLUG}.{lang}.{fmt}" for lang in LANGS for fmt in ("html", "pdf", "docx"))


@dataclass(frozen=True)
class Shards:
    project: Project
    dirs: list[Path]
    """``shards/outputs-I/build`` for I = 1, 2, 3: each built alone, as on a CI machine."""


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Shards:
    """The matrix built once in three shards, each into a folder of its own. Tests read
    them; a test that changes one works on a copy (:func:`copy_built`)."""
    project = Project(copy_project(tmp_path_factory.mktemp("collect")))
    dirs, built = [], []
    for i in (1, 2, 3):
        out = project.root / "shards" / f"outputs-{i}" / "build"
        report = build(project, BuildOptions(shard=f"{i}/3", out_dir=out, jobs=2))
        assert report.failed == [], report.failed
        built.append(report.built)
        dirs.append(out)
    assert sum(built) == ALL and all(n % 3 == 0 for n in built)  # whole editions each
    return Shards(project, dirs)


def manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


def index_links(folder: Path) -> list[str]:
    page = (folder / "index.html").read_text(encoding="utf-8")
    return [unquote(href) for href in re.findall(r'href="([^"]*)"', page)]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]] | None:
    """Every file under ``folder`` (hidden ones too) with its bytes and mtime."""
    if not folder.exists():
        return None
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    path = folder / "manifest.json"
    data = manifest(folder)
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def one_line(exc: pytest.ExceptionInfo[CollectError]) -> str:
    text = str(exc.value.diagnostic())
    assert "\n" not in text and text.startswith(f"{exc.value.location}: error: [collect] ")
    return text


# ---------------------------------------------------------------- merging

def test_every_output_listed_once_with_its_hash(shards, tmp_path):
    out = tmp_path / "merged"
    report = collect(shards.project, shards.dirs, out)
    assert (report.shards, report.copied, report.unchanged) == (3, ALL, 0)
    entries = manifest(out)["outputs"]
    paths = [e["path"] for e in entries]
    assert paths == KEYS  # every output, once, sorted
    for e in entries:
        data = (out / e["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (e["size"], e["sha256"])
        assert e["statement"] == SLUG and e["completeness"] == 100.0
        assert e["path"] == f"{SLUG}/{SLUG}.{e['language']}.{e['format']}"
    assert sorted(index_links(out)) == KEYS  # each linked once
    assert [o.path for o in report.outputs] == [out / k for k in KEYS]
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert on_disk == sorted([*KEYS, "manifest.json", "index.html", ".publisher.lock", CACHE])
    # Nothing but each output's bytes is carried over: no shard's cache, no stray files.
    assert all(oct((out / k).stat().st_mode & 0o777) == "0o644" for k in KEYS)


def test_collecting_is_deterministic_and_idempotent(shards, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    collect(shards.project, shards.dirs, one)
    collect(shards.project, shards.dirs[::-1], two)  # the order of the shards does not matter
    for name in ("manifest.json", "index.html", *KEYS):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    before = snapshot(one)
    again = collect(shards.project, shards.dirs, one)
    assert (again.copied, again.unchanged) == (0, ALL)
    after = snapshot(one)
    assert before is not None and after is not None
    assert {k: v for k, v in after.items() if k != CACHE} == \
        {k: v for k, v in before.items() if k != CACHE}  # not even an mtime changed


def test_the_merge_is_the_full_build(shards, matrix_build: MatrixBuild, tmp_path):
    """Three shards collected give byte for byte what one machine building everything
    gives: outputs, manifest.json and index.html."""
    out = tmp_path / "merged"
    collect(shards.project, shards.dirs, out)
    full = matrix_build.root / "build"
    for name in ("manifest.json", "index.html", *KEYS):
        assert (out / name).read_bytes() == (full / name).read_bytes(), name


# ---------------------------------------------------------------- verification

def test_a_tampered_file_fails_and_nothing_is_written(shards, tmp_path):
    bad = copy_built(shards.dirs[1], tmp_path / "shard2")
    victim = bad / manifest(bad)["outputs"][0]["path"]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01  # one changed byte, same size
    victim.write_bytes(bytes(data))

    fresh = tmp_path / "fresh"
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [shards.dirs[0], bad, shards.dirs[2]], fresh)
    assert exc.value.path == str(victim)
    assert "does not match" in one_line(exc)
    assert not fresh.exists()

    existing = tmp_path / "existing"  # an earlier merge: left exactly as it was
    collect(shards.project, shards.dirs, existing)
    before = snapshot(existing)
    with pytest.raises(CollectError):
        collect(shards.project, [shards.dirs[0], bad, shards.dirs[2]], existing)
    assert snapshot(existing) == before

    victim.unlink()
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [bad], fresh)
    assert exc.value.path == str(victim) and "missing" in one_line(exc)
    assert not fresh.exists()


def _set(field: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["outputs"][0][field] = value
    return change


def _retarget(lang: str, fmt: str, slug: str = SLUG) -> Callable[[dict[str, Any]], None]:
    """An entry whose fields and path agree, naming another output."""
    def change(data: dict[str, Any]) -> None:
        data["outputs"][0].update(statement=slug, language=lang, format=fmt,
                                  path=f"{slug}/{slug}.{lang}.{fmt}")
    return change


@pytest.mark.parametrize("change, message", [
    (_set("path", f"../../{SLUG}/{SLUG}.en.pdf"), "not a path inside"),
    (_set("path", f"{SLUG}/../{SLUG}/{SLUG}.en.pdf"), "not a path inside"),
    (_set("path", f"/tmp/{SLUG}/{SLUG}.en.pdf"), "not a path inside"),
    (_set("path", f"{SLUG}\\{SLUG}.en.pdf"), "not a path inside"),
    (_set("path", f"{SLUG}/other.en.pdf"), "as its statement, language and format say"),
    (_set("language", "xx"), "as its statement, language and format say"),
    (_retarget("en", "exe"), "unknown format 'exe'"),
    (_retarget("..", "pdf"), "not a path inside"),
    (_retarget("en", "pdf", slug="Not/A-Slug"), "not a statement's name"),
    (_retarget("en", "pdf", slug="another-statement"), "no statement 'another-statement'"),
    (_retarget("pl", "pdf"), "is not published in 'pl'"),
    (_set("size", "12"), "\"size\""),
    (_set("sha256", "0" * 63), "\"sha256\""),
    (_set("completeness", float("nan")), "\"completeness\""),
    (_set("completeness", 10 ** 400), "\"completeness\""),
    (lambda data: data.update(generator="publisher 0.0.1"), "collect with the version"),
    (lambda data: data.update(outputs={}), "not a manifest"),
])
def test_an_unsafe_or_wrong_manifest_is_refused(shards, tmp_path, change, message):
    bad = copy_built(shards.dirs[0], tmp_path / "shard1")
    path = edit_manifest(bad, change)
    out = tmp_path / "out"
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [bad], out)
    assert exc.value.path == str(path)
    assert message in one_line(exc)
    assert not out.exists()


def test_a_missing_or_broken_manifest_is_named(shards, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [empty], tmp_path / "out")
    assert exc.value.path == str(empty / "manifest.json") and "no manifest" in one_line(exc)
    (empty / "manifest.json").write_text('{"generator": "publisher",\n "outputs": [\n', "utf-8")
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [empty], tmp_path / "out")
    assert (exc.value.path, exc.value.line) == (str(empty / "manifest.json"), 3)
    assert "not valid JSON" in one_line(exc)
    assert not (tmp_path / "out").exists()


def test_shards_of_different_versions_are_refused(shards, tmp_path):
    old = copy_built(shards.dirs[2], tmp_path / "shard3")
    path = edit_manifest(old, lambda data: data.update(generator="publisher 0.0.1"))
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [shards.dirs[0], old], tmp_path / "out")
    assert exc.value.path == str(path) and "collect shards of one version only" in one_line(exc)


def test_symbolic_links_are_not_followed(shards, tmp_path):
    # A shard whose statement folder is a link to a folder elsewhere.
    linked = copy_built(shards.dirs[0], tmp_path / "shard1")
    elsewhere = tmp_path / "elsewhere"
    (linked / SLUG).rename(elsewhere)
    (linked / SLUG).symlink_to(elsewhere, target_is_directory=True)
    out = tmp_path / "out"
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [linked], out)
    assert exc.value.path == str(linked / SLUG) and "symbolic link" in one_line(exc)
    assert not out.exists()

    # A listed file that is a link (to the right bytes, even).
    shutil.rmtree(elsewhere)
    linked = copy_built(shards.dirs[0], tmp_path / "shard1b")
    target = linked / manifest(linked)["outputs"][0]["path"]
    target.rename(tmp_path / "real")
    target.symlink_to(tmp_path / "real")
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [linked], out)
    assert exc.value.path == str(target) and "not a regular file" in one_line(exc)
    assert not out.exists()

    # A listed file that is a named pipe: never opened (opening one would wait forever).
    piped = copy_built(shards.dirs[0], tmp_path / "shard1c")
    pipe = piped / manifest(piped)["outputs"][0]["path"]
    pipe.unlink()
    os.mkfifo(pipe)
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [piped], out)
    assert exc.value.path == str(pipe) and "not a regular file" in one_line(exc)
    assert not out.exists()

    # An output folder whose statement folder links elsewhere: never written through.
    out.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (out / SLUG).symlink_to(outside, target_is_directory=True)
    with pytest.raises(CollectError) as exc:
        collect(shards.project, shards.dirs, out)
    assert exc.value.path == str(out / SLUG)
    assert list(outside.iterdir()) == [] and sorted(p.name for p in out.iterdir()) == [SLUG]


# ---------------------------------------------------------------- duplicates

def test_an_identical_duplicate_is_listed_once(shards, tmp_path):
    twin = copy_built(shards.dirs[0], tmp_path / "twin")
    out = tmp_path / "out"
    report = collect(shards.project, [*shards.dirs, twin, shards.dirs[0]], out)
    assert [e["path"] for e in manifest(out)["outputs"]] == KEYS
    assert sorted(index_links(out)) == KEYS
    assert (report.shards, len(report.outputs)) == (5, ALL)


def test_a_conflicting_duplicate_fails(shards, tmp_path):
    rival = copy_built(shards.dirs[0], tmp_path / "rival")
    entry = manifest(rival)["outputs"][0]
    changed = (rival / entry["path"]).read_bytes() + b"\n"
    (rival / entry["path"]).write_bytes(changed)

    def consistent(data: dict[str, Any]) -> None:  # a well-formed manifest of other bytes
        data["outputs"][0].update(size=len(changed), sha256=hashlib.sha256(changed).hexdigest())

    path = edit_manifest(rival, consistent)
    out = tmp_path / "out"
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [*shards.dirs, rival], out)
    text = one_line(exc)
    assert exc.value.path == str(path)
    assert entry["path"] in text and "listed with other bytes" in text
    assert str(shards.dirs[0] / "manifest.json") in text
    assert not out.exists()


# ---------------------------------------------------------------- the output folder

def test_collecting_into_a_shard_folder_then_building_there(shards, tmp_path):
    """`publisher collect build shard2 shard3 -o build` on the machine that built shard 1:
    its outputs are left alone, the others are added, and the build cache stays true, so
    a later build there renders only what it cannot know to be up to date."""
    project = Project(copy_project(tmp_path / "project"))
    own = copy_built(shards.dirs[0], project.build_dir)  # keeps the mtimes the cache records
    own_keys = [e["path"] for e in manifest(own)["outputs"]]
    before = {k: (own / k).stat().st_mtime_ns for k in own_keys}
    proc = publisher_cli("collect", "build", str(shards.dirs[1]), str(shards.dirs[2]),
                         "-o", "build", "--json", cwd=project.root)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["copied"], summary["unchanged"]) == (ALL - len(own_keys), len(own_keys))
    assert f"collected {ALL} output(s) from 3 shard(s) into build" in proc.stderr
    assert [e["path"] for e in manifest(own)["outputs"]] == KEYS
    assert sorted(index_links(own)) == KEYS
    assert {k: (own / k).stat().st_mtime_ns for k in own_keys} == before
    merged = (own / "manifest.json").read_bytes()

    # The shard's own records stay; each collected output is known by its bytes only.
    cache = BuildCache.load(own)
    assert sorted(cache.outputs) == KEYS
    assert all(cache.outputs[k].digest != "" for k in own_keys)
    assert all(cache.outputs[k].digest == "" for k in KEYS if k not in own_keys)

    # A later build of one language: it renders the collected outputs again (it cannot
    # know what they were made from), finds the shard's own up to date, and its manifest
    # still lists every output, with the same bytes (the build is reproducible).
    own_langs = sorted({e["language"] for e in manifest(own)["outputs"]})
    collected = sorted({e["language"] for e in manifest(shards.dirs[1])["outputs"]})
    langs = [own_langs[0], collected[0]]  # a shard builds whole editions: one of each
    keys = [k for k in KEYS if k.split(".")[-2] in langs]
    report = build(project, BuildOptions(languages=langs, jobs=1))
    assert report.failed == []
    assert report.built == len([k for k in keys if k not in own_keys]) == 3
    assert report.up_to_date == len([k for k in keys if k in own_keys]) == 3
    assert (own / "manifest.json").read_bytes() == merged


def test_a_cache_that_disagrees_is_not_trusted(shards, tmp_path):
    """An output folder holding other bytes than a shard for an output its cache records
    (a folder copied on top of another): the record goes, the next build renders it."""
    out = copy_built(shards.dirs[0], tmp_path / "out")
    key = manifest(out)["outputs"][0]["path"]
    (out / key).write_bytes(b"from another build")
    collect(shards.project, shards.dirs, out)
    assert file_digest(out / key) == file_digest(shards.dirs[0] / key)
    own = BuildCache.load(shards.dirs[0]).outputs
    kept = BuildCache.load(out).outputs
    assert kept[key].digest == "" and kept[key].sha256 == own[key].sha256
    assert not is_fresh(kept[key], own[key].digest, out / key)  # the next build renders it
    assert all(kept[k] == own[k] for k in own if k != key)  # the others are still up to date


# ---------------------------------------------------------------- the command line

def test_the_command_line_says_one_line_and_exits_1(shards, tmp_path):
    bad = copy_built(shards.dirs[1], tmp_path / "shard2")
    victim = bad / manifest(bad)["outputs"][-1]["path"]
    victim.write_bytes(victim.read_bytes()[:-1])
    out = tmp_path / "out"
    proc = publisher_cli("collect", str(shards.dirs[0]), str(bad), str(shards.dirs[2]),
                         "-o", str(out), cwd=shards.project.root)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{victim}: error: [collect] does not match")
    assert proc.stdout == "" and not out.exists()

    missing = publisher_cli("collect", str(tmp_path / "nowhere"), cwd=shards.project.root)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "nowhere" in missing.stderr and "no manifest" in missing.stderr
    assert publisher_cli("collect", cwd=shards.project.root).returncode == 2  # no shard given


def test_a_file_that_changes_while_copying_is_caught(shards, tmp_path, monkeypatch):
    """The bytes are hashed again as they are copied: a file replaced after it was
    verified fails the collect and leaves no temporary file."""
    import publisher.collect as collect_module

    shard = copy_built(shards.dirs[0], tmp_path / "shard1")
    victim = shard / manifest(shard)["outputs"][0]["path"]
    verify = collect_module._verify

    def verify_then_change(entry: Any, checked: set[Path]) -> None:
        verify(entry, checked)
        if entry.shard / entry.path == victim:
            victim.write_bytes(b"changed after it was checked")

    monkeypatch.setattr(collect_module, "_verify", verify_then_change)
    out = tmp_path / "out"
    with pytest.raises(CollectError) as exc:
        collect(shards.project, [shard], out)
    assert exc.value.path == str(victim) and "changed while" in one_line(exc)
    assert not (out / "manifest.json").exists()
    assert sorted(os.listdir(out / SLUG)) == []


def test_an_output_no_shard_listed_is_named(shards, tmp_path):
    """The index page links what the output folder holds; an output there that no shard
    listed (left by an earlier build) is in the index but not the manifest: said so."""
    out = tmp_path / "out"
    leftover = out / manifest(shards.dirs[1])["outputs"][0]["path"]
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"an earlier build's page")
    proc = publisher_cli("collect", str(shards.dirs[0]), "-o", str(out), cwd=shards.project.root)
    assert proc.returncode == 0, proc.stderr
    assert f"{leftover}: warning: [collect] in the output folder but in no shard's manifest" \
        in proc.stderr
    own = [e["path"] for e in manifest(shards.dirs[0])["outputs"]]
    assert [e["path"] for e in manifest(out)["outputs"]] == own
    assert sorted(index_links(out)) == sorted([*own, leftover.relative_to(out).as_posix()])
