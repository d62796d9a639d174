"""Moderators' rules, the retention log, each article's comment policy, moderators' scopes."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Count, ManyToManyField, Q
from django.forms import CheckboxSelectMultiple
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.changelist import CheckedListAdmin
from articles.roles import MODERATOR
from comments.admin.queue import changelist_url
from comments.models import (
    ArticleCommentPolicy,
    Comment,
    ModeratorProfile,
    PurgeLog,
    Rule,
    articles_moderated_by,
    moderated_sections,
)
from comments.policy import effective_policy


@admin.register(Rule)
class RuleAdmin(CheckedListAdmin, admin.ModelAdmin):
    list_display = ["value", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]


@admin.register(PurgeLog)
class PurgeLogAdmin(CheckedListAdmin, admin.ModelAdmin):
    list_display = ["ran_at", "kind", "spam", "blatant", "removed", "replies_kept",
                    "anonymized", "on_legal_hold"]  # fmt: skip
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _policy_action(policy, description):
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        for article in queryset:
            article.set_comment_policy(policy)
            modeladmin.log_change(request, article, [{"changed": {"fields": ["comment_policy"]}}])
        count = len(queryset)
        modeladmin.message_user(
            request,
            ngettext(
                "Comment policy of %(count)d article set to “%(policy)s”.",
                "Comment policy of %(count)d articles set to “%(policy)s”.",
                count,
            )
            % {"count": count, "policy": policy.label},
        )

    action.__name__ = f"set_{policy.value}"
    return action


Policy = ArticleCommentPolicy.CommentPolicy


@admin.register(ArticleCommentPolicy)
class ArticleCommentPolicyAdmin(CheckedListAdmin, admin.ModelAdmin):
    """Moderators open, close and pre-moderate comments per article, and nothing else."""

    list_display = ["title", "section", "published_at", "pending_comments", "comment_policy",
                    "policy_in_effect"]  # fmt: skip
    list_filter = ["comment_policy", "section"]
    list_select_related = ["section__parent"]
    search_fields = ["title"]
    ordering = ["-published_at", "-pk"]
    fields = ["title", "section", "status", "published_at", "comment_policy", "policy_details"]
    readonly_fields = ["title", "section", "status", "published_at", "policy_details"]
    actions = [
        _policy_action(Policy.CLOSED, _("Close comments")),
        _policy_action(Policy.OPEN, _("Open comments")),
        _policy_action(Policy.PREMODERATED, _("Pre-moderate comments (hold every new one)")),
        _policy_action(Policy.SECTION, _("Follow the section's comment policy")),
    ]

    def get_queryset(self, request):
        # Only what readers can see, and so comment on: drafts and embargoed work stay hidden.
        # A section's moderator sets the policies of their sections' articles only.
        pending = Count("comments", filter=Q(comments__status=Comment.Status.PENDING))
        articles = super().get_queryset(request).published()
        if moderated_sections(request.user) is not None:
            articles = articles.filter(pk__in=articles_moderated_by(request.user).values("pk"))
        return articles.annotate(pending=pending)

    @admin.display(description=_("in effect"))
    def policy_in_effect(self, article):
        policy = effective_policy(article)
        return format_html("{} <small>({})</small>", policy.mode_label, policy.mode_source)

    @admin.display(description=_("policy in effect"))
    def policy_details(self, article):
        return policy_lines(effective_policy(article))

    @admin.display(description=_("pending comments"), ordering="pending")
    def pending_comments(self, article):
        if not article.pending:
            return 0
        url = changelist_url({"article__id__exact": article.pk, "status": "pending"})
        return format_html('<a href="{}">{}</a>', url, article.pending)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.set_comment_policy(obj.comment_policy)


def policy_in_effect(article):
    """The article's effective comment policy, for the article admin (ARTICLE_POLICY_IN_EFFECT)."""
    return policy_lines(effective_policy(article))


def policy_lines(policy):
    """The effective policy, a line per part with its source, for the admin's pages."""
    return format_html(
        '<ul class="policy-in-effect">{}</ul>',
        format_html_join("", "<li>{} <small>({})</small></li>", policy.lines()),
    )


@admin.register(ModeratorProfile)
class ModeratorProfileAdmin(CheckedListAdmin, admin.ModelAdmin):
    """Who moderates which sections, and who gets digests (superusers set these)."""

    list_display = ["user", "section_list", "digest_minutes", "digest_sent_at"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["digest_sent_at", "next_digest_at"]
    # Check boxes: a newsroom has a few sections, and Django's two-box widget fails axe-core.
    formfield_overrides = {ManyToManyField: {"widget": CheckboxSelectMultiple}}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related("sections__parent")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # the moderators, not every account
            users = get_user_model().objects.filter(groups__name=MODERATOR).order_by("username")
            kwargs["queryset"] = users
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("sections"))
    def section_list(self, profile):
        names = [str(section) for section in profile.sections.all()]
        return ", ".join(names) or _("the whole site")
