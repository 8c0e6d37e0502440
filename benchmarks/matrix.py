"""Benchmark the build matrix against pandoc, side by side in one run.

    .venv/bin/python benchmarks/matrix.py [--repeat N]

Measures, on a copy of the project (the repository's build/ is not touched):
  1. the cold full matrix (every statement x language x format) with the default jobs;
  2. a rebuild with nothing changed (five, right after each cold matrix);
  3. the cold matrix with --jobs 1 and with --jobs 2;
  4. pandoc (Debian package) making the same number of HTML, DOCX and PDF files
     (PDF through WeasyPrint from our environment), one run per file as a user would,
     sequentially and two at a time;
  5. the cold PDF-only matrix with HarfBuzz's font subsetter and with fontTools';
  6. one output, the press officer's everyday command (`publisher build STATEMENT --lang uk
     --format F`, nothing built yet), against pandoc making that one file, per format:
     first as the first command of a session (no build server runs), then as every later
     command is run: by the build server that the first command started (outside CI a
     command that finds none starts one; `PUBLISHER_SERVER=auto`);
  7. a scale run: the sample copied into 5 and into 20 statements (x 8 languages x 3
     formats), seconds per output and peak memory, which must stay flat as it grows;
  8. the live preview: a saved .po to the new web page on disk (benchmarks/serve.py);
and prints the ratios against the targets and the peak memory of a worker.
Timings are wall-clock medians of --repeat runs; the machine may be noisy, so the cold
matrix, its no-op rebuild and pandoc are measured in alternation and compared round by
round. Every publisher run is the installation's `publisher` command
(.venv/bin/publisher, as the README types it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PUBLISHER = VENV_BIN / "publisher"
"""The command a press officer types (the installation's console script)."""


def copy_project(dest: Path) -> Path:
    for name in ("seeds", "locales", "templates"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def publisher(args: list[str], cwd: Path, env_extra: dict[str, str] | None = None,
              ) -> tuple[float, dict]:
    """``publisher ARGS --json`` in a fresh interpreter, without a build server unless
    ``env_extra`` points at one."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PUBLISHER_SERVER": "off", **(env_extra or {})}
    start = time.perf_counter()
    proc = subprocess.run([str(PUBLISHER), *args, "--json"], cwd=cwd,
                          capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"publisher {' '.join(args)} failed:\n{proc.stderr}")
    return elapsed, json.loads(proc.stdout)


def median_cold(args: list[str], repeat: int) -> tuple[float, dict]:
    times, summary = [], {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            proj = copy_project(Path(tmp))
            t, summary = publisher(["build", *args], proj)
            times.append(t)
    return statistics.median(times), summary


def pandoc_one(seed: Path, lang: str, fmt: str, out: Path) -> float:
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    cmd = [shutil.which("pandoc") or "pandoc", str(seed), "--standalone", "-M", f"lang={lang}",
           "-o", str(out / f"{seed.stem}.{lang}.{fmt}")]
    if fmt == "pdf":
        cmd += ["--pdf-engine=weasyprint"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def one_output(fmt: str, repeat: int, server: dict[str, str] | None = None,
               ) -> tuple[float, float, float]:
    """The everyday command for one file, cold (nothing built yet; the per-machine cache
    warm, as on any machine after its first build), against pandoc making the same file;
    measured in alternation. (publisher median, pandoc median, median of round ratios).
    ``server``: the environment that reaches a running build server."""
    ours, theirs, ratios = [], [], []
    seed = ROOT / "seeds" / "fsc-pc-92-dprk.md"
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            proj = copy_project(Path(tmp))
            t, _summary = publisher(["build", "seeds/fsc-pc-92-dprk.md", "--lang", "uk",
                                     "--format", fmt], proj, server)
            p = pandoc_one(seed, "uk", fmt, Path(tmp))
        ours.append(t)
        theirs.append(p)
        ratios.append(t / p)
    return statistics.median(ours), statistics.median(theirs), statistics.median(ratios)


@contextmanager
def build_server() -> Iterator[tuple[dict[str, str], float]]:
    """The build server a first command starts (``PUBLISHER_SERVER=auto``, the default
    outside CI), in a runtime folder of its own: the environment that reaches it and the
    first command's seconds. Waits until the server is ready, as a press officer's next
    command a few seconds later would find it; stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix="pub-") as run, \
            tempfile.TemporaryDirectory() as tmp:
        env = {"XDG_RUNTIME_DIR": run, "PUBLISHER_SERVER": "auto"}
        proj = copy_project(Path(tmp))
        full = {**os.environ, "PYTHONPATH": str(ROOT), **env, "PUBLISHER_SERVER": "off"}
        first, _summary = publisher(["build", "seeds/fsc-pc-92-dprk.md", "--lang", "uk",
                                     "--format", "html"], proj, env)
        try:
            deadline = time.monotonic() + 120
            while True:
                status = subprocess.run([str(PUBLISHER), "server", "status"], cwd=proj,
                                        env=full, capture_output=True, text=True)
                if status.returncode == 0 and "next one ready" in status.stdout:
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"the build server the first command started is not ready:\n"
                             f"{status.stdout}{status.stderr}")
                time.sleep(0.2)
            yield env, first
        finally:
            subprocess.run([str(PUBLISHER), "server", "stop"], cwd=proj,
                           env=full, capture_output=True)


