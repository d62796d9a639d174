"""Admin lists refuse filters the database could not compare, with a 400 that says so.

Django's admin hands the query string's filters to ``filter()``. A value that fails there, in
Python, sends staff to a "database error" page; one that only fails in the database (text that
is no IP address, for PostgreSQL's ``inet``) or while the SQL is written (a year no date can
have) gave a 500. Here each equality filter's value is checked by its field first, the SQL is
written before the list is shown, and any filter that cannot be used gets a 400 naming it.

A search, or a filter matching text (``body__contains``), longer than ``MAX_SEARCH_LENGTH``
is refused the same way: no one searches for a page of text, and SQLite cannot run a LIKE
pattern past 50,000 bytes (it answered with an error, which the outage middleware made a 503).
"""

import functools
from itertools import chain

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db.models import Field
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from articles.views import bad_request

# Lookups comparing the field with a value it could hold (the admin's own links use "exact");
# the others (contains, isnull, year...) are checked by Django or compare text.
COMPARISONS = {"exact", "iexact", "in", "gt", "gte", "lt", "lte"}
TEXT_MATCHES = {"contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
                "regex", "iregex"}  # fmt: skip
MAX_SEARCH_LENGTH = 500
TOO_LONG = _("a search or text filter of more than %(limit)s characters.")
UNUSABLE = _("The list cannot be shown with these filters: %(reason)s")
NO_SUCH_LIST = _("the filters, ordering or page asked for do not fit this list.")


class UnusableFilters(Exception):
    """Raised past Django's own handling of IncorrectLookupParameters (a redirect to ``?e=1``)."""


class CheckedChangeList(ChangeList):
    def get_filters(self, request):
        try:
            filters = super().get_filters(request)
        except OverflowError as error:  # a date hierarchy's year past any date's
            raise IncorrectLookupParameters(error) from error
        remaining = filters[2]
        for key, values in remaining.items():
            check_value(self.model, key, values)
        return filters

    def get_queryset(self, request, exclude_parameters=None):
        if len(self.query) > MAX_SEARCH_LENGTH:
            raise IncorrectLookupParameters(TOO_LONG % {"limit": MAX_SEARCH_LENGTH})
        queryset = super().get_queryset(request, exclude_parameters)
        try:
            queryset.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            pass
        except (ValueError, OverflowError) as error:  # e.g. the bounds of an impossible year
            raise IncorrectLookupParameters(error) from error
        return queryset


def check_value(model, key, values):
    """Raise IncorrectLookupParameters when a value is none the field could hold."""
    field, lookup = field_and_lookup(model, key)
    values = list(chain.from_iterable(v if isinstance(v, list) else [v] for v in values))
    if lookup in TEXT_MATCHES and any(len(str(value)) > MAX_SEARCH_LENGTH for value in values):
        raise IncorrectLookupParameters(TOO_LONG % {"limit": MAX_SEARCH_LENGTH})
    if lookup not in COMPARISONS or not isinstance(field, Field):
        return  # a reverse relation (e.g. a hidden "+" one) holds no value to check
    for value in values:
        try:
            field.run_validators(field.to_python(value))
        except ValidationError as error:
            raise IncorrectLookupParameters(error) from error


def field_and_lookup(model, key):
    """``("email", "exact")`` for ``email`` and for ``email__exact``; Nones for a non-field."""
    head, _sep, tail = key.rpartition(LOOKUP_SEP)
    for path, lookup in ((key, "exact"), (head, tail)):
        try:
            return get_fields_from_path(model, path)[-1], lookup
        except (FieldDoesNotExist, NotRelationField):
            continue
    return None, None  # not a field: Django's own check refuses it


class CheckedAutocomplete(AutocompleteMixin):
    """An autocomplete that shows only values its model could hold: Django looks the sent
    value up as it is, so ``?article=abc`` or a posted "abc" was a 500, not the form again."""

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field.model._meta.pk  # every autocomplete here is by pk
        usable = []
        for choice in value:
            try:
                target.run_validators(target.to_python(choice))  # a number in its range
            except ValidationError:
                continue
            usable.append(choice)
        return super().optgroups(name, usable, attr)


@functools.cache
def checked(widget_class):
    """``widget_class`` with CheckedAutocomplete's check (one class for each)."""
    return type(f"Checked{widget_class.__name__}", (CheckedAutocomplete, widget_class), {})


class CheckedAutocompleteFields:
    """A ModelAdmin or inline mixin: its autocomplete fields show the form again, whatever
    value they were sent."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(getattr(formfield, "widget", None), "widget", None)  # the wrapped one
        if isinstance(widget, AutocompleteMixin) and not isinstance(widget, CheckedAutocomplete):
            widget.__class__ = checked(type(widget))
        return formfield


class CheckedListAdmin(CheckedAutocompleteFields):
    """A ModelAdmin mixin: its list answers unusable filters with a 400 naming the problem;
    its autocomplete fields are checked too."""

    def get_changelist(self, request, **kwargs):
        return CheckedChangeList

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters as error:
            raise UnusableFilters(reason(error)) from error

    def response_action(self, request, queryset, **kwargs):
        # Django filters by the ticked ids as sent: one that no row could have would fail later.
        try:
            for pk in request.POST.getlist(ACTION_CHECKBOX_NAME):
                self.opts.pk.to_python(pk)
        except ValidationError:
            problem = _("The rows chosen for the action are not rows of this list.")
            return bad_request(request, problem=problem, back_url=request.get_full_path())
        return super().response_action(request, queryset, **kwargs)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except UnusableFilters as error:
            problem = UNUSABLE % {"reason": error.args[0]}
            return bad_request(request, problem=problem, back_url=request.path)


def reason(error):
    cause = error.args[0] if error.args else None
    if isinstance(cause, ValidationError):
        return " ".join(cause.messages)
    return str(cause) if cause else NO_SUCH_LIST
