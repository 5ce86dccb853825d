"""LTI Data Privacy Launch: the LMS asks for Ignite's data practices; Ignite shows them, with the
way to make a request, and lands nobody in a course."""

from __future__ import annotations

from courses.models import Membership, Participant

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
PRIVACY = {LTI + "message_type": "LtiDataPrivacyLaunchRequest"}


def test_the_data_practices_page_answers_with_the_contact(lti, settings, DROP):
    settings.IGNITE_PRIVACY_CONTACT = "privacy@district.example"
    response = lti.launch(**PRIVACY, **{LTI + "resource_link": DROP, LTI + "context": DROP})
    page = response.content.decode()
    assert response.status_code == 200, page
    assert 'data-testid="data-privacy"' in page and "privacy@district.example" in page
    assert "export" in page and "erase" in page
    assert not Participant.objects.exists() and not Membership.objects.exists()


def test_without_a_contact_it_names_the_district(lti, DROP):
    page = lti.launch(**PRIVACY).content.decode()
    assert "ask your district" in page and 'data-testid="privacy-contact"' not in page


def test_it_is_still_a_checked_launch(lti, DROP):
    # The message is validated like any launch: no roles claim, no page.
    response = lti.launch(**PRIVACY, **{LTI + "roles": DROP})
    assert response.status_code == 400
    assert 'data-testid="data-privacy"' not in response.content.decode()
