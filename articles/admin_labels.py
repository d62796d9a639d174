"""Names for the admin's inputs that Django draws without a label of their own.

axe-core (WCAG 2.2 AA) found them: a screen reader announced "edit text" or "checkbox" and
nothing more (WCAG 1.3.1, 4.1.2). The autocomplete boxes are named in the browser
(static/js/admin-autocomplete-names.js), from these names where a row has no label element.
"""

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.forms.models import BaseInlineFormSet, BaseModelFormSet


def name_inputs(form):
    """Give each visible input of a table's row its field's label as its name: the table heads
    each column, but a column head is no label."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget  # the one drawn (the wrapper's attrs are its original's)
        if not widget.is_hidden and field.label:
            widget.attrs.setdefault("aria-label", field.label)


class LabelledInlineFormSet(BaseInlineFormSet):
    """A tabular inline's rows, inputs named (the delete box too)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name_inputs(form)


class LabelledListFormSet(BaseModelFormSet):
    """A list's editable columns (``list_editable``), inputs named."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name_inputs(form)


class LabelledInputs:
    """A ModelAdmin mixin: its list's editable columns are named, and so is a file field's box
    ("Currently: … Change:" is drawn in a fieldset whose legend is the only label)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, forms.ClearableFileInput):
            formfield.widget.attrs.setdefault("aria-label", formfield.label)
        return formfield

    def get_changelist_formset(self, request, **kwargs):
        kwargs.setdefault("formset", LabelledListFormSet)
        return super().get_changelist_formset(request, **kwargs)
