"""The layering ARCHITECTURE.md describes: each module imports only modules listed below
it, so the build core stays a stack a newcomer can read from the bottom up."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "publisher"

LAYERS = ["cli", "pipeline", "serve", "server", "review", "collect", "importer", "build", "translations",
          "matrix", "editions", "project", "writers", "links", "readers", "i18n", "model", "symbols",
          "machine", "log", "fsutil", "errors", "client"]
"""Top to bottom, as in ARCHITECTURE.md."""


def imports(path: Path) -> set[str]:
    """The top-level modules of ``publisher`` that ``path`` imports (at any depth)."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = list(rel[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)]
            names = [node.module] if node.module else [a.name for a in node.names]
            for name in names:
                parts = base + name.split(".")
                if len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("publisher."):
            found.add(node.module.split(".")[1])
    return found - {"__version__"}


def test_every_module_imports_only_the_layers_below_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("").parts
        if rel[0] in ("__init__", "__main__"):
            continue
        name = rel[0]
        assert name in LAYERS, f"{name} is not placed in a layer (ARCHITECTURE.md)"
        below = set(LAYERS[LAYERS.index(name) + 1:]) | {name}
        wrong += [f"{path.relative_to(PACKAGE)} imports {dep}" for dep in imports(path) - below]
    assert not wrong, wrong


def test_the_architecture_document_lists_every_module():
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for name in LAYERS:
        assert f"`{name}" in text, name


def test_the_pipeline_names_every_command_once_and_loads_none_of_them():
    """``publisher.pipeline`` lists each command's home; importing it loads no command
    module (a no-op build must not pay for the live preview or the importer)."""
    import subprocess
    import sys

    from publisher import pipeline

    assert sorted(pipeline.__all__) == sorted(pipeline._WHERE)
    code = ("import sys, publisher.pipeline as p\n"
            "print(sorted(m for m in sys.modules if m.startswith('publisher.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=PACKAGE.parent).stdout
    commands = {f"publisher.{module}" for module in pipeline._HOME}
    assert not commands & set(ast.literal_eval(loaded)), loaded
    for name in pipeline.__all__:
        if not name.startswith(("import_", "export_", "Draft", "Import", "Translation")):
            assert getattr(pipeline, name) is not None


def test_a_worker_renders_without_the_statement_reader(tmp_path):
    """A worker is sent translated editions: loading the writers and embedding the emblem
    must not load the Markdown and YAML readers (a tenth of a second at its first
    output)."""
    import subprocess
    import sys

    from .conftest import cli_env

    from PIL import Image

    emblem = tmp_path / "emblem.png"
    Image.new("RGB", (4, 4), "navy").save(emblem)
    probe = ("import sys\nfrom publisher import matrix\n"
             "matrix.load_engines(('docx', 'html', 'pdf'))\n"
             "from publisher.readers.emblem import read_emblem\n"
             f"assert read_emblem({str(emblem)!r})[0] == 'image/png'\n"
             "print(sorted(m for m in ('markdown_it', 'yaml', 'publisher.readers.markdown') "
             "if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=cli_env(), check=True, cwd=tmp_path).stdout
    assert out.strip().splitlines()[-1] == "[]"
