"""WeasyPrint's library lookups are asked once per machine (``publisher.writers.engine``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


from publisher.fsutil import atomic_write
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


# -- fontTools modules WeasyPrint imports but does not call for our fonts ---------------

DEFERRED_PROBE = """
import json, sys
import publisher.writers.pdf  # WeasyPrint and our PDF writer, as a worker loads them
loaded = {name: type(sys.modules.get(name)).__name__ for name in
          ("fontTools.subset", "fontTools.varLib.instancer", "fontTools.varLib",
           "fontTools.ttLib.tables.otTables")}
import weasyprint.pdf.fonts as weasy_fonts
stand_in = weasy_fonts.subset
options = weasy_fonts.subset.Options  # the first use imports the real module
print(json.dumps({"before": loaded, "real": sys.modules["fontTools.subset"] is not stand_in,
                  "same": options is sys.modules["fontTools.subset"].Options}))
"""


def test_weasyprint_starts_without_the_subsetter_and_the_instancer():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", DEFERRED_PROBE], capture_output=True,
                          text=True, env=env, check=True)
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["before"] == {"fontTools.subset": "module",
                              "fontTools.varLib.instancer": "module",
                              "fontTools.varLib": "NoneType",
                              "fontTools.ttLib.tables.otTables": "NoneType"}
    assert seen["real"] and seen["same"]


def test_a_deferred_module_is_imported_at_its_first_use(tmp_path, monkeypatch):
    (tmp_path / "slow_module_probe.py").write_text(
        "import builtins\nbuiltins.slow_module_probe_runs = "
        "getattr(builtins, 'slow_module_probe_runs', 0) + 1\n"
        "def twice(x):\n    return 2 * x\nVALUE = 7\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import builtins
    monkeypatch.setattr(builtins, "slow_module_probe_runs", 0, raising=False)
    try:
        engine.defer_import("slow_module_probe", ("twice",))
        from slow_module_probe import twice  # bound now, imported at the call
        assert builtins.slow_module_probe_runs == 0
        assert twice(21) == 42
        assert builtins.slow_module_probe_runs == 1
        stand_in_value = sys.modules["slow_module_probe"].VALUE
        assert stand_in_value == 7 and builtins.slow_module_probe_runs == 1
        engine.defer_import("slow_module_probe")  # imported: left alone
        assert sys.modules["slow_module_probe"].twice(1) == 2
    finally:
        sys.modules.pop("slow_module_probe", None)


def test_a_deferred_module_that_is_already_imported_is_left_alone():
    import fontTools.ttLib as real

    engine.defer_import("fontTools.ttLib")
    assert sys.modules["fontTools.ttLib"] is real


# -- cffi's type names ----------------------------------------------------------------

TYPE_NAMES = ["PangoFcFontMap *", "FcChar8 **", "char[]", "PangoRectangle *",
              "PangoLogAttr[]", "unsigned int *", "hb_tag_t[100]", "char[4]",
              "PangoGlyphInfo", "hb_codepoint_t[81]", "hb_codepoint_t[1831]",
              "const char *", "int[3][2]", "PangoRectangle", "void *", "uint32_t *",
              "hb_blob_t *", "PangoGlyphString *", "struct _PangoRectangle *"]


def outcome(parse, parser, name):
    try:
        return parse(parser, name)
    except Exception as exc:  # the same error, word for word
        return type(exc), str(exc)


def test_quick_type_parsing_reads_every_type_as_cffi_does():
    from cffi import cparser
    from weasyprint.text.ffi import ffi

    assert engine.quick_type_parsing()  # the pinned cffi is the one it was checked with
    quick = cparser.Parser.parse_type_and_quals
    parser = ffi._parser
    for name in TYPE_NAMES:
        assert quick(parser, name) == quick.original(parser, name), name
    declared = dict(parser._declarations)
    for name in ("NoSuchType *", "PangoRectangle PangoRectangle", "int[", "1 *", "x",
                 "PangoRectangle x"):
        assert outcome(quick, parser, name) == outcome(quick.original, parser, name), name
    assert parser._declarations == declared and "_parse" not in vars(parser)
    # A new struct name is declared in the parser's full table, as cffi does.
    assert str(quick(parser, "struct nowhere_probe *")[0]) == "<struct nowhere_probe *>"
    assert "struct nowhere_probe" in parser._declarations


def test_quick_type_parsing_gives_the_engine_the_same_ctypes():
    from weasyprint.text.ffi import ffi

    for name in TYPE_NAMES:
        ctype = ffi.typeof(name)
        assert ffi.getctype(ctype) == ffi.getctype(ffi.typeof(name))
    assert ffi.sizeof("PangoRectangle") == 16
    assert ffi.typeof("hb_codepoint_t[81]").length == 81


# -- C declarations, parsed once per machine ---------------------------------------------


def same(a: object, b: object, seen: dict[int, int] | None = None) -> bool:
    """Whether two cffi parser values are the same structure: the same classes and
    attributes all the way down, shared and recursive references in the same places."""
    from cffi import model

    seen = {} if seen is None else seen
    if isinstance(a, model.BaseTypeByIdentity):
        if type(a) is not type(b):
            return False
        if id(a) in seen:
            return seen[id(a)] == id(b)
        seen[id(a)] = id(b)
        return vars(a).keys() == vars(b).keys() and all(
            same(vars(a)[k], vars(b)[k], seen) for k in vars(a))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(
            same(x, y, seen) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(
            same(a[k], b[k], seen) for k in a)
    return type(a) is type(b) and a == b


def weasyprint_source() -> str:
    """The C declarations WeasyPrint gives cffi (the one ``cdef`` of its ffi module)."""
    import ast
    import inspect

    import weasyprint.text.ffi as weasy_ffi

    tree = ast.parse(inspect.getsource(weasy_ffi))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "cdef":
            value = node.args[0]
            assert isinstance(value, ast.Constant) and isinstance(value.value, str)
            return value.value
    raise AssertionError("WeasyPrint's ffi module has no cdef")


def test_the_declarations_read_back_are_what_cffi_parses():
    """The cached parse of WeasyPrint's declarations, written and read back, is the
    parser state cffi makes of the text, type for type, constant for constant."""
    from cffi import cparser

    from publisher.writers import declarations

    assert declarations.install()  # the pinned cffi is the one it was checked with
    source = weasyprint_source()
    parser = cparser.Parser()
    cparser.Parser.parse.original(parser, source)  # cffi's own parse, nothing cached
    state = {name: getattr(parser, name) for name in declarations._STATE}
    assert len(state["_declarations"]) > 200 and state["_int_constants"]
    back = declarations.decode(declarations.encode(state))
    assert same(state, back)
    # A struct is one object wherever it is used (cffi compares structs by identity).
    rect = back["_declarations"]["typedef PangoRectangle"][0]
    assert rect is back["_declarations"]["anonymous PangoRectangle"][0]


def test_an_engine_from_the_cache_makes_the_same_ctypes(tmp_path):
    """A process that reads the declarations from the cache gets the same C types and
    sizes as one that parsed them (checked in two fresh processes)."""
    probe = """
