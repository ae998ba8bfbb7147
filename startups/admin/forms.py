"""The staff space's forms and form fields."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from startups.models import BudgetKind, BudgetLine, FormerSlug, Incubator, Startup
from startups.rules import normalise_newlines, phase_history_errors


class NormalisedTextField(forms.CharField):
    """A multi-line text whose line endings are stored as LF: browsers post CRLF,
    and a form saved unchanged must not record a change."""

    def to_python(self, value):
        return normalise_newlines(super().to_python(value))

    def has_changed(self, initial, data):
        return normalise_newlines(initial or "") != self.to_python(data)


class CommaSeparatedField(forms.CharField):
    """A list of short texts typed as "Django, PostgreSQL, DSFR"."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        items = [item.strip() for item in (value or "").split(",")]
        return list(dict.fromkeys(item for item in items if item))

    def has_changed(self, initial, data):
        return self.to_python(self.prepare_value(initial)) != self.to_python(data)


class StartupAdminForm(forms.ModelForm):
    technologies = CommaSeparatedField(
        label=_("technologies"),
        required=False,
        help_text=_("Separated by commas: Django, PostgreSQL, DSFR"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without the level (a script, an older page) keeps the
        # sheet's, unchanged, rather than being refused.
        field = self.fields.get("impact_certification")
        if field is not None and self.is_bound and field_name_missing(self):
            field.disabled = True

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        taken = FormerSlug.objects.filter(slug=slug)
        if self.instance.pk:
            taken = taken.exclude(startup=self.instance)
        if taken.exists():
            raise forms.ValidationError(
                _("This identifier is a former address of another start-up.")
            )
        return slug


def field_name_missing(form, name: str = "impact_certification") -> bool:
    return form.add_prefix(name) not in form.data


def staff_startup_form(form, user, startup):
    """The start-up form for incubator staff: the main incubator is theirs or
    stays what it was, co-incubators likewise, and the sheet keeps one of their
    incubators (or they would lose it)."""
    theirs = Incubator.objects.kept_by(user)
    current_main = [startup.incubator_id] if startup else []
    current_co = (
        list(startup.co_incubators.values_list("pk", flat=True)) if startup else []
    )

    class StaffStartupForm(form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            choices = {
                "incubator": Q(pk__in=theirs) | Q(pk__in=current_main),
                "co_incubators": Q(pk__in=theirs) | Q(pk__in=current_co),
            }
            for name, condition in choices.items():
                if name in self.fields:
                    self.fields[name].queryset = Incubator.objects.filter(condition)

        def clean(self):
            cleaned = super().clean()
            if "incubator" not in self.fields:
                return cleaned
            chosen = [cleaned.get("incubator"), *(cleaned.get("co_incubators") or [])]
            mine = set(theirs.values_list("pk", flat=True))
            if not any(incubator and incubator.pk in mine for incubator in chosen):
                raise forms.ValidationError(
                    _(
                        "One of your incubators must stay the start-up's incubator "
                        "or a co-incubator."
                    )
                )
            return cleaned

    return StaffStartupForm


class PhaseHistoryFormSet(forms.BaseInlineFormSet):
    """The phase rows of one start-up, checked together (startups.rules)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        phases = [
            SimpleNamespace(**form.cleaned_data)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        errors = phase_history_errors(phases, today=timezone.localdate())
        if errors:
            raise forms.ValidationError(errors)


class FormerSlugFormSet(forms.BaseInlineFormSet):
    """Former identifiers: never another sheet's live address, nor the sheet's
    own new one."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        own_slug = getattr(self.instance, "slug", "")
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            slug = data.get("slug")
            if slug and slug == own_slug:
                form.add_error("slug", _("This is the start-up's own identifier."))
            taken = Startup.objects.filter(slug=slug)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if slug and taken.exists():
                form.add_error(
                    "slug", _("This identifier is another start-up's address.")
                )


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = [
            "year",
            "category",
            "amount",
            "kind",
            "source",
            "sponsor",
            "stated_on",
        ]
        error_messages = {
            "amount": {"min_value": _("An amount cannot be negative.")},
        }


class KnownAutocompleteSelect(AutocompleteSelect):
    """An autocomplete whose selected option's label may be given (`known`:
    {value: label}), read with the row that names it: a table of budget lines
    renders without a query per line."""

    known: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if v not in (None, "")}
        if not selected or not selected <= set(self.known):
            return super().optgroups(name, value, attr)
        options = (
            [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        )
        for pk in sorted(selected):
            options.append(
                self.create_option(name, pk, self.known[pk], True, len(options))
            )
        return [(None, options, 0)]


class BudgetLineFormSet(forms.BaseInlineFormSet):
    """A sheet's budget lines, checked together: one actual line per year and
    category (the database's constraint, said before it is hit)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The sponsor was read with the line (BudgetLineInline.get_queryset).
        line = form.instance
        widget = form.fields["sponsor"].widget
        widget = getattr(widget, "widget", widget)
        if line.sponsor_id and isinstance(widget, KnownAutocompleteSelect):
            widget.known = {str(line.sponsor_id): str(line.sponsor)}
        return form

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE") or data.get("kind") != BudgetKind.ACTUAL:
                continue
            key = (data.get("year"), data.get("category"))
            if key in seen:
                form.add_error(
                    None,
                    _(
                        "There is already an actual line for %(year)s and "
                        "“%(category)s”: add the amounts up in one line."
                    )
                    % {"year": key[0], "category": key[1]},
                )
            seen.add(key)


class BudgetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Comma or semicolon separated, UTF-8 (with or without BOM)."),
    )


class IncubatorAdminForm(forms.ModelForm):
    def clean_highlighted_startups(self):
        chosen = self.cleaned_data.get("highlighted_startups")
        if chosen is None or not self.instance.pk:
            return chosen
        own = set(
            Startup.objects.incubated_by([self.instance]).values_list("pk", flat=True)
        )
        foreign = [s.title for s in chosen if s.pk not in own]
        if foreign:
            raise forms.ValidationError(
                _("An incubator highlights its own start-ups only: %(titles)s.")
                % {"titles": ", ".join(foreign)}
            )
        return chosen


class InvitationForm(forms.Form):
    """Who to invite, and to what: an incubator's staff or one sheet's editors."""

    email = forms.EmailField(label=_("E-mail address"))
    incubator = forms.ModelChoiceField(
        label=_("As staff of the incubator"),
        queryset=Incubator.objects.none(),
        required=False,
    )
    startup = forms.ModelChoiceField(
        label=_("Or as editor of the start-up"),
        queryset=Startup.objects.none(),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incubator"].queryset = Incubator.objects.kept_by(user).order_by(
            "name"
        )
        self.fields["startup"].queryset = (
            Startup.objects.incubated_by_staff(user)
            .only("pk", "title")
            .order_by("title", "pk")
        )

    def clean_email(self):
        return get_user_model().objects.normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("incubator")) == bool(cleaned.get("startup")):
            raise forms.ValidationError(
                _("Choose an incubator or a start-up (one of the two).")
            )
        return cleaned
