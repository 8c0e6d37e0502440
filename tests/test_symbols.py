"""Document symbols of other bodies: the grammar is the mission profile's choice (OSCE by
default, UN and IAEA shipped), so a UN mission's ``--strict`` build passes on its own
symbols and an OSCE mission is still warned about one that is off."""

from __future__ import annotations

import pytest

from publisher.errors import TemplateError
from publisher.readers.mission import read_mission
from publisher.symbols import GRAMMARS, symbol_problem

from .conftest import copy_project, publisher_cli

VALID = {
    "osce": ["PC.DEL/627/17", "PC.DEL/1229/20 OSCE+", "FSC.DEL/25/21/Add.1", "FSC.DEL/30/21/Rev.1",
             "PC.JOUR/1283"],
    "un": ["S/PV.8039", "S/RES/2231 (2015)", "A/78/L.1", "A/RES/68/262", "A/C.1/78/L.5",
           "E/CN.6/2024/L.3", "A/HRC/55/L.12/Rev.1", "S/2024/123", "S/2024/123/Add.2",
           "A/78/L.1/Corr.1", "A/RES/ES-11/1", "A/65/L.78*", "S/PV.8039 (Resumption 1)",
           "E/CN.4/Sub.2/AC.2/1987/WP.4/Add.1", "S/PRST/2015/9", "ST/SGB/2019/8"],
    "iaea": ["GC(68)/RES/10", "GOV/2024/12", "GC(68)/INF/5", "INFCIRC/153 (Corrected)",
             "INFCIRC/540/Add.1", "GC(63)/RES/DEC(2019)", "GC(SPL.2)/RES/DEC(2019)",
             "GOV/2020/35-GC(64)/7*", "GC(64)/1/Add.1", "INFCIRC/254/Rev.10/Part 2",
             "INFCIRC/254/Rev.2/Part 1/Add.1"],
}

INVALID = {
    "osce": ["S/PV.8039", "GC(68)/RES/10", "MC.DEC/1/20", "PC.DEL/627", "PC.DEL/627/2017"],
    "un": [
        "PC.DEL/627/17",        # an OSCE symbol
        "GC(68)/RES/10",        # an IAEA symbol
        "S/PV8039",             # PV without its dot
        "A/78/L",               # a draft without its number
        "A/RES/68/262/Rev",     # a revision without its number
        "a/78/L.1",             # organs are capital letters
        "A//1",                 # an empty component
        "A/Rev.1/78/1",         # a modification before the number
        "A/C.1",                # a committee, no document
        "A/78/L.1 (2015)",      # only Security Council resolutions and records add the year
        "S/RES/2231 (15)",      # the year has four digits
        "S/PV.8039 (Resumption)",
        "S/RES/2231 OSCE+",     # no distribution marker
    ],
    "iaea": ["GC68/RES/10", "GOV/24/12", "INFCIRC/153 (corrected)", "GC(68)/RES", "S/PV.8039",
             "PC.DEL/627/17", "INFCIRC/Add.1", "GOV/2024/12 OSCE+"],
}


@pytest.mark.parametrize("grammar, symbol", [(g, s) for g in GRAMMARS for s in VALID[g]])
def test_valid_symbols(grammar, symbol):
    assert symbol_problem(symbol, grammar) is None


@pytest.mark.parametrize("grammar, symbol", [(g, s) for g in GRAMMARS for s in INVALID[g]])
def test_invalid_symbols_say_what_is_off(grammar, symbol):
    problem = symbol_problem(symbol, grammar)
    assert problem is not None and f"'{symbol}'" in problem


def test_osce_is_the_default_and_names_the_other_grammars():
    problem = symbol_problem("S/PV.8039")
    assert problem is not None and "symbols: osce, un or iaea" in problem


def profile(tmp_path, extra: str):
    path = tmp_path / "templates" / "missions" / "xx-un-newyork.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("name: [Permanent Mission of Testland to the United Nations]\n" + extra,
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("text, grammar", [("", "osce"), ("symbols: un\n", "un"),
                                           ("symbols: iaea\n", "iaea"), ("symbols:\n", "osce")])
def test_the_profile_chooses_the_grammar(tmp_path, text, grammar):
    assert read_mission(profile(tmp_path, text)).symbols == grammar


@pytest.mark.parametrize("text, line, message", [
    ("symbols: UN\n", 2, "'symbols' must be one of osce, un, iaea"),
    ("symbols: [un, iaea]\n", 2, "'symbols' must be a single value"),
    ("languages: [en]\nsymbols: wto\n", 3, "not 'wto'"),
    ("page_footer: maybe\n", 2, "'page_footer' must be true or false"),
    ("page_footer: [true]\n", 2, "'page_footer' must be a single value"),
    ("symbol: un\n", 2, "symbol"),  # an unknown key
])
def test_bad_values_are_one_line_errors_naming_the_profile_and_line(tmp_path, text, line, message):
    path = profile(tmp_path, text)
    with pytest.raises(TemplateError) as caught:
        read_mission(path)
    assert message in str(caught.value)
    assert caught.value.line == line and str(path) in str(caught.value.path)
    assert "\n" not in str(caught.value)


def test_page_footer_is_read(tmp_path):
    assert read_mission(profile(tmp_path, "")).page_footer is False
    assert read_mission(profile(tmp_path, "page_footer: true\n")).page_footer is True
    assert read_mission(profile(tmp_path, "page_footer: no\n")).page_footer is False


def with_symbol(root, symbol: str, mission: str | None = None) -> None:
    seed = root / "seeds" / "fsc-pc-92-dprk.md"
    text = seed.read_text(encoding="utf-8").replace("date: 2024-11-06",
                                                    f'symbol: "{symbol}"\ndate: 2024-11-06')
    if mission:
        text = text.replace("mission: ua-osce-vienna", f"mission: {mission}")
    seed.write_text(text, encoding="utf-8")


def test_strict_build_of_a_un_mission_passes_on_a_un_symbol(tmp_path):
    root = copy_project(tmp_path / "un")
    missions = root / "templates" / "missions"
    profile_text = (missions / "ua-osce-vienna.yaml").read_text(encoding="utf-8")
    (missions / "ua-osce-vienna.yaml").write_text(profile_text + "symbols: un\n", encoding="utf-8")
    with_symbol(root, "S/RES/2231 (2015)")
    osce = copy_project(tmp_path / "osce")
    with_symbol(osce, "S/RES/2231 (2015)")
    un_build, osce_build = (publisher_cli("build", "--strict", "--format", "html", "--lang", "en",
                                          cwd=folder) for folder in (root, osce))
    assert un_build.returncode == 0, un_build.stderr
    assert "warning" not in un_build.stderr
    page = (root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.en.html").read_text("utf-8")
    assert '<bdi dir="ltr">S/RES/2231 (2015)</bdi>' in page
    # The OSCE default warns as before, and --strict stops on it.
    assert osce_build.returncode == 1
    assert "[symbol] document symbol 'S/RES/2231 (2015)' does not follow the pattern" in osce_build.stderr
