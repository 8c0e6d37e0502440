"""The ``publisher`` command line. Thin commands: parse options, call one function in
:mod:`publisher.pipeline`, turn errors into exit codes.

Exit codes: 0 success, 1 errors found (bad input, failed output, warnings under
``--strict``), 2 usage error. Heavy libraries are imported inside the commands, so
``--help`` stays fast.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from . import __version__
from . import log
from .errors import PublisherError, display_path
from .writers import FORMATS, PDF_VARIANTS

if TYPE_CHECKING:
    from .matrix import Result
    from .project import Project


EPILOG = "Exit codes: 0 success, 1 errors found, 2 usage error."


def _split(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out


def _formats(values: tuple[str, ...]) -> list[str]:
    """``--format`` values: split, and each one a format of the registry."""
    fmts = _split(values)
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise click.BadParameter(f"unknown format {', '.join(bad)} (choose from "
                                 f"{', '.join(FORMATS)})", param_hint="--format")
    return fmts


def _fail(exc: Exception) -> None:
    if isinstance(exc, PublisherError):
        text = str(exc.diagnostic())
    else:
        text = f"error: {exc}"
    click.echo(text, err=True)
    sys.exit(1)


def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call into the pipeline; a user's mistake becomes one line and exit code 1."""
    try:
        return func(*args, **kwargs)
    except PublisherError as exc:
        _fail(exc)
    except OSError as exc:
        where = f"{display_path(exc.filename)}: " if exc.filename else ""
        click.echo(f"{where}error: {exc.strerror or exc}", err=True)
        sys.exit(1)


def _project(ctx: click.Context) -> Project:
    from .pipeline import Project

    return Project(Path(ctx.obj["root"]))


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publisher")
@click.option("-C", "--project", "root", default=".", show_default=True,
              type=click.Path(file_okay=False, exists=True),
              help="Project folder holding seeds/, locales/, templates/ and build/.")
@click.option("-v", "--verbose", count=True, help="Also list every file written.")
@click.pass_context
def main(ctx: click.Context, root: str, verbose: int) -> None:
    """Turn one canonical statement into release-ready DOCX, PDF and HTML in every
    language the mission publishes in.

    \b
    Typical week:
      publisher extract          # statements and templates -> locales/*.pot
      publisher update           # .pot -> locales/<lang>/LC_MESSAGES/*.po (translators edit these)
      publisher build            # every statement x language x format -> build/
    """
    ctx.obj = {"root": root}
    log.configure(verbose)


_SHARD = re.compile(r"^([1-9]\d*)/([1-9]\d*)$")


@main.command(epilog=EPILOG)
@click.argument("statements", nargs=-1, type=click.Path(dir_okay=False))
@click.option("-l", "--lang", "langs", multiple=True, metavar="LANGS",
              help="Only these languages (comma-separated or repeated), e.g. --lang uk,fr.")
@click.option("-f", "--format", "formats", multiple=True, metavar="FORMATS",
              help=f"Only these formats: {', '.join(FORMATS)} (comma-separated or repeated).")
@click.option("--strict", is_flag=True,
              help="Fail (exit 1, nothing written) if any warning is reported, "
                   "e.g. a missing or fuzzy translation, or any error `publisher check` "
                   "finds in the catalogues built from.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per core).")
@click.option("--shard", metavar="I/N",
              help="Build only the I-th of N deterministic slices of the matrix (for CI).")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False),
              help="Write outputs here instead of build/.")
