"""Form fields for pages whose posts are read, never refused, by the form: what a post must
say is the services' to refuse, because the answer depends on the state of what it changes too
(a closed cycle says so before a bad date; a response to a hidden post is refused as such,
however it is filled in). The coaching and exchange pages read their posts with these."""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from .access import parse_id


class Text(forms.CharField):
    """Posted text as typed (optional), cut at `clip` characters when given: the service says
    when it is longer than its limit, and nobody's megabytes reach it."""

    def __init__(self, *, clip: int | None = None, strip: bool = False, **kwargs):
        super().__init__(required=False, strip=strip, **kwargs)
        self.clip = clip
        # Refusing a NUL is not the form's to decide (it would have no page to answer with;
        # the request middleware refuses NULs before any view runs).
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_python(self, value):
        value = super().to_python(value)
        return value[: self.clip] if self.clip is not None else value


class Id(forms.Field):
    """A database id, or None for anything else (the service says what is missing)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        return parse_id(value)


class Flag(forms.Field):
    """True when the posted value is `on` (a checkbox's or a button's value)."""

    def __init__(self, *, on: str, **kwargs):
        super().__init__(required=False, **kwargs)
        self.on = on

    def to_python(self, value):
        return value == self.on


class Parsed(forms.Form):
    def values(self) -> dict:
        """The cleaned fields (these forms accept any input)."""
        if not self.is_valid():  # pragma: no cover - no field of these forms refuses
            raise ValueError(self.errors.as_text())
        return self.cleaned_data
