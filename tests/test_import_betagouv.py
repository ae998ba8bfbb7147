import datetime as dt
import re
import shutil
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from startups import services
from startups.models import (
    Audience,
    Event,
    FormerSlug,
    Incubator,
    Organisation,
    Phase,
    Startup,
    StartupPhase,
    Theme,
)

pytestmark = pytest.mark.django_db

# Written out here rather than imported, so that the test checks the importer's
# mapping instead of repeating it.
EXPECTED_PHASE = {
    "investigation": "investigation",
    "construction": "construction",
    "acceleration": "acceleration",
    "consolidation": "consolidation",
    "transfere": "integration",
    "opere": "operated",
    "abandon": "abandoned",
    "abandon-investigation": "inconclusive",
}


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))


def run_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_betagouv", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing_import(*args) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_betagouv", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), str(failure.value)


def current_phases_from_files(folder: Path) -> Counter:
    """The rule, applied to the files: the latest start that has come wins
    (a later one is planned); on equal starts the phase listed later."""
    counts = Counter()
    today = timezone.localdate()
    for path in (folder / "startups").glob("*.md"):
        phases = front_matter(path)["phases"]
        begun = [(p["start"], i, p["name"]) for i, p in enumerate(phases)]
        begun = [b for b in begun if b[0] <= today]
        counts[EXPECTED_PHASE[max(begun)[2]] if begun else ""] += 1
    return counts


def test_it_imports_every_real_startup_with_the_current_phase_of_its_files(
    betagouv_data,
):
    out, err = run_import(betagouv_data)

    assert Startup.objects.count() == len(
        list((betagouv_data / "startups").glob("*.md"))
    )
    assert Incubator.objects.count() == len(
        list((betagouv_data / "incubators").iterdir())
    )
    assert Organisation.objects.count() == len(
        list((betagouv_data / "organisations").iterdir())
    )
    assert Counter(Startup.objects.values_list("current_phase", flat=True)) == (
        current_phases_from_files(betagouv_data)
    )
    assert "Startups: 662 created, 0 updated, 0 unchanged, 0 failed" in out
    assert "error:" not in err


def test_it_imports_every_field_of_each_real_sheet(betagouv_data):
    run_import(betagouv_data)

    startups = {
        s.slug: s
        for s in Startup.objects.select_related("incubator").prefetch_related(
            "sponsors", "phases", "events", "co_incubators", "themes"
        )
    }
    for path in (betagouv_data / "startups").glob("*.md"):
        data = front_matter(path)
        startup = startups[path.stem]
        assert startup.title == data["title"].strip()
        assert startup.mission == data["mission"].strip()
        assert startup.incubator.slug == data["incubator"]
        assert {o.slug for o in startup.sponsors.all()} == {
            s.removeprefix("/organisations/") for s in data.get("sponsors") or []
        }
        assert [p.phase for p in startup.phases.all()] == [
            EXPECTED_PHASE[name]
            for _, _, name in sorted(
                (p["start"], i, p["name"]) for i, p in enumerate(data["phases"])
            )
        ]
        assert startup.events.count() == len(data.get("events") or [])
        assert bool(startup.themes.all()) == bool(data.get("thematiques"))
        if "fast" in data:
            assert (startup.fast_promotion, startup.fast_amount) == (
                data["fast"]["promotion"],
                data["fast"]["montant"],
            )
        body = path.read_text(encoding="utf-8").split("\n---", 1)[1]
        assert startup.description == body.strip()


def test_it_keeps_links_security_flags_and_former_slugs_of_a_real_sheet(
    betagouv_data,
):
    run_import(betagouv_data)
    data = front_matter(betagouv_data / "startups/1000.premiers.jours.blues.md")

    startup = Startup.objects.get(slug="1000.premiers.jours.blues")
    assert startup.website == data["link"]
    assert startup.repository == data["repository"]
    assert startup.dashlord_url == data["dashlord_url"]
    assert startup.contact == data["contact"]
    assert startup.accessibility_status == Startup.AccessibilityStatus.NOT_COMPLIANT
    assert startup.has_stats_page is data["stats"]
    assert list(startup.events.values_list("kind", flat=True)) == [
        e["name"] for e in sorted(data["events"], key=lambda e: e["date"])
    ]
    # Every old address of the files redirects: "/startups/locatio.html" keeps
    # "locatio"; one claimed by two sheets stays with the first (by file name).
    expected = {}
    for path in sorted((betagouv_data / "startups").glob("*.md")):
        for old in front_matter(path).get("redirect_from") or []:
            name = re.sub(r"\.(html|md)$", "", old.rstrip("/").rsplit("/", 1)[-1])
            if name != path.stem:
                expected.setdefault(name, path.stem)
    assert dict(FormerSlug.objects.values_list("slug", "startup__slug")) == expected


def test_a_second_import_changes_nothing_and_says_so(betagouv_data):
    run_import(betagouv_data)
    before = dict(Startup.objects.values_list("slug", "updated_at"))
    phase_ids = set(StartupPhase.objects.values_list("pk", flat=True))

    out, _ = run_import(betagouv_data)

    assert "Startups: 0 created, 0 updated, 662 unchanged, 0 failed" in out
    assert "Nothing changed." in out
    assert dict(Startup.objects.values_list("slug", "updated_at")) == before
    assert set(StartupPhase.objects.values_list("pk", flat=True)) == phase_ids


