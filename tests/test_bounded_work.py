"""Bounded work: the import refuses a sheet over its limits and any path that
leads out of its folder, and reports what it skips; a page renders in bounded
time whatever one sheet holds."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from startups.betagouv.reader import (
    MAX_FILE_BYTES,
    MAX_LIST_ITEMS,
    MAX_TEXT_LENGTH,
    read_catalogue,
)
from startups.markdown import render_markdown
from startups.models import Startup
from startups.rules import DESCRIPTION_MAX_LENGTH

pytestmark = pytest.mark.django_db

INCUBATOR = "---\ntitle: Incubateur de test\n---\nDescription.\n"


def sheet(*, body="Le service.", **fields) -> str:
    lines = ["---", "title: Service", "mission: Aider les gens.", "incubator: inc"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    lines += ["phases:", "  - name: investigation", "    start: 2022-01-01", "---"]
    return "\n".join(lines) + "\n" + body + "\n"


def folder(root: Path, **startups: str) -> Path:
    (root / "incubators").mkdir(parents=True)
    (root / "incubators" / "inc.md").write_text(INCUBATOR)
    (root / "startups").mkdir()
    for name, text in startups.items():
        (root / "startups" / f"{name}.md").write_text(text)
    return root


def problems(catalogue) -> list[str]:
    return [str(p) for p in catalogue.problems]


def test_a_file_over_the_size_limit_is_refused_with_its_size_and_the_limit(tmp_path):
    root = folder(tmp_path, ok=sheet(), big=sheet(body="x" * (MAX_FILE_BYTES + 1)))

    catalogue = read_catalogue(root)

    assert [s.slug for s in catalogue.startups] == ["ok"]
    size = (root / "startups" / "big.md").stat().st_size
    assert problems(catalogue) == [
        f"startups/big.md: file: {size} bytes, {MAX_FILE_BYTES} at most"
    ]


def test_a_description_over_the_limit_is_refused(tmp_path):
    body = "é" * (DESCRIPTION_MAX_LENGTH + 1)
    root = folder(tmp_path, long=sheet(body=body))

    catalogue = read_catalogue(root)

    assert catalogue.startups == []
    assert problems(catalogue) == [
        f"startups/long.md: description: {DESCRIPTION_MAX_LENGTH + 1} characters, "
        f"{DESCRIPTION_MAX_LENGTH} at most"
    ]


def test_a_list_or_a_text_over_the_limit_is_refused_with_its_field(tmp_path):
    themes = "[" + ", ".join(f"t{i}" for i in range(MAX_LIST_ITEMS + 1)) + "]"
    root = folder(
        tmp_path,
        many=sheet(thematiques=themes),
        wordy=sheet(contact="a" * (MAX_TEXT_LENGTH + 1)),
    )

    catalogue = read_catalogue(root)

    assert catalogue.startups == []
    assert sorted(problems(catalogue)) == [
        f"startups/many.md: thematiques: {MAX_LIST_ITEMS + 1} items, "
        f"{MAX_LIST_ITEMS} at most",
        f"startups/wordy.md: contact: {MAX_TEXT_LENGTH + 1} characters, "
        f"{MAX_TEXT_LENGTH} at most",
    ]


def test_a_symbolic_link_leading_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(sheet())
    root = folder(tmp_path / "data", ok=sheet())
    (root / "startups" / "stolen.md").symlink_to(outside)
    (root / "startups" / "inside.md").symlink_to(root / "startups" / "ok.md")

    catalogue = read_catalogue(root)

    # A link that stays inside is read like a file.
    assert sorted(s.slug for s in catalogue.startups) == ["inside", "ok"]
    assert problems(catalogue) == [
        "startups/stolen.md: file: symbolic link leading out of the folder"
    ]


def test_a_folder_linked_from_outside_is_refused(tmp_path):
    elsewhere = folder(tmp_path / "elsewhere", secret=sheet())
    root = tmp_path / "data"
    (root / "incubators").mkdir(parents=True)
    (root / "startups").symlink_to(elsewhere / "startups")

    catalogue = read_catalogue(root)

    assert catalogue.startups == []
    assert problems(catalogue) == ["startups: folder: leads out of the folder"]


def test_a_symbolic_link_loop_is_reported(tmp_path):
    root = folder(tmp_path, ok=sheet())
    os.symlink("loop-b.md", root / "startups" / "loop-a.md")
    os.symlink("loop-a.md", root / "startups" / "loop-b.md")

    catalogue = read_catalogue(root)

    assert [s.slug for s in catalogue.startups] == ["ok"]
    found = problems(catalogue)
    assert len(found) == 2
    assert all("file: symbolic link not followed" in p for p in found)


def test_skipped_files_are_reported_and_the_command_prints_them(tmp_path):
    root = folder(tmp_path, ok=sheet())
    (root / "startups" / ".draft.md").write_text(sheet())
    (root / "startups" / "notes.txt").write_text("notes")
    (root / "startups" / "images").mkdir()

    catalogue = read_catalogue(root)
    err = StringIO()
    call_command("import_betagouv", str(root), stdout=StringIO(), stderr=err)

    assert sorted(str(w) for w in catalogue.warnings if w.field == "file") == [
        "startups/.draft.md: file: skipped: hidden file",
        "startups/images: file: skipped: not a file",
        "startups/notes.txt: file: skipped: not a .md file",
    ]
    assert "startups/.draft.md: file: skipped: hidden file" in err.getvalue()


def test_the_command_names_the_refused_file_and_imports_the_rest(tmp_path):
    root = folder(tmp_path, ok=sheet(), big=sheet(body="x" * (MAX_FILE_BYTES + 1)))

    with pytest.raises(CommandError, match="startups/big.md"):
        call_command("import_betagouv", str(root), stdout=StringIO(), stderr=StringIO())

    assert list(Startup.objects.values_list("slug", flat=True)) == ["ok"]


def test_the_admin_and_the_model_refuse_a_description_over_the_limit(make_startup):
    startup = make_startup()
    startup.description = "x" * (DESCRIPTION_MAX_LENGTH + 1)

    with pytest.raises(ValidationError) as refused:
        startup.full_clean()

    assert "description" in refused.value.message_dict


def test_markdown_renders_a_bounded_length_whatever_it_is_given():
    html = render_markdown("mot " * 2_000_000)

    assert len(html) < DESCRIPTION_MAX_LENGTH + 100


def test_a_sheet_written_around_the_limits_still_gets_a_bounded_page(
    client, make_startup
):
    startup = make_startup()
    # Written as no form and no import would: straight into the table.
    Startup.objects.filter(pk=startup.pk).update(description="mot " * 1_000_000)

    response = client.get(f"/startups/{startup.slug}/")

    assert response.status_code == 200
    assert len(response.content) < 2 * DESCRIPTION_MAX_LENGTH


def test_a_value_inside_itself_or_repeated_by_aliases_is_checked_once(tmp_path):
    aliases = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(8)
    )
    root = folder(tmp_path)
    (root / "startups" / "loop.md").write_text("---\ntitle: &t [*t]\n---\n")
    (root / "startups" / "laughs.md").write_text("---\n" + aliases + "---\n")

    catalogue = read_catalogue(root)

    assert catalogue.startups == []
    assert {p.path for p in catalogue.problems} == {
        "startups/loop.md",
        "startups/laughs.md",
    }
