"""The admin's live preview renders Markdown as the public page does."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from startups.services import make_incubator_staff

pytestmark = pytest.mark.django_db

PREVIEW = "admin:startups_startup_markdown_preview"


def test_the_preview_renders_and_sanitises_markdown(admin_client):
    response = admin_client.post(reverse(PREVIEW), {
        "text": "# Contexte\n\nUn **service** <script>alert(1)</script>"
                "[lien](javascript:alert(1))",
    })  # fmt: skip

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>Contexte</h2>" in html
    assert "<strong>service</strong>" in html
    assert "<script" not in html and "alert(1)" not in html
    assert "javascript:" not in html


def test_the_preview_answers_staff_who_may_edit_and_nobody_else(client, make_incubator):
    url = reverse(PREVIEW)
    assert client.post(url, {"text": "x"}).status_code == 302  # to the login page
    viewer = get_user_model().objects.create_user("lecteur", is_staff=True)
    client.force_login(viewer)
    assert client.post(url, {"text": "x"}).status_code == 403
    staff = get_user_model().objects.create_user("agent")
    make_incubator_staff(user=staff, incubators=[make_incubator()])
    client.force_login(staff)
    assert client.post(url, {"text": "*x*"}).content == b"<p><em>x</em></p>"
    assert client.get(url).status_code == 405


def test_the_description_field_carries_the_preview_and_loads_its_script(
    admin_client, make_startup
):
    startup = make_startup()

    page = admin_client.get(
        reverse("admin:startups_startup_change", args=[startup.pk])
    ).content.decode()

    assert f'data-preview-url="{reverse(PREVIEW)}"' in page
    assert "startups/admin/markdown_preview.js" in page
