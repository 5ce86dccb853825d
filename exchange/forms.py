"""The exchange's posted fields. They only read and clip what is posted (a form here is never
invalid): what a post, response or report must say is the services' to refuse, because the
answer depends on the post's state too (a response to a hidden post is refused as such, however
it is filled in)."""

from __future__ import annotations

from pagesession.forms import Flag, Parsed, Text

from .models import Post
from .services import PostDraft


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
