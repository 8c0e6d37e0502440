"""Translation: segmentation, catalogues (Babel), applying translations, QA."""

TEMPLATES_DOMAIN = "templates"
"""The gettext domain of the template wording (the Jinja2 templates' and wording.py's
strings: masthead, page labels); it never holds a mission's letterhead lines."""

TEMPLATES_SOURCE = "en"
"""The language the template wording and the mission profiles are written in: its
editions read no template or mission catalogue."""

MISSION_PREFIX = "mission."
"""Domains ``mission.<id>`` hold one mission profile's letterhead lines (name, address);
no statement's name may start with it."""


def mission_domain(mission_id: str) -> str:
    """The gettext domain of a mission profile's lines: ``mission.ua-osce-vienna``."""
    return f"{MISSION_PREFIX}{mission_id}"


def is_mission_domain(domain: str) -> bool:
    return domain.startswith(MISSION_PREFIX)