def test_a_changed_file_updates_its_startup_and_removes_what_the_file_dropped(
    betagouv_data, tmp_path
):
    folder = tmp_path / "betagouv"
    shutil.copytree(betagouv_data, folder)
    run_import(folder)
    sheet = folder / "startups/1000.premiers.jours.blues.md"
    text = sheet.read_text(encoding="utf-8")
    text = text.replace("title: 1000 premiers jours Blues", "title: Nouveau titre")
    text = text.replace("  - name: acceleration\n    start: 2021-07-04\n", "")
    text = text.replace("sponsors:\n  - /organisations/dgcs\n", "sponsors: []\n")
    sheet.write_text(text, encoding="utf-8")

    out, _ = run_import(folder)

    assert "Startups: 0 created, 1 updated, 661 unchanged, 0 failed" in out
    startup = Startup.objects.get(slug="1000.premiers.jours.blues")
    assert startup.title == "Nouveau titre"
    assert startup.sponsors.count() == 0
    assert list(startup.phases.values_list("phase", flat=True)) == [
        Phase.INVESTIGATION,
        Phase.CONSTRUCTION,
    ]
    assert startup.current_phase == Phase.CONSTRUCTION


# Small hand-made folders for the messy and the broken cases.

ORGANISATION = (
    "---\nname: Direction de test\nacronym: DT\ntype: operateur\n"
    "domaine_ministeriel: culture\n---\n"
)
INCUBATOR = (
    "---\ntitle: Incubateur de test\nowner: /organisations/dt\n"
    "contact: test@example.org\n---\nDescription.\n"
)


def sheet(title="Service de test", phases=None, **fields) -> str:
    lines = ["---", f"title: {title}", "mission: Aider les gens.", "incubator: inc"]
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    lines.append("phases:")
    for name, start, *end in phases or [("investigation", "2022-01-01")]:
        lines.append(f"  - name: {name}\n    start: {start}")
        if end:
            lines.append(f"    end: {end[0]}")
    lines += ["---", "Le service.", ""]
    return "\n".join(lines)


def make_folder(root: Path, startups: dict[str, str]) -> Path:
    for kind, files in (
        ("organisations", {"dt": ORGANISATION}),
        ("incubators", {"inc": INCUBATOR}),
        ("startups", startups),
    ):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (root / kind / f"{name}.md").write_text(text, encoding="utf-8")
    return root


BAD_SHEETS = {
    "broken-yaml": (
        "---\ntitle: [unclosed\nmission: x\n---\n",
        "front matter",
        "invalid YAML",
    ),
    "missing-title": (sheet(title="''"), "title", "missing"),
    "unknown-phase": (
        sheet(phases=[("hibernation", "2022-01-01")]),
        "phases[0].name",
        "unknown phase 'hibernation'",
    ),
    "malformed-date": (
        sheet(phases=[("investigation", "2022-13-45")]),
        "phases[0].start",
        "malformed date",
    ),
    "unknown-incubator": (
        sheet().replace("incubator: inc", "incubator: nowhere"),
        "incubator",
        "unknown incubator 'nowhere'",
    ),
    "no-front-matter": ("Juste du texte.\n", "front matter", "no YAML front matter"),
    "not-a-mapping": ("---\n- a\n- b\n---\n", "front matter", "expected a mapping"),
    "end-before-start": (
        sheet(phases=[("investigation", "2022-05-01", "2022-01-01")]),
        "phases[0].end",
        "ends (2022-01-01) before it starts (2022-05-01)",
    ),
    "future-phase": (
        sheet(phases=[("investigation", "2099-01-01")]),
        "phases[0].start",
        "2099-01-01 is more than a year from now",
    ),
    "no-phase": (
        sheet().split("phases:")[0] + "---\n",
        "phases",
        "a start-up needs at least one phase",
    ),
}


@pytest.mark.parametrize("name", BAD_SHEETS)
def test_a_bad_file_is_reported_with_its_field_and_the_others_import(tmp_path, name):
    text, field, message = BAD_SHEETS[name]
    folder = make_folder(tmp_path, {"good": sheet(), name: text})

    out, err, failure = run_failing_import(folder)

    assert f"error: startups/{name}.md: {field}: {message}" in err
    assert f"startups/{name}.md" in failure
    assert "Startups: 1 created, 0 updated, 0 unchanged, 1 failed" in out
    assert list(Startup.objects.values_list("slug", flat=True)) == ["good"]


def test_with_strict_a_bad_file_means_nothing_is_written(tmp_path):
    folder = make_folder(
        tmp_path,
        {"good": sheet(), "bad": sheet(phases=[("hibernation", "2022-01-01")])},
    )

    _, err, failure = run_failing_import(folder, "--strict")

    assert "error: startups/bad.md: phases[0].name" in err
    assert "nothing was written" in failure
    assert Startup.objects.count() == Incubator.objects.count() == 0
    assert Organisation.objects.count() == 0