@click.option("--pdf-variant", type=click.Choice(PDF_VARIANTS), default=PDF_VARIANTS[0],
              show_default=True, help="Accessible tagged PDF, or archival PDF/A-3b.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_context
def build(ctx: click.Context, statements: tuple[str, ...], langs: tuple[str, ...],
          formats: tuple[str, ...], strict: bool, jobs: int | None, shard: str | None,
          output_dir: str | None, pdf_variant: str, as_json: bool) -> None:
    """Build STATEMENTS (default: every seeds/*.md) in every language and format.

    Outputs are named build/<slug>/<slug>.<lang>.<format>, e.g.
    build/fsc-pc-92-dprk/fsc-pc-92-dprk.uk.pdf, with build/index.html and
    build/manifest.json. Only outputs whose inputs changed are rebuilt; a failed output
    is reported (exit 1) and the others are still built.

    \b
    Examples:
      publisher build
      publisher build seeds/fsc-pc-92-dprk.md --lang uk --format pdf
      publisher build --strict        # release gate: untranslated text or a check error fails
      publisher build --shard 2/3     # the second of three CI machines
    """
    import json

    from .pipeline import BuildOptions, build as run_build

    fmts = _formats(formats)
    if shard:
        m = _SHARD.match(shard)
        if not m or int(m.group(1)) > int(m.group(2)):
            raise click.BadParameter(f"'{shard}' is not I/N with 1 <= I <= N",
                                     param_hint="--shard")
    progress = _Progress(quiet=as_json or log.verbose())
    options = BuildOptions(paths=list(statements), languages=_split(langs), formats=fmts,
                           strict=strict, out_dir=Path(output_dir) if output_dir else None,
                           pdf_variant=pdf_variant, jobs=jobs or 0, shard=shard,
                           progress=progress)
    try:
        report = run(run_build, _project(ctx), options)
    finally:
        progress.close()
    if as_json:
        click.echo(json.dumps({
            "built": report.built, "up_to_date": report.up_to_date,
            "failed": report.failed,
            "failures": [{"statement": f.statement, "language": f.lang, "format": f.format,
                          "path": display_path(f.path), "error": f.error}
                         for f in report.failures],
            "warnings": [str(w) for w in report.warnings],
            "diagnostics": [w.as_dict() for w in report.warnings],
            "seconds": round(report.seconds, 3),
            "peak_worker_rss_mb": round(report.peak_worker_rss_mb, 1),
            "outputs": [{"statement": o.statement, "language": o.lang, "format": o.format,
                         "path": display_path(o.path), "size": o.size, "sha256": o.sha256}
                        for o in report.outputs],
        }, ensure_ascii=False, indent=2))
    if report.built == 0 and not report.failed:
        summary = f"nothing to do: {report.up_to_date} output(s) up to date"
    else:
        summary = f"built {report.built} file(s)"
        if report.up_to_date:
            summary += f", {report.up_to_date} up to date"
    if report.failed:
        summary += f", {len(report.failed)} FAILED"
    if report.warnings:
        summary += f", {len(report.warnings)} warning(s)"
    click.echo(f"{summary} in {report.seconds:.2f} s", err=True)
    if report.failed:
        sys.exit(1)


class _Progress:
    """A progress bar on a terminal; one plain line per output otherwise (CI logs)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Any = None
        self.tty = sys.stderr.isatty() and not os.environ.get("CI")

    def __call__(self, done: int, total: int, result: Result) -> None:
        if self.quiet:
            return
        if self.tty:
            if self.bar is None:
                self.bar = click.progressbar(length=total, label="building", file=sys.stderr,
                                             color=not os.environ.get("NO_COLOR"))
                self.bar.__enter__()
            self.bar.update(1)
        else:
            state = "FAILED" if result.error else f"{result.seconds:.2f} s"
            click.echo(f"[{done}/{total}] {display_path(result.path)} ({state})", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command(epilog=EPILOG)
@click.argument("statements", nargs=-1, type=click.Path(dir_okay=False))
@click.pass_context
def extract(ctx: click.Context, statements: tuple[str, ...]) -> None:
    """Refresh the translation templates: locales/<slug>.pot per statement,
    locales/templates.pot for the masthead wording and locales/mission.<id>.pot for
    each mission profile's letterhead lines.

    A .pot whose messages did not change is left untouched.

    \b
    Example:
      publisher extract && publisher update
    """
    from .pipeline import extract as run_extract

    for change in run(run_extract, _project(ctx), statements):
        click.echo(f"{change.action:9} {display_path(change.path)}")


@main.command(epilog=EPILOG)
@click.option("-l", "--lang", "langs", multiple=True, metavar="LANGS",
              help="Only these languages (comma-separated or repeated).")
@click.pass_context
def update(ctx: click.Context, langs: tuple[str, ...]) -> None:
    """Merge the .pot templates into every language's .po, creating missing ones.

    Works as msgmerge: a changed paragraph keeps its old translation marked fuzzy with
    the previous text, a removed one is kept as an obsolete entry, nothing is dropped.
    A .po that does not parse stops the update and nothing is written.

    \b
    Example:
      publisher update --lang uk
    """
    from .pipeline import update as run_update

    for change in run(run_update, _project(ctx), _split(langs)):
        click.echo(f"{change.action:9} {display_path(change.path)}")


@main.command(epilog=EPILOG)
@click.option("-l", "--lang", "langs", multiple=True, metavar="LANGS",
              help="Only these languages (comma-separated or repeated).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def stats(ctx: click.Context, langs: tuple[str, ...], as_json: bool) -> None:
    """Completeness of every statement (and the template wording and mission lines its
    editions use) per language: translated / fuzzy / untranslated messages and source
    words, counted as msgfmt --statistics counts them.

    \b
    Examples:
      publisher stats
      publisher stats --lang uk --json
    """
    import json

    from .pipeline import stats as run_stats

    rows = run(run_stats, _project(ctx), _split(langs))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    head = ("statement", "lang", "translated", "fuzzy", "untransl.", "words", "done")
    table = [head] + [(r.statement, r.lang, str(r.translated), str(r.fuzzy), str(r.untranslated),
                       f"{r.translated_words}/{r.words}", f"{r.percent:.0f}%") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        click.echo("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


@main.command(epilog=EPILOG)
@click.option("-l", "--lang", "langs", multiple=True, metavar="LANGS",
              help="Only these languages (comma-separated or repeated).")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help="Warnings (untranslated, fuzzy, ...) fail too.")
@click.pass_context
def check(ctx: click.Context, langs: tuple[str, ...], as_json: bool, strict: bool) -> None:
    """Translation QA over every catalogue: inline markup, numbers, placeholders,
    brackets and quotation marks, whitespace, headers, untranslated and fuzzy entries.

    Prints every problem as FILE:LINE: error|warning: [check] message and exits 1
    if any is an error.

    \b
    Examples:
      publisher check
      publisher check --lang fr --json
      publisher check --strict      # before a release: fuzzy or untranslated fails too
    """
    import json

    from .pipeline import check as run_check

    problems = run(run_check, _project(ctx), _split(langs))
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            click.echo(str(p))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if errors or (strict and warnings):
        sys.exit(1)


@main.command(epilog=EPILOG)
@click.argument("lang")
@click.argument("statements", nargs=-1, type=click.Path(dir_okay=False))
@click.option("-o", "--output-dir", type=click.Path(file_okay=False),
              help="Write the review copies here instead of build/review/.")
@click.pass_context
def review(ctx: click.Context, lang: str, statements: tuple[str, ...],
           output_dir: str | None) -> None:
    """Bilingual review copy (HTML and PDF) of STATEMENTS in LANG: source and translation
    side by side, paragraph by paragraph, untranslated and fuzzy paragraphs marked.

    \b
    Example:
      publisher review uk       # -> build/review/fsc-pc-92-dprk.uk.review.{html,pdf}
    """
    from .pipeline import ReviewOptions, review as run_review

    options = ReviewOptions(lang=lang, paths=list(statements),
                            out_dir=Path(output_dir) if output_dir else None)
    for path in run(run_review, _project(ctx), options):
        click.echo(f"wrote {display_path(path)}")


@main.command(epilog=EPILOG)
@click.argument("shard_dirs", nargs=-1, required=True, type=click.Path(file_okay=False),
                metavar="SHARD_DIR...")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False),
              help="Write the merged folder here instead of build/ (may be one of the shards).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.pass_context
def collect(ctx: click.Context, shard_dirs: tuple[str, ...], output_dir: str | None,
            as_json: bool) -> None:
    """Merge the output folders of `publisher build --shard I/N` (one per CI machine)
    into one, with one manifest.json and index.html listing every output.

    Every file's size and sha256 are checked against its shard's manifest before
    anything is written; a file that does not match, an unsafe path or two shards
    listing one output with different bytes fail (exit 1) and nothing is written.

    \b
    Example:
      publisher collect shards/outputs-*/build -o build
    """
    import json

    from .pipeline import collect as run_collect

    out = Path(output_dir) if output_dir else None
    report = run(run_collect, _project(ctx), [Path(d) for d in shard_dirs], out)
    if as_json:
        click.echo(json.dumps({
            "shards": report.shards, "copied": report.copied, "unchanged": report.unchanged,
            "seconds": round(report.seconds, 3),
            "outputs": [{"statement": o.statement, "language": o.lang, "format": o.format,
                         "path": display_path(o.path), "size": o.size, "sha256": o.sha256}
                        for o in report.outputs],
        }, ensure_ascii=False, indent=2))
    click.echo(f"collected {len(report.outputs)} output(s) from {report.shards} shard(s) into "
               f"{display_path(report.out_dir)}: "
               f"{report.copied} copied, {report.unchanged} already there, "
               f"in {report.seconds:.2f} s", err=True)


@main.command("import", epilog=EPILOG)
@click.argument("document", type=click.Path(dir_okay=False, exists=True))
@click.argument("statement", required=False, type=click.Path(dir_okay=False))
@click.option("--translation", "lang", metavar="LANG",
              help="DOCUMENT is a translation into LANG of STATEMENT: fill its catalogue "
                   "with fuzzy translations instead of making a statement.")
@click.option("--mission", metavar="ID", help="The mission profile (default: recognised).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The statement to write (default: seeds/<name of DOCUMENT>.md).")
@click.option("--force", is_flag=True, help="Replace an existing statement.")
@click.option("--date", metavar="YYYY-MM-DD", help="The date, over what the masthead says.")
@click.option("--title", help="The title, over the masthead's.")
@click.option("--meeting", help="The meeting line, over the masthead's.")
@click.option("--agenda", help="The agenda item, over the masthead's.")
@click.option("--symbol", help="The document symbol, over the masthead's.")
@click.option("--original", metavar="LANG", help="The language the draft is written in.")
@click.option("--languages", metavar="LANGS", help="The languages to publish in (comma-separated).")
@click.pass_context
def import_(ctx: click.Context, document: str, statement: str | None, lang: str | None,
            mission: str | None, output: str | None, force: bool, date: str | None,
            title: str | None, meeting: str | None, agenda: str | None, symbol: str | None,
            original: str | None, languages: str | None) -> None:
    """Make a statement from a draft (.docx, .odt, .md, .txt), or, with --translation,
    seed a catalogue from a translated document.

    A draft's masthead lines (mission, date, meeting, agenda item, title, symbol, "Check
    against delivery") become the statement's front matter and the rest its text. Each
    field is printed with the draft line it was read from; lines that could not be
    placed and what a statement cannot hold (images, tables) are warned about by line.

    With --translation LANG, the document's paragraphs are aligned with STATEMENT's
    messages (the only statement in seeds/ if none is named) and become fuzzy
    translations in locales/LANG/LC_MESSAGES/<statement>.po, for a translator to
    confirm. Existing translations are never replaced. A bilingual table written by
    `publisher export` is read back row by row.

    \b
    Examples:
      publisher import "FSC-PC 92 DPRK.docx" -o seeds/fsc-pc-92-dprk.md
      publisher import --translation uk fsc-pc-92-dprk.uk.docx seeds/fsc-pc-92-dprk.md
    """
    if lang:
        _import_translation(ctx, document, statement, lang)
        return
    if statement:
        raise click.UsageError("STATEMENT is only for --translation (use -o to name the "
                               "statement a draft becomes)")
    from .pipeline import ImportOptions, import_draft

    given = {"date": date, "title": title, "meeting": meeting, "agenda": agenda,
             "symbol": symbol, "original": original, "languages": languages}
    options = ImportOptions(Path(document), mission=mission,
                            output=Path(output) if output else None, force=force,
                            overrides={k: v for k, v in given.items() if v})
    result = run(import_draft, _project(ctx), options)
    name = display_path(document)
    for found in result.fields:
        where = f"{name}:{found.line}" if found.line else name
        value = found.value if len(found.value) <= 70 else found.value[:69] + "…"
        click.echo(f"{where}: {found.key}: {value}  <- {found.why}", err=True)
    for line, message in result.warnings:
        where = f"{name}:{line}" if line else name
        click.echo(f"{where}: warning: {message}", err=True)
    click.echo(f"wrote {display_path(result.path)}", err=True)


def _import_translation(ctx: click.Context, document: str, statement: str | None,
                        lang: str) -> None:
    from .pipeline import import_translation

    result = run(import_translation, _project(ctx), lang, Path(document),
                 Path(statement) if statement else None)
    source = display_path(result.statement)
    if result.chosen:
        click.echo(f"{source}: {result.chosen}", err=True)
    for note in result.notes:
        click.echo(f"{display_path(document)}: warning: {note}", err=True)
    for problem in result.problems:
        where = f"{source}:{problem.lines[0]}" if problem.lines else display_path(document)
        click.echo(f"{where}: warning: {problem}", err=True)
    click.echo(f"{display_path(result.catalogue)}: {result.filled} fuzzy translation(s) "
               f"imported, {result.kept} kept as they were, {result.differing} different "
               f"(noted in a comment), {result.untranslated} untranslated in the document, "
               f"{len(result.problems)} not aligned", err=True)


@main.command(epilog=EPILOG)
@click.argument("statement", required=False, type=click.Path(dir_okay=False))
@click.option("-l", "--lang", required=True, metavar="LANG", help="The translation's language.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Where to write the table (default: <statement>.<LANG>.bilingual.docx).")
@click.pass_context
def export(ctx: click.Context, statement: str | None, lang: str, output: str | None) -> None:
    """Write a bilingual table (DOCX) for a translator who works in Word: the source
    text on the left, the translation to fill in on the right. `publisher import
    --translation LANG` reads it back into the catalogue.

    \b
    Example:
      publisher export --lang uk seeds/fsc-pc-92-dprk.md
    """
    from .fsutil import atomic_write
    from .pipeline import export_bilingual

    data, slug = run(export_bilingual, _project(ctx), lang, Path(statement) if statement else None)
    target = Path(output) if output else Path(f"{slug}.{lang}.bilingual.docx")
    run(atomic_write, target, data)
    click.echo(f"wrote {display_path(target)}", err=True)


@main.command(epilog=EPILOG)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False),
              help="Where the PDFs were built (default: build/).")
@click.pass_context
def proof(ctx: click.Context, output_dir: str | None) -> None:
    """Render page 1 of every built PDF onto one contact sheet, build/proof.png, to
    eyeball every language at once.

    \b
    Example:
      publisher build --format pdf && publisher proof
    """
    from .pipeline import proof as run_proof

    path = run(run_proof, _project(ctx), Path(output_dir) if output_dir else None)
    click.echo(f"wrote {display_path(path)}")


@main.command(epilog=EPILOG)
@click.argument("statements", nargs=-1, type=click.Path(dir_okay=False))
@click.option("-l", "--lang", "langs", multiple=True, metavar="LANGS",
              help="Only these languages (comma-separated or repeated), e.g. --lang uk.")
@click.option("-f", "--format", "formats", multiple=True, metavar="FORMATS",
              help=f"Only these formats: {', '.join(FORMATS)} (comma-separated or repeated).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False),
              help="Build and serve this folder instead of build/.")
@click.pass_context
def serve(ctx: click.Context, statements: tuple[str, ...], langs: tuple[str, ...],
          formats: tuple[str, ...], port: int, output_dir: str | None) -> None:
    """Live preview: build STATEMENTS (default: every seeds/*.md), serve the build folder
    on http://127.0.0.1:PORT/ (this machine only), and rebuild on every save in seeds/,
    locales/ or templates/. An open web page reloads itself when its file is rebuilt;
    bad input is printed here and shown on the page, and the preview keeps running.
    Ctrl-C (or SIGTERM) stops it (exit 0).

    \b
    Examples:
      publisher serve --lang uk            # then open the URL it prints
      publisher serve seeds/fsc-pc-92-dprk.md --lang uk,fr --format html,pdf --port 0
    """
    from .pipeline import Rebuild, ServeOptions, serve as run_serve

    fmts = _formats(formats)

    def started(url: str) -> None:
        click.echo(f"serving {url} (Ctrl-C to stop)")
        sys.stdout.flush()

    def rebuilt(r: Rebuild) -> None:
        outputs = [name.rsplit("/", 1)[-1] for name in r.changed]
        text = f"[{r.generation}] " + (f"{len(outputs)} file(s) changed: {', '.join(outputs)}"
                                       if outputs else "no output changed")
        if r.page_seconds is not None:
            text += f"; web page after {r.page_seconds:.2f} s"
        text += f"; done in {r.seconds:.2f} s"
        if r.errors:
            text += f"; {len(r.errors)} error(s), shown on the open pages"
        click.echo(text, err=True)

    options = ServeOptions(paths=list(statements), languages=_split(langs), formats=fmts,
                           out_dir=Path(output_dir) if output_dir else None, port=port,
                           started=started, rebuilt=rebuilt)
    run(run_serve, _project(ctx), options)
    click.echo("stopped", err=True)


@main.group(epilog=EPILOG)
def server() -> None:
    """A build server: it keeps the command line and the writers loaded, so that every
    later `publisher` command of this installation starts at once (one web page or DOCX
    in a few hundredths of a second). Each command still runs in a process of its own,
    with this terminal, folder and environment; without a server nothing changes but
    the time. Outside CI the first command that finds none starts one (it stops after
    30 minutes without a command). PUBLISHER_SERVER=manual never starts one (the
    default in CI), PUBLISHER_SERVER=off never uses one.

    \b
    Examples:
      publisher server start
      publisher build seeds/fsc-pc-92-dprk.md --lang uk --format html
      publisher server stop
    """


SERVER_IDLE = 3 * 3600.0
"""Seconds without a command after which a build server stops."""


@server.command("start", epilog=EPILOG)
@click.option("--idle", type=click.FloatRange(min=1), default=SERVER_IDLE, show_default=True,
              metavar="SECONDS", help="Stop after this long without a command.")
@click.pass_context
def server_start(ctx: click.Context, idle: float) -> None:
    """Start this installation's build server in the background (it serves every
    project; it reads ahead the language data of this one's catalogues)."""
    from .server import project_languages, start

    pid = run(start, idle, project_languages(Path(ctx.obj["root"])))
    click.echo(f"build server started (pid {pid})")


@server.command("run", hidden=True)
@click.option("--idle", type=click.FloatRange(min=1), default=SERVER_IDLE)
@click.option("--languages", default=None, help="Default: those of the project's catalogues.")
@click.pass_context
def server_run(ctx: click.Context, idle: float, languages: str | None) -> None:
    """The server itself, in the foreground (what `server start` starts, and what a
    command starts for the next ones)."""
    from .server import main as serve_commands, project_languages

    def one(argv: list[str]) -> int:
        sys.argv = ["publisher", *argv]
        return command()

    wanted = (project_languages(Path(ctx.obj["root"])) if languages is None
              else _split((languages,)))
    serve_commands(idle, wanted, one, _first_parse)


def _first_parse() -> None:
    """What parsing a command line does once per process (click's first context, parser
    and help option), done without running a command or reading a file."""
    with main.make_context("publisher", ["build"]) as ctx:
        sub = main.get_command(ctx, "build")
        if sub is not None:
            sub.make_context("build", [], parent=ctx).close()


@server.command("stop", epilog=EPILOG)
def server_stop() -> None:
    """Stop the build server (after the commands it runs have finished)."""
    from .server import stop

    pid = run(stop)
    click.echo(f"build server stopping (pid {pid})" if pid else "no build server is running")


@server.command("status", epilog=EPILOG)
def server_status() -> None:
    """Whether a build server runs for this installation (exit 1 if not)."""
    import time

    from .server import status

    found = run(status)
    if not found:
        click.echo("no build server is running")
        sys.exit(1)
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(found["started"]))
    click.echo(f"build server running (pid {found['pid']}, since {started}, "
               f"{found['commands']} command(s), {found['running']} running, "
               f"{'next one ready' if found['spare'] else 'next one getting ready'}; "
               f"{found['socket']})")


if __name__ == "__main__":  # pragma: no cover
    main()


def command() -> int:
    """Run the command of ``sys.argv``, flush its output and run the exit handlers (the
    cache's temporary folder, logging); its exit code. The caller ends the process with
    ``os._exit``, without tearing the interpreter down module by module, which takes
    longer than some whole builds (a tenth of a second with WeasyPrint loaded)."""
    import atexit

    try:
        main(prog_name="publisher")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    log.shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what was written is all it took
            pass
    return code