import json, sys
import publisher.writers.engine
from cffi import cparser
import weasyprint.text.ffi as f
ffi = f.ffi
names = ["PangoRectangle", "PangoGlyphInfo", "PangoGlyphString", "FcPattern *",
         "PangoLayoutLine *", "hb_codepoint_t[81]"]
print(json.dumps([[ffi.getctype(n), ffi.sizeof(n) if not n.endswith("*") else 8]
                  for n in names] + [f.pango.PANGO_GLYPH_EMPTY]))
"""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    env = {**os.environ, "PUBLISHER_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env=env, check=True).stdout for _ in range(2)]
    assert list((cache / "declarations").glob("cdef-*.json"))  # the first one wrote it
    assert runs[0] == runs[1] and json.loads(runs[0])


def test_a_damaged_or_foreign_declarations_file_is_parsed_again(tmp_path, monkeypatch):
    from cffi import cparser

    from publisher.writers import declarations

    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(tmp_path))
    tmp_path.chmod(0o700)
    source = "typedef struct { int x; } point_t; int area(point_t *);"
    path = declarations._cache_path(source)
    for damaged in ('{"format": 1, "state": {"_declarations": {"o": "os.system"}}}',
                    '{"format": 99}', "not json", '{"format": 1, "state": []}'):
        atomic_write(path, damaged)
        parser = cparser.Parser()
        cparser.Parser.parse(parser, source)
        assert "typedef point_t" in parser._declarations, damaged
        assert declarations.decode(path.read_text()) is not None  # replaced by a good one
    # Anything but a type class of cffi's is refused.
    with pytest.raises(ValueError):
        declarations.decode('{"format": 1, "state": {"_declarations": '
                            '{"o": "Path", "n": 0, "a": {}}, "_int_constants": 0, '
                            '"_anonymous_counter": 0, "_uses_new_feature": null, '
                            '"_inside_extern_python": null, "_partial_length": false}}')
