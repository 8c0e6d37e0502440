"""The code stays clean: ruff (pyflakes, pycodestyle, bugbear) over package, tests, benchmarks."""

from __future__ import annotations

from .conftest import ROOT, run, tool


def test_ruff():
    proc = run(tool("ruff"), "check", "--no-cache", "publisher", "tests", "benchmarks",
               cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy():
    proc = run(tool("mypy"), "publisher", cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
