"""Whatever a form sends, the exchange answers with a page or a 4xx, never a 500; and the rules
around exemplars, hiding and evidence hold."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import ModuleVersion, Placement
from exchange.models import Post
from exchange.panels import module_panel
from exchange.services import link_clean, posts_blank

from .test_views import respond, share

FIELDS = [
    "kind",
    "title",
    "tried",
    "happened",
    "change",
    "link",
    "consent",
    "privacy_confirmed",
    "glow",
    "grow",
    "question",
    "reply",
    "reason",
    "exemplar",
    "action",
    "reflection",
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(
            st.text(max_size=300),
            st.just("yes"),
            st.just("javascript:alert(1)"),
            st.just("https://[::1"),
            st.just("http://exa mple.org"),
            st.just("x" * 7000),
        ),
        max_size=8,
    ),
    action=st.sampled_from(
        ["", "respond/", "report/", "hide/", "exemplar/", "consent/", "evidence/", "withdraw/"]
    ),
)
def test_any_form_input_is_a_page_or_a_4xx(cohort, data, action):
    post = Post.objects.first() or share(cohort["ann"], cohort["pid"])
    for who in ("ann", "ben", "tess"):
        url = (
            f"/app/p/{cohort['pid']}/exchange/{post.pk}/{action}"
            if action
            else (f"/app/p/{cohort['pid']}/exchange/")
        )
        response = cohort[who].post(url, data)
        assert response.status_code < 500, (who, url, data)


def test_links_must_be_web_addresses():
    for bad in (
        "javascript:alert(1)",
        "JAVASCRIPT:x",
        "ftp://x.org",
        "//x.org",
        "http://",
        "https://x .org",
        "https://x.org/\n",
    ):
        try:
            link_clean(bad)
        except Exception as exc:  # noqa: BLE001 - the refusal's type is checked below
            assert type(exc).__name__ == "ExchangeRefused", bad
        else:
            raise AssertionError(f"accepted {bad!r}")
    assert link_clean("HTTPS://Example.org/x?y=1") == "HTTPS://Example.org/x?y=1"


def test_hiding_an_exemplar_takes_it_from_other_cohorts(cohort):
    ann, tess, cleo, pid, pid2 = (cohort[k] for k in ("ann", "tess", "cleo", "pid", "pid2"))
    post = share(ann, pid, consent="named")
    tess.post(f"/app/p/{pid}/exchange/{post.pk}/exemplar/", {"exemplar": "yes"})
    assert cleo.get(f"/app/p/{pid2}/exchange/{post.pk}/").status_code == 200
    tess.post(f"/app/p/{pid}/exchange/{post.pk}/hide/", {"reason": "A face on page 1."})
    post.refresh_from_db()
    assert post.status == "hidden" and not post.exemplar
    assert cleo.get(f"/app/p/{pid2}/exchange/{post.pk}/").status_code == 404
    # A hidden post cannot be made an exemplar, and takes no responses.
    assert (
        tess.post(f"/app/p/{pid}/exchange/{post.pk}/exemplar/", {"exemplar": "yes"}).status_code
        == 400
    )
    assert respond(cohort["ben"], pid, post).status_code == 404


def test_consent_withdrawn_takes_the_exemplar_back(cohort):
    ann, tess, cleo, pid, pid2 = (cohort[k] for k in ("ann", "tess", "cleo", "pid", "pid2"))
    post = share(ann, pid, consent="anonymous")
    tess.post(f"/app/p/{pid}/exchange/{post.pk}/exemplar/", {"exemplar": "yes"})
    assert cleo.get(f"/app/p/{pid2}/exchange/{post.pk}/").status_code == 200
    ann.post(f"/app/p/{pid}/exchange/{post.pk}/consent/", {"consent": "no"})
    assert cleo.get(f"/app/p/{pid2}/exchange/{post.pk}/").status_code == 404
    assert (
        ann.post(f"/app/p/{pid}/exchange/{post.pk}/consent/", {"consent": "all"}).status_code == 400
    )


def test_no_evidence_offer_when_the_module_asks_for_none(cohort):
    ann, pid = cohort["ann"], cohort["pid"]
    post = share(ann, pid)
    ModuleVersion.objects.update(evidence_task=None)
    page = ann.get(f"/app/p/{pid}/exchange/{post.pk}/").content.decode()
    assert 'data-testid="use-as-evidence"' not in page
    response = ann.post(f"/app/p/{pid}/exchange/{post.pk}/evidence/", {"reflection": "x"})
    assert response.status_code == 400


def test_the_panel_counts_without_the_page_flags_too(cohort, rf):
    share(cohort["ann"], cohort["pid"])
    share(cohort["ann"], cohort["pid"], title="Hidden one")
    Post.objects.filter(title="Hidden one").update(status="hidden", hidden_reason="x")
    placement = Placement.objects.get(pk=cohort["pid"])  # read without the page's flags

    class Launch:
        is_trainer = False

        class claims:  # noqa: N801 - the shape of the launch's claims
            participant_id = 1
            platform_id = 1
            cohort_id = placement.cohort_id

        def __bool__(self):
            return True

    request = rf.get("/")
    request.launch = Launch()
    panel = module_panel(request=request, placement=placement, module=object())
    assert panel.key == "exchange-panel" and panel.context["shared"] == 1


def test_withdrawal_keeps_the_title_and_erasure_blanks_it(cohort):
    ann, pid = cohort["ann"], cohort["pid"]
    kept = share(ann, pid, title="Kept title", link="https://example.org/plan")
    gone = share(ann, pid, title="Gone title", link="https://example.org/plan")
    Post.objects.filter(pk__in=[kept.pk, gone.pk]).update(hidden_reason="Names a pupil.")
    assert posts_blank(Post.objects.filter(pk=kept.pk), keep_title=True) == 1
    assert posts_blank(Post.objects.filter(pk=gone.pk), keep_title=False) == 1
    kept.refresh_from_db()
    gone.refresh_from_db()
    for post in (kept, gone):
        assert (post.status, post.tried, post.link, post.consent) == ("withdrawn", "", "", "no")
        assert post.withdrawn_at is not None
    assert (kept.title, kept.hidden_reason) == ("Kept title", "Names a pupil.")
    assert (gone.title, gone.hidden_reason) == ("", "")
