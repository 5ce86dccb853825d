"""The exchange's posted fields. They only read and clip what is posted (a form here is never
invalid): what a post, response or report must say is the services' to refuse, because the
answer depends on the post's state too (a response to a hidden post is refused as such, however
it is filled in)."""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from .models import Post
from .services import PostDraft


class Text(forms.CharField):
    """Posted text as typed (optional), cut at `clip` characters when given: the service says
    when it is longer than its limit, and nobody's megabytes reach it."""

    def __init__(self, *, clip: int | None = None, strip: bool = False, **kwargs):
        super().__init__(required=False, strip=strip, **kwargs)
        self.clip = clip
        # Refusing a NUL is not this form's to decide (it would have no page to answer with).
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_python(self, value):
        value = super().to_python(value)
        return value[: self.clip] if self.clip is not None else value


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


class PostForm(Parsed):
    kind = Text()
    title = Text(strip=True)
    tried = Text(strip=True)
    happened = Text(strip=True)
    change = Text(strip=True)
    link = Text(strip=True)
    consent = Text()
    privacy_confirmed = Flag(on="yes")

    def clean_consent(self) -> str:
        # Not posted at all: not shown beyond the cohort (an empty choice is refused).
        return self.cleaned_data["consent"] if "consent" in self.data else Post.Consent.NO

    def draft(self) -> PostDraft:
        return PostDraft(**self.values())


class ResponseForm(Parsed):
    glow = Text(clip=6000)
    grow = Text(clip=6000)
    question = Text(clip=6000)


class ReplyForm(Parsed):
    reply = Text(clip=6000)


class ReportForm(Parsed):
    reason = Text(clip=4000)


class ConsentForm(Parsed):
    consent = Text()


class EvidenceForm(Parsed):
    reflection = Text(clip=20_000)


class ExemplarForm(Parsed):
    exemplar = Flag(on="yes")


class HideForm(Parsed):
    """`action=show` shows a hidden post again; anything else hides it, with the reason."""

    action = Flag(on="show")
    reason = Text(clip=4000)
