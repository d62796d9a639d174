import datetime
from http import HTTPStatus

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import TemplateView

from articles.models import Article
from articles.views import article_page
from comments import edits, rules, spam, tasks, verdicts
from comments.cookies import remember_author, remember_own, remember_pending
from comments.display import PAGE_PARAM
from comments.forms import CommentForm, EditForm, ReportForm
from comments.models import Comment, CommentEvent, Report
from comments.origin import same_origin_required


@require_POST
@same_origin_required
def post_comment(request, pk):
    """A reader's comment, through DESIGN.md's pipeline: validate, gate, rules, save, check."""
    article = get_object_or_404(Article.objects.published(), pk=pk)
    form = CommentForm(request.POST, article=article, user=request.user)
    if not form.is_valid():
        return show_again(request, form, HTTPStatus.BAD_REQUEST)
    ip = rules.client_ip(request)
    try:
        return take_comment(request, form, ip)
    except DatabaseError:
        # Nothing was saved, and the 503 page asks the reader to send it again: let them.
        rules.release(article, form.cleaned_data, ip)
        raise


def take_comment(request, form, ip):
    """Gate, rules, save and check a valid comment; the reader's response."""
    # Stamped as it is judged, not when its form was built (a busy server takes a while in
    # between): the flood window then holds between the stored submission times.
    submitted_at = timezone.now()
    refusal = rules.gate(form.article, form.cleaned_data, ip, submitted_at)
    if refusal:
        form.add_error(None, refusal.message)
        return show_again(request, form, refusal.status)
    outcome = rules.evaluate(form.article, form.cleaned_data, ip, request.user)
    with transaction.atomic():
        comment = save_comment(request, form, ip, submitted_at)
        verdicts.decide(comment, outcome)
        tasks.after_posting(comment)
    response = redirect(comment_url(comment))
    if comment.is_pending():
        remember_pending(request, response, comment)
    if comment.is_editable():
        remember_own(request, response, comment)
    remember_author(request, response, form.cleaned_data)
    return response


# The comment's thread (its top-level ancestor), then how many approved top-level comments the
# article has in all and before that one: one query, however deep the reply or long the page.
THREAD_POSITION_SQL = """
WITH RECURSIVE ancestry(id, parent_id) AS (
    SELECT id, parent_id FROM {table} WHERE id = %(pk)s
    UNION ALL
    SELECT c.id, c.parent_id FROM {table} c JOIN ancestry a ON c.id = a.parent_id
)
SELECT root.status,
    (SELECT COUNT(*) FROM {table} o WHERE o.article_id = root.article_id
        AND o.parent_id IS NULL AND o.status = %(approved)s),
    (SELECT COUNT(*) FROM {table} o WHERE o.article_id = root.article_id
        AND o.parent_id IS NULL AND o.status = %(approved)s AND o.submitted_at < root.submitted_at)
FROM {table} root WHERE root.id = (SELECT id FROM ancestry WHERE parent_id IS NULL)
"""


def comment_url(comment):
    """Where a comment shows on its article: the page of its thread, when there are pages."""
    sql = THREAD_POSITION_SQL.format(table=Comment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"pk": comment.pk, "approved": Comment.Status.APPROVED})
        root_status, roots, before = cursor.fetchone()
    size = settings.COMMENTS_PAGE_SIZE
    if roots + (root_status != Comment.Status.APPROVED) <= size:
        return comment.get_absolute_url()
    number = before // size + 1
    return f"{comment.article.get_absolute_url()}?{PAGE_PARAM}={number}#comment-{comment.pk}"


def save_comment(request, form, ip, submitted_at):
    comment = form.save(commit=False)
    comment.submitted_at = submitted_at
    comment.ip = ip or None
    comment.user_agent = request.headers.get("User-Agent", "")[:500]
    comment.referrer = request.headers.get("Referer", "")[:500]
    comment.user = request.user if request.user.is_authenticated else None
    comment.by_staff = form.staff is not None
    comment.save()
    comment.record(CommentEvent.Kind.SUBMITTED, by=comment.user, ip=comment.ip)
    return comment


def show_again(request, form, status):
    """The article page again, with the form's errors and the reader's text in it."""
    response = article_page(request, form.article, status, comment_form=form.with_fresh_timestamp())
    add_never_cache_headers(response)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@same_origin_required
@edits.csrf_protect  # a page of the reader's own, never shared: it can carry a token
@edits.commenter_required
def edit_comment(request, comment, token=None):
    """The commenter edits their own comment, from its browser or from a signed link."""
    form = EditForm(
        request.POST if request.method == "POST" else None, initial={"body": comment.body}
    )
    if not comment.is_editable():
        return edits.refuse(request, comment, edits.closed_message(comment), form.data.get("body"))
    if request.method == "GET":
        return show_edit(request, comment, form, saved="saved" in request.GET)
    if not form.is_valid():
        return show_edit(request, comment, form, status=HTTPStatus.BAD_REQUEST)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
        if not comment.is_editable():  # the window closed, or a moderator acted, meanwhile
            return edits.refuse(request, comment, edits.closed_message(comment), form.data["body"])
        edits.apply(comment, form.cleaned_data["body"], request.user)
    if token is not None:  # no cookies on this path: the link's page says how it went
        return redirect(f"{request.path}?saved=1")
    response = redirect(comment_url(comment))
    if comment.is_pending():
        remember_pending(request, response, comment)
    return response


def show_edit(request, comment, form, status=HTTPStatus.OK, saved=False):
    context = {"comment": comment, "article": comment.article, "form": form, "saved": saved}
    return render(request, "comments/edit.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def report_comment(request, pk):
    """A reader reports a published comment: a page of its own, limited per IP address."""
    comment = get_object_or_404(
        Comment.objects.approved().filter(article__in=Article.objects.published()), pk=pk
    )
    form = ReportForm(request.POST if request.method == "POST" else None)
    context = {"comment": comment, "article": comment.article, "form": form,
               "report_reasons": Report.Reason.choices}  # fmt: skip
    if request.method == "GET":
        return render(request, "comments/report.html", context)
    if not form.is_valid():
        return render(request, "comments/report.html", context, status=HTTPStatus.BAD_REQUEST)
    ip = rules.client_ip(request) or None
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    with transaction.atomic():
        rules.lock_address(ip)  # the quota holds for simultaneous reports from one address
        if Report.objects.from_ip_since(ip, hour_ago).count() >= settings.COMMENTS_REPORTS_PER_HOUR:
            context["too_many"] = True
        else:
            context["already"] = comment.report(ip, **form.cleaned_data) is None
    status = HTTPStatus.TOO_MANY_REQUESTS if context.get("too_many") else HTTPStatus.OK
    return render(request, "comments/reported.html", context, status=status)


class PrivacyView(TemplateView):
    template_name = "comments/privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            akismet_enabled=spam.is_enabled(),
            contact_email=settings.CONTACT_EMAIL,
            pending_cookie_days=settings.COMMENTS_PENDING_COOKIE_DAYS,
            edit_minutes=settings.COMMENTS_EDIT_MINUTES,
            anonymize_after_days=settings.COMMENTS_ANONYMIZE_AFTER_DAYS,
            spam_purge_days=settings.COMMENTS_SPAM_PURGE_DAYS,
            blatant_purge_days=settings.COMMENTS_BLATANT_PURGE_DAYS,
            **kwargs,
        )
