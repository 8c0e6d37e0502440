"""Compare Python PO-file libraries with GNU gettext on real third-party catalogues.

    /tmp/polibs/bin/python benchmarks/po_libraries.py [--corpus DIR] [--repeat N] [--json]

The candidates are not project dependencies; run the script from a scratch environment:

    python3 -m venv /tmp/polibs && /tmp/polibs/bin/pip install babel polib translate-toolkit
    apt-get install -y libgettextpo0     # only for translate-toolkit's cpo
    /tmp/polibs/bin/python benchmarks/po_libraries.py

A candidate that cannot be imported is reported as "not installed" and skipped; msgfmt
(GNU gettext) is the reference. Every .po/.pot file of the corpus (default: shared/po-corpus
beside the repository) is copied to a temporary folder first, and for every file and
candidate the script measures:

  a. whether it reads: with the library's own charset detection ("auto") and with the
     charset declared in the header handed to it the library's way, where it takes one
     ("hinted"); every later measure uses the hinted read;
  b. translated / fuzzy / untranslated counts of the active messages (not obsolete, not the
     header) against `msgfmt --statistics`: from the fields read, with msgfmt's rule (empty
     first msgstr = untranslated, else fuzzy flag = fuzzy, else translated), and from the
     library's own translated/fuzzy API where it has one;
  c. previous strings: entries read with a previous msgid / msgctxt, active (`#|`) and
     obsolete (`#~|`), against the count of such lines in the file and in the file written
     back;
  d. obsolete entries flagged fuzzy: in the file, as read, and after a round trip;
  e. round trip: read, write back with the library's defaults and, where it has a width
     option, with width 79; lines changed against the original bytes (unified diff, `+` and
     `-` lines), whether `msgfmt --check` still accepts the file and whether
     `msgfmt --statistics` still gives the same counts;
  f. read time: median of --repeat hinted reads, in ms.

Output: one plain-text table per measure and a summary line per candidate; --json prints
the raw results instead.

To add a candidate, subclass Candidate (load, entries, dump: about fifteen lines) and
register an instance in CANDIDATES.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import difflib
import functools
import importlib
import io
import itertools
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "po-corpus"
WIDTH = 79
Counts = tuple[int, int, int]

# Lines that carry a previous string, by kind (grep -c '^#| msgid ' and so on).
PREVIOUS_LINES = {
    "#| msgid": re.compile(rb"^#\| msgid ", re.M),
    "#| msgctxt": re.compile(rb"^#\| msgctxt ", re.M),
    "#~| msgid": re.compile(rb"^#~\| msgid ", re.M),
    "#~| msgctxt": re.compile(rb"^#~\| msgctxt ", re.M),
}


@dataclass(frozen=True)
class Entry:
    """One message (never the header) as a library read it, reduced to what is measured."""

    obsolete: bool
    fuzzy: bool
    has_msgstr: bool  # msgstr, or msgstr[0] of a plural entry, is not empty
    prev_msgid: bool
    prev_msgctxt: bool
    state: str | None = None  # the library's own verdict: translated, fuzzy or untranslated


class Candidate:
    """Adapter for one library: load a file, list its entries, write it back."""

    module = ""  # what must import for the candidate to run
    width_option = False  # dump() honours a width
    charset_hint = ""  # how a declared charset is handed over; "" = it cannot be

    def version(self) -> str:
        return str(getattr(importlib.import_module(self.module.split(".")[0]), "__version__", "?"))

    def load(self, path: Path, charset: str | None) -> Any:
        raise NotImplementedError

    def entries(self, catalog: Any) -> list[Entry]:
        raise NotImplementedError

    def dump(self, catalog: Any, width: int | None) -> bytes:
        raise NotImplementedError

    def read(self, path: Path, charset: str | None = None) -> list[Entry]:
        return self.entries(self.load(path, charset))

    def roundtrip(self, path: Path, charset: str | None = None, width: int | None = None) -> bytes:
        return self.dump(self.load(path, charset), width)


class BabelPofile(Candidate):
    module = "babel.messages.pofile"
    width_option = True
    charset_hint = "read_po(charset=)"

    def load(self, path: Path, charset: str | None) -> Any:
        from babel.messages.pofile import read_po

        with path.open("rb") as fh:
            return read_po(fh, charset=charset)

    def entries(self, catalog: Any) -> list[Entry]:
        messages = [(m, False) for m in catalog] + [(m, True) for m in catalog.obsolete.values()]
        return [
            Entry(obsolete, m.fuzzy, bool(m.string[0] if isinstance(m.string, (list, tuple)) else m.string),
                  bool(m.previous_id), False)
            for m, obsolete in messages if m.id or m.context
        ]

    def dump(self, catalog: Any, width: int | None) -> bytes:
        from babel.messages.pofile import write_po

        out = io.BytesIO()
        if width:
            write_po(out, catalog, width=width)
        else:
            write_po(out, catalog)
        return out.getvalue()


class Polib(Candidate):
    module = "polib"
    width_option = True
    charset_hint = "pofile(encoding=)"

    def load(self, path: Path, charset: str | None) -> Any:
        import polib

        return polib.pofile(str(path), **({"encoding": charset} if charset else {}))

    def entries(self, catalog: Any) -> list[Entry]:
        return [
            Entry(e.obsolete, e.fuzzy, bool(e.msgstr_plural.get(0) if e.msgid_plural else e.msgstr),
                  e.previous_msgid is not None, e.previous_msgctxt is not None,
                  "translated" if e.translated() else "fuzzy" if e.fuzzy else "untranslated")
            for e in catalog
        ]

    def dump(self, catalog: Any, width: int | None) -> bytes:
        if width:
            catalog.wrapwidth = width
        with tempfile.TemporaryDirectory() as tmp:
            catalog.save(f"{tmp}/out.po")
            return Path(tmp, "out.po").read_bytes()


def toolkit_entries(store: Any) -> list[Entry]:
    """Entries of a translate-toolkit store (pypo and cpo share the unit API)."""
    return [
        Entry(u.isobsolete(), bool(u.isfuzzy()), bool(str(u.target)), bool(u.prev_source),
              bool(u.prev_context),
              "translated" if u.istranslated() else "fuzzy" if u.isfuzzy() else "untranslated")
        for u in store.units if not u.isheader()
    ]


def toolkit_dump(store: Any) -> bytes:
    out = io.BytesIO()
    store.serialize(out)
    return out.getvalue()


class ToolkitPypo(Candidate):
    module = "translate.storage.pypo"
    width_option = True
    charset_hint = "poparser.PoParseState(encoding=) (internal)"

    def version(self) -> str:
        from translate import __version__

        return str(__version__.sver)

    def load(self, path: Path, charset: str | None) -> Any:
        from translate.storage import poparser, pypo

        if not charset:
            return pypo.pofile(io.BytesIO(path.read_bytes()))
        # pofile() has no charset parameter: feed its parser the way pofile.parse() does.
        store = pypo.pofile()
        lines, store.newline = pypo.splitlines(path.read_bytes())
        store.units = []
        poparser.parse_units(poparser.PoParseState(lines, store.create_unit, charset), store)
        return store

    def entries(self, catalog: Any) -> list[Entry]:
        return toolkit_entries(catalog)

    def dump(self, catalog: Any, width: int | None) -> bytes:
        if width:
            from translate.storage.pypo import PoWrapper

            catalog.wrapper = PoWrapper(width)
            for unit in catalog.units:
                unit.wrapper = catalog.wrapper
        return toolkit_dump(catalog)


class ToolkitCpo(ToolkitPypo):
    module = "translate.storage.cpo"  # needs libgettextpo (Debian: libgettextpo0)
    width_option = False
    charset_hint = ""  # libgettextpo reads the header itself

    def load(self, path: Path, charset: str | None) -> Any:
        from translate.storage import cpo

        return cpo.pofile(str(path))

    def dump(self, catalog: Any, width: int | None) -> bytes:
        return toolkit_dump(catalog)


class PublisherPo(Candidate):
    """The project's own reader and writer (``publisher.i18n.po``)."""

    module = "publisher.i18n.po"
    width_option = True
    charset_hint = ""  # it reads the charset from the header itself

    def version(self) -> str:
        return str(importlib.import_module("publisher").__version__)

    def load(self, path: Path, charset: str | None) -> Any:
        from publisher.i18n import po

        return po.read(path)

    def entries(self, catalog: Any) -> list[Entry]:
        return [
            Entry(m.obsolete, m.fuzzy, bool(m.string), m.previous_id is not None,
                  m.previous_context is not None,
                  "untranslated" if not m.translated else "fuzzy" if m.fuzzy else "translated")
            for m in catalog.entries
        ]

    def dump(self, catalog: Any, width: int | None) -> bytes:
        from publisher.i18n import po

        return po.dumps(catalog, width or po.WIDTH)


