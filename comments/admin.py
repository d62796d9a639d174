"""The comment queue, basic for now: status filter, search, and the verbs as bulk actions."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comments.models import Comment, CommentEvent, Rule


class CommentEventInline(admin.TabularInline):
    model = CommentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _verb_action(verb, description, done, **kwargs):
    """An admin action calling one model verb per selected comment."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        for comment in queryset.select_related("article"):
            getattr(comment, verb)(by=request.user, **kwargs)
        count = len(queryset)
        modeladmin.message_user(request, ngettext(done[0], done[1], count) % {"count": count})

    action.__name__ = f"{verb}_selected" + ("_blatant" if kwargs else "")
    return action


approve_selected = _verb_action(
    "approve",
    _("Approve selected comments"),
    ("%(count)d comment approved.", "%(count)d comments approved."),
)
mark_spam_selected = _verb_action(
    "mark_spam",
    _("Mark selected comments as spam"),
    ("%(count)d comment marked as spam.", "%(count)d comments marked as spam."),
)
not_spam_selected = _verb_action(
    "approve",
    _("Not spam: approve selected comments"),
    ("%(count)d comment approved as not spam.", "%(count)d comments approved as not spam."),
)
not_spam_selected.__name__ = "not_spam_selected"
remove_selected = _verb_action(
    "remove",
    _("Remove selected comments"),
    ("%(count)d comment removed.", "%(count)d comments removed."),
)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "name", "email", "ip", "article", "status", "reason_list",
                    "akismet", "submitted_at"]  # fmt: skip
    list_filter = ["status", "akismet", "is_blatant", "submitted_at"]
    list_select_related = ["article"]
    search_fields = ["body", "name", "email", "ip", "url"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at"]
    actions = [approve_selected, mark_spam_selected, not_spam_selected, remove_selected]
    inlines = [CommentEventInline]
    readonly_fields = [
        "article", "parent", "status", "is_blatant", "reasons", "akismet", "akismet_payload",
        "ip", "user_agent", "referrer", "user", "submitted_at", "checked_at",
        "spam_check_attempts", "next_check_at", "notified_at",
    ]  # fmt: skip
    fields = ["name", "email", "url", "body", *readonly_fields]

    @admin.display(description=_("comment"))
    def excerpt(self, comment):
        return Truncator(comment.body).chars(80)

    @admin.display(description=_("reasons"))
    def reason_list(self, comment):
        return ", ".join(str(label) for label in comment.reason_labels())

    def has_add_permission(self, request):
        return False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]
