"""The admin index as the staff's home: their start-ups, stale sheets first."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse as django_reverse
from django.utils import timezone, translation

from startups.models import Startup
from startups.services import make_incubator_staff

pytestmark = pytest.mark.django_db


def reverse(name, args=None):
    # The English admin: what the tests read is the source text.
    with translation.override("en"):
        return django_reverse(name, args=args)


def age(startup, days):
    # auto_now rewrites updated_at on save(): update() leaves it as given.
    Startup.objects.filter(pk=startup.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=days)
    )


def staff(*incubators, username="staff"):
    user = get_user_model().objects.create_user(username, password="pw")
    make_incubator_staff(user=user, incubators=incubators)
    return user


def dashboard(response) -> str:
    """The text of the "Your start-ups" block, tags removed."""
    html = response.content.decode()
    block = re.search(
        r'<section class="module staff-dashboard".*?</section>', html, re.S
    )
    assert block, "no staff dashboard on the admin index"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.group(0)))


@pytest.fixture
def world(make_incubator, make_startup):
    a = make_incubator(name="Incubateur A")
    b = make_incubator(name="Incubateur B")
    startups = {
        "fresh": make_startup(title="Frais de A", incubator=a),
        "old": make_startup(title="Ancien de A", incubator=a),
        "older": make_startup(title="Très ancien de A", incubator=a),
        "shared": make_startup(title="Partagé par B", incubator=b),
        "of_b": make_startup(title="Ancien de B", incubator=b),
    }
    startups["shared"].co_incubators.set([a])
    age(startups["fresh"], 10)
    age(startups["old"], 200)
    age(startups["older"], 400)
    age(startups["shared"], 30)
    age(startups["of_b"], 300)
    return {"a": a, "b": b, **startups}


def test_staff_see_their_startups_stale_first_with_their_number(client, world):
    client.force_login(staff(world["a"]))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    text = dashboard(response)
    assert "Your start-ups" in text
    assert "Your incubator: Incubateur A." in text
    assert "2 sheets not updated for six months" in text
    order = ["Très ancien de A", "Ancien de A", "Partagé par B", "Frais de A"]
    positions = [text.index(title) for title in order]
    assert positions == sorted(positions)
    assert "Ancien de B" not in text
    assert text.index("Ancien de A") < text.index("Other start-ups")
    assert text.index("Other start-ups") < text.index("Partagé par B")


def test_each_listed_startup_links_to_its_admin_change_page(client, world):
    client.force_login(staff(world["a"]))

    html = client.get(reverse("admin:index")).content.decode()

    for key in ("fresh", "old", "older", "shared"):
        url = reverse("admin:startups_startup_change", args=[world[key].pk])
        assert f'href="{url}"' in html


def test_a_superuser_sees_every_startup(client, world):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))

    text = dashboard(client.get(reverse("admin:index")))

    assert "3 sheets not updated for six months" in text
    assert "Ancien de B" in text
    assert text.index("Ancien de B") < text.index("Other start-ups")


def test_when_every_sheet_is_recent_the_staff_are_told_so(client, world):
    Startup.objects.update(updated_at=timezone.now())
    client.force_login(staff(world["b"]))

    text = dashboard(client.get(reverse("admin:index")))

    assert "0 sheets not updated for six months" in text
    assert "Every sheet was updated in the last six months." in text


def test_staff_attached_to_no_incubator_are_told_whom_to_ask(client, world):
    # Made staff by hand, without any role.
    client.force_login(
        get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    )

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    text = dashboard(response)
    assert "You are not attached to any incubator yet" in text
    assert "Ask an administrator of the catalogue" in text
    assert "Ancien de A" not in text


def test_the_list_stops_at_50_with_a_link_to_the_sorted_change_list(
    client, make_incubator, make_startup
):
    incubator = make_incubator()
    for i in range(55):
        age(make_startup(title=f"Service {i:02}", incubator=incubator), 200 + i)
    client.force_login(staff(incubator))

    response = client.get(reverse("admin:index"))

    text = dashboard(response)
    assert "55 sheets not updated for six months" in text
    html = response.content.decode()
    block = html[html.index("staff-dashboard") : html.index("</section>")]
    assert block.count('<th scope="row">') == 50
    assert "See all 55 sheets not updated for six months" in text
    link = re.search(
        r'<p class="staff-dashboard-more"><a href="([^"]+)"', response.content.decode()
    )
    changelist = client.get(link.group(1).replace("&amp;", "&"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 55


def test_the_staff_home_runs_the_same_queries_for_3_or_60_startups(
    client, make_incubator, make_startup, django_assert_max_num_queries
):
    # session + user + is the user in the national team's group + user's and
    # group permissions (the app list) + has the user a membership (may they add
    # a sheet, for the app list) + the user's incubators + the counts (one
    # aggregate) + the listed rows with their main incubator + the least
    # complete sheets + the recent actions sidebar: 11, whatever N.
    incubator = make_incubator()
    client.force_login(staff(incubator))
    for _ in range(3):
        age(make_startup(incubator=incubator), 300)
    with django_assert_max_num_queries(11) as few:
        assert client.get(reverse("admin:index")).status_code == 200
    for _ in range(57):
        age(make_startup(incubator=incubator), 300)
    with django_assert_max_num_queries(11) as many:
        assert client.get(reverse("admin:index")).status_code == 200

    assert len(many.captured_queries) == len(few.captured_queries)
