"""``publisher import`` and ``publisher export``: documents in, documents out.

Press officers draft in Word and translators often answer with a translated document.
This package turns a draft (.docx, .odt, .md, .txt) into a statement (masthead lines into
front matter, the rest into the statement's Markdown), aligns a translated document with
a statement's messages to seed its catalogue with fuzzy translations, and writes the
bilingual table a translator can fill in Word and hand back.

- :mod:`.drafts`: any draft -> :class:`.model.Draft` (blocks of statement Markdown, with
  where each came from, and what had to be left out);
- :mod:`.masthead`: the masthead lines at the top of a draft -> front-matter fields;
- :mod:`.statement`: a draft -> a statement file;
- :mod:`.align`, :mod:`.translation`: a translated document -> fuzzy catalogue entries;
- :mod:`.bilingual`: the bilingual table, written and read back.
"""
