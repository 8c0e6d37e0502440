"""Catalogues: extracted and merged through Babel, accepted by GNU msgfmt."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from publisher.errors import CatalogError
from publisher.i18n.catalogs import read_catalog
from publisher.i18n.segments import segments
from publisher.pipeline import Project, extract, update

from .conftest import ROOT, SAMPLE, copy_project, run, tool

SHIPPED = sorted((ROOT / "locales").rglob("*.po")) + sorted((ROOT / "locales").glob("*.pot"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_msgfmt_accepts_every_shipped_catalogue(path):
    run(tool("msgfmt"), "--check", "-o", "/dev/null", str(path))


def test_ukrainian_typography():
    cat = read_catalog(ROOT / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po")
    text = "\n".join(str(m.string) for m in cat if m.id)
    assert "12\u00a0000" in text and "12,000" not in text
    assert "«" in text and "»" in text and "“" not in text
    for number in ("1718", "1874", "2270", "2022", "500"):
        assert number in text


def test_shipped_pots_are_up_to_date(tmp_path):
    """Extracting again from the shipped sources changes no message."""
    proj = Project(copy_project(tmp_path))
    changes = extract(proj)
    assert {c.action for c in changes} == {"unchanged"}, changes


def test_extract_writes_one_message_per_block_with_references(tmp_path, sample):
    proj = Project(copy_project(tmp_path))
    for pot in (tmp_path / "locales").glob("*.pot"):
        pot.unlink()
    changes = extract(proj)
    assert {c.action for c in changes} == {"created"}
    pot = read_catalog(tmp_path / "locales" / "fsc-pc-92-dprk.pot")
    ids = {(m.id, m.context) for m in pot if m.id}
    assert ids == {(s.msgid, s.context) for s in segments(sample)}
    # ... which are, read off the file itself: the title, meeting and agenda of the front
    # matter, each with its context, and every paragraph of the body as written.
    _, front, body = SAMPLE.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    assert ids == {(meta[key], key) for key in ("title", "meeting", "agenda")} | {
        (p.strip(), None) for p in body.strip().split("\n\n")}
    chairs = pot.get("Chairs,")
    assert chairs.locations == ["seeds/fsc-pc-92-dprk.md:11", "seeds/fsc-pc-92-dprk.md:45"]
    title = pot.get("Statement by the Delegation of Ukraine", "title")
    assert title.locations == ["seeds/fsc-pc-92-dprk.md:7"] and title.string == ""
    text = (tmp_path / "locales" / "fsc-pc-92-dprk.pot").read_text(encoding="utf-8")
    assert "#: seeds/fsc-pc-92-dprk.md:13\n" in text
    templates = read_catalog(tmp_path / "locales" / "templates.pot")
    tids = {m.id for m in templates if m.id}
    assert {"Original: %(language)s", "%(language)s only", "Page %(page)s of %(pages)s",
            "Skip to the statement"} <= tids
    assert any(loc.startswith("templates/statement.html:") for m in templates for loc in m.locations)
    # A mission profile's lines are in its own domain, never in the template wording.
    assert "Permanent Mission of Ukraine" not in tids
    mission = read_catalog(tmp_path / "locales" / "mission.ua-osce-vienna.pot")
    assert [m.id for m in mission if m.id] == ["Permanent Mission of Ukraine",
                                               "to the International Organizations in Vienna"]


def test_update_creates_missing_catalogue_and_is_idempotent(tmp_path):
    proj = Project(copy_project(tmp_path))
    po = tmp_path / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    before = po.read_bytes()
    assert {c.action for c in update(proj)} == {"unchanged"}
    assert po.read_bytes() == before
    po.unlink()
    actions = {c.path: c.action for c in update(proj)}
    assert actions[po] == "created"
    assert {a for p, a in actions.items() if p != po} == {"unchanged"}
    cat = read_catalog(po)
    pot = read_catalog(tmp_path / "locales" / "fsc-pc-92-dprk.pot")
    assert [m.id for m in cat if m.id] == [m.id for m in pot if m.id]  # every message, once
    assert cat.language == "uk" and all(not m.string for m in cat if m.id)
    run(tool("msgfmt"), "--check", "-o", "/dev/null", str(po))
    again = po.read_bytes()
    update(proj)
    assert po.read_bytes() == again


def test_update_keeps_changed_translation_fuzzy_and_removed_obsolete(tmp_path):
    proj = Project(copy_project(tmp_path))
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    text = seed.read_text(encoding="utf-8")
    text = text.replace("Thank you, Mr Chairperson.", "Thank you, Madam Chairperson.")
    text = text.replace("In fact, there are already examples of such developments. ", "")
    text = text.replace("Distinguished colleagues,\n\n", "")
    seed.write_text(text, encoding="utf-8")
    po = tmp_path / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    translations_before = {m.string for m in read_catalog(po) if m.id}
    extract(proj)
    update(proj)
    cat = read_catalog(po)
    thanks = cat.get("Thank you, Madam Chairperson.")
    assert thanks.fuzzy and thanks.string == "Дякую, пане Голово."
    assert thanks.previous_id == "Thank you, Mr Chairperson."
    assert "Distinguished colleagues," in [m.id for m in cat.obsolete]
    kept = {m.string for m in cat if m.id} | {m.string for m in cat.obsolete}
    assert translations_before <= kept, "a translation was lost"
    assert '#| msgid "Thank you, Mr Chairperson."' in po.read_text(encoding="utf-8")
    run(tool("msgfmt"), "--check", "-o", "/dev/null", str(po))
    # A second update keeps the previous msgid and the obsolete entries: no change at all.
    after = po.read_bytes()
    assert {c.action for c in update(proj)} == {"unchanged"}
    assert po.read_bytes() == after
    assert read_catalog(po).get("Thank you, Madam Chairperson.").previous_id == (
        "Thank you, Mr Chairperson.")


def test_broken_po_is_reported_and_not_overwritten(tmp_path):
    proj = Project(copy_project(tmp_path))
    po = tmp_path / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    lines = po.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if ln.startswith('msgid "Chairs,"'))
    lines[at] = 'msgid "Chairs,\n'  # unterminated string
    broken = "".join(lines)
    po.write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        update(proj)
    assert info.value.path.endswith("fsc-pc-92-dprk.po")
    assert info.value.line == at + 1
    assert po.read_text(encoding="utf-8") == broken


def test_catalog_paths(project):
    assert project.po("uk", "x") == Path(project.root, "locales/uk/LC_MESSAGES/x.po")
    assert project.po("pt-BR", "x").parent.parent.name == "pt_BR"


def test_a_paragraph_that_comes_back_gets_its_translation_back(tmp_path):
    proj = Project(copy_project(tmp_path))
    seed = tmp_path / "seeds" / "fsc-pc-92-dprk.md"
    original = seed.read_text(encoding="utf-8")
    po = tmp_path / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    paragraph = ("Of particular concern is the fact that the launch took place against the "
                 "backdrop of unprecedented development in the so-called strategic relationship "
                 "between the DPRK and the Russian Federation.")
    before = read_catalog(po).get(paragraph).string
    seed.write_text(original.replace(paragraph + "\n\n", ""), encoding="utf-8")
    extract(proj)
    update(proj)
    assert paragraph in [m.id for m in read_catalog(po).obsolete]
    seed.write_text(original, encoding="utf-8")
    extract(proj)
    update(proj)
    cat = read_catalog(po)
    assert cat.get(paragraph).string == before and not cat.get(paragraph).fuzzy
    assert paragraph not in [m.id for m in cat.obsolete]
