"""Content packs: read, validate and import the catalog from files (docs/content-packs.md).

`pack_read(path)` (reading.py) reads every program under `path` and returns what it found with
every problem as `file:line: message` (the checks are in validating.py); nothing touches the
database. `catalog_import(read)` (importing.py) writes a clean read in one transaction: a
module whose content is unchanged is left alone, a changed module gets a new version beside the
old ones. What a read holds is in pack.py.
"""

from .importing import ContentConflict, ImportReport, catalog_import
from .pack import REVIEW_ITEMS, REVIEW_WHEN, SLUG, Node, Problems, Read, Seq
from .reading import front_matter_read, front_matter_split, lesson_html, pack_read
from .source import inline_html
from .source import yaml_load as yaml_read
from .validating import Fields

# SLUG, Node, Seq, Fields, yaml_read and front_matter_split are public for content extensions
# (courses/content_extensions.py): the same line-aware reads, so their files report problems
# as `file:line` exactly as the module's own files do.

__all__ = [
    "SLUG",
    "Fields",
    "Node",
    "Seq",
    "front_matter_read",
    "front_matter_split",
    "yaml_read",
    "REVIEW_ITEMS",
    "REVIEW_WHEN",
    "ContentConflict",
    "ImportReport",
    "Problems",
    "Read",
    "catalog_import",
    "inline_html",
    "lesson_html",
    "pack_read",
]