def test_a_failure_while_saving_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    folder = make_folder(tmp_path, {f"s{i}": sheet(title=f"S{i}") for i in range(5)})
    calls = []

    def failing_set_events(*, startup, events):
        calls.append(startup.slug)
        if len(calls) == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(services, "set_events", failing_set_events)

    with pytest.raises(RuntimeError):
        run_import(folder)

    assert Startup.objects.count() == Organisation.objects.count() == 0


def test_it_reads_a_betagouv_checkout_content_folder(tmp_path):
    folder = make_folder(tmp_path / "flat", {"good": sheet()})
    content = tmp_path / "content"
    for kind in ("organisations", "incubators", "startups"):
        shutil.copytree(folder / kind, content / f"_{kind}")

    out, _ = run_import(content)

    assert "Startups: 1 created" in out
    assert Startup.objects.get().incubator.slug == "inc"


def test_dry_run_reports_and_writes_nothing(tmp_path):
    folder = make_folder(tmp_path, {"good": sheet()})

    out, _ = run_import(folder, "--dry-run")

    assert "Startups: 1 created" in out
    assert "Dry run" in out
    assert Startup.objects.count() == 0


def test_messy_lists_and_spellings_become_one_vocabulary_entry(tmp_path):
    folder = make_folder(
        tmp_path,
        {
            "a": sheet(
                thematiques='["Éducation", "Data ", "santé"]',
                usertypes='["collégiens ", "entreprise"]',
            ),
            "b": sheet(
                thematiques='["Education", "data", "Santé"]',
                usertypes='["collégiens", "Entreprises"]',
            ),
        },
    )

    run_import(folder)

    assert dict(Theme.objects.values_list("slug", "label")) == {
        "education": "Éducation",
        "data": "Data",
        "sante": "Santé",
    }
    assert dict(Audience.objects.values_list("slug", "label")) == {
        "collegiens": "collégiens",
        "entreprise": "Entreprises",
    }
    for startup in Startup.objects.all():
        assert startup.themes.count() == 3
        assert startup.audiences.count() == 2


def test_equal_start_dates_make_the_later_listed_phase_current(tmp_path):
    folder = make_folder(
        tmp_path,
        {
            "tie": sheet(
                phases=[
                    ("investigation", "2022-01-01"),
                    ("construction", "2022-01-01"),
                ]
            )
        },
    )

    run_import(folder)

    startup = Startup.objects.get()
    assert startup.current_phase == Phase.CONSTRUCTION
    assert startup.current_phase_start == dt.date(2022, 1, 1)


def test_a_phase_ending_after_the_next_one_starts_ends_when_it_starts(tmp_path):
    folder = make_folder(
        tmp_path,
        {
            "overlap": sheet(
                phases=[
                    ("construction", "2022-06-01"),
                    ("investigation", "2022-01-01", "2022-09-30"),
                ]
            )
        },
    )

    out, _ = run_import(folder)

    phases = list(Startup.objects.get().phases.values_list("phase", "start", "end"))
    assert phases == [
        ("investigation", dt.date(2022, 1, 1), dt.date(2022, 6, 1)),
        ("construction", dt.date(2022, 6, 1), None),
    ]
    assert "phase end moved to the next phase's start: 1" in out


def test_stray_spaces_and_escaped_links_are_cleaned(tmp_path):
    folder = make_folder(
        tmp_path,
        {
            "links": sheet(
                title="'  Titre  '",
                link="'https:&#x2F;&#x2F;exemple.fr&#x2F;page'",
                repository="' https://forge.example.org/depot '",
                budget_url="' '",
                contact="'equipe@example.org?subject=Bonjour'",
                accessibility_status="partiellement conforme",
            )
        },
    )

    run_import(folder)

    startup = Startup.objects.get()
    assert startup.title == "Titre"
    assert startup.website == "https://exemple.fr/page"
    assert startup.repository == "https://forge.example.org/depot"
    assert startup.budget_url == ""
    assert startup.contact == "equipe@example.org"
    assert (
        startup.accessibility_status == Startup.AccessibilityStatus.PARTIALLY_COMPLIANT
    )


def test_unknown_event_names_are_kept_as_other_with_a_warning(tmp_path):
    text = sheet().replace(
        "phases:", "events:\n  - name: hackathon\n    date: 2022-02-02\nphases:"
    )
    folder = make_folder(tmp_path, {"events": text})

    _, err = run_import(folder)

    event = Event.objects.get()
    assert (event.kind, event.comment) == (Event.Kind.OTHER, "hackathon")
    assert re.search(r"warning: startups/events.md: events\[0\].name", err)


def test_a_mission_longer_than_the_admin_allows_is_kept_and_reported(tmp_path):
    long_mission = "Aider " + "beaucoup " * 40
    text = sheet().replace("mission: Aider les gens.", f"mission: {long_mission}")
    folder = make_folder(tmp_path, {"long": text})

    _, err = run_import(folder)

    assert Startup.objects.get().mission == long_mission.strip()
    assert "warning: startups/long.md: mission: 365 characters, 280 at most" in err
