"""The practice exchange through its pages: sharing, the protocol, replies, moderation,
exemplars across cohorts (never platforms), withdrawal and "use as my evidence"."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from exchange.models import Post, Report, Response
from mastery.models import EvidenceSubmission

from .conftest import PDF, XSS, person, share_data


def share(who, pid, **overrides):
    response = who.post(f"/app/p/{pid}/exchange/", share_data(**overrides))
    assert response.status_code == 303, response.content.decode()[:2000]
    return Post.objects.get(pk=int(re.search(r"/exchange/(\d+)/", response["Location"]).group(1)))


def respond(who, pid, post, **overrides):
    data = {"glow": "Clear steps.", "grow": "Try pairs.", "question": "How long?", **overrides}
    return who.post(f"/app/p/{pid}/exchange/{post.pk}/respond/", data)


def test_share_respond_reply_in_the_cohort(cohort):
    ann, ben, pid = cohort["ann"], cohort["ben"], cohort["pid"]
    post = share(ann, pid, file=SimpleUploadedFile("plan.pdf", PDF))
    assert post.author == person("ann") and post.file_type == "pdf"
    assert post.file.name.startswith(f"exchange/{pid}/") and "plan" not in post.file.name
    listing = ben.get(f"/app/p/{pid}/exchange/").content.decode()
    assert post.title in listing and "Ann Author" in listing
    assert respond(ben, pid, post).status_code == 303
    again = respond(ben, pid, post)
    assert again.status_code == 400 and "already responded" in again.content.decode()
    own = respond(ann, pid, post)
    assert own.status_code == 400 and Response.objects.count() == 1
    answer = Response.objects.get()
    url = f"/app/p/{pid}/exchange/{post.pk}/responses/{answer.pk}/reply/"
    assert ben.post(url, {"reply": "Not yours"}).status_code == 404
    assert ann.post(url, {"reply": "About ten minutes."}).status_code == 303
    assert ann.post(url, {"reply": "A second reply"}).status_code == 400
    answer.refresh_from_db()
    assert answer.reply == "About ten minutes."
    page = ben.get(f"/app/p/{pid}/exchange/{post.pk}/").content.decode()
    assert "Clear steps." in page and "About ten minutes." in page
    file = ben.get(f"/app/p/{pid}/exchange/{post.pk}/file/")
    assert file.status_code == 200 and file["Content-Type"] == "application/pdf"
    assert b"".join(file.streaming_content) == PDF


def test_the_protocol_needs_every_part(cohort):
    post = share(cohort["ann"], cohort["pid"])
    for missing in ("glow", "grow", "question"):
        response = respond(cohort["ben"], cohort["pid"], post, **{missing: "  "})
        assert response.status_code == 400, missing
    assert not Response.objects.exists()


def test_sharing_refuses_bad_input_with_400(cohort):
    ann, pid = cohort["ann"], cohort["pid"]
    cases = [
        {"privacy_confirmed": ""},
        {"kind": "poem"},
        {"title": ""},
        {"tried": ""},
        {"consent": "everyone"},
        {"link": "javascript:alert(1)"},
        {"link": "data:text/html,hi"},
        {"link": "/relative"},
        {"link": "https://"},
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")},
        {"title": "x" * 201},
    ]
    for case in cases:
        response = ann.post(f"/app/p/{pid}/exchange/", share_data(**case))
        assert response.status_code == 400, case
    assert not Post.objects.exists()
    kept = ann.post(f"/app/p/{pid}/exchange/", share_data(privacy_confirmed="", tried="Kept text"))
    assert "Kept text" in kept.content.decode()
    assert share(ann, pid, link="https://example.org/plan").link == "https://example.org/plan"


def test_text_is_escaped(cohort):
    ann, ben, tess, pid = cohort["ann"], cohort["ben"], cohort["tess"], cohort["pid"]
    post = share(ann, pid, title=XSS, tried=XSS, link=f"https://example.org/?q={XSS}")
    respond(ben, pid, post, glow=XSS)
    ben.post(f"/app/p/{pid}/exchange/{post.pk}/report/", {"reason": XSS})
    for who in (ann, ben, tess):
        for url in (
            f"/app/p/{pid}/exchange/",
            f"/app/p/{pid}/exchange/{post.pk}/",
            f"/app/p/{pid}/",
        ):
            html = who.get(url).content.decode()
            assert XSS not in html, url
    assert "&lt;script&gt;" in tess.get(f"/app/p/{pid}/exchange/{post.pk}/").content.decode()


def test_trainer_hides_with_a_reason_the_author_reads(cohort):
    ann, ben, tess, pid = cohort["ann"], cohort["ben"], cohort["tess"], cohort["pid"]
    post = share(ann, pid)
    url = f"/app/p/{pid}/exchange/{post.pk}/"
    assert ben.post(url + "hide/", {"reason": "x"}).status_code == 403
    assert tess.post(url + "hide/", {"reason": " "}).status_code == 400
    assert (
        tess.post(url + "hide/", {"reason": "A student's face shows on page 2."}).status_code == 303
    )
    assert ben.get(url).status_code == 404
    assert post.title not in ben.get(f"/app/p/{pid}/exchange/").content.decode()
    mine = ann.get(url).content.decode()
    assert "A student&#x27;s face shows on page 2." in mine
    assert tess.get(url).status_code == 200
    assert tess.post(url + "hide/", {"action": "show"}).status_code == 303
    assert ben.get(url).status_code == 200


def test_reports_are_seen_by_trainers_only(cohort):
    ann, ben, tess, pid = cohort["ann"], cohort["ben"], cohort["tess"], cohort["pid"]
    post = share(ann, pid)
    url = f"/app/p/{pid}/exchange/{post.pk}/"
    sent = ben.post(url + "report/", {"reason": "A name on slide 3"})
    assert sent.status_code == 303
    thanks = ben.client.get(sent["Location"])  # the launch token rides in the redirect
    assert thanks.status_code == 200 and 'data-testid="report-sent"' in thanks.content.decode()
    assert ben.post(url + "report/", {"reason": "again"}).status_code == 400
    assert ann.post(url + "report/", {"reason": "mine"}).status_code == 400
    assert Report.objects.count() == 1
    assert "A name on slide 3" in tess.get(url).content.decode()
    assert "A name on slide 3" not in ann.get(url).content.decode()
    assert "A name on slide 3" not in ben.get(url).content.decode()
    panel = tess.get(f"/app/p/{pid}/").content.decode()
    assert 'data-testid="exchange-report-count"' in panel
    assert 'data-testid="exchange-report-count"' not in ben.get(f"/app/p/{pid}/").content.decode()


def test_module_page_panel_counts_shared_posts(cohort):
    ann, ben, pid = cohort["ann"], cohort["ben"], cohort["pid"]
    share(ann, pid)
    share(ann, pid, title="Second")
    html = ben.get(f"/app/p/{pid}/").content.decode()
    assert 'data-testid="exchange-panel"' in html
    assert re.search(r'data-testid="exchange-count">2<', html)
    assert f"/app/p/{pid}/exchange/" in html


def test_exemplar_reaches_other_cohorts_only_with_consent(cohort, elsewhere):
    ann, tess, cleo, pid, pid2 = (cohort[k] for k in ("ann", "tess", "cleo", "pid", "pid2"))
    post = share(ann, pid, file=SimpleUploadedFile("plan.pdf", PDF))
    there = f"/app/p/{pid2}/exchange/{post.pk}/"
    assert (
        cohort["ben"]
        .post(f"/app/p/{pid}/exchange/{post.pk}/exemplar/", {"exemplar": "yes"})
        .status_code
        == 403
    )
    assert (
        tess.post(f"/app/p/{pid}/exchange/{post.pk}/exemplar/", {"exemplar": "yes"}).status_code
        == 303
    )
    # An exemplar without consent stays in its cohort.
    assert cleo.get(there).status_code == 404
    assert post.title not in cleo.get(f"/app/p/{pid2}/exchange/").content.decode()
    assert (
        ann.post(f"/app/p/{pid}/exchange/{post.pk}/consent/", {"consent": "anonymous"}).status_code
        == 303
    )
    listing = cleo.get(f"/app/p/{pid2}/exchange/").content.decode()
    assert post.title in listing and "Ann Author" not in listing
    page = cleo.get(there).content.decode()
    assert "A teacher in another cohort" in page and "Ann Author" not in page
    assert 'data-testid="respond-form"' not in page
    assert cleo.get(there + "file/").status_code == 200
    assert (
        cleo.post(there + "respond/", {"glow": "a", "grow": "b", "question": "c"}).status_code
        == 404
    )
    assert cohort["theo"].post(there + "hide/", {"reason": "x"}).status_code == 404
    ann.post(f"/app/p/{pid}/exchange/{post.pk}/consent/", {"consent": "named"})
    assert "Ann Author" in cleo.get(there).content.decode()
    # Another platform never sees it, whatever the ids.
    for url in (f"/app/p/{pid}/exchange/{post.pk}/", f"/app/p/{pid}/exchange/{post.pk}/file/"):
        assert elsewhere.get(url).status_code == 404
    own_pid = (
        Post.objects.none()
        .model.placement.field.related_model.objects.exclude(pk__in=[pid, pid2])
        .get()
        .pk
    )
    assert elsewhere.get(f"/app/p/{own_pid}/exchange/{post.pk}/").status_code == 404
    assert post.title not in elsewhere.get(f"/app/p/{own_pid}/exchange/").content.decode()


def test_withdraw_deletes_the_file_and_the_content(cohort, django_capture_on_commit_callbacks):
    ann, ben, pid = cohort["ann"], cohort["ben"], cohort["pid"]
    post = share(ann, pid, file=SimpleUploadedFile("plan.pdf", PDF))
    storage = post.file.storage
    name = post.file.name
    assert storage.exists(name)
    respond(ben, pid, post)
    url = f"/app/p/{pid}/exchange/{post.pk}/"
    assert ben.post(url + "withdraw/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert ann.post(url + "withdraw/").status_code == 303
    post.refresh_from_db()
    assert post.status == "withdrawn" and not post.file and post.tried == ""
    assert not storage.exists(name)
    assert not Response.objects.exists()
    assert ben.get(url).status_code == 404 and ben.get(url + "file/").status_code == 404
    assert ann.post(url + "withdraw/").status_code == 409


def test_use_as_my_evidence_copies_the_file_and_prefills_the_reflection(cohort):
    ann, ben, pid = cohort["ann"], cohort["ben"], cohort["pid"]
    post = share(ann, pid, file=SimpleUploadedFile("plan.pdf", PDF))
    url = f"/app/p/{pid}/exchange/{post.pk}/"
    page = ann.get(url).content.decode()
    assert 'data-testid="use-as-evidence"' in page and "What I tried:" in page
    assert 'data-testid="use-as-evidence"' not in ben.get(url).content.decode()
    assert ben.post(url + "evidence/", {"reflection": "x"}).status_code == 404
    reflection = "Exit tickets\n\nWhat I tried:\nThree-question exit tickets."
    assert ann.post(url + "evidence/", {"reflection": reflection}).status_code == 303
    evidence = EvidenceSubmission.objects.get()
    assert evidence.participant == person("ann") and evidence.reflection == reflection
    assert evidence.file_type == "pdf" and evidence.file.name != post.file.name
    with evidence.file.open("rb") as handle:
        assert handle.read() == PDF
    again = ann.post(url + "evidence/", {"reflection": reflection})
    assert again.status_code == 400 and EvidenceSubmission.objects.count() == 1
    # Withdrawing the post leaves the evidence whole.
    ann.post(url + "withdraw/")
    evidence.refresh_from_db()
    assert evidence.file.storage.exists(evidence.file.name)


def test_trainer_pages_need_a_trainer_and_ids_of_this_cohort(cohort):
    ann, ben, cleo, theo, pid, pid2 = (
        cohort[k] for k in ("ann", "ben", "cleo", "theo", "pid", "pid2")
    )
    post = share(ann, pid)
    for who in (cleo, theo):
        assert who.get(f"/app/p/{pid}/exchange/").status_code == 404
        assert who.get(f"/app/p/{pid2}/exchange/{post.pk}/").status_code == 404
    assert ben.get(f"/app/p/{pid}/exchange/999999/").status_code == 404
    assert ben.get(f"/app/p/{pid}/exchange/{post.pk}/responses/1/reply/").status_code == 405
    assert (
        theo.post(f"/app/p/{pid2}/exchange/{post.pk}/exemplar/", {"exemplar": "yes"}).status_code
        == 404
    )
    post.refresh_from_db()
    assert not post.exemplar


def test_the_trainer_dashboard_lists_reported_posts(cohort):
    ann, ben, tess, theo, pid = (cohort[k] for k in ("ann", "ben", "tess", "theo", "pid"))
    post = share(ann, pid, title=f"Reported {XSS}")
    assert 'data-testid="exchange-reports"' not in tess.get("/app/trainer/").content.decode()
    ben.post(f"/app/p/{pid}/exchange/{post.pk}/report/", {"reason": "A name"})
    html = tess.get("/app/trainer/").content.decode()
    assert 'data-testid="exchange-reports"' in html and "1 report" in html
    assert f"/app/p/{pid}/exchange/{post.pk}/" in html and XSS not in html
    # Another cohort's trainer sees nothing of it.
    assert 'data-testid="exchange-reports"' not in theo.get("/app/trainer/").content.decode()
