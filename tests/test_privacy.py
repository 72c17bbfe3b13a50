"""The privacy notice: linked from every page, with the retention figures the service uses."""

from django.test import override_settings
from django.urls import reverse


def test_privacy_notice_is_linked_from_the_footer(client, db):
    page = client.get(reverse("start")).content.decode()
    assert f'<a class="govuk-footer__link" href="{reverse("privacy")}">Privacy notice</a>' in page


@override_settings(
    SECURITY_LOG_RETENTION_DAYS=400,
    DATA_EXPORT_EXPIRY_HOURS=36,
    SESSION_ABSOLUTE_LIMIT_HOURS=10,
    SESSION_IDLE_MINUTES=20,
    PRIVACY_CONTACT_EMAIL="dpo@trust.example.nhs.uk",
)
def test_privacy_notice_states_the_configured_figures_and_contact(client, db):
    response = client.get(reverse("privacy"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "400 days, then deleted" in page and "36 hours, then deleted" in page
    assert "20 minutes after you last used the service, and never more than 10 hours after you signed in" in page
    assert "had not done anything for 20 minutes" in page
    assert "Until you sign in again, and never more than 24 hours, then deleted" in page
    assert "30 minutes after the last wrong password" in page
    assert 'href="mailto:dpo@trust.example.nhs.uk"' in page
    assert f'href="{reverse("account")}"' in page
    for heading in ["What we keep and why", "How long we keep it", "Who can see it", "Contact us"]:
        assert heading in page


@override_settings(PRIVACY_CONTACT_EMAIL="")
def test_without_a_contact_address_the_notice_points_to_the_local_team(client, db):
    page = client.get(reverse("privacy")).content.decode()
    assert "mailto:" not in page and "contact the team that runs this service" in page