CANDIDATES: dict[str, Candidate] = {
    "publisher-po": PublisherPo(),
    "babel": BabelPofile(),
    "polib": Polib(),
    "tt-pypo": ToolkitPypo(),
    "tt-cpo": ToolkitCpo(),
}


# --- reference measures on bytes and with msgfmt ------------------------------------------


def msgfmt(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["msgfmt", *options, "-o", os.devnull, str(path)], capture_output=True,
                          text=True, errors="replace", env={**os.environ, "LC_ALL": "C"})


def msgfmt_counts(path: Path) -> Counts | None:
    err = msgfmt(path, "--statistics").stderr
    if not re.search(r"\d+ translated message", err):
        return None

    def number(words: str) -> int:
        match = re.search(rf"(\d+) {words}", err)
        return int(match[1]) if match else 0

    return number("translated message"), number("fuzzy translation"), number("untranslated message")


def msgfmt_check(path: Path) -> tuple[bool, str]:
    proc = msgfmt(path, "--check")
    errors = [line for line in proc.stderr.splitlines() if "warning:" not in line]
    return proc.returncode == 0, "; ".join(errors[:2]).replace(f"{path.parent}/", "")


def declared_charset(data: bytes) -> str | None:
    match = re.search(rb"charset=\s*([A-Za-z0-9_.:-]+)", data)
    if not match:
        return None
    charset = match[1].decode()
    try:
        codecs.lookup(charset)
    except LookupError:  # CHARSET in a template
        return None
    return charset


