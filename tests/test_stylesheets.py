"""A page's stylesheet is parsed once per process (``publisher.writers.stylesheets``)."""

from __future__ import annotations

import pytest

pytest.importorskip("weasyprint")

from weasyprint import HTML  # noqa: E402

from publisher.writers import pdf, stylesheets  # noqa: E402


def test_the_weasyprint_sources_relied_on_are_the_reviewed_ones():
    """An upgrade that changes how a stylesheet is built or read fails here, and the
    module must be read against it before ``REVIEWED`` is updated."""
    assert stylesheets.source_digests() == stylesheets.REVIEWED


def render(html: str) -> tuple[float, bytes]:
    """The first page's width in millimetres, and the PDF."""
    stylesheets.install()
    page = HTML(string=html, base_url="/nonexistent/", media_type="print")
    document = page.render(font_config=pdf._font_config())
    data = document.write_pdf()
    assert isinstance(data, bytes)
    return round(document.pages[0].width * 25.4 / 96, 1), data


def counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import weasyprint

    parsed: list[str] = []
    real = weasyprint.CSS.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(kwargs.get("string") or kwargs.get("url") or "")
        real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.CSS, "__init__", init)
    return parsed


def test_the_same_stylesheet_is_parsed_once_and_its_page_rules_still_apply(monkeypatch):
    """The second page reuses the parsed ``<style>``: not parsed again, and its ``@page``
    size still applies (its rules are given to the new page), so the bytes are those of
    a page that parsed it."""
    parsed = counting_parses(monkeypatch)
    style = "@page { size: 100mm 150mm; margin: 10mm } p { color: #123456 }"
    html = f"<html><head><style>{style}</style></head><body><p>One page.</p></body></html>"
    first, second = render(html), render(html)
    assert parsed.count(style) <= 1  # once, or not at all if an earlier test parsed it
    assert first == second and second[0] == 100.0


def test_another_text_or_a_stylesheet_that_changes_the_document_is_parsed_again(monkeypatch):
    parsed = counting_parses(monkeypatch)
    a = "@page { size: 120mm 150mm } /* a */"
    b = "@page { size: 130mm 150mm } /* b */"
    counter = "@counter-style thumbs { system: cyclic; symbols: '*'; suffix: ' ' }"
    for style in (a, b, counter, counter):
        render(f"<html><head><style>{style}</style></head><body><p>x</p></body></html>")
    assert parsed.count(a) == 1 and parsed.count(b) == 1
    assert parsed.count(counter) == 2  # @counter-style changes the document: never reused
    page = f"<html><head><style>{b}</style></head><body><p>x</p></body></html>"
    assert render(page)[0] == 130.0


@pytest.mark.parametrize("keyword", ["@import", "@IMPORT", "@\\69 mport"])
def test_a_stylesheet_that_imports_another_is_parsed_for_every_page(tmp_path, monkeypatch,
                                                                    keyword):
    """What it imports may change between two pages: never reused, however the
    at-keyword is spelled."""
    parsed = counting_parses(monkeypatch)
    imported = tmp_path / "imported.css"
    style = f'{keyword} url("{imported.as_uri()}"); p {{ color: #654321 }}'
    html = f"<html><head><style>{style}</style></head><body><p>x</p></body></html>"
    imported.write_text("@page { size: 100mm 100mm }")
    assert render(html)[0] == 100.0
    imported.write_text("@page { size: 140mm 100mm }")
    assert render(html)[0] == 140.0
    assert parsed.count(style) == 2


def test_a_stylesheet_file_is_read_again_for_every_page(tmp_path, monkeypatch):
    """A file can change between two pages (``publisher serve``): only text and
    ``data:`` URLs are reused."""
    css = tmp_path / "page.css"
    html = f'<html><head><link rel="stylesheet" href="{css.as_uri()}"></head><body>x</body></html>'
    css.write_text("@page { size: 100mm 100mm }")
    assert render(html)[0] == 100.0
    css.write_text("@page { size: 140mm 100mm }")
    assert render(html)[0] == 140.0
