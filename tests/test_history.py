"""Nothing is lost: every change is kept with who and when, and can be undone."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from reversion.models import Revision, Version

from startups.models import Phase, Startup
from startups.services import make_incubator_staff
from tests.helpers import rendered_form
from tests.test_admin_validation import form_data

pytestmark = pytest.mark.django_db


def admin_url(name, *args):
    return reverse(f"admin:startups_startup_{name}", args=args)


@pytest.fixture
def staff(make_incubator):
    incubator = make_incubator(slug="mine")
    user = get_user_model().objects.create_user("agent", password="pw")
    make_incubator_staff(user=user, incubators=[incubator])
    return user, incubator


def edit(client, startup, **overrides):
    response = client.post(admin_url("change", startup.pk), form_data(
        startup, **overrides
    ))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]


def test_each_admin_change_is_kept_with_who_and_what(admin_client, make_startup,
                                                     admin_user):  # fmt: skip
    startup = make_startup(title="Premier titre")

    edit(admin_client, startup, title="Second titre")

    versions = Version.objects.get_for_object(startup)
    assert versions.count() == 1
    revision = versions.first().revision
    assert revision.user == admin_user
    # The admin's own description of the change, in the reader's language.
    with translation.override("fr"):
        assert revision.get_comment() == "Modification de Titre."
    history = admin_client.get(admin_url("history", startup.pk)).content.decode()
    assert admin_user.username in history


def test_an_earlier_version_restores_the_sheet_with_its_phases(
    admin_client, make_startup
):
    startup = make_startup(
        title="Version 1", phases=[(Phase.INVESTIGATION, dt.date(2022, 1, 1))]
    )
    edit(admin_client, startup, title="Version 1")  # a first kept version
    first = Version.objects.get_for_object(startup).first()
    edit(admin_client, startup, title="Version 2", phases=[
        ("investigation", "2022-01-01", "2022-06-01"),
        ("construction", "2022-06-01", ""),
    ])  # fmt: skip
    startup.refresh_from_db()
    assert startup.current_phase == Phase.CONSTRUCTION

    # The restore page says what would change, and changes nothing.
    page = admin_client.get(admin_url("revision", startup.pk, first.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Version 1" in html and "Version 2" in html
    startup.refresh_from_db()
    assert startup.title == "Version 2"
    response = admin_client.post(
        admin_url("revision", startup.pk, first.pk), rendered_form(html)
    )

    assert response.status_code == 302
    startup.refresh_from_db()
    assert startup.title == "Version 1"
    assert list(startup.phases.values_list("phase", flat=True)) == ["investigation"]
    assert startup.current_phase == Phase.INVESTIGATION
    latest = Version.objects.get_for_object(startup).first()
    assert latest.revision.get_comment().startswith("Restauration de la version du")


def test_a_deleted_sheet_can_be_recovered_by_a_superuser(admin_client, make_startup):
    startup = make_startup(slug="efface", title="Effacé")
    pk = startup.pk

    response = admin_client.post(admin_url("delete", pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Startup.objects.filter(pk=pk).exists()

    recover_list = admin_client.get(admin_url("recoverlist"))
    assert "Effacé" in recover_list.content.decode()
    version = Version.objects.get_deleted(Startup).get()
    page = admin_client.get(admin_url("recover", version.pk))
    assert page.status_code == 200
    assert not Startup.objects.filter(pk=pk).exists()  # looking wrote nothing
    response = admin_client.post(
        admin_url("recover", version.pk), rendered_form(page.content.decode())
    )

    assert response.status_code == 302
    restored = Startup.objects.get(slug="efface")
    assert restored.pk == pk
    assert restored.phases.get().phase == Phase.INVESTIGATION
    assert restored.current_phase == Phase.INVESTIGATION


def test_staff_see_the_history_of_their_sheets_only(client, staff, make_startup):
    user, incubator = staff
    mine = make_startup(incubator=incubator)
    other = make_startup()
    client.force_login(user)
    edit(client, mine, title="Modifié par l'agent")
    version = Version.objects.get_for_object(mine).first()

    assert client.get(admin_url("history", mine.pk)).status_code == 200
    assert client.get(admin_url("revision", mine.pk, version.pk)).status_code == 200
    assert client.get(admin_url("history", other.pk)).status_code == 404
    assert client.get(admin_url("recoverlist")).status_code == 403
    assert version.revision.user == user


def test_an_import_keeps_one_revision_per_sheet_it_changes(tmp_path):
    from tests.test_import_betagouv import make_folder, sheet

    folder = make_folder(tmp_path, {"s1": sheet(title="Un"), "s2": sheet(title="Deux")})
    call_command("import_betagouv", str(folder), stdout=StringIO())
    (folder / "startups/s1.md").write_text(sheet(title="Un bis"), encoding="utf-8")
    call_command("import_betagouv", str(folder), stdout=StringIO())
    revisions = Revision.objects.count()
    call_command("import_betagouv", str(folder), stdout=StringIO())

    assert Revision.objects.count() == revisions  # nothing changed, nothing kept
    s1, s2 = Startup.objects.get(slug="s1"), Startup.objects.get(slug="s2")
    versions = Version.objects.get_for_object(s1)
    assert [v.field_dict["title"] for v in versions] == ["Un bis", "Un"]
    assert Version.objects.get_for_object(s2).count() == 1
    assert (
        versions.first().revision.get_comment() == "Import des fiches de beta.gouv.fr"
    )
    # Each revision holds one sheet, whole: the start-up and its phase rows.
    for version in (*versions, Version.objects.get_for_object(s2).get()):
        held = version.revision.version_set.all()
        models = {v.content_type.model for v in held}
        assert models == {"startup", "startupphase"}
        assert {v.object_id for v in held if v.content_type.model == "startup"} == {
            version.object_id
        }


def test_the_demo_generator_gives_each_new_sheet_one_complete_version(admin_client):
    from startups.demo import seed_demo
    from startups.history import sheets_without_complete_version

    seed_demo(startups=12, seed=3)

    assert sheets_without_complete_version() == []
    startup = Startup.objects.order_by("pk").first()
    version = Version.objects.get_for_object(startup).get()
    phases = [
        v for v in version.revision.version_set.all()
        if v.content_type.model == "startupphase"
    ]  # fmt: skip
    assert len(phases) == startup.phases.count()
    # That version restores through the admin like any other.
    edit(admin_client, startup, title="Changé")
    url = admin_url("revision", startup.pk, version.pk)
    page = admin_client.get(url)
    assert (
        admin_client.post(url, rendered_form(page.content.decode())).status_code == 302
    )
    startup.refresh_from_db()
    assert startup.title == version.field_dict["title"]


def test_an_incubator_version_restores_that_incubator_alone(
    admin_client, make_incubator, make_startup
):
    incubator = make_incubator(name="Avant", short_description="Premier texte")
    other = make_incubator(name="Autre")
    mine = make_startup(incubator=incubator)
    url = reverse("admin:startups_incubator_change", args=[incubator.pk])
    page = admin_client.get(url)
    data = rendered_form(page.content.decode())
    data["highlighted_startups"] = [str(mine.pk)]
    assert admin_client.post(url, data).status_code == 302
    first = Version.objects.get_for_object(incubator).first()
    data["short_description"] = ["Second texte"]
    data["highlighted_startups"] = []
    assert admin_client.post(url, data).status_code == 302

    restore = reverse(
        "admin:startups_incubator_revision", args=[incubator.pk, first.pk]
    )
    page = admin_client.get(restore)
    assert "Second texte" in page.content.decode()
    assert (
        admin_client.post(restore, rendered_form(page.content.decode())).status_code
        == 302
    )

    incubator.refresh_from_db()
    other.refresh_from_db()
    assert incubator.short_description == "Premier texte"
    assert list(incubator.highlighted_startups.all()) == [mine]
    assert other.name == "Autre"
