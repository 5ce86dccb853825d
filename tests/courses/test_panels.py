"""Apps above the catalog add panels to its pages and columns to the trainer dashboard through
registries the catalog owns (courses/pages.py); what they add shows where it belongs, escaped,
for the reader it is given to, and in the dashboard's CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from courses import pages
from courses.models import Placement
from tests.dashboards.test_dashboard import INSTRUCTOR


@pytest.fixture
def registered(settings, tmp_path):
    """A panel for every page and one dashboard column, removed again after the test."""
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "panel.html").write_text(
        "<p data-testid='panel-body'>{{ panel.context.text }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path / "t"]}
    ]
    seen = []

    def panel(**kwargs):
        seen.append(kwargs)
        reader = kwargs["request"].launch.participant.name
        return pages.Panel(
            key="test-panel",
            title="Next steps",
            template="panel.html",
            context={"text": f"<b>{reader}</b>"},
        )

    def nothing(**kwargs):
        return None

    def column(*, cohort_id, participant_ids):
        return pages.TeacherColumn(
            key="test-column", header="Sessions", cells={pid: f"={pid}" for pid in participant_ids}
        )

    for page in (pages.MODULE_PAGE, pages.COHORT_PAGE, pages.TRAINER_DASHBOARD):
        pages.panel_register(page=page, provider=panel)
        pages.panel_register(page=page, provider=nothing)
    pages.dashboard_column_register(column)
    yield seen
    for providers in pages._panel_providers.values():
        for provider in (panel, nothing):
            if provider in providers:
                providers.remove(provider)
    pages._column_providers.remove(column)


def test_panels_show_on_the_teachers_pages_escaped(launch_as, registered):
    maya = launch_as(sub="maya", name="Maya Alvarez")
    pid = Placement.objects.get().pk
    for path in ("/app/modules/", f"/app/p/{pid}/"):
        html = maya.get(path).content.decode()
        assert 'data-testid="test-panel"' in html, path
        assert '<h2 id="panel-test-panel-h">Next steps</h2>' in html
        assert "&lt;b&gt;Maya Alvarez&lt;/b&gt;" in html and "<b>Maya" not in html
    module_call = next(kw for kw in registered if "placement" in kw)
    assert module_call["placement"].pk == pid


def test_columns_and_panels_on_the_trainer_dashboard_and_its_csv(launch_as, registered):
    launch_as(sub="maya", name="Maya Alvarez")
    trainer = launch_as(sub="priya", name="Priya Raman", roles=[INSTRUCTOR])
    html = trainer.get("/app/trainer/").content.decode()
    assert '<th scope="col">Sessions</th>' in html
    cells = html.count('data-testid="test-column"')
    assert cells >= 1
    assert 'data-testid="test-panel"' in html
    dashboard_call = next(kw for kw in registered if "participant_ids" in kw)
    assert dashboard_call["participant_ids"]
    rows = list(csv.reader(io.StringIO(trainer.get("/app/trainer/export.csv").content.decode())))
    assert rows[0][-1] == "Sessions"
    # A cell that would start a spreadsheet formula is made safe in the export.
    assert all(row[-1].startswith("'=") for row in rows[1:]) and len(rows) > 1
