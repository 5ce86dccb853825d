"""Revoking asks first and needs a reason, which the public verification page then shows;
every public GET URL of a credential answers HEAD too."""

from __future__ import annotations

import re

from credentials.models import IssuedCredential
from tests.credentials.test_credentials import earned  # noqa: F401 (fixture)


def test_revoke_asks_for_confirmation_and_a_reason_first(earned):  # noqa: F811
    _, trainer, issued = earned
    url = f"/app/trainer/credentials/{issued.pk}/revoke/"
    page = trainer.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="revoke-reason"' in html and "required" in html
    assert "public verification page" in html
    issued.refresh_from_db()
    assert issued.revoked_at is None  # looking is not revoking


def test_revoke_without_a_reason_is_refused_and_says_why(earned, client):  # noqa: F811
    _, trainer, issued = earned
    url = f"/app/trainer/credentials/{issued.pk}/revoke/"
    response = trainer.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert 'data-testid="revoke-reason-missing"' in response.content.decode()
    issued.refresh_from_db()
    assert issued.revoked_at is None
    assert trainer.post(url, {"reason": "Earned by mistake <b>"}).status_code == 303
    public = client.get(f"/credentials/{issued.public_id}/").content.decode()
    assert "Earned by mistake &lt;b&gt;" in public and 'data-valid="false"' in public


def test_the_dashboard_links_to_the_confirmation_instead_of_revoking(earned):  # noqa: F811
    _, trainer, issued = earned
    html = trainer.get("/app/trainer/").content.decode()
    assert f"/app/trainer/credentials/{issued.pk}/revoke/?lt=" in html
    assert f'action="/app/trainer/credentials/{issued.pk}/revoke/"' not in html


def test_teachers_cannot_open_the_confirmation(earned):  # noqa: F811
    teacher, _, issued = earned
    assert teacher.get(f"/app/trainer/credentials/{issued.pk}/revoke/").status_code == 403
    assert IssuedCredential.objects.get(pk=issued.pk).revoked_at is None


def test_head_works_on_every_public_credential_url(earned, client):  # noqa: F811
    _, _, issued = earned
    for suffix in ("/", ".json", ".jwt", ".svg"):
        path = f"/credentials/{issued.public_id}{suffix}"
        get, head = client.get(path), client.head(path)
        assert get.status_code == 200, path
        assert head.status_code == 200 and head.content == b"", path
        assert head["Content-Type"] == get["Content-Type"], path


def test_credential_times_read_in_the_platform_zone_with_launch_and_server_zone_without(
    earned,  # noqa: F811
    platform,
    client,
):
    teacher, trainer, issued = earned
    platform.time_zone = "America/Chicago"
    platform.save()  # save(): each worker's copy of the registration is dropped
    time = re.compile(r'<time datetime="[^"]+" data-when>([^<]+)</time>')
    mine = time.findall(teacher.get("/app/credentials/").content.decode())
    confirm = trainer.get(f"/app/trainer/credentials/{issued.pk}/revoke/").content.decode()
    assert mine and all(t.endswith((" CST", " CDT")) for t in mine)
    assert time.findall(confirm) == mine[:1]
    # The public verification page has no launch: the server's zone, named.
    public = time.findall(client.get(f"/credentials/{issued.public_id}/").content.decode())
    assert public and public[0].endswith(" UTC")
