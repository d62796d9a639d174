"""The appeals queue: commenters' appeals against take-downs, decided by another moderator.

Each appeal shows the decision appealed (what, why, who, when), the commenter's note and the
comment's audit trail. Upholding or reversing is a POST to ``<pk>/decide/<outcome>/`` that goes
through ``Appeal.objects.decide()``: the row is locked, the first of two moderators wins, and
the moderator who took the decision is refused (by the view with a 403, and by the verb).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles.changelist import CheckedListAdmin
from comments import appeals, tasks
from comments.admin import timeline
from comments.models import Appeal, RemovalReason

OUTCOMES = {"uphold": Appeal.uphold, "reverse": Appeal.reverse}


class AppealStatusFilter(admin.SimpleListFilter):
    """Open appeals by default, oldest first; each view reads ``Appeal.Meta.indexes``."""

    title = _("status")
    parameter_name = "status"
    views = {
        "open": (_("Open"), Q(status=Appeal.Status.OPEN)),
        "upheld": (_("Decision upheld"), Q(status=Appeal.Status.UPHELD)),
        "reversed": (_("Decision reversed"), Q(status=Appeal.Status.REVERSED)),
        "all": (_("All"), Q()),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in self.views.items()]

    def value(self):
        value = super().value()
        return value if value in self.views else "open"

    def queryset(self, request, queryset):
        return queryset.filter(self.views[self.value()][1])

    def choices(self, changelist):
        for key, label in self.lookup_choices:
            yield {
                "selected": self.value() == key,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": label,
            }


@admin.register(Appeal)
class AppealAdmin(CheckedListAdmin, admin.ModelAdmin):
    list_display = ["excerpt", "article_title", "decision_label", "reason_label",
                    "decided_by_label", "note_excerpt", "waited"]  # fmt: skip
    list_display_links = ["excerpt"]
    list_filter = [AppealStatusFilter]
    list_select_related = ["comment__article", "decision__actor", "decided_by"]
    list_per_page = 50
    ordering = ["created_at", "pk"]
    fields = ["comment_link", "decision_label", "reason_label", "decided_by_label",
              "decision_time", "note", "created_at", "status", "decided_by",
              "decided_at"]  # fmt: skip
    readonly_fields = fields
    change_form_template = "admin/comments/appeal/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("comment"))
    def excerpt(self, appeal):
        return Truncator(appeal.comment.body).chars(100)

    @admin.display(description=_("comment"))
    def comment_link(self, appeal):
        comment = appeal.comment
        return format_html('<a href="{}">{}</a>', comment.get_admin_url(), self.excerpt(appeal))

    @admin.display(description=_("article"))
    def article_title(self, appeal):
        return Truncator(appeal.comment.article.title).chars(50)

    @admin.display(description=_("decision"))
    def decision_label(self, appeal):
        return appeal.decision.get_kind_display()

    @admin.display(description=_("reason"))
    def reason_label(self, appeal):
        return RemovalReason(appeals.reason_of(appeal.decision)).label

    @admin.display(description=_("decision taken by"))
    def decided_by_label(self, appeal):
        actor = appeal.decision.actor
        return actor.get_username() if actor else gettext("an automatic rule")

    @admin.display(description=_("decision taken"))
    def decision_time(self, appeal):
        return date_format(localtime(appeal.decision.created_at), "DATETIME_FORMAT")

    @admin.display(description=_("appealed"), ordering="created_at")
    def waited(self, appeal):
        return gettext("%(age)s ago") % {"age": timesince(appeal.created_at)}

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, appeal):
        return appeal.get_status_display()

    def get_list_display(self, request):
        if request.GET.get(AppealStatusFilter.parameter_name) == "all":
            return [*self.list_display, "status_label"]
        return self.list_display

    @admin.display(description=_("commenter's note"))
    def note_excerpt(self, appeal):
        return Truncator(appeal.note).chars(200)

    # The appeal's page: the decision buttons, for a moderator other than the one who decided.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/<str:outcome>/", view(require_POST(self.decide_view)),
                 name="comments_appeal_decide"),
            *super().get_urls(),
        ]  # fmt: skip

    def changelist_view(self, request, extra_context=None):
        # The queue needs the width: no app navigation beside it (the breadcrumbs stay).
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appeal = self.get_object(request, object_id)
        if appeal is not None:
            extra_context = {**(extra_context or {}), **self._appeal_context(request, appeal)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _appeal_context(self, request, appeal):
        can_change = self.has_change_permission(request, appeal)
        return {
            "appeal": appeal,
            "can_decide": can_change
            and appeal.is_open()
            and appeal.may_be_decided_by(request.user),
            "own_decision": not appeal.may_be_decided_by(request.user),
            "events": timeline.events(appeal.comment),
            # Nothing to save here: the appeal changes only through its decision buttons.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }

    def decide_view(self, request, pk, outcome):
        appeal = get_object_or_404(Appeal.objects.select_related("decision"), pk=pk)
        verb = OUTCOMES.get(outcome)
        if verb is None or not self.has_change_permission(request, appeal):
            raise PermissionDenied
        if not appeal.may_be_decided_by(request.user):
            raise PermissionDenied(gettext("You took this decision: another moderator decides it."))
        appeal, applied = Appeal.objects.decide(pk, verb, request.user)
        if applied:
            tasks.queue_feedback(appeal.comment)  # a reversed spam decision teaches Akismet ham
            self.message_user(request, _decided_message(appeal))
        else:
            self.message_user(
                request,
                gettext("Not changed: %(who)s decided this appeal first (%(outcome)s).")
                % {"who": _username(appeal.decided_by), "outcome": appeal.get_status_display()},
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:comments_appeal_change", args=[appeal.pk]))


def _decided_message(appeal):
    if appeal.status == Appeal.Status.REVERSED:
        return gettext("Appeal decided: the decision is reversed and the comment is published.")
    return gettext("Appeal decided: the decision is upheld.")


def _username(user):
    return user.get_username() if user else gettext("another moderator")
