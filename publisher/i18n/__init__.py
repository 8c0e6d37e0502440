"""Translation: segmentation, catalogues (Babel), applying translations, QA."""

TEMPLATES_DOMAIN = "templates"
"""The gettext domain of the template wording (letterhead, masthead, labels)."""
