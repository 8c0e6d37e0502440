"""A draft becomes a statement file: ``publisher import DRAFT``.

The masthead lines become front matter (see :mod:`.masthead`), the rest the statement's
Markdown. Every field the import fills is reported with the draft line it came from, and
every default with its reason; options given on the command line win over what was read.
The statement is read back with the statement reader before anything is written, so an
imported statement always builds; an existing statement is replaced only when asked.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PublisherError, display_path
from ..fsutil import atomic_write
from .masthead import Found, Masthead, quoted, recognise
from .model import Draft, DraftBlock

if TYPE_CHECKING:
    from ..model import Mission
    from ..project import Project

ORDER = ("mission", "symbol", "date", "meeting", "agenda", "title", "original", "languages",
         "check_against_delivery")
"""Front-matter keys in the order a statement lists them."""

OVERRIDABLE = ("mission", "symbol", "date", "meeting", "agenda", "title", "original",
               "languages")


class DraftError(PublisherError):
    """A draft that cannot become a statement (a field the masthead lacks, a name)."""


@dataclass(frozen=True)
class ImportOptions:
    draft: Path
    mission: str | None = None
    output: Path | None = None
    force: bool = False
    overrides: dict[str, str] = field(default_factory=dict)
    """Front-matter values given on the command line (``--date`` …): they win."""


@dataclass
class DraftImport:
    """What an import did: the statement, and what the press officer should check."""

    path: Path
    fields: list[Found]
    warnings: list[tuple[int | None, str]]
    """(draft line, message) of every guess to check and everything left out."""
    text: str


def slug_of(draft: Path) -> str:
    """The statement name a draft's file name suggests: ``FSC-PC 92 DPRK.source.docx`` ->
    ``fsc-pc-92-dprk``."""
    stem = draft.name.split(".")[0].lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
    return slug[:80].strip("-") or "statement"


def import_draft(project: Project, options: ImportOptions) -> DraftImport:
    """Read ``options.draft`` and write the statement it makes (see the module's text)."""
    from ..project import Missions, check_slug
    from .drafts import read_draft

    draft = read_draft(options.draft)
    missions_reader = Missions(project)
    all_missions = missions_reader.all()
    if options.mission:
        chosen = [m for m in all_missions if m.id == options.mission]
        if not chosen:
            known = ", ".join(m.id for m in all_missions) or "none"
            raise DraftError(f"no mission profile '{options.mission}' in "
                               f"{display_path(project.missions)} (known: {known})")
    else:
        chosen = all_missions
    masthead = recognise(draft, project, chosen)

    output = options.output or project.seeds / f"{slug_of(options.draft)}.md"
    if output.suffix != ".md":
        raise DraftError("the statement must be a .md file", output)
    check_slug(output.stem, output)
    if output.exists() and not options.force:
        raise DraftError("a statement of this name exists; use --force to replace it",
                           output)

    fields = _settle(masthead, options, chosen, all_missions, draft)
    text = render(fields, masthead, draft)
    warnings = list(masthead.notes)
    warnings += [(line.line, f"not a masthead line: kept as the speech's first paragraph: "
                             f"{quoted(line.text)}") for line in masthead.unplaced]
    warnings += [(line, f"left out: {what} (a statement cannot hold it)")
                 for line, what in draft.left_out]
    _check_reads(project, output, text)
    atomic_write(output, text.encode("utf-8"))
    return DraftImport(output, [fields[k] for k in ORDER if k in fields], warnings, text)


def _settle(masthead: Masthead, options: ImportOptions, chosen: list[Mission],
            all_missions: list[Mission], draft: Draft) -> dict[str, Found]:
    """The front matter: what was read, the command line's values over it, defaults."""
    fields = dict(masthead.fields)
    for key, value in options.overrides.items():
        if value:
            fields[key] = Found(key, value, None, "given on the command line")
    if options.mission:
        fields["mission"] = Found("mission", options.mission, None, "given on the command line")
    if "mission" not in fields and len(chosen) == 1:
        fields["mission"] = Found("mission", chosen[0].id, None,
                                  "the only mission profile of the project")
    mission_id = fields["mission"].value if "mission" in fields else None
    mission = next((m for m in all_missions if m.id == mission_id), None)
    if "original" not in fields and mission is not None and mission.languages:
        fields["original"] = Found("original", mission.languages[0], None,
                                   "the mission's first language")
    if "languages" not in fields:
        langs = list(mission.languages) if mission is not None and mission.languages else []
        original = fields["original"].value if "original" in fields else None
        if original and original not in langs:
            langs.insert(0, original)
        if langs:
            fields["languages"] = Found("languages", ", ".join(langs), None,
                                        "the mission's languages" if mission is not None
                                        and mission.languages else "the original language")
    missing = [k for k in ("mission", "date", "title", "original") if k not in fields]
    if missing:
        top = draft.blocks[masthead.body_start].line if masthead.body_start < len(
            draft.blocks) else None
        flags = " ".join(f"--{k} …" for k in missing)
        where = "above the speech, which starts here" if top else "in the whole draft"
        raise DraftError(f"the masthead has no {', '.join(missing)} (looked {where}); "
                         f"give {flags}", str(draft.path), top)
    return fields


# ---------------------------------------------------------------- writing

def yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar that the statement reader reads back as exactly this
    text: plain when YAML reads it so (``2024-11-06`` and ``yes`` stay text there), else
    double-quoted (JSON's escapes are YAML's)."""
    import yaml

    if value and value == value.strip() and "\n" not in value:
        try:
            node = yaml.compose(f"k: {value}\n", Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None
        if (node is not None and isinstance(node, yaml.MappingNode)
                and len(node.value) == 1 and isinstance(node.value[0][1], yaml.ScalarNode)
                and node.value[0][1].value == value and node.value[0][1].style is None
                and node.value[0][1].tag != "tag:yaml.org,2002:null"):
            return value  # the statement reader takes every value as text, never coerced
    return json.dumps(value, ensure_ascii=False)


def render(fields: dict[str, Found], masthead: Masthead, draft: Draft) -> str:
    """The statement file's text."""
    out = ["---", f"# Imported from {Path(draft.path).name} by `publisher import`: "
           "check each field against the draft."]
    for key in ORDER:
        if key not in fields:
            continue
        value = fields[key].value
        if key == "languages":
            out.append(f"languages: [{', '.join(v.strip() for v in value.split(','))}]")
        else:
            out.append(f"{key}: {yaml_scalar(value)}")
    out.append("---")
    body: list[str] = [line.text for line in masthead.unplaced]
    body_blocks = draft.blocks[masthead.body_start:]
    body += render_blocks(body_blocks)
    notes = [f"[^{label}]: {text}" for label, text in draft.footnotes]
    return "\n".join(out) + "\n" + "\n\n".join(body + notes) + "\n"


def render_blocks(blocks: tuple[DraftBlock, ...]) -> list[str]:
    """The speech's blocks as Markdown chunks (a list is one chunk, its items tight)."""
    chunks: list[str] = []
    items: list[str] = []
    indents: list[int] = []  # content column of each open list level
    numbers: dict[int, int] = {}

    def close() -> None:
        if items:
            chunks.append("\n".join(items))
            items.clear()
            indents.clear()
            numbers.clear()

    for block in blocks:
        text = block.text
        if block.kind == "item":
            level = min(block.level, len(indents))
            del indents[level + 1:]
            for deeper in [k for k in numbers if k > level]:
                del numbers[deeper]
            pad = indents[level - 1] if level else 0
            if block.ordered:
                if block.start is not None or level not in numbers:
                    numbers[level] = block.start if block.start is not None else 1
                else:
                    numbers[level] += 1
                marker = f"{numbers[level]}. "
            else:
                numbers.pop(level, None)
                marker = "- "
            content = _continued(text, pad + len(marker))
            items.append(" " * pad + marker + content)
            if len(indents) > level:
                indents[level] = pad + len(marker)
            else:
                indents.append(pad + len(marker))
            continue
        close()
        if block.kind == "heading":
            chunks.append("#" * max(1, min(block.level, 6)) + " " + text.replace("\n", " "))
        else:
            chunks.append(text)
    close()
    return chunks


def _continued(text: str, pad: int) -> str:
    """A list item's text with its hard-broken lines indented to the item's content."""
    return text.replace("\n", "\n" + " " * pad)


def _check_reads(project: Project, output: Path, text: str) -> None:
    """Read the statement back as a build will; a failure is the importer's bug, reported
    as such, and nothing is written."""
    from ..project import Missions, read_statement

    with tempfile.TemporaryDirectory(prefix="publisher-import-") as tmp:
        trial = Path(tmp) / output.name
        trial.write_text(text, encoding="utf-8")
        try:
            read_statement(trial, Missions(project))
        except PublisherError as exc:
            problem = str(exc.diagnostic()).replace(str(trial), str(display_path(output)))
            raise DraftError(f"the imported statement does not read ({problem}); nothing "
                               "was written: please report this draft", output) from None
