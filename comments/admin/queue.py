"""The moderation queue: the Comment changelist, its views, actions and the comment's page.

Every action calls a model verb per comment through ``Comment.objects.moderate()``, which locks
the row and refuses when someone else changed the comment first. The queue posts, for each row,
the status the moderator saw (``seen-<pk>``), so the first of two moderators wins.
"""

import ipaddress
import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles.changelist import CheckedListAdmin
from articles.models import Article, Section
from comments.admin import desk, timeline
from comments.admin.actions import (
    CHANGELIST,
    MOVE_ACTIONS,
    MOVES,
    MOVES_BY_NAME,
    SEEN,
    S,
    apply_move,
    erase_action,
    export_commenters,
    recheck_selected,
    report_move,
)
from comments.admin.counts import CappedChangeList, CappedPaginator, capped_counts, count_label
from comments.models import Comment, Reason, Report


class QueueFilter(admin.SimpleListFilter):
    """The queue's views, with live counts (capped); pending is the default, "all" when searching.

    Each view has an index in its order (``Comment.Meta.indexes``).
    """

    title = _("queue")
    parameter_name = "status"
    default = "pending"
    views = {
        "pending": (_("Pending"), Q(status=S.PENDING)),
        "awaiting": (
            _("Awaiting spam check"),
            Q(status=S.PENDING, akismet__in=Comment.UNANSWERED),
        ),
        "reported": (_("Reported"), Q(reported_at__isnull=False)),
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
        theirs = Comment.objects.moderated_by(request.user)
        counts = capped_counts({key: theirs.filter(q) for key, (_l, q) in self.views.items()})
        return [
            (key, f"{label} ({count_label(counts[key])})")
            for key, (label, _q) in self.views.items()
        ]

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
            return queryset.with_reason(self.value())
        return queryset


class WithCommentsFilter(admin.RelatedFieldListFilter):
    """Choices among the articles with comments, or their sections (``article__section``).

    Django's RelatedOnlyFieldListFilter finds them with a DISTINCT over every comment; here each
    article is looked up in the comments' article index, which stops at the first comment.
    """

    def field_choices(self, field, request, model_admin):
        theirs = Comment.objects.moderated_by(request.user)
        commented = Article.objects.filter(Exists(theirs.filter(article=OuterRef("pk"))))
        column = self.field_path.removeprefix("article").removeprefix("__") or "pk"
        ordering = self.field_admin_ordering(field, request, model_admin)
        rows = field.related_model._default_manager.filter(pk__in=commented.values(column))
        if field.related_model is Section:  # a subsection's name shows its parent's
            rows = rows.select_related("parent")
        if ordering:
            rows = rows.order_by(*ordering)
        return [(row.pk, str(row)) for row in rows]


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
class CommentAdmin(CheckedListAdmin, admin.ModelAdmin):
    list_display = ["excerpt", "article_title", "author", "reason_list", "akismet_label", "age"]
    list_display_links = ["excerpt"]
    list_filter = [
        QueueFilter,
        ReasonFilter,
        ("article", WithCommentsFilter),
        ("article__section", WithCommentsFilter),
        "submitted_at",
    ]
    list_select_related = ["article"]
    search_fields = ["body", "name", "email", "ip"]
    search_help_text = _(
        "An e-mail or IP address finds exactly that commenter; other words search "
        "the names and texts."
    )
    # Counting every match would read the whole view; the counts stop at a thousand instead.
    show_full_result_count = False
    paginator = CappedPaginator
    # Rendering a row costs about 2 ms whatever the volume: 50 keep the page within 300 ms.
    list_per_page = 50
    ordering = ["submitted_at", "pk"]
    actions = [*MOVE_ACTIONS, recheck_selected, export_commenters,
               erase_action(keep_text=True), erase_action(keep_text=False)]  # fmt: skip
    inlines = [ReportInline]
    editable_fields = ["name", "url", "body"]
    readonly_fields = ["article_link", "parent", "status", "kind", "email", "reason_list",
                       "akismet_label",
                       "ip", "user_agent", "referrer", "user", "submitted_at", "checked_at",
                       "edited_at", "status_changed_at", "anonymized_at", "notified_at",
                       "featured_at"]  # fmt: skip
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "status",
                    "kind",
                    "featured_at",
                    "article_link",
                    "parent",
                    "name",
                    "email",
                    "url",
                    "body",
                ]
            },
        ),  # fmt: skip
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
                    "edited_at",
                    "status_changed_at",
                    "anonymized_at",
                    "notified_at",
                ]
            },
        ),  # fmt: skip
    ]

    # The list.

    def get_queryset(self, request):
        # A section's moderator finds only their sections' comments, in every view and action.
        open_reports = Prefetch("reports", Report.objects.open(), to_attr="open_reports")
        comments = super().get_queryset(request).moderated_by(request.user)
        return comments.prefetch_related(open_reports)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_use_desk": self.has_change_permission(request),
            # The queue needs the width: no app navigation beside it (the breadcrumbs stay).
            "is_nav_sidebar_enabled": False,
        }
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return CappedChangeList

    def get_search_results(self, request, queryset, search_term):
        """An e-mail or IP address is looked up exactly, through its index; anything else is
        searched for in the names, texts, addresses (slower: no index serves it)."""
        term = search_term.strip()
        if _is_email(term):
            # The comment form stores addresses in lower case.
            return queryset.filter(email=term.lower()), False
        if _is_ip(term):
            return queryset.filter(ip=term), False
        return super().get_search_results(request, queryset, search_term)

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
        return _public_link(comment.article, Truncator(comment.article.title).chars(50))

    @admin.display(description=_("article"))
    def article_link(self, comment):
        return _public_link(comment.article, comment.article.title)

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
            path("desk/", view(self.desk_view), name="comments_comment_desk"),
            path("desk/<int:pk>/decide/", view(self.desk_decide_view),
                 name="comments_comment_desk_decide"),
            path("desk/undo/", view(self.desk_undo_view), name="comments_comment_desk_undo"),
            path("desk/unskip/", view(self.desk_unskip_view),
                 name="comments_comment_desk_unskip"),
            path("<int:pk>/moderate/<str:move>/", view(self.moderate_view),
                 name="comments_comment_moderate"),
            path("<int:pk>/commenter/<str:move>/", view(self.commenter_view),
                 name="comments_comment_commenter"),
            *super().get_urls(),
        ]  # fmt: skip

    # The desk (comments/admin/desk.py): GET shows the next comment, decisions are POSTs.

    def desk_view(self, request):
        return desk.desk_view(request, self)

    def desk_decide_view(self, request, pk):
        return require_POST(desk.decide_view)(request, self, pk)

    def desk_undo_view(self, request):
        return require_POST(desk.undo_view)(request, self)

    def desk_unskip_view(self, request):
        return require_POST(desk.unskip_view)(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        comment = self.get_object(request, object_id)
        if comment is not None:
            extra_context = {**(extra_context or {}), **self.moderation_context(request, comment)}
        return super().change_view(request, object_id, form_url, extra_context)

    def moderation_context(self, request, comment):
        can_change = self.has_change_permission(request, comment)
        return {
            "moves": [m for m in MOVES if m.applies_to(comment)] if can_change else [],
            "can_change": can_change,
            "events": timeline.events(comment),
            "payload": json.dumps(comment.akismet_payload, indent=2, ensure_ascii=False),
            "history": commenter_history(comment, request.user),
            "pending_from_commenter": Comment.objects.moderated_by(request.user)
            .from_commenter(comment.email)
            .pending()
            .count(),
        }

    @staticmethod
    def _back(comment):
        return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[comment.pk]))

    def moderate_view(self, request, pk, move):
        return require_POST(self._moderate)(request, pk, move)

    def _moderate(self, request, pk, move):
        comment = get_object_or_404(self.get_queryset(request), pk=pk)
        move = MOVES_BY_NAME.get(move)
        if move is None or not self.has_change_permission(request, comment):
            raise PermissionDenied
        report_move(self, request, move, apply_move(request, move, [comment.pk]))
        return self._back(comment)

    def commenter_view(self, request, pk, move):
        return require_POST(self._commenter)(request, pk, move)

    def _commenter(self, request, pk, move):
        """Act on everything from this comment's e-mail address: approve pending, or all spam."""
        comment = get_object_or_404(self.get_queryset(request), pk=pk)
        if move not in ("approve", "mark_spam") or not self.has_change_permission(request):
            raise PermissionDenied
        theirs = Comment.objects.moderated_by(request.user).from_commenter(comment.email)
        if move == "approve":
            theirs = theirs.pending()
        pks = list(theirs.exclude(status=S.SPAM).values_list("pk", flat=True))
        chosen = MOVES_BY_NAME[move]
        report_move(self, request, chosen, apply_move(request, chosen, pks))
        return self._back(comment)