def previous_lines(data: bytes) -> dict[str, int]:
    return {kind: len(rx.findall(data)) for kind, rx in PREVIOUS_LINES.items()}


def obsolete_fuzzy_lines(data: bytes) -> int:
    """Obsolete entries whose `#,` line says fuzzy."""
    count, fuzzy = 0, False
    for line in data.splitlines():
        if line.startswith(b"#,"):
            fuzzy = b"fuzzy" in (flag.strip() for flag in line[2:].split(b","))
        elif line.startswith((b"msgid ", b"#~ msgid ")):
            count += fuzzy and line.startswith(b"#~")
            fuzzy = False
    return count


def changed_lines(before: bytes, after: bytes) -> int:
    """`+` and `-` lines of a unified diff of the two files (headers excluded)."""
    diff = difflib.unified_diff(before.decode("latin-1").splitlines(keepends=True),
                                after.decode("latin-1").splitlines(keepends=True), n=0)
    return sum(1 for i, line in enumerate(diff) if i >= 2 and line[:1] in "+-")


def counts_by_rule(entries: list[Entry]) -> Counts:
    active = [e for e in entries if not e.obsolete]
    untranslated = sum(not e.has_msgstr for e in active)
    fuzzy = sum(e.has_msgstr and e.fuzzy for e in active)
    return len(active) - untranslated - fuzzy, fuzzy, untranslated


def counts_by_api(entries: list[Entry]) -> Counts | None:
    states = [e.state for e in entries if not e.obsolete]
    if any(state is None for state in states):
        return None
    return states.count("translated"), states.count("fuzzy"), states.count("untranslated")


def previous_read(entries: list[Entry]) -> dict[str, int]:
    return {
        "#| msgid": sum(e.prev_msgid and not e.obsolete for e in entries),
        "#| msgctxt": sum(e.prev_msgctxt and not e.obsolete for e in entries),
        "#~| msgid": sum(e.prev_msgid and e.obsolete for e in entries),
        "#~| msgctxt": sum(e.prev_msgctxt and e.obsolete for e in entries),
    }


# --- running the measures ---------------------------------------------------------------


@contextlib.contextmanager
def captured() -> Iterator[list[str]]:
    """Collect what a library prints, logs or warns while it reads."""
    messages: list[str] = []
    out = io.StringIO()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(f"{record.levelname}: {record.getMessage()}")

    handler, root = Collect(), logging.getLogger()
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(out):
            warnings.simplefilter("always")
            yield messages
        messages.extend(str(w.message) for w in caught)
    finally:
        root.removeHandler(handler)
        messages[:0] = [line for line in out.getvalue().splitlines() if line.strip()]


