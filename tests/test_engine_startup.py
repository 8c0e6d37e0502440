"""WeasyPrint's library lookups are asked once per machine (``publisher.writers.engine``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from publisher.writers import engine

from .conftest import ROOT

PROBE = """
import ctypes.util, json, sys
import publisher.writers.engine as engine
asked = []
original = engine._original
def counting(name):
    asked.append(name)
    return original(name)
# The cache consults `_original` through its closure: count the questions that reach it.
cell = [c for c in ctypes.util.find_library.__closure__ if c.cell_contents is original][0]
cell.cell_contents = counting
import weasyprint.text.ffi
print(json.dumps(asked))
"""


def probe(cache: str) -> list[str]:
    env = {**os.environ, "PUBLISHER_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_second_process_asks_the_system_nothing(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    first = probe(str(cache))
    assert first  # WeasyPrint's names for other platforms are looked up, and fail
    files = list(cache.glob("libraries-*.json"))
    assert len(files) == 1
    answers = json.loads(files[0].read_text(encoding="utf-8"))
    assert answers["pango-1.0"] == "libpango-1.0.so.0"
    assert probe(str(cache)) == []


def test_an_answer_that_is_not_a_library_name_is_not_used(tmp_path):
    path = tmp_path / "libraries.json"
    path.write_text(json.dumps({
        "pango-1.0": "libpango-1.0.so.0", "evil": "/etc/passwd", "up": "../../libx.so",
        "gone": "/nonexistent/libgone.so.1", "odd": 42, "none": None}), encoding="utf-8")
    os.chmod(path, 0o600)
    assert engine._load(path) == {"pango-1.0": "libpango-1.0.so.0", "none": None}


def test_a_cache_others_can_write_is_not_read(tmp_path):
    path = tmp_path / "libraries.json"
    path.write_text(json.dumps({"pango-1.0": "libpango-1.0.so.0"}), encoding="utf-8")
    os.chmod(path, 0o666)
    assert engine._load(path) == {}
