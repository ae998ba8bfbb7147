"""export_catalogue / import_catalogue: the real catalogue, written out and
restored into an empty database, comes back identical."""

import json

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command
from reversion.models import Revision, Version

from startups.backup import ExactJSONEncoder, catalogue_models, history_versions
from startups.models import Incubator, Organisation, Startup


def snapshot() -> dict[str, list]:
    """Every catalogue row with its fields and many-to-many links, by model."""
    data = {}
    for model in catalogue_models():
        rows = json.loads(
            serializers.serialize(
                "json", model._default_manager.order_by("pk"), cls=ExactJSONEncoder
            )
        )
        many = {field.name for field in model._meta.many_to_many}
        for row in rows:
            # Links, whatever order the database lists them in.
            for name in many:
                row["fields"][name] = sorted(row["fields"][name])
        data[model._meta.label] = rows
    data["versions"] = sorted(
        history_versions().values_list(
            "pk", "object_id", "serialized_data", "revision_id"
        )
    )
    return data


def empty_the_catalogue():
    Revision.objects.all().delete()
    Startup.objects.all().delete()
    Incubator.objects.all().delete()
    Organisation.objects.all().delete()
    for model in catalogue_models():
        model._default_manager.all().delete()


@pytest.mark.django_db
def test_the_real_catalogue_comes_back_identical(betagouv_data, tmp_path, capsys):
    call_command("import_betagouv", str(betagouv_data))
    before = snapshot()
    assert len(before["startups.Startup"]) > 600
    backup = tmp_path / "catalogue.json"

    call_command("export_catalogue", str(backup))
    empty_the_catalogue()
    assert Startup.objects.count() == 0
    call_command("import_catalogue", str(backup))

    after = snapshot()
    for label in before:
        for old, new in zip(before[label], after[label], strict=True):
            assert new == old, {
                key: (old["fields"][key], new["fields"].get(key))
                for key in old.get("fields", {})
                if old["fields"][key] != new["fields"].get(key)
            }
    startup = Startup.objects.exclude(search_text="").first()
    assert startup.current_phase
    assert "Catalogue restored" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_backup_holds_no_personal_data(make_startup, admin_user, tmp_path):
    make_startup()
    backup = tmp_path / "catalogue.json"

    call_command("export_catalogue", str(backup))

    text = backup.read_text()
    assert admin_user.username not in text
    assert admin_user.email not in text
    assert '"auth.user"' not in text


@pytest.mark.django_db
def test_it_refuses_to_restore_over_an_existing_catalogue(make_startup, tmp_path):
    make_startup(slug="already-here")
    backup = tmp_path / "catalogue.json"
    call_command("export_catalogue", str(backup))

    with pytest.raises(CommandError, match="only restores into an empty catalogue"):
        call_command("import_catalogue", str(backup))

    assert list(Startup.objects.values_list("slug", flat=True)) == ["already-here"]


@pytest.mark.django_db
def test_a_file_that_is_not_a_backup_is_refused_clearly(tmp_path):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"hello": 1}')

    with pytest.raises(CommandError, match="not a catalogue file"):
        call_command("import_catalogue", str(wrong))
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_catalogue", str(tmp_path / "missing.json"))
    assert not Version.objects.exists()
