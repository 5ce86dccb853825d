"""Version fragments: rendered once per version per worker, dropped when content is saved."""

from __future__ import annotations

from courses import fragments
from courses.models import ModuleVersion


def test_module_page_fragments_kept_per_version_and_dropped_on_import(
    launch_as, placement_of, monkeypatch
):
    fragments.fragments_forget()
    teacher = launch_as()
    pid = placement_of().pk
    first = teacher.get(f"/app/p/{pid}/").content.decode()
    rendered = []
    real = fragments.render_to_string
    monkeypatch.setattr(
        fragments, "render_to_string", lambda name, ctx: rendered.append(name) or real(name, ctx)
    )
    again = teacher.get(f"/app/p/{pid}/").content.decode()
    assert rendered == []  # every fragment came from this worker's copy
    assert again.count('aria-labelledby="objectives-h"') == 1
    assert first.split('id="objectives-h"')[1][:300] == again.split('id="objectives-h"')[1][:300]
    # Content saved (as an import does): the next page renders them again, with the new text.
    version = ModuleVersion.objects.filter(module__slug="demo-module").latest("pk")
    version.objectives = [*version.objectives, "Plan a <station> & rotate"]
    version.save(update_fields=["objectives"])
    changed = teacher.get(f"/app/p/{pid}/").content.decode()
    assert "courses/_version_objectives.html" in rendered
    assert "<li>Plan a &lt;station&gt; &amp; rotate</li>" in changed  # escaped


def test_fragment_is_per_version(db):
    class Version:
        def __init__(self, pk, objectives):
            self.pk, self.objectives = pk, objectives

    fragments.fragments_forget()
    one = fragments.version_fragment(Version(1, ["One"]), "courses/_version_objectives.html")
    two = fragments.version_fragment(Version(2, ["Two"]), "courses/_version_objectives.html")
    assert one == "<ul><li>One</li></ul>" and two == "<ul><li>Two</li></ul>"
    # The same version id answers from the copy (a version never changes after import).
    assert (
        fragments.version_fragment(Version(1, ["Else"]), "courses/_version_objectives.html") == one
    )
