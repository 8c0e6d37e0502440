"""Benchmark the live preview: how long from saving a translation to seeing it.

    .venv/bin/python benchmarks/serve.py [--edits N]

On a copy of the project (the repository is not touched), starts ``publisher serve
--port 0 --lang uk`` as a user does, waits for its first build, then saves N edits of
one Ukrainian msgstr one after another. For each it measures, on the clock of this
process, from the moment the save returns until the new web page is on disk (its
modification time or size changed and it holds the new text) and until the new PDF
is on disk; it waits for the preview's "build done" event before the next save. It
prints the median and the maximum of both, the preview's own timings from its events,
and the result against the target: median <= 0.5 s for the web page of one edition.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLUG = "fsc-pc-92-dprk"
PO = Path("locales/uk/LC_MESSAGES") / f"{SLUG}.po"
MSGSTR = 'msgstr "Шановні колеги,"'
TARGET_PAGE_MEDIAN = 0.5
TIMEOUT = 60.0


def copy_project(dest: Path) -> Path:
    for name in ("seeds", "locales", "templates"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


class Preview:
    """``publisher serve --port 0 --lang uk`` in ``root``, and its event stream."""

    def __init__(self, root: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "publisher", "serve", "--port", "0", "--lang", "uk"],
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8")
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.err: list[str] = []
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
        line = self.proc.stdout.readline()
        m = re.match(r"serving http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.stop()
            sys.exit(f"publisher serve did not start: {line!r}\n" + "\n".join(self.err))
        self.port = int(m.group(1))
        self.events: list[dict[str, Any]] = []
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        self.conn.request("GET", "/__publisher/events")
        self.resp = self.conn.getresponse()
        threading.Thread(target=self._listen, daemon=True).start()

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self.err.append(line.rstrip("\n"))

    def _listen(self) -> None:
        try:
            for raw in self.resp:
                line = raw.decode("utf-8")
                if line.startswith("data: "):
                    self.events.append(json.loads(line[6:]))
        except OSError:
            pass

    def wait_done(self, since: int) -> dict[str, Any]:
        """The first "build done" event after the first ``since`` events."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for event in self.events[since:]:
                if event["type"] == "done" or (event["type"] == "hello"
                                               and event["generation"] and not event["building"]):
                    return event
            time.sleep(0.005)
        raise SystemExit("timed out waiting for the preview's build\n" + "\n".join(self.err))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=TIMEOUT)
        if hasattr(self, "resp"):
            self.resp.close()
            self.conn.close()
        return code


def measure(edits: int = 10) -> dict[str, Any]:
    """Start the preview on a copy of the project, save ``edits`` edits of one uk msgstr
    one after another, and time each: save -> new web page on disk, save -> new PDF on
    disk. Returns the samples and their medians and maxima (seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp))
        page = root / "build" / SLUG / f"{SLUG}.uk.html"
        pdf = root / "build" / SLUG / f"{SLUG}.uk.pdf"
        po = root / PO
        preview = Preview(root)
        try:
            first = preview.wait_done(0)
            page_times: list[float] = []
            pdf_times: list[float] = []
            reported: list[dict[str, Any]] = []
            current = MSGSTR
            for i in range(edits):
                new = f'msgstr "Шановні колеги ({i + 1}),"'
                text = po.read_text(encoding="utf-8")
                before_page, before_pdf = stamp(page), stamp(pdf)
                since = len(preview.events)
                po.write_text(text.replace(current, new), encoding="utf-8")
                saved = time.perf_counter()
                current = new
                wanted = new.removeprefix('msgstr "').removesuffix('"').encode()
                page_at = pdf_at = None
                deadline = saved + TIMEOUT
                while (page_at is None or pdf_at is None) and time.perf_counter() < deadline:
                    now = time.perf_counter()
                    if page_at is None and stamp(page) != before_page and wanted in page.read_bytes():
                        page_at = now - saved
                    if pdf_at is None and stamp(pdf) not in (before_pdf, None):
                        pdf_at = now - saved
                    time.sleep(0.002)
                if page_at is None or pdf_at is None:
                    raise SystemExit(f"edit {i + 1}: no new outputs after {TIMEOUT:.0f} s\n"
                                     + "\n".join(preview.err))
                page_times.append(page_at)
                pdf_times.append(pdf_at)
                reported.append(preview.wait_done(since))
        finally:
            code = preview.stop()
    return {
        "edits": edits, "exit_code": code, "first_build_seconds": first.get("seconds"),
        "page": page_times, "pdf": pdf_times,
        "page_median": statistics.median(page_times), "page_max": max(page_times),
        "pdf_median": statistics.median(pdf_times), "pdf_max": max(pdf_times),
        "build_page_median": statistics.median(r["page_seconds"] for r in reported),
        "build_median": statistics.median(r["seconds"] for r in reported),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=10, help="Saves to time (default 10).")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args(argv)
    r = measure(args.edits)
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print(f"publisher serve, {r['edits']} saves of one uk msgstr, one edition (html, pdf, docx)")
        print(f"  save -> new web page on disk: median {r['page_median']:.3f} s, "
              f"max {r['page_max']:.3f} s")
        print(f"  save -> new PDF on disk:      median {r['pdf_median']:.3f} s, "
              f"max {r['pdf_max']:.3f} s")
        print(f"  the preview's own timings (from the start of each build): web page "
              f"{r['build_page_median']:.3f} s, whole build {r['build_median']:.3f} s (medians)")
        verdict = "met" if r["page_median"] <= TARGET_PAGE_MEDIAN else "MISSED"
        print(f"  target: web page median <= {TARGET_PAGE_MEDIAN} s: {verdict}")
        print(f"  stopped with SIGTERM: exit code {r['exit_code']}")
    return 0 if r["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
