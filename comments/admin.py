"""The moderation queue: the Comment changelist, its views, actions and the comment's page.

Every action calls a model verb per comment through ``Comment.objects.moderate()``, which locks
the row and refuses when someone else changed the comment first. The queue posts, for each row,
the status the moderator saw (``seen-<pk>``), so the first of two moderators wins.
"""

import json
from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from comments import retention, spam, tasks
from comments.models import (
    ArticleCommentPolicy,
    Comment,
    PurgeLog,
    Reason,
    Report,
    Rule,
)

CHANGELIST = "admin:comments_comment_changelist"
SEEN = "seen-"
S = Comment.Status


@dataclass(frozen=True)
class Move:
    """One moderator decision: the verb it calls and the statuses it applies to."""

    name: str
    verb: str
    sources: tuple
    label: str
    done: object  # the lazy message, with %(count)d


def _done(singular, plural):
    return ngettext_lazy(singular, plural, "count")


MOVES = [
    Move("approve", "approve", (S.PENDING, S.SPAM, S.REMOVED), _("Approve"),
         _done("%(count)d comment approved.", "%(count)d comments approved.")),
    Move("unapprove", "unapprove", (S.APPROVED,), _("Unapprove"),
         _done("%(count)d comment sent back to the queue.",
               "%(count)d comments sent back to the queue.")),
    Move("mark_spam", "mark_spam", (S.PENDING, S.APPROVED, S.REMOVED), _("Mark as spam"),
         _done("%(count)d comment marked as spam.", "%(count)d comments marked as spam.")),
    Move("not_spam", "approve", (S.SPAM,), _("Not spam"),
         _done("%(count)d comment approved as not spam.",
               "%(count)d comments approved as not spam.")),
    Move("remove", "remove", (S.PENDING, S.APPROVED, S.SPAM), _("Remove"),
         _done("%(count)d comment removed.", "%(count)d comments removed.")),
    Move("restore", "restore", (S.REMOVED,), _("Restore"),
         _done("%(count)d comment restored.", "%(count)d comments restored.")),
]  # fmt: skip
MOVES_BY_NAME = {move.name: move for move in MOVES}


def apply_move(request, move, pks):
    """Apply ``move`` to each comment; returns (applied, stale, skipped) counts."""
    counts = {"applied": 0, "stale": 0, "skipped": 0}
    for pk in pks:
        expected = request.POST.get(f"{SEEN}{pk}") or None
        comment, applied = Comment.objects.moderate(
            pk, move.verb, request.user, move.sources, expected
        )
        if applied:
            counts["applied"] += 1
        elif comment is not None:
            changed = expected is not None and comment.status != expected
            counts["stale" if changed else "skipped"] += 1
    return counts


def report_move(modeladmin, request, move, counts):
    done = counts["applied"]
    if done or not (counts["stale"] or counts["skipped"]):
        modeladmin.message_user(request, move.done % {"count": done})
    if counts["stale"]:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d comment was not changed: another moderator acted on it first. "
                "Look at it again before deciding.",
                "%(count)d comments were not changed: another moderator acted on them first. "
                "Look at them again before deciding.",
                counts["stale"],
            )
            % {"count": counts["stale"]},
            messages.WARNING,
        )
    if counts["skipped"]:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d comment skipped: “%(action)s” does not apply to it.",
                "%(count)d comments skipped: “%(action)s” does not apply to them.",
                counts["skipped"],
            )
            % {"count": counts["skipped"], "action": move.label},
            messages.WARNING,
        )


def _move_action(move):
    @admin.action(description=move.label, permissions=["change"])
    def action(modeladmin, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        report_move(modeladmin, request, move, apply_move(request, move, pks))

    action.__name__ = f"{move.name}_selected"
    return action


MOVE_ACTIONS = [_move_action(move) for move in MOVES]


@admin.action(description=_("Check with Akismet now (pending only)"), permissions=["change"])
def recheck_selected(modeladmin, request, queryset):
    if not spam.is_enabled():
        modeladmin.message_user(
            request, gettext("Akismet is off: there is nothing to check with."), messages.ERROR
        )
        return
    pks = list(queryset.pending().values_list("pk", flat=True))
    batches = tasks.enqueue_rechecks(pks)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d pending comment sent to Akismet (%(batches)d batch).",
            "%(count)d pending comments sent to Akismet (%(batches)d batches).",
            len(pks),
        )
        % {"count": len(pks), "batches": batches},
    )


