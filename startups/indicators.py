"""A start-up's impact indicators: what it measures, in which part of the
network's impact matrix, and the dated values (typed by staff, uploaded as CSV,
or fetched from the service's machine-readable statistics address by
`manage.py fetch_indicators`). They belong to the sheet: its versions hold them
(startups.history) and a restore brings them back."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from startups.models import Startup, web_address_validator

# Bounds every path that writes values shares (form, CSV upload, fetch).
MAX_VALUES_PER_INDICATOR = 5000
MAX_ABS_VALUE = 10**15


class ImpactPart(models.TextChoices):
    """The parts of the network's impact matrix, from the service that can be
    used to the one whose impact is worth its cost."""

    USABLE = "usable", _("usable")
    USED = "used", _("used")
    USEFUL = "useful", _("useful")
    IMPACTFUL = "impactful", _("impactful")
    EFFICIENT = "efficient", _("efficient")


class Periodicity(models.TextChoices):
    DAY = "day", _("day")
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class IndicatorQuerySet(models.QuerySet):
    def kept_by(self, user):
        """The indicators of the sheets a staff member may edit."""
        return self.filter(startup__in=Startup.objects.kept_by(user))

    def for_public_page(self):
        """A start-up page's indicators with their values in date order: one
        query for the indicators, one for all their values."""
        return self.order_by("part", "position", "pk").prefetch_related(
            models.Prefetch("values", queryset=IndicatorValue.objects.order_by("date"))
        )

    def with_source(self):
        """What `manage.py fetch_indicators` fetches."""
        return self.exclude(source_url="").select_related("startup")

    def count_sheets_by_part_and_phase(self) -> dict[str, dict[str, int]]:
        """{part: {current phase: number of published sheets with at least
        one indicator in that part}}, in one query."""
        rows = (
            self.filter(startup__is_published=True)
            .values("part", "startup__current_phase")
            .annotate(n=models.Count("startup", distinct=True))
            .order_by()
        )
        out: dict[str, dict[str, int]] = {}
        for row in rows:
            out.setdefault(row["part"], {})[row["startup__current_phase"]] = row["n"]
        return out


class Indicator(models.Model):
    Part = ImpactPart
    Periodicity = Periodicity

    startup = models.ForeignKey(
        Startup, models.CASCADE, related_name="indicators", verbose_name=_("start-up")
    )
    label = models.CharField(_("label"), max_length=200)
    unit = models.CharField(
        _("unit"),
        max_length=50,
        blank=True,
        help_text=_("Such as “users”, “requests” or “%”."),
    )
    description = models.TextField(_("description"), blank=True, max_length=2000)
    part = models.CharField(
        _("part of the impact matrix"), max_length=20, choices=ImpactPart.choices
    )
    periodicity = models.CharField(
        _("periodicity"),
        max_length=10,
        choices=Periodicity.choices,
        default=Periodicity.MONTH,
    )
    source_url = models.URLField(
        _("statistics address"),
        max_length=500,
        blank=True,
        validators=[web_address_validator],
        help_text=_(
            "A machine-readable address (JSON: description, stats [{date, value}], "
            "periodicity, since), https only: its values are fetched every day."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Written by the fetch only: when the address last gave good values, and
    # what went wrong last time (empty once it works again).
    last_fetched_at = models.DateTimeField(
        _("last fetched"), null=True, blank=True, editable=False
    )
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(
        _("last error on"), null=True, blank=True, editable=False
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["part", "position", "pk"]
        verbose_name = _("impact indicator")
        verbose_name_plural = _("impact indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(part__in=ImpactPart.values), name="indicator_part_known"
            ),
            models.CheckConstraint(
                condition=Q(periodicity__in=Periodicity.values),
                name="indicator_periodicity_known",
            ),
            models.CheckConstraint(
                condition=~Q(label=""), name="indicator_label_not_empty"
            ),
            models.UniqueConstraint(
                fields=["startup", "label"],
                name="indicator_unique_label",
                violation_error_message=_(
                    "This start-up already has an indicator with this label."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return self.startup.get_absolute_url() + f"#indicator-{self.pk}"


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)

    class Meta:
        ordering = ["indicator", "date"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "date"],
                name="indicatorvalue_unique_date",
                violation_error_message=_("This indicator has a value on this date."),
            ),
            models.CheckConstraint(
                condition=Q(value__gt=-MAX_ABS_VALUE) & Q(value__lt=MAX_ABS_VALUE),
                name="indicatorvalue_value_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.value}"
