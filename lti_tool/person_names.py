"""One display name per person, whatever the source.

Moodle's launch sends a person's name as typed (markup included), while its roster service
(NRPS) sends it with the markup stripped, so a name stored from whichever spoke last would flip
between the two. The rule:

1. Every name Ignite receives, from a launch or from the roster, is made plain text: tags are
   dropped (the text inside them kept; script and style content dropped), character references
   decoded, runs of white space made one space, and the result cut to 255 characters.
2. The launch's name wins: a launch sets each name field it sends (never erasing one it omits).
   The roster sets a name field only for someone who has never launched Ignite, or fills a
   field the launches left empty.
"""

from __future__ import annotations

import html

import nh3

NAME_FIELDS = ("name", "given_name", "family_name")


def name_plain(value: object) -> str:
    """A name as plain text (rule 1)."""
    if not isinstance(value, str) or not value:
        return ""
    text = html.unescape(nh3.clean(value, tags=set()))
    return " ".join(text.split())[:255]


def person_fields(data: dict) -> dict[str, str]:
    """The person's name fields and email from a launch's claims or a roster member."""
    email = data.get("email")
    fields = {k: name_plain(data.get(k)) for k in NAME_FIELDS}
    fields["email"] = email[:320] if isinstance(email, str) else ""
    return fields


def roster_name_changes(*, current: dict[str, str], roster: dict[str, str], launched: bool) -> dict:
    """The fields a roster entry may change on a known person (rule 2)."""
    changes = {}
    for field, value in roster.items():
        if not value or current.get(field) == value:
            continue
        if field in NAME_FIELDS and launched and current.get(field):
            continue  # the launch's name stays
        changes[field] = value
    return changes
