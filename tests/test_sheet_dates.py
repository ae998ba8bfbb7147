"""A sheet's "last update" is when its content last changed: an import that
changes nothing changes no date, a first import takes the file's last commit in
a git checkout (or else says the sheet was imported that day and not updated
since), and the staff's dashboard and reminders read that date."""

import datetime as dt
import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from startups.models import Startup
from startups.services import make_incubator_staff
from startups.source_dates import git_commit_dates

pytestmark = pytest.mark.django_db


def run_import(folder) -> str:
    out = StringIO()
    call_command("import_betagouv", str(folder), stdout=out, stderr=StringIO())
    return out.getvalue()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def last_update(client, slug, lang="en") -> str:
    prefix = f"/{lang}" if lang else ""
    html = client.get(f"{prefix}/startups/{slug}/").content.decode()
    return text_of(re.search(r'<p [^>]*id="last-update".*?</p>', html, re.S).group(0))


def git(folder: Path, *args, when: str | None = None) -> None:
    env = {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
        "HOME": str(folder),
        "PATH": "/usr/bin:/bin",
    }
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-C", str(folder), *args], check=True, env=env,
                   capture_output=True)  # fmt: skip


@pytest.fixture
def checkout(tmp_path, betagouv_data) -> Path:
    """A git checkout of a few real sheets (with the incubators and
    organisations they need), committed on two dates: an accented file name
    among them."""
    root = tmp_path / "content"
    for kind in ("incubators", "organisations"):
        shutil.copytree(betagouv_data / kind, root / kind)
    (root / "startups").mkdir()
    for name in ("data.etat.md", "avril.md", "e-inspé.md"):
        shutil.copy(betagouv_data / "startups" / name, root / "startups" / name)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first", when="2023-05-04T10:00:00+02:00")
    sheet = root / "startups" / "avril.md"
    sheet.write_text(sheet.read_text() + "\nUne ligne de plus.\n")
    git(tmp_path, "commit", "-qam", "second", when="2025-01-02T09:30:00+01:00")
    return root


def test_git_gives_each_file_the_date_of_its_last_commit(checkout):
    dates = git_commit_dates(checkout)

    assert dates["startups/avril.md"] == dt.datetime.fromisoformat(
        "2025-01-02T09:30:00+01:00"
    )
    assert dates["startups/e-inspé.md"] == dt.datetime.fromisoformat(
        "2023-05-04T10:00:00+02:00"
    )
    assert dates["startups/data.etat.md"] == dates["startups/e-inspé.md"]


def test_a_folder_outside_git_has_no_dates(tmp_path):
    assert git_commit_dates(tmp_path) == {}


def test_a_first_import_from_a_checkout_takes_the_files_dates(client, checkout):
    run_import(checkout)

    dates = dict(Startup.objects.values_list("slug", "updated_at"))
    assert dates["avril"] == dt.datetime(2025, 1, 2, 8, 30, tzinfo=dt.UTC)
    assert dates["data.etat"] == dt.datetime(2023, 5, 4, 8, 0, tzinfo=dt.UTC)
    assert last_update(client, "avril") == "Last updated on 2 January 2025"
    assert last_update(client, "data.etat", "") == "Dernière mise à jour le 4 mai 2023"


def test_the_real_data_says_imported_that_day_and_unchanged_imports_keep_dates(
    client, betagouv_data, tmp_path
):
    run_import(betagouv_data)  # not a git checkout: no date of its own
    today = timezone.localdate()

    startups = list(Startup.objects.all())
    assert len(startups) == 662
    assert all(s.not_updated_since_added for s in startups)
    assert last_update(client, "data.etat") == (
        f"Imported into the catalogue on {today.day} {today:%B %Y}, not updated since."
    )
    assert last_update(client, "data.etat", "").startswith(
        "Importée dans le catalogue le"
    )
    before = dict(Startup.objects.values_list("slug", "updated_at"))

    # A later import with one sheet changed: that sheet's date only.
    folder = tmp_path / "data"
    shutil.copytree(betagouv_data, folder)
    sheet = folder / "startups" / "avril.md"
    sheet.write_text(sheet.read_text().replace("title: ", "title: Nouvel ", 1))
    out = run_import(folder)

    assert "Startups: 0 created, 1 updated, 661 unchanged" in out
    after = dict(Startup.objects.values_list("slug", "updated_at"))
    assert {slug for slug in after if after[slug] != before[slug]} == {"avril"}
    assert after["avril"] > before["avril"]
    assert last_update(client, "avril").startswith("Last updated on")


def staff_of(incubator, username="staff"):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username, password="pw", email=f"{username}@example.org"
    )
    make_incubator_staff(user=user, incubators=[incubator])
    return user


def test_the_dashboard_and_the_reminders_read_the_files_dates(client, checkout):
    run_import(checkout)
    avril = Startup.objects.get(slug="avril")
    user = staff_of(avril.incubator)
    client.force_login(user)

    theirs = Startup.objects.filter(incubator=avril.incubator)
    assert theirs.count() >= 1
    # Imported today, each of them dates from its file's commit, over six
    # months ago: all stale, with the commit's date.
    html = text_of(client.get("/en/admin/").content.decode())
    n = theirs.count()
    assert f"{n} sheet{'s' if n > 1 else ''} not updated for six months" in html
    assert "01/02/2025" in html  # avril's commit, in the short date format
    call_command("remind_stale", stdout=StringIO())

    assert len(mail.outbox) == 1
    assert "Avril" in mail.outbox[0].body
