"""Atom and RSS feeds of new start-ups and of phase changes, for the whole
catalogue and for one incubator (its start-ups as main or co-incubator).

"New" reads the phase history, not the row's creation date: an import creates
every row at once, while the first phase's start says when the start-up began.

Valid Atom (RFC 4287) and RSS 2.0: every id an absolute address, an <updated>
on every entry, the mission (plain text) sent as text. Served with the open
data's headers (startups.api.http.open_data: CORS, ETag and Last-Modified with
304, Cache-Control), in the request's language."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from startups.api.http import open_data
from startups.models import Incubator, Startup, StartupPhase

ITEMS = 50
# The request being answered, for absolute ids (a Feed instance serves every
# thread: it cannot keep the request itself).
_request: ContextVar = ContextVar("feed_request")


class TextAtomFeed(Atom1Feed):
    """Atom with the summary as text (Django's is type="html"): a mission is
    plain text, and a "<" in it must show as written."""

    def add_item_elements(self, handler, item):
        description = item.get("description")
        super().add_item_elements(handler, {**item, "description": None})
        if description:
            handler.addQuickElement("summary", description, {"type": "text"})


class TextRss201rev2Feed(Rss201rev2Feed):
    """RSS 2.0 readers take <description> as HTML: the text is escaped once
    more, so that it shows as written."""

    def add_item_elements(self, handler, item):
        description = item.get("description")
        if description:
            item = {**item, "description": escape(description)}
        super().add_item_elements(handler, item)


def _midday(day: dt.date) -> dt.datetime:
    # A feed entry needs a time; midday in Paris keeps the date in every zone
    # readers are likely to be in.
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


class CatalogueFeed(Feed):
    feed_type = TextAtomFeed
    incubator: Incubator | None = None

    def feed_copyright(self):
        # Atom <rights>, RSS <copyright>: the data's licence.
        licence = settings.DATA_LICENCE
        return f"{licence['name']} ({licence['url']})"

    def __call__(self, request, *args, **kwargs):
        # Django's feeds take the links' scheme from the request: the public
        # address's instead (behind a proxy that does not say it was https).
        secure = settings.SITE_URL.startswith("https://")
        request.is_secure = lambda: secure
        token = _request.set(request)
        try:
            return super().__call__(request, *args, **kwargs)
        finally:
            _request.reset(token)

    def get_object(self, request, slug=None):
        if slug is None:
            return None
        return get_object_or_404(Incubator, slug=slug)

    def link(self, incubator):
        if incubator is None:
            return reverse("startups:list")
        return incubator.get_absolute_url()

    def item_link(self, item):
        return self._startup(item).get_absolute_url()

    def item_author_name(self, item):
        return self._startup(item).incubator.name

    def _startup(self, item) -> Startup:
        return item if isinstance(item, Startup) else item.startup


class NewStartupsFeed(CatalogueFeed):
    def title(self, incubator):
        if incubator is None:
            return _("New start-ups d'État")
        return _("New start-ups of %(incubator)s") % {"incubator": incubator.name}

    def description(self, incubator):
        return _("Start-ups d'État, most recently started first.")

    subtitle = description

    def items(self, incubator):
        startups = Startup.objects.for_feed()
        if incubator is not None:
            startups = startups.of_incubator(incubator)
        return startups[:ITEMS]

    def item_title(self, startup):
        return startup.title

    def item_description(self, startup):
        return startup.mission

    def item_pubdate(self, startup):
        return _midday(startup.started_on)

    def item_updateddate(self, startup):
        return startup.updated_at


class PhaseChangesFeed(CatalogueFeed):
    def title(self, incubator):
        if incubator is None:
            return _("Phase changes of the start-ups d'État")
        return _("Phase changes of the start-ups of %(incubator)s") % {
            "incubator": incubator.name
        }

    def description(self, incubator):
        return _("Each start-up entering a new phase, latest first.")

    subtitle = description

    def items(self, incubator):
        steps = StartupPhase.objects.for_feed(until=timezone.localdate())
        if incubator is not None:
            steps = steps.filter(
                startup__in=Startup.objects.of_incubator(incubator).values("pk")
            )
        return steps[:ITEMS]

    def item_title(self, step):
        return _("%(startup)s enters the %(phase)s phase") % {
            "startup": step.startup.title,
            "phase": step.get_phase_display().lower(),
        }

    def item_description(self, step):
        return step.comment or step.startup.mission

    def item_guid(self, step):
        # One start-up has several steps, all linking to its page: its absolute
        # address and the phase.
        url = f"{step.startup.get_absolute_url()}#phase-{step.phase}"
        return _request.get().build_absolute_uri(url)

    item_guid_is_permalink = False

    def item_pubdate(self, step):
        return _midday(step.start)

    # A step does not change once begun: it was last updated when it began.
    item_updateddate = item_pubdate


class NewStartupsRss(NewStartupsFeed):
    feed_type = TextRss201rev2Feed


class PhaseChangesRss(PhaseChangesFeed):
    feed_type = TextRss201rev2Feed


new_startups_atom = open_data(NewStartupsFeed(), language=None)
new_startups_rss = open_data(NewStartupsRss(), language=None)
phase_changes_atom = open_data(PhaseChangesFeed(), language=None)
phase_changes_rss = open_data(PhaseChangesRss(), language=None)