def describe(exc: BaseException, data: bytes, folder: Path) -> str:
    """The error text, with the file line it points at when the message does not say."""
    text = f"{type(exc).__name__}: {exc}".replace(f"{folder}/", "")
    if re.search(r"\bline\b", text):
        return text
    lines = data.splitlines()
    if isinstance(exc, UnicodeDecodeError):
        for number, line in enumerate(lines, 1):
            try:
                line.decode(exc.encoding)
            except UnicodeDecodeError:
                return f"{text} (first line not {exc.encoding}: {number})"
    for quoted in re.findall(r"'([^']{3,})'", str(exc)):
        for number, line in enumerate(lines, 1):
            if quoted.encode("latin-1", "replace") in line:
                return f"{text} (first line with {quoted!r}: {number})"
    return text


def attempt(action: Callable[[], Any], data: bytes, folder: Path) -> tuple[Any, str | None, list[str]]:
    with captured() as messages:
        try:
            return action(), None, messages
        except Exception as exc:  # noqa: BLE001 - any failure of a library is a result
            return None, describe(exc, data, folder), messages


def measure_file(cand: Candidate, path: Path, ref: dict[str, Any], out_dir: Path,
                 repeat: int) -> dict[str, Any]:
    data, charset = path.read_bytes(), ref["charset"]
    hint = charset if cand.charset_hint else None
    _, auto_error, _ = attempt(lambda: cand.load(path, None), data, path.parent)
    result: dict[str, Any] = {"read_auto": auto_error is None, "read_auto_error": auto_error}
    catalog, error, messages = attempt(lambda: cand.load(path, hint), data, path.parent)
    result.update(read=error is None, read_error=error, read_messages=messages[:6],
                  read_message_count=len(messages))
    if error:
        return result

    times = []
    for _ in range(repeat):
        with captured():
            start = time.perf_counter()
            cand.load(path, hint)
            times.append((time.perf_counter() - start) * 1000)
    entries = cand.entries(catalog)
    result.update(
        read_ms=round(statistics.median(times), 2),
        counts=counts_by_rule(entries), counts_api=counts_by_api(entries),
        previous_read=previous_read(entries),
        obsolete_fuzzy_read=sum(e.obsolete and e.fuzzy for e in entries),
        roundtrip={},
    )
    variants: list[tuple[str, int | None]] = [("default", None)]
    if cand.width_option:
        variants.append((f"width {WIDTH}", WIDTH))
    for variant, width in variants:
        written, error, _ = attempt(functools.partial(cand.roundtrip, path, hint, width), data, path.parent)
        trip: dict[str, Any] = {"error": error}
        if written is not None:
            target = out_dir / f"{variant.replace(' ', '')}.{path.name}"
            target.write_bytes(written)
            accepted, diagnostics = msgfmt_check(target)
            trip.update(diff_lines=changed_lines(data, written), check=accepted, check_errors=diagnostics,
                        counts=msgfmt_counts(target), previous=previous_lines(written),
                        obsolete_fuzzy=obsolete_fuzzy_lines(written))
            trip["counts_same"] = trip["counts"] == ref["counts"]
        result["roundtrip"][variant] = trip
    return result


def reference(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    accepted, diagnostics = msgfmt_check(path)
    return {"charset": declared_charset(data), "counts": msgfmt_counts(path), "check": accepted,
            "check_errors": diagnostics, "previous": previous_lines(data),
            "obsolete_fuzzy": obsolete_fuzzy_lines(data)}


def run(corpus: Path, names: list[str], repeat: int) -> dict[str, Any]:
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".po", ".pot"))
    results: dict[str, Any] = {"corpus": str(corpus), "python": sys.version.split()[0],
                               "msgfmt": msgfmt_version(), "repeat": repeat, "files": {},
                               "candidates": {}}
    with tempfile.TemporaryDirectory() as tmp:
        copies = Path(tmp, "corpus")
        copies.mkdir()
        for original in files:
            shutil.copyfile(original, copies / original.name)
            results["files"][original.name] = reference(copies / original.name)
        for name in names:
            cand = CANDIDATES[name]
            try:
                importlib.import_module(cand.module)
                info: dict[str, Any] = {"status": "ok", "version": cand.version(),
                                        "charset_hint": cand.charset_hint or "none",
                                        "width_option": cand.width_option, "files": {}}
            except Exception as exc:  # noqa: BLE001 - ImportError, or OSError from a missing C library
                results["candidates"][name] = {"status": f"not installed ({type(exc).__name__}: {exc})"}
                continue
            out_dir = Path(tmp, name)
            out_dir.mkdir()
            for path in sorted(copies.iterdir()):
                info["files"][path.name] = measure_file(cand, path, results["files"][path.name],
                                                        out_dir, repeat)
            results["candidates"][name] = info
    return results


