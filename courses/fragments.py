"""Parts of a page that depend on a module version alone, rendered once per version per worker.

A ModuleVersion never changes after import (courses/models.py): its objectives, sources, evidence
instructions and rubric read the same for every teacher, yet rendering them through the template engine
on every module page was a tenth of that page's CPU (bench/launch.py). Here each fragment is
rendered from a template with the version (and what `context` returns) and nothing else: no
request, no launch, no person. So the HTML is the same for everyone and is kept by (version id,
template). Saving or deleting content (an import) drops them all, as for the cached versions
(courses/page_queries.py). Nothing a trainer can change goes into a fragment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .models import Lesson, Module, ModuleVersion, Program

FRAGMENTS_MAX = 256  # fragments kept per worker (a few per version, a few KB each)

_lock = threading.Lock()
_kept: dict[tuple[int, str], SafeString] = {}


def fragments_forget(**_kwargs) -> None:
    with _lock:
        _kept.clear()


for _model in (Program, Module, ModuleVersion, Lesson):
    post_save.connect(
        fragments_forget, sender=_model, dispatch_uid=f"fragments-forget-{_model.__name__}"
    )
    post_delete.connect(
        fragments_forget, sender=_model, dispatch_uid=f"fragments-forget-del-{_model.__name__}"
    )


def version_fragment(
    version: ModuleVersion, template_name: str, context: Callable[[], dict] | None = None
) -> SafeString:
    """`template_name` rendered with `version` (and `context()`, which must depend on the
    version alone), once per version in this process."""
    key = (version.pk, template_name)
    html = _kept.get(key)
    if html is None:
        html = render_to_string(
            template_name, {"version": version, **(context() if context else {})}
        )
        with _lock:
            if len(_kept) >= FRAGMENTS_MAX:
                _kept.clear()  # rare (an import, many versions): start again
            _kept[key] = html
    return html
