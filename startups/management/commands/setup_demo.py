"""Give a fresh clone something to show: demo data and two demo accounts."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from startups.demo import seed_demo
from startups.demo_images import add_demo_images
from startups.models import Incubator, Startup
from startups.services import catalogue_write, make_incubator_staff

# Start-ups given a drawn screenshot: enough to see them in the catalogue, few
# enough that the demo starts at once.
DEMO_SCREENSHOTS = 24


class Command(BaseCommand):
    help = (
        "For `make run` (debug only): load demo data if the database has no "
        "start-up, and (re)create a demo superuser and a demo incubator staff user "
        "with new random passwords, printed on the console."
    )

    def add_arguments(self, parser):
        parser.add_argument("--startups", type=int, default=300)

    def handle(self, *args, startups: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "setup_demo creates accounts with printed passwords: it only runs "
                "with DJANGO_DEBUG=1."
            )
        with transaction.atomic():
            if not Startup.objects.exists():
                summary = seed_demo(startups=startups, seed=1)
                self.stdout.write(f"Demo data: {summary}")
                with catalogue_write():
                    images = add_demo_images(
                        startups=Startup.objects.order_by("title", "pk")[
                            :DEMO_SCREENSHOTS
                        ],
                        incubators=Incubator.objects.all(),
                    )
                self.stdout.write(f"Demo images: {images}")
            incubator = Incubator.objects.order_by("name").first()
            admin_password = self._account("admin", superuser=True)
            staff_password = self._account("incubateur", superuser=False)
            make_incubator_staff(
                user=get_user_model().objects.get(username="incubateur"),
                incubators=[incubator] if incubator else [],
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Demo accounts (new passwords at every start):\n"
                f"  superuser        admin / {admin_password}\n"
                f"  incubator staff  incubateur / {staff_password}"
                + (f"  ({incubator.name})" if incubator else "")
                + "\nAdmin: http://127.0.0.1:8000/admin/"
            )
        )

    def _account(self, username: str, *, superuser: bool) -> str:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = superuser
        user.email = f"{username}@demo.invalid"
        user.set_password(password)
        user.save()
        return password