def scaled_project(dest: Path, statements: int) -> Path:
    """The project with the sample statement copied ``statements`` times (each copy a
    statement of its own, with its own catalogues in every language)."""
    copy_project(dest)
    seed = dest / "seeds" / "fsc-pc-92-dprk.md"
    for n in range(2, statements + 1):
        slug = f"fsc-pc-92-dprk-{n:02d}"
        shutil.copy(seed, dest / "seeds" / f"{slug}.md")
        for po in (dest / "locales").glob("*/LC_MESSAGES/fsc-pc-92-dprk.po"):
            shutil.copy(po, po.with_name(f"{slug}.po"))
        pot = dest / "locales" / "fsc-pc-92-dprk.pot"
        if pot.exists():
            shutil.copy(pot, pot.with_name(f"{slug}.pot"))
    return dest


def scale_run(statements: int) -> dict:
    """A cold build of ``statements`` statements: seconds per output, peak memory of a
    worker and of the whole build process."""
    with tempfile.TemporaryDirectory() as tmp:
        proj = scaled_project(Path(tmp), statements)
        code = ("import json, resource, sys, time\n"
                "from pathlib import Path\n"
                "from publisher.pipeline import BuildOptions, Project, build\n"
                "start = time.perf_counter()\n"
                f"report = build(Project(Path({str(proj)!r})), BuildOptions())\n"
                "print(json.dumps({'seconds': time.perf_counter() - start, 'built': report.built,"
                " 'failed': len(report.failed), 'worker_mb': report.peak_worker_rss_mb,"
                " 'main_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, cwd=proj)
        if proc.returncode != 0:
            sys.exit(f"scale run of {statements} statements failed:\n{proc.stderr}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["per_output"] = result["seconds"] / max(result["built"], 1)
    return result


def serve_latency() -> dict | None:
    """The live preview's save-to-new-page time, from benchmarks/serve.py."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import serve  # type: ignore[import-not-found]
    except ImportError:
        return None
    measure = getattr(serve, "measure", None)
    return measure() if measure else None


def pandoc_matrix(repeat: int, parallel: int) -> tuple[float, int]:
    """pandoc: one HTML, DOCX and PDF per language of every statement, like our matrix."""
    import yaml

    pandoc = shutil.which("pandoc")
    if not pandoc:
        sys.exit("pandoc is not installed (Debian: apt-get install pandoc)")
    seeds = sorted((ROOT / "seeds").glob("*.md"))
    jobs = []
    for seed in seeds:
        front = yaml.safe_load(seed.read_text(encoding="utf-8").split("\n---\n")[0][4:])
        for lang in front["languages"]:
            for fmt in ("html", "docx", "pdf"):
                jobs.append((seed, lang, fmt))
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}

    def run(job: tuple[Path, str, str], out: Path) -> None:
        seed, lang, fmt = job
        target = out / f"{seed.stem}.{lang}.{fmt}"
        cmd = [pandoc, str(seed), "--standalone", "-M", f"lang={lang}", "-o", str(target)]
        if fmt == "pdf":
            cmd += ["--pdf-engine=weasyprint"]
        subprocess.run(cmd, check=True, capture_output=True, env=env)

    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                list(pool.map(lambda j: run(j, Path(tmp)), jobs))
            times.append(time.perf_counter() - start)
    return statistics.median(times), len(jobs)


SUBSET = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
import weasyprint.pdf.fonts as fonts
if {fonttools}:
    fonts.harfbuzz_subset = None  # WeasyPrint falls back to fontTools' subsetter
import logging; logging.getLogger("weasyprint").setLevel(logging.ERROR)
from publisher.pipeline import BuildOptions, Project, build
start = time.perf_counter()
report = build(Project(Path({proj!r})), BuildOptions(formats=["pdf"], jobs=1))
print(time.perf_counter() - start, report.built)
"""


def subsetters(repeat: int) -> dict[str, float]:
    from weasyprint.pdf import fonts

    results = {}
    for name, flag in (("harfbuzz", False), ("fonttools", True)):
        if name == "harfbuzz" and not fonts.harfbuzz_subset:
            results[name] = float("nan")
            continue
        times = []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                proj = copy_project(Path(tmp))
                out = subprocess.run([sys.executable, "-c", SUBSET.format(
                    root=str(ROOT), fonttools=flag, proj=str(proj))],
                    capture_output=True, text=True, check=True).stdout.split()
                times.append(float(out[0]))
        results[name] = statistics.median(times)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; Python {sys.version.split()[0]}; repeat {args.repeat}")

    # Cold publisher, its no-op rebuild and sequential pandoc are measured in alternation,
    # and each ratio is the median of the per-round ratios, so a change in the machine's
    # load hits both sides of it.
    colds, noops, pandocs, ratios, noop_ratios = [], [], [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            proj = copy_project(Path(tmp))
            c, summary = publisher(["build"], proj)
            o = statistics.median(publisher(["build"], proj)[0] for _ in range(5))
        p, pandoc_n = pandoc_matrix(1, 1)
        colds.append(c)
        noops.append(o)
        pandocs.append(p)
        ratios.append(c / p)
        noop_ratios.append(o / c)
    cold, pandoc_seq = statistics.median(colds), statistics.median(pandocs)
    noop = statistics.median(noops)
    n = summary["built"]
    j1, _ = median_cold(["--jobs", "1"], args.repeat)
    j2, s2 = median_cold(["--jobs", "2"], args.repeat)
    pandoc_par, _ = pandoc_matrix(args.repeat, 2)
    subset = subsetters(args.repeat)
    ones = {fmt: one_output(fmt, max(5, args.repeat)) for fmt in ("pdf", "html", "docx")}
    with build_server() as (env, first):
        # A served web page or DOCX takes a few hundredths of a second, as pandoc does:
        # more rounds, so that one slow moment of this shared machine moves the median less.
        served = {fmt: one_output(fmt, max(9 if fmt != "pdf" else 5, args.repeat), env)
                  for fmt in ("pdf", "html", "docx")}
    scale = {n: scale_run(n) for n in (1, 5, 20)}
    live = serve_latency()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    rows = [
        ("publisher cold matrix (default jobs)", cold, f"{n} files"),
        ("publisher no-op rebuild", noop, f"{summary['built']} up to date"),
        ("publisher cold, --jobs 1", j1, ""),
        ("publisher cold, --jobs 2", j2, f"speed-up x{j1 / j2:.2f}"),
        ("pandoc, one run per file, sequential", pandoc_seq, f"{pandoc_n} files"),
        ("pandoc, one run per file, 2 at a time", pandoc_par, f"{pandoc_n} files"),
        ("PDF only, HarfBuzz subsetter (jobs 1)", subset["harfbuzz"], ""),
        ("PDF only, fontTools subsetter (jobs 1)", subset["fonttools"], ""),
    ]
    for fmt, (ours, theirs, _ratio) in ones.items():
        rows.append((f"one {fmt.upper()}: first command (no server yet)", ours, ""))
        rows.append((f"one {fmt.upper()}: pandoc", theirs, ""))
        rows.append((f"one {fmt.upper()}: every later command", served[fmt][0],
                     f"pandoc {served[fmt][1]:.2f} s in the same rounds"))
    rows.append(("one HTML that started the build server", first,
                 "the first command, with auto-start"))
    for n, run in scale.items():
        rows.append((f"scale: {n} statement(s), cold", run["seconds"],
                     f"{run['built']} files, {run['per_output'] * 1000:.0f} ms per output, "
                     f"worker {run['worker_mb']:.0f} MB, build process {run['main_mb']:.0f} MB"))
    print()
    for name, seconds, note in rows:
        print(f"{name:48} {seconds:8.2f} s  {note}")
    print()
    checks = [
        ("cold matrix / pandoc sequential", statistics.median(ratios), 0.20),
        ("cold matrix / pandoc 2 at a time", cold / pandoc_par, None),
        ("no-op rebuild / cold matrix", statistics.median(noop_ratios), 0.05),
        ("--jobs 2 / --jobs 1", j2 / j1, 0.75),
        ("one PDF / pandoc's one PDF", served["pdf"][2], 0.80),
        ("one HTML / pandoc's one HTML", served["html"][2], 1.00),
        ("one DOCX / pandoc's one DOCX", served["docx"][2], 1.00),
        ("one PDF, first command / pandoc's", ones["pdf"][2], 0.80),
        ("one HTML, first command / pandoc's", ones["html"][2], None),
        ("one DOCX, first command / pandoc's", ones["docx"][2], None),
        ("scale: s per output, 20 / 5 statements",
         scale[20]["per_output"] / scale[5]["per_output"], 1.25),
        ("scale: worker memory, 20 / 5 statements",
         scale[20]["worker_mb"] / scale[5]["worker_mb"], 1.25),
        ("scale: build process memory, 20 / 5 statements",
         scale[20]["main_mb"] / scale[5]["main_mb"], 1.25),
    ]
    if live is not None:
        checks.append(("live preview: save .po -> new web page, median s",
                       live["page_median"], 0.50))
    for name, ratio, target in checks:
        verdict = "" if target is None else ("  ok" if ratio <= target else "  OVER TARGET")
        limit = "" if target is None else f" (target <= {target:.2f})"
        print(f"{name:48} {ratio:8.3f}{limit}{verdict}")
    peak = max([s2["peak_worker_rss_mb"]] + [run["worker_mb"] for run in scale.values()])
    print(f"{'peak memory of a worker':48} {peak:8.1f} MB (target <= 150)"
          f"{'  ok' if peak <= 150 else '  OVER TARGET'}")
    print(f"{'peak memory of any child process':48} {children:8.1f} MB")
    if live is None:
        print("live preview: benchmarks/serve.py not found")
    else:
        print(f"{'live preview: new PDF on disk, median s':48} {live['pdf_median']:8.3f}")


if __name__ == "__main__":
    main()