def msgfmt_version() -> str:
    if not shutil.which("msgfmt"):
        sys.exit("msgfmt (GNU gettext) is needed as the reference: apt-get install gettext")
    return subprocess.run(["msgfmt", "--version"], capture_output=True, text=True).stdout.splitlines()[0]


# --- report ------------------------------------------------------------------------------

Result = dict[str, Any]


def table(title: str, headers: list[str], rows: list[list[str]], notes: list[str] | None = None) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    print(f"\n{title}")
    for row in [headers, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for note in notes or []:
        print(f"  {note}")


def joined(values: Any) -> str:
    return "/".join(map(str, values)) if values is not None else "-"


def per_file(results: Result, cell: Callable[[Result, Result], str],
             first: Callable[[Result], list[str]] = lambda ref: [], unread: bool = False) -> list[list[str]]:
    """One row per file: the file, the reference columns, then one cell per candidate.

    A candidate that could not read the file gets "unread", unless `unread` says the cell
    handles that case itself.
    """
    active = [c for c in results["candidates"].values() if c["status"] == "ok"]
    return [[file, *first(ref), *(cell(c["files"][file], ref) if unread or c["files"][file]["read"]
                                  else "unread" for c in active)]
            for file, ref in results["files"].items()]


def agreement(counts: Counts | None, ref: Result) -> str:
    if counts is None:
        return "n/a"
    return "=" if counts == ref["counts"] else joined(counts)


def read_cell(res: Result) -> str:
    return {(True, True): "yes", (False, True): "hinted only", (True, False): "auto only",
            (False, False): "NO"}[(res["read_auto"], res["read"])]


def written(res: Result, key: str) -> str:
    trip = res["roundtrip"]["default"]
    return joined(trip[key].values()) if isinstance(trip.get(key), dict) else str(trip.get(key, "-"))


def trip_cell(res: Result, variant: str) -> str:
    trip = res.get("roundtrip", {}).get(variant)
    if not res["read"] or trip is None:
        return "unread"
    if trip["error"]:
        return "write error"
    return f"{trip['diff_lines']} {'ok' if trip['check'] else 'FAIL'} {'=' if trip['counts_same'] else '!='}"


def summary_row(name: str, cand: Result, refs: Result) -> list[str]:
    files, total = cand["files"], len(refs)
    accepted = [f for f, ref in refs.items() if ref["check"]]
    api = any(r.get("counts_api") for r in files.values())
    row = [name, f"{sum(r['read_auto'] for r in files.values())}/{total}",
           f"{sum(r['read'] for r in files.values())}/{total}",
           f"{sum(r['read'] and r['counts'] == refs[f]['counts'] for f, r in files.items())}/{total}",
           f"{sum(r['read'] and r['counts_api'] == refs[f]['counts'] for f, r in files.items())}/{total}"
           if api else "n/a"]
    for variant in ("default", f"width {WIDTH}"):
        trips = {f: r["roundtrip"][variant] for f, r in files.items() if variant in r.get("roundtrip", {})}
        done = {f: t for f, t in trips.items() if not t["error"]}
        if not trips:
            row += ["-", "-", "-"]
            continue
        row += [f"{sum(t['diff_lines'] for t in done.values())} ({len(done)} files)",
                f"{sum(f in done and done[f]['check'] for f in accepted)}/{len(accepted)}",
                f"{sum(t['counts_same'] for t in done.values())}/{total}"]
    return row


def report(results: Result) -> None:
    refs = results["files"]
    active = {n: c for n, c in results["candidates"].items() if c["status"] == "ok"}
    names = list(active)
    print(f"{results['msgfmt']}; Python {results['python']}; corpus {results['corpus']} "
          f"({len(refs)} files); read time = median of {results['repeat']}")
    for name, cand in results["candidates"].items():
        status = cand["status"]
        print(f"  {name}: " + (f"{cand['version']}, charset hint: {cand['charset_hint']}"
                               if status == "ok" else status))

    failures = [(n, f, r) for n, c in active.items() for f, r in c["files"].items()]
    notes = [f"{n} {f}: {r['read_error']}" for n, f, r in failures if r["read_error"]]
    notes += [f"{n} {f} (auto): {r['read_auto_error']}" for n, f, r in failures
              if r["read_auto_error"] and r["read"]]
    notes += [f"{n} {f}: {r['read_message_count']} line(s) printed or logged while reading, "
              f"first: {' / '.join(r['read_messages'][:2])}" for n, f, r in failures if r["read_messages"]]
    table("(a) reads without error (with the library's charset detection / with the header charset "
          "handed over)", ["file", *names],
          per_file(results, lambda r, ref: read_cell(r), unread=True), notes)

    msgfmt_column: Callable[[Result], list[str]] = lambda ref: [joined(ref["counts"])]  # noqa: E731
    table("(b) translated/fuzzy/untranslated from the fields read, msgfmt's rule (= agrees with msgfmt)",
          ["file", "msgfmt", *names], per_file(results, lambda r, ref: agreement(r["counts"], ref),
                                               msgfmt_column))
    table("(b') the same from the library's own translated/fuzzy API (n/a = it has none)",
          ["file", "msgfmt", *names], per_file(results, lambda r, ref: agreement(r["counts_api"], ref),
                                               msgfmt_column))
    table("(c) entries with previous #| msgid / #| msgctxt / #~| msgid / #~| msgctxt: "
          "in the file | read -> written (default)", ["file", "in file", *names],
          per_file(results,
                   lambda r, ref: f"{joined(r['previous_read'].values())} -> {written(r, 'previous')}",
                   lambda ref: [joined(ref["previous"].values())]))
    table("(d) obsolete entries flagged fuzzy: in the file | read -> written (default)",
          ["file", "in file", *names],
          per_file(results, lambda r, ref: f"{r['obsolete_fuzzy_read']} -> {written(r, 'obsolete_fuzzy')}",
                   lambda ref: [str(ref["obsolete_fuzzy"])]))

    variants = [(n, v) for n, c in active.items()
                for v in ("default", f"width {WIDTH}") if v == "default" or c["width_option"]]
    rows = [[file, "ok" if ref["check"] else "FAIL",
             *(trip_cell(active[n]["files"][file], v) for n, v in variants)] for file, ref in refs.items()]
    notes = []
    for (name, variant), (file, ref) in itertools.product(variants, refs.items()):
        trip = active[name]["files"][file].get("roundtrip", {}).get(variant, {})
        if trip.get("error"):
            notes.append(f"{name} {variant} {file}: {trip['error']}")
        elif ref["check"] and trip and not trip["check"]:
            notes.append(f"{name} {variant} {file}: msgfmt --check: {trip['check_errors']}")
    table("(e) round trip: changed lines, msgfmt --check, msgfmt --statistics the same (=) or not (!=)",
          ["file", "shipped", *(f"{n} {v}" for n, v in variants)], rows, notes)

    table("(f) read time, ms (median)", ["file", *names],
          per_file(results, lambda r, ref: f"{r['read_ms']:.1f}"))

    rows = [summary_row(name, cand, refs) for name, cand in active.items()]
    rows += [[name, "not installed", *[""] * 9] for name in results["candidates"] if name not in active]
    table("Summary: files read, counts agreeing with msgfmt, round trip (lines changed summed over the "
          "files written; msgfmt --check out of the files it accepts as shipped)",
          ["candidate", "read auto", "read hinted", "counts agree", "API agrees", "diff lines",
           "check ok", "stats same", f"diff w{WIDTH}", f"check w{WIDTH}", f"stats w{WIDTH}"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of .po/.pot files")
    parser.add_argument("--repeat", type=int, default=3, help="reads per file for the read time")
    parser.add_argument("--only", nargs="+", choices=list(CANDIDATES), default=list(CANDIDATES),
                        help="candidates to measure")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    args = parser.parse_args()
    results = run(args.corpus, args.only, args.repeat)
    if args.json:
        json.dump(results, sys.stdout, indent=1)
        print()
    else:
        report(results)


if __name__ == "__main__":
    main()
