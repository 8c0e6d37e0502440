"""Shared fixtures: the repository as a project, a built copy of the sample statement,
and access to the real consumers (poppler, LibreOffice, msgfmt, the Nu validator)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zlib
from pathlib import Path

import pytest
from hypothesis import settings

from publisher.pipeline import BuildOptions, Project, build, read_statements

# Property-based tests: few examples on a developer's machine (``make test``), many in CI
# (``CI`` set). No deadline: the first example of a test pays for imports and caches.
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("ci", max_examples=400, deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

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
def built(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    """The sample statement built in every language and format, once per session."""
    out = tmp_path_factory.mktemp("build")
    report = build(project, BuildOptions(paths=[str(SAMPLE)], out_dir=out))
    assert not report.warnings, report.warnings
    assert len(report.outputs) == len(LANGS) * 3
    return out / "fsc-pc-92-dprk"


def publisher_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
                  ) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh interpreter."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT)
    return run(sys.executable, "-m", "publisher", *args, cwd=cwd, env=full_env, check=False)
