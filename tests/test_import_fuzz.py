"""Fuzzed beta.gouv.fr files (random front matter, random bytes, deep nesting,
huge numbers, wrong types in every field) beside one good sheet: the import
succeeds or stops with a clear CommandError, never another exception, and the good
sheet is imported (nothing at all with --strict)."""

import io
import tempfile
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from startups.models import Incubator, Organisation, Startup
from tests.test_import_betagouv import make_folder, sheet

FIELDS = [
    "title",
    "mission",
    "incubator",
    "sponsors",
    "phases",
    "link",
    "repository",
    "contact",
    "thematiques",
    "usertypes",
    "events",
    "redirect_from",
    "stats_url",
    "budget_url",
    "accessibility_status",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates().map(str),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)


def good_fields() -> dict:
    return yaml.safe_load(sheet().split("---")[1])


def with_field(field: str, value) -> str:
    fields = good_fields()
    fields[field] = value
    return "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\nTexte.\n"


texts = st.one_of(
    st.builds(with_field, st.sampled_from(FIELDS), values),
    st.text(max_size=200).map(lambda t: f"---\n{t}\n---\n"),
    st.text(max_size=200),
    st.binary(max_size=200),
    st.integers(min_value=50, max_value=3000).map(
        lambda n: "---\ntitle: " + "[" * n + "]" * n + "\n---\n"
    ),
    st.integers(min_value=50, max_value=3000).map(
        lambda n: "---\ntitle: x\nphases:\n" + "  " * 0 + "- " * n + "a\n---\n"
    ),
    st.just("---\ntitle: &a [*a]\n---\n"),
    st.just("---\nphases:\n  - name: investigation\n    start: 99999-01-01\n---\n"),
)


def write_folder(root: Path, bad) -> Path:
    folder = make_folder(root, {"good": sheet()})
    path = folder / "startups" / "fuzzed.md"
    if isinstance(bad, bytes):
        path.write_bytes(bad)
    else:
        path.write_text(bad, encoding="utf-8", errors="surrogatepass")
    return folder


def run(folder: Path, *args) -> None:
    call_command(
        "import_betagouv",
        str(folder),
        *args,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def clear_catalogue():
    Startup.objects.all().delete()
    Incubator.objects.all().delete()
    Organisation.objects.all().delete()


common = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@common
@given(bad=texts)
def test_a_fuzzed_file_gives_a_clear_error_and_the_good_sheet_is_imported(bad):
    clear_catalogue()
    with tempfile.TemporaryDirectory() as root:
        folder = write_folder(Path(root), bad)
        try:
            run(folder)
        except CommandError as error:
            assert "fuzzed.md" in str(error)

    assert Startup.objects.filter(slug="good").exists()


@pytest.mark.django_db
@settings(common, max_examples=30)
@given(bad=texts)
def test_with_strict_a_fuzzed_file_writes_all_or_nothing(bad):
    clear_catalogue()
    with tempfile.TemporaryDirectory() as root:
        folder = write_folder(Path(root), bad)
        try:
            run(folder, "--strict")
        except CommandError as error:
            assert "nothing was written" in str(error)
            assert Startup.objects.count() == Incubator.objects.count() == 0
        else:
            assert Startup.objects.filter(slug="good").exists()
