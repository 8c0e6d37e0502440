"""The one walker: extraction and application agree by construction."""

from __future__ import annotations

from pathlib import Path

from publisher.i18n import po
from publisher.i18n.segments import segments
from publisher.i18n.translate import translate_statement
from publisher.model import Sup, Text
from publisher.readers.markdown import parse_inline, read_statement


class Catalog(po.Catalog):
    """A catalogue built in memory, as the build reads one from a file."""

    def __init__(self, locale: str) -> None:
        super().__init__()

    def add(self, msgid: str, string: str, context: str | None = None,
            flags: tuple[str, ...] | list[str] = ()) -> None:
        self.entries.append(po.Message(msgid, [string], context=context, flags=list(flags),
                                       lineno=len(self.entries) * 4 + 1))


def catalog_from(statement, fn) -> Catalog:
    cat = Catalog(locale="uk")
    for seg in segments(statement):
        cat.add(seg.msgid, fn(seg.msgid), context=seg.context)
    return cat


def test_messages_are_front_matter_then_blocks(sample):
    segs = segments(sample)
    assert [s.context for s in segs[:3]] == ["title", "meeting", "agenda"]
    assert segs[1].msgid == "92<sup>nd</sup> Joint FSC-PC Meeting"
    assert segs[3].msgid == "Chairs," and segs[3].line == 11 and segs[3].context is None
    assert len(segs) == 3 + len(sample.blocks)
    # "Chairs," is said twice: one message, two references.
    assert sum(1 for s in segs if s.msgid == "Chairs,") == 2


def test_identity_translation_gives_back_the_same_model(sample):
    translated, cov = translate_statement(sample, catalog_from(sample, lambda m: m), "uk",
                                          parse_inline, Path("uk.po"))
    assert translated.blocks == sample.blocks
    assert translated.meta == sample.meta
    assert translated.language == "uk" and sample.language == "en"
    assert cov.translated == cov.total == len({(s.msgid, s.context) for s in segments(sample)})
    assert not cov.warnings


def test_pseudo_translation_changes_text_keeps_structure(sample):
    pseudo = catalog_from(sample, lambda m: m.replace("nd</sup>", "ND</sup>").upper()
                          .replace("<SUP>", "<sup>").replace("</SUP>", "</sup>"))
    translated, _ = translate_statement(sample, pseudo, "uk", parse_inline, Path("uk.po"))
    assert translated.meta.meeting.content == (Text("92"), Sup((Text("ND"),)),
                                               Text(" JOINT FSC-PC MEETING"))
    assert translated.blocks[0].text.plain == "CHAIRS,"
    assert sample.blocks[0].text.plain == "Chairs,"  # the source tree is never edited


def small_statement(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    """A minimal statement file (title "T", English) with the given body, and its model."""
    src = tmp_path / "s.md"
    src.write_text("---\nmission: m\ndate: 2024-01-01\ntitle: T\noriginal: en\n---\n" + body,
                   encoding="utf-8")
    return src, read_statement(src)


def test_missing_fuzzy_and_broken_translations_fall_back(tmp_path):
    src, statement = small_statement(tmp_path, "One.\n\nTwo.\n\nThree.\n\nFour.\n")
    cat = Catalog(locale="fr")
    cat.add("T", "T fr", context="title")
    cat.add("One.", "Un.")
    cat.add("Two.", "Deux.", flags=["fuzzy"])
    cat.add("Three.", "Trois <script>x</script>.")
    translated, cov = translate_statement(statement, cat, "fr", parse_inline, tmp_path / "fr.po")
    assert [b.text.plain for b in translated.blocks] == ["Un.", "Two.", "Three.", "Four."]
    assert (cov.total, cov.translated, cov.fuzzy, cov.invalid, cov.untranslated) == (5, 2, 1, 1, 1)
    text = "\n".join(str(w) for w in cov.warnings)
    assert "fuzzy translation of 'Two.' not used" in text
    assert "raw HTML '<script>' is not allowed" in text
    assert "untranslated message 'Four.'" in text
    # Located at the paragraph of the statement that was published in English.
    (four,) = [str(w) for w in cov.warnings if "untranslated message 'Four.'" in str(w)]
    assert four.startswith(f"{src}:13: "), four


def test_dropped_bold_is_published_with_a_warning(tmp_path):
    _, statement = small_statement(tmp_path, "We **condemn** this.\n")
    cat = Catalog(locale="fr")
    cat.add("We **condemn** this.", "Nous condamnons cela.")
    translated, cov = translate_statement(statement, cat, "fr", parse_inline, tmp_path / "fr.po")
    assert translated.blocks[0].text.plain == "Nous condamnons cela."
    assert cov.translated == 1
    assert any("inline markup differs from the source: source has bold, translation has none"
               in w.message and w.code == "markup" for w in cov.warnings)