def _is_email(term):
    try:
        validate_email(term)
    except ValidationError:
        return False
    return True


def _is_ip(term):
    try:
        ipaddress.ip_address(term)
    except ValueError:
        return False
    return True


def _public_link(article, text):
    """The article as readers see it; moderators have no way into the article admin."""
    if not article.is_published():
        return text
    return format_html('<a href="{}">{}</a>', article.get_absolute_url(), text)


def _history_link(text, query):
    if query is None:
        return text
    url = f"{reverse(CHANGELIST)}?{urlencode(query)}"
    name, at, domain = str(text).partition("@")
    if at:  # an address may wrap after its "@", never inside its name or domain
        return format_html('<a href="{}">{}@<wbr>{}</a>', url, name, domain)
    return format_html('<a href="{}">{}</a>', url, text)


def commenter_history(comment, user):
    """Counts per status of the comments sharing this one's e-mail address, and its IP, among
    those ``user`` moderates."""
    rows = []
    for field, value in (("email", comment.email), ("ip", comment.ip)):
        if not value:
            continue
        counts = dict(
            Comment.objects.moderated_by(user)
            .filter(**{field: value})
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        links = [
            (label, counts.get(status, 0), changelist_url({field: value, "status": status}))
            for status, label in S.choices
        ]
        rows.append({"field": field, "value": value, "links": links})
    return rows


def changelist_url(query):
    return f"{reverse(CHANGELIST)}?{urlencode(query)}"
