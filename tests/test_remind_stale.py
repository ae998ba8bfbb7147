"""manage.py remind_stale: one e-mail per staff member with their stale sheets."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from startups.models import StaleReminder, Startup
from startups.services import make_incubator_staff

pytestmark = pytest.mark.django_db


def age(startup, days):
    Startup.objects.filter(pk=startup.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=days)
    )


def staff(username, *incubators, email=None, **fields):
    user = get_user_model().objects.create_user(
        username,
        email=f"{username}@example.org" if email is None else email,
        password="pw",
        **fields,
    )
    make_incubator_staff(user=user, incubators=incubators)
    return user


def remind(*args):
    out = StringIO()
    call_command("remind_stale", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def world(make_incubator, make_startup):
    a = make_incubator(name="Incubateur A")
    b = make_incubator(name="Incubateur B")
    c = make_incubator(name="Incubateur C")
    sheets = {
        "old_a": make_startup(title="Ancien de A", incubator=a),
        "fresh_a": make_startup(title="Frais de A", incubator=a),
        "shared": make_startup(title="Partagé A et B", incubator=b),
        "old_b": make_startup(title="Ancien de B", incubator=b, is_published=False),
        "fresh_c": make_startup(title="Frais de C", incubator=c),
    }
    sheets["shared"].co_incubators.set([a])
    for key, days in [("old_a", 200), ("shared", 400), ("old_b", 190)]:
        age(sheets[key], days)
    for key in ("fresh_a", "fresh_c"):
        age(sheets[key], 20)
    return {"a": a, "b": b, "c": c, **sheets}


def test_each_staff_member_gets_one_email_with_exactly_their_stale_sheets(
    world, settings
):
    settings.SITE_URL = "https://catalogue.example.org"
    staff("alice", world["a"])
    staff("bob", world["a"], world["b"])
    staff("carol", world["c"])

    output = remind()

    assert "2 reminder(s) sent." in output
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_recipient) == ["alice@example.org", "bob@example.org"]
    alice = by_recipient["alice@example.org"].body
    assert "Partagé A et B" in alice and "Ancien de A" in alice
    assert "Frais de A" not in alice and "Ancien de B" not in alice
    bob = by_recipient["bob@example.org"]
    # Shared by two of Bob's incubators, listed once; the oldest first.
    assert bob.body.count("Partagé A et B") == 1
    assert bob.body.index("Partagé A et B") < bob.body.index("Ancien de A")
    assert "Ancien de B" in bob.body
    assert "3" in bob.subject
    # The links are in the site's default language, like the e-mail.
    with translation.override("fr"):
        change = reverse("admin:startups_startup_change", args=[world["old_a"].pk])
        public = world["old_a"].get_absolute_url()
        hidden = world["old_b"].get_absolute_url()
    assert f"https://catalogue.example.org{change}" in alice
    assert f"https://catalogue.example.org{public}" in alice
    # An unpublished sheet has no public page to link to.
    assert f"https://catalogue.example.org{hidden}" not in bob.body


def test_staff_with_only_recent_sheets_get_nothing(world):
    staff("carol", world["c"])

    assert "0 reminder(s) sent." in remind()
    assert mail.outbox == []


def test_inactive_staff_and_staff_without_an_address_get_nothing(world):
    staff("gone", world["a"], is_active=False)
    staff("noaddress", world["a"], email="")

    remind()

    assert mail.outbox == []


def test_a_second_run_within_a_week_sends_nothing_again(world):
    staff("alice", world["a"])
    remind()
    assert len(mail.outbox) == 1

    output = remind()

    assert len(mail.outbox) == 1
    assert "0 reminder(s) sent." in output
    assert StaleReminder.objects.get().startup_count == 2


def test_a_week_later_the_reminder_is_sent_again(world):
    alice = staff("alice", world["a"])
    remind()
    StaleReminder.objects.filter(user=alice).update(
        sent_at=timezone.now() - dt.timedelta(days=8)
    )

    remind()

    assert len(mail.outbox) == 2


def test_a_dry_run_sends_and_records_nothing(world):
    staff("alice", world["a"])

    output = remind("--dry-run")

    assert mail.outbox == []
    assert not StaleReminder.objects.exists()
    assert "alice@example.org" in output and world["old_a"].slug in output


def test_days_sets_how_old_a_stale_sheet_is(world):
    staff("carol", world["c"])

    remind("--days", "10")

    assert len(mail.outbox) == 1
    assert "Frais de C" in mail.outbox[0].body


def test_the_command_runs_the_same_queries_for_few_or_many_sheets(
    world, make_startup, django_assert_max_num_queries
):
    # recipients (memberships with users, minus those reminded) + stale sheets
    # with their main incubator + their co-incubators; then one insert per
    # e-mail sent (one recipient here).
    staff("alice", world["a"])
    with django_assert_max_num_queries(4) as few:
        remind("--dry-run")
    for _ in range(20):
        age(make_startup(incubator=world["a"]), 300)
    with django_assert_max_num_queries(4) as many:
        remind("--dry-run")

    assert len(many.captured_queries) == len(few.captured_queries)
