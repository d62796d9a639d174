"""Corrections and updates in the admin: reporters propose, senior editors publish and amend.

A published note is permanent. Nobody deletes one here (the group permissions hold no delete
right, and the admin refuses it even to superusers), and its history is read-only: every save
keeps a revision, listed with who and when and the text as it was, but an old revision is not
restored over the public record; an editor amends the note instead.
"""

import reversion
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.changelist import CheckedListAdmin
from articles.models import ArticleNote

# Publishing and declining are offered on the list and on the note's own page.
BOTH = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
WHO_AND_WHEN = ["status", "proposed_by", "created_at", "published_by", "published_at", "amended_at"]


@admin.register(ArticleNote)
class ArticleNoteAdmin(CheckedListAdmin, VersionAdmin):
    list_display = ["article", "kind", "status", "published_at", "amended_at", "proposed_by"]
    list_filter = ["status", "kind", "published_at"]
    list_select_related = ["article", "proposed_by"]
    search_fields = ["article__title", "body"]
    autocomplete_fields = ["article"]
    actions = ["publish", "decline"]
    object_history_template = "admin/articles/articlenote/object_history.html"

    fieldsets = [
        (None, {"fields": ["article", "kind", "body"]}),
        (_("Who and when"), {"fields": WHO_AND_WHEN}),
    ]

    def get_queryset(self, request):
        notes = super().get_queryset(request).select_related("article")
        return notes.readable_by(request.user)

    def get_readonly_fields(self, request, obj=None):
        # A note stays on the article it was written for.
        return [*WHO_AND_WHEN, "article"] if obj else WHO_AND_WHEN

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_articlenote")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable_by(request.user))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == ArticleNote.Status.PUBLISHED:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Bulk deletion would pass over the per-note check above.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if not change:
            obj.propose(by=request.user)
        elif obj.status == ArticleNote.Status.PUBLISHED:
            if form.has_changed():  # "Save" on an unchanged note amends nothing
                obj.amend()
        else:
            obj.save()

    @admin.action(
        description=_("Publish this note"),
        description_plural=_("Publish selected corrections and updates"),
        permissions=["publish"],
        location=BOTH,
    )
    def publish(self, request, queryset):
        count = 0
        for note in queryset.proposed().select_related("article"):
            if note.article.is_published() and note.publish(by=request.user):
                count += 1
        reversion.set_comment(_("Published."))
        message = ngettext("%(count)d note published.", "%(count)d notes published.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(
        description=_("Decline this proposal"),
        description_plural=_("Decline selected proposals"),
        permissions=["publish"],
        location=BOTH,
    )
    def decline(self, request, queryset):
        count = 0
        for note in queryset.proposed():
            count += note.decline()
        reversion.set_comment(_("Declined."))
        message = ngettext("%(count)d proposal declined.", "%(count)d proposals declined.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def get_changeform_initial_data(self, request):
        # The article page's "Add a correction or update" link names its article.
        return {key: value for key, value in super().get_changeform_initial_data(request).items()
                if key == "article"}  # fmt: skip

    def history_view(self, request, object_id, extra_context=None):
        note = self.get_object(request, object_id)
        if note is None:  # reversion's own view would look the raw id up (a NUL: a 500)
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        versions = Version.objects.get_for_object(note)
        revisions = [
            {
                "date": version.revision.date_created,
                "user": version.revision.user,
                "comment": version.revision.get_comment(),
                "kind": ArticleNote.Kind(version.field_dict["kind"]).label,
                "body": version.field_dict["body"],
            }
            for version in versions.select_related("revision__user")
        ]
        context = {"revisions": revisions, **(extra_context or {})}
        return super().history_view(request, object_id, context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        raise PermissionDenied  # amend the note instead: the public record is not rolled back

    def recoverlist_view(self, request, extra_context=None):
        raise PermissionDenied  # published notes are never deleted; there is nothing to recover

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied


def notes_on(article, notes):
    """The article's ``notes`` for its change form: each with its state, date and a link."""
    if article.pk is None:
        return "—"
    rows = format_html_join(
        "",
        '<li><a href="{}">{}</a> — {} {}</li>',
        (
            (
                reverse("admin:articles_articlenote_change", args=[note.pk]),
                note.get_kind_display(),
                note.get_status_display(),
                note.published_at.strftime("%Y-%m-%d %H:%M") if note.published_at else "",
            )
            for note in notes
        ),
    )
    link = ""
    if article.is_published():
        add = reverse("admin:articles_articlenote_add") + f"?article={article.pk}"
        link = format_html('<a href="{}">{}</a>', add, _("Add a correction or update"))
    if not rows:
        return format_html("<p>{}</p><p>{}</p>", _("No corrections or updates yet."), link)
    return format_html("<ul>{}</ul><p>{}</p>", rows, link)
