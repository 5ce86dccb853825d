"""Cells for CSV exports that spreadsheets open safely.

Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` (and, in
some versions, a tab or carriage return before one) as a formula: a name typed in an LMS could
then fetch a URL or run a command on the trainer's machine (OWASP, "CSV Injection"). Every
export of person-entered text goes through `safe`, which keeps the text and makes it inert with
a leading apostrophe, as the OWASP guidance advises.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> str:
    """The cell's text, never the start of a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text