@admin.action(
    description=_("Export the commenters' personal data (JSON)"),
    permissions=["manage_personal_data"],
)
def export_commenters(modeladmin, request, queryset):
    emails = sorted({e.lower() for e in queryset.values_list("email", flat=True) if e})
    data = [retention.export_commenter(email, by=request.user) for email in emails]
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="commenter-data.json"'
    return response


def _erase_action(keep_text):
    description = (
        _("Erase the commenters' personal data, keep the text")
        if keep_text
        else _("Erase the commenters' personal data and their text")
    )

    @admin.action(description=description, permissions=["manage_personal_data"])
    def action(modeladmin, request, queryset):
        emails = sorted({e.lower() for e in queryset.values_list("email", flat=True) if e})
        count = sum(
            retention.erase_commenter(email, keep_text=keep_text, by=request.user)
            for email in emails
        )
        modeladmin.message_user(
            request,
            ngettext(
                "Personal data erased from %(count)d comment.",
                "Personal data erased from %(count)d comments.",
                count,
            )
            % {"count": count},
        )

    action.__name__ = "erase_commenters_keep_text" if keep_text else "erase_commenters_and_text"
    return action


class QueueFilter(admin.SimpleListFilter):
    """The queue's views, with live counts; pending is the default, "all" when searching."""

    title = _("queue")
    parameter_name = "status"
    default = "pending"
    views = {
        "pending": (_("Pending"), Q(status=S.PENDING)),
        "awaiting": (
            _("Awaiting spam check"),
            Q(status=S.PENDING, akismet__in=Comment.UNANSWERED),
        ),
        "reported": (
            _("Reported"),
            Q(Exists(Report.objects.open().filter(comment=OuterRef("pk")))),
        ),
        "approved": (_("Approved"), Q(status=S.APPROVED)),
        "spam": (_("Spam"), Q(status=S.SPAM, is_blatant=False)),
        "blatant": (_("Blatant spam"), Q(status=S.SPAM, is_blatant=True)),
        "removed": (_("Removed"), Q(status=S.REMOVED)),
        "all": (_("All"), Q()),
    }

    def __init__(self, request, params, model, model_admin):
        # A search without a chosen view looks through every comment.
        self.default = "all" if request.GET.get("q") else "pending"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        counts = Comment.objects.aggregate(
            **{key: Count("pk", filter=q) for key, (_label, q) in self.views.items()}
        )
        return [(key, f"{label} ({counts[key]})") for key, (label, _q) in self.views.items()]

    def value(self):
        value = super().value()
        return value if value in self.views else self.default

    def queryset(self, request, queryset):
        return queryset.filter(self.views[self.value()][1])

    def choices(self, changelist):
        for key, label in self.lookup_choices:
            yield {
                "selected": self.value() == key,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": label,
            }


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return Reason.choices

    def queryset(self, request, queryset):
        if self.value() in Reason.values:
            # The JSON text holds each reason in quotes: this matches whole reasons only.
            return queryset.filter(reasons__icontains=f'"{self.value()}"')
        return queryset


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = ["created_at", "reason", "note", "resolved_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "article_title", "author", "reason_list", "akismet_label", "age"]
    list_display_links = ["excerpt"]
    list_filter = [
        QueueFilter,
        ReasonFilter,
        ("article", admin.RelatedOnlyFieldListFilter),
        ("article__section", admin.RelatedOnlyFieldListFilter),
        "submitted_at",
    ]
    list_select_related = ["article"]
    search_fields = ["body", "name", "email", "ip"]
    ordering = ["submitted_at", "pk"]
    actions = [*MOVE_ACTIONS, recheck_selected, export_commenters,
               _erase_action(keep_text=True), _erase_action(keep_text=False)]  # fmt: skip
    inlines = [ReportInline]
    editable_fields = ["name", "url", "body"]
    readonly_fields = ["article", "parent", "status", "email", "reason_list", "akismet_label",
                       "ip", "user_agent", "referrer", "user", "submitted_at", "checked_at",
                       "status_changed_at", "anonymized_at", "notified_at"]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["status", "article", "parent", "name", "email", "url", "body"]}),
        (_("Why and how"), {"fields": ["reason_list", "akismet_label", "legal_hold"]}),
        (
            _("Request"),
            {
                "fields": [
                    "ip",
                    "user_agent",
                    "referrer",
                    "user",
                    "submitted_at",
                    "checked_at",
                    "status_changed_at",
                    "anonymized_at",
                    "notified_at",
                ]
            },
        ),  # fmt: skip
    ]

    # The list.

    def get_queryset(self, request):
        open_reports = Prefetch("reports", Report.objects.open(), to_attr="open_reports")
        return super().get_queryset(request).prefetch_related(open_reports)

    def get_list_display(self, request):
        view = request.GET.get(QueueFilter.parameter_name)
        if view == "reported":
            return [*self.list_display, "status_label", "report_list"]
        if view == "all" or (view is None and request.GET.get("q")):
            return [*self.list_display, "status_label"]
        return self.list_display

    def response_action(self, request, queryset, **kwargs):
        # Act on the rows ticked, whatever view they were ticked in (the default view filters).
        if request.POST.get("select_across") != "1":
            queryset = self.get_queryset(request)
        return super().response_action(request, queryset, **kwargs)

    @admin.display(description=_("comment"))
    def excerpt(self, comment):
        return Truncator(comment.body).chars(120)

    @admin.display(description=_("article"), ordering="article__title")
    def article_title(self, comment):
        return Truncator(comment.article.title).chars(50)

    @admin.display(description=_("author"))
    def author(self, comment):
        parts = [(comment.name, None)]
        parts += [(value, {field: value, "status": "all"}) for field, value in
                  (("email", comment.email), ("ip", comment.ip)) if value]  # fmt: skip
        return format_html_join(
            "", '<div class="comment-author-part">{}</div>', ((_history_link(*p),) for p in parts)
        )

    @admin.display(description=_("reasons"))
    def reason_list(self, comment):
        return ", ".join(str(label) for label in comment.reason_labels()) or "—"

    @admin.display(description=_("Akismet"), ordering="akismet")
    def akismet_label(self, comment):
        label = comment.get_akismet_display()
        if comment.akismet_told:
            told = Comment.Akismet(comment.akismet_told).label
            return format_html("{} ({} {})", label, gettext("corrected to"), told)
        return label

    @admin.display(description=_("age"), ordering="submitted_at")
    def age(self, comment):
        """How long ago it was posted; and the status the moderator sees, posted with actions."""
        return format_html(
            '{}<input type="hidden" name="{}{}" value="{}">',
            timesince(comment.submitted_at), SEEN, comment.pk, comment.status,
        )  # fmt: skip

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, comment):
        return comment.get_status_display()

    @admin.display(description=_("reports"))
    def report_list(self, comment):
        reports = comment.open_reports
        rows = ((r.get_reason_display(), f": {r.note}" if r.note else "") for r in reports)
        return format_html_join("", "<div>{}{}</div>", rows)

    # Permissions: moderators change comments but never add or delete them.

    def has_add_permission(self, request):
        return False

    def has_manage_personal_data_permission(self, request):
        return request.user.has_perm("comments.manage_personal_data")

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.readonly_fields
        return [*self.readonly_fields, *self.editable_fields, "legal_hold"]

    def save_model(self, request, obj, form, change):
        """Edits go through the verbs, so the audit trail keeps the text as it was."""
        comment = Comment.objects.get(pk=obj.pk)
        changes = {f: form.cleaned_data[f] for f in self.editable_fields if f in form.changed_data}
        comment.edit(by=request.user, **changes)
        if "legal_hold" in form.changed_data:
            comment.set_legal_hold(form.cleaned_data["legal_hold"], by=request.user)

    # The comment's page: decision buttons, history, audit trail, Akismet payload.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/moderate/<str:move>/", view(self.moderate_view),
                 name="comments_comment_moderate"),
            path("<int:pk>/commenter/<str:move>/", view(self.commenter_view),
                 name="comments_comment_commenter"),
            *super().get_urls(),
        ]  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = self.get_object(request, object_id)
        if comment is not None:
            extra_context = {**(extra_context or {}), **self.moderation_context(request, comment)}
        return super().change_view(request, object_id, form_url, extra_context)

    def moderation_context(self, request, comment):
        can_change = self.has_change_permission(request, comment)
        return {
            "moves": [m for m in MOVES if comment.status in m.sources] if can_change else [],
            "can_change": can_change,
            "events": comment.events.select_related("actor"),
            "payload": json.dumps(comment.akismet_payload, indent=2, ensure_ascii=False),
            "history": commenter_history(comment),
            "pending_from_commenter": Comment.objects.from_commenter(comment.email)
            .pending()
            .count(),
        }

    @staticmethod
    def _back(comment):
        return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[comment.pk]))

    def moderate_view(self, request, pk, move):
        return require_POST(self._moderate)(request, pk, move)

    def _moderate(self, request, pk, move):
        comment = get_object_or_404(Comment, pk=pk)
        move = MOVES_BY_NAME.get(move)
        if move is None or not self.has_change_permission(request, comment):
            raise PermissionDenied
        report_move(self, request, move, apply_move(request, move, [comment.pk]))
        return self._back(comment)

    def commenter_view(self, request, pk, move):
        return require_POST(self._commenter)(request, pk, move)

    def _commenter(self, request, pk, move):
        """Act on everything from this comment's e-mail address: approve pending, or all spam."""
        comment = get_object_or_404(Comment, pk=pk)
        if move not in ("approve", "mark_spam") or not self.has_change_permission(request):
            raise PermissionDenied
        theirs = Comment.objects.from_commenter(comment.email)
        if move == "approve":
            theirs = theirs.pending()
        pks = list(theirs.exclude(status=S.SPAM).values_list("pk", flat=True))
        chosen = MOVES_BY_NAME[move]
        report_move(self, request, chosen, apply_move(request, chosen, pks))
        return self._back(comment)


