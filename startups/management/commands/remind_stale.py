"""E-mail each incubator's staff the start-up sheets nobody has updated for six
months, because an out-of-date catalogue misleads the public. Meant to run daily
(cron): a person gets at most one reminder a week."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from startups.models import (
    STALE_AFTER_DAYS,
    IncubatorMembership,
    StaleReminder,
    Startup,
)

# Daily runs must not nag: one reminder per person per week at most.
QUIET_DAYS = 7


class Command(BaseCommand):
    help = (
        "E-mail each incubator's staff the list of their start-up sheets not "
        "updated for --days days (one e-mail per person, at most one a week)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=STALE_AFTER_DAYS,
            help=f"A sheet is stale after this many days (default {STALE_AFTER_DAYS}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say who would get which sheets; send and record nothing.",
        )

    def handle(self, *, days, dry_run, **options):
        now = timezone.now()
        before = now - timedelta(days=days)
        recipients = self._recipients(since=now - timedelta(days=QUIET_DAYS))
        incubator_ids = {i for ids in recipients.values() for i in ids}
        stale = Startup.objects.for_stale_reminders(
            before=before, incubator_ids=incubator_ids
        )
        staff_of = defaultdict(set)
        for user, ids in recipients.items():
            for incubator_id in ids:
                staff_of[incubator_id].add(user)
        sheets_of = defaultdict(list)
        for startup in stale:
            incubators = {startup.incubator_id} | {
                i.pk for i in startup.co_incubators.all()
            }
            # A set: a start-up co-incubated by two of a person's incubators
            # comes once in their e-mail.
            for user in set().union(*(staff_of[i] for i in incubators)):
                sheets_of[user].append(startup)

        sent = 0
        with translation.override(settings.LANGUAGE_CODE):
            for user, startups in sheets_of.items():
                if dry_run:
                    self.stdout.write(
                        f"{user.email}: " + ", ".join(s.slug for s in startups)
                    )
                    continue
                self._send(user, startups, days)
                StaleReminder.objects.create(
                    user=user, sent_at=now, startup_count=len(startups)
                )
                sent += 1

        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Dry run: {len(sheets_of)} reminder(s) would be sent."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{sent} reminder(s) sent."))

    def _recipients(self, *, since):
        """{user: ids of their incubators}: active staff with an e-mail address
        and a membership, minus those reminded since `since`. Two queries."""
        reminded = StaleReminder.objects.filter(sent_at__gte=since).values("user_id")
        memberships = (
            IncubatorMembership.objects.filter(
                user__is_active=True, user__is_staff=True
            )
            .exclude(user__email="")
            .exclude(user_id__in=reminded)
            .select_related("user")
            .order_by("user_id")
        )
        recipients = {}
        users = {}
        for membership in memberships:
            user = users.setdefault(membership.user_id, membership.user)
            recipients.setdefault(user, set()).add(membership.incubator_id)
        return recipients

    def _send(self, user, startups, days):
        site = settings.SITE_URL
        sheets = [
            {
                "startup": startup,
                "admin_url": site
                + reverse("admin:startups_startup_change", args=[startup.pk]),
                "public_url": (
                    site + startup.get_absolute_url() if startup.is_published else ""
                ),
            }
            for startup in startups
        ]
        subject = ngettext(
            "%(count)d start-up sheet not updated for %(days)d days",
            "%(count)d start-up sheets not updated for %(days)d days",
            len(sheets),
        ) % {"count": len(sheets), "days": days}
        body = render_to_string(
            "startups/email/stale_reminder.txt",
            {
                "user": user,
                "sheets": sheets,
                "days": days,
                "quiet_days": QUIET_DAYS,
                "admin_home": site + reverse("admin:index"),
            },
        )
        send_mail(
            _("[Catalogue] %(subject)s") % {"subject": subject},
            body,
            None,
            [user.email],
        )