def _history_link(text, query):
    if query is None:
        return text
    url = f"{reverse(CHANGELIST)}?{urlencode(query)}"
    return format_html('<a href="{}">{}</a>', url, text)


def commenter_history(comment):
    """Counts per status of the comments sharing this one's e-mail address, and its IP."""
    rows = []
    for field, value in (("email", comment.email), ("ip", comment.ip)):
        if not value:
            continue
        counts = dict(
            Comment.objects.filter(**{field: value})
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        links = [
            (label, counts.get(status, 0), _changelist_url({field: value, "status": status}))
            for status, label in S.choices
        ]
        rows.append({"field": field, "value": value, "links": links})
    return rows


def _changelist_url(query):
    return f"{reverse(CHANGELIST)}?{urlencode(query)}"


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]


@admin.register(PurgeLog)
class PurgeLogAdmin(admin.ModelAdmin):
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
class ArticleCommentPolicyAdmin(admin.ModelAdmin):
    """Moderators open, close and pre-moderate comments per article, and nothing else."""

    list_display = ["title", "section", "published_at", "pending_comments", "comment_policy"]
    list_filter = ["comment_policy", "section"]
    list_select_related = ["section"]
    search_fields = ["title"]
    ordering = ["-published_at", "-pk"]
    fields = ["title", "section", "status", "published_at", "comment_policy"]
    readonly_fields = ["title", "section", "status", "published_at"]
    actions = [
        _policy_action(Policy.CLOSED, _("Close comments")),
        _policy_action(Policy.OPEN, _("Open comments")),
        _policy_action(Policy.PREMODERATED, _("Pre-moderate comments (hold every new one)")),
    ]

    def get_queryset(self, request):
        pending = Count("comments", filter=Q(comments__status=S.PENDING))
        return super().get_queryset(request).annotate(pending=pending)

    @admin.display(description=_("pending comments"), ordering="pending")
    def pending_comments(self, article):
        if not article.pending:
            return 0
        url = _changelist_url({"article__id__exact": article.pk, "status": "pending"})
        return format_html('<a href="{}">{}</a>', url, article.pending)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.set_comment_policy(obj.comment_policy)
