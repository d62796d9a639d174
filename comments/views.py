import datetime
import inspect
from http import HTTPStatus

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.generic import TemplateView

from articles.models import Article
from articles.views import article_page
from comments import appeals, edits, notifications, rules, spam, tasks, verdicts
from comments.cookies import (
    proves_address,
    remember_address,
    remember_author,
    remember_own,
    remember_pending,
)
from comments.display import PAGE_PARAM
from comments.forms import AppealForm, CommentForm, EditForm, ReportForm
from comments.models import (
    Appeal,
    Comment,
    CommenterAddress,
    CommentEvent,
    Report,
    ThreadCount,
)
from comments.models.threads import kept_by_triggers, settle_counts
from comments.origin import same_origin_required


@require_POST
@same_origin_required
def post_comment(request, pk):
    """A reader's comment, through DESIGN.md's pipeline: validate, gate, rules, save, check."""
    article, moderators_rules = rules.posting_context(pk)
    if article is None:
        raise Http404("No published article here.")
    form = CommentForm(request.POST, article=article, user=request.user)
    if not form.is_valid():
        return show_again(request, form, HTTPStatus.BAD_REQUEST)
    ip = rules.client_ip(request)
    try:
        return take_comment(request, form, ip, moderators_rules)
    except DatabaseError:
        # Nothing was saved, and the 503 page asks the reader to send it again: let them.
        rules.release(article, form.cleaned_data, ip)
        raise


def take_comment(request, form, ip, moderators_rules):
    """Gate, rules, save and check a valid comment; the reader's response."""
    # Stamped as it is judged, not when its form was built (a busy server takes a while in
    # between): the flood window then holds between the stored submission times.
    submitted_at = timezone.now()
    refusal = rules.gate(form.article, form.cleaned_data, ip, submitted_at)
    if refusal:
        form.add_error(None, refusal.message)
        return show_again(request, form, refusal.status)
    outcome = rules.evaluate(form.article, form.cleaned_data, ip, request.user, moderators_rules)
    wants_mail = form.cleaned_data.get("follow")
    with transaction.atomic():
        comment = new_comment(request, form, ip, submitted_at)
        with comment.recording_together():  # saved with its verdict: one INSERT, one for events
            comment.record(CommentEvent.Kind.SUBMITTED, by=comment.user, ip=comment.ip)
            verdicts.decide(comment, outcome)
        if wants_mail and not comment.follow and not comment.is_spam():
            # Consent is per comment: anyone can type an address, so unless this browser
            # confirmed it before, its owner says yes from the e-mail (the rules' spam: none).
            notifications.request_confirmation(comment, ip)
        tasks.after_posting(comment)
    response = redirect(comment_url(comment))
    if comment.is_pending():
        remember_pending(request, response, comment)
    if comment.is_editable():
        remember_own(request, response, comment)
    remember_author(request, response, form.cleaned_data)
    return response


# The status of the comment's thread (the top-level comment it is in), how many approved
# threads the article has (kept by the database: comments.models.threads) and how many of them
# are before that thread. A new thread is counted from the end: only the threads since it are
# read, in comment_thread_idx, however long the discussion. A reply's thread is its top-level
# ancestor, found in the same query however deep the reply, and the threads before it are
# counted. (The status is read: a spam check may just have changed it. The LIMIT keeps the count
# in a subquery of its own, read once: PostgreSQL would otherwise pull it up into both uses.)
THREAD_POSITION_SQL = """
SELECT (SELECT status FROM {table} WHERE id = %(pk)s), kept.roots, kept.roots - (
    SELECT COUNT(*) FROM {table} WHERE article_id = %(article)s AND parent_id IS NULL
        AND status = '{approved}' AND submitted_at >= %(submitted_at)s
)
FROM (SELECT {roots} AS roots LIMIT 1) AS kept
"""
REPLY_POSITION_SQL = """
WITH RECURSIVE ancestry(id, parent_id) AS (
    SELECT id, parent_id FROM {table} WHERE id = %(pk)s
    UNION ALL
    SELECT c.id, c.parent_id FROM {table} c JOIN ancestry a ON c.id = a.parent_id
),
root AS (
    SELECT id, article_id, status, submitted_at FROM {table}
    WHERE id = (SELECT id FROM ancestry WHERE parent_id IS NULL)
)
SELECT root.status, {roots}, (
    SELECT COUNT(*) FROM {table} o WHERE o.article_id = root.article_id
        AND o.parent_id IS NULL AND o.status = '{approved}' AND o.submitted_at < root.submitted_at
)
FROM root
"""
# Without the triggers (another database), the threads are counted.
KEPT_ROOTS = "COALESCE((SELECT approved FROM {counts} WHERE article_id = {article}), 0)"
COUNTED_ROOTS = """(SELECT COUNT(*) FROM {table} WHERE article_id = {article}
    AND parent_id IS NULL AND status = '{approved}')"""


def thread_position_query(comment):
    """The query of where ``comment``'s thread is, and its parameters: it answers the thread's
    status, the article's approved threads, and those before the comment's thread."""
    names = {"table": Comment._meta.db_table, "counts": ThreadCount._meta.db_table,
             "approved": Comment.Status.APPROVED}  # fmt: skip
    params = {"pk": comment.pk}
    if comment.is_reply():
        sql, article = REPLY_POSITION_SQL, "root.article_id"
    else:
        sql, article = THREAD_POSITION_SQL, "%(article)s"
        submitted_at = connection.ops.adapt_datetimefield_value(comment.submitted_at)  # as stored
        params |= {"article": comment.article_id, "submitted_at": submitted_at}
    roots = KEPT_ROOTS if kept_by_triggers() else COUNTED_ROOTS
    names["roots"] = roots.format(article=article, **names)
    return sql.format(**names), params


def comment_url(comment):
    """Where a comment shows on its article: the page of its thread, when there are pages."""
    with connection.cursor() as cursor:
        settle_counts(cursor)  # this transaction's own changes, when there is one
        cursor.execute(*thread_position_query(comment))
        root_status, roots, before = cursor.fetchone()
    size = settings.COMMENTS_PAGE_SIZE
    if roots + (root_status != Comment.Status.APPROVED) <= size:
        return comment.get_anchor_url()
    number = before // size + 1
    return comment.get_anchor_url(f"{PAGE_PARAM}={number}")


@never_cache  # where the comment is moves as threads before it come and go
@require_safe
def comment_permalink(request, pk):
    """A comment's lasting address (feeds, exports and "Back to" links use it): a redirect to
    the page of its discussion the comment is on now.

    Readers get an answer for a published comment on a live article only: any other id is "not
    found", so ids tell nobody which held or removed comments exist. Moderators go to the
    comment's page in the admin when readers cannot see it there.
    """
    comment = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
    if comment.is_approved() and comment.article.is_published():
        return redirect(comment_url(comment))
    if request.user.has_perm("comments.view_comment"):
        return redirect(comment.get_admin_url())
    raise Http404("No published comment here.")


def new_comment(request, form, ip, submitted_at):
    """The comment as posted, not yet saved."""
    comment = form.save(commit=False)
    comment.submitted_at = submitted_at
    comment.ip = ip or None
    comment.user_agent = request.headers.get("User-Agent", "")[:500]
    comment.referrer = request.headers.get("Referer", "")[:500]
    comment.user = request.user if request.user.is_authenticated else None
    comment.by_staff = form.staff is not None
    comment.follow = comment.follow and proves_address(request, comment.email)
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
    if problem := edits.discussion_problem(comment):
        return edits.refuse(request, comment, problem, form.data.get("body"))
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


class _CsrfKeepingNote(CsrfViewMiddleware):
    """Django's CSRF check, whose refusal is the appeal page again, with the note sent back."""

    def _reject(self, request, reason):
        super()._reject(request, reason)  # logged as Django logs it
        view = inspect.unwrap(appeal_decision)  # the view itself, without this check again
        return view(request, csrf_refused=True, **request.resolver_match.kwargs)


@never_cache
@require_http_methods(["GET", "POST"])
@csrf_exempt  # checked just below, by a check that keeps the reader's note when it refuses
@decorator_from_middleware(_CsrfKeepingNote)
def appeal_decision(request, token, csrf_refused=False):
    """The commenter appeals a moderator's take-down, through the signed link of its statement.

    The link is all the access there is: no account, no cookie. A link that was altered or
    has run out is a 400; a decision that no longer stands (or a comment purged) a 410; a
    second appeal against one decision is "already received" (409 when posted).
    """
    try:
        decision = appeals.decision_from_token(token)
    except signing.SignatureExpired:
        return _appeal_page(request, {"problem": "expired"}, HTTPStatus.BAD_REQUEST)
    except signing.BadSignature:
        return _appeal_page(request, {"problem": "invalid"}, HTTPStatus.BAD_REQUEST)
    if decision is None:
        return _appeal_page(request, {"problem": "gone"}, HTTPStatus.GONE)
    comment = decision.comment
    context = {"comment": comment, "article": comment.article, "statement": None}
    earlier = Appeal.objects.filter(decision=decision).first()
    if earlier is not None:
        status = HTTPStatus.CONFLICT if request.method == "POST" else HTTPStatus.OK
        return _appeal_page(request, {**context, "appeal": earlier}, status)
    statement = appeals.statement_for(comment)
    if statement is None or statement.decision.pk != decision.pk or not statement.is_appealable():
        return _appeal_page(request, {**context, "problem": "stale"}, HTTPStatus.GONE)
    form = AppealForm(request.POST if request.method == "POST" else None)
    context |= {"statement": statement, "form": form}
    if request.method == "GET":
        return _appeal_page(request, context)
    if csrf_refused:  # the page now carries a fresh token: the reader can simply send it again
        form.is_valid()
        form.add_error("note", STALE_APPEAL_FORM)
        return _appeal_page(request, context, HTTPStatus.FORBIDDEN)
    if not form.is_valid():
        return _appeal_page(request, context, HTTPStatus.BAD_REQUEST)
    appeal, created = Appeal.objects.lodge(decision, form.cleaned_data["note"])
    if not created:
        return _appeal_page(request, {**context, "appeal": appeal}, HTTPStatus.CONFLICT)
    return redirect("comments:appeal", token=token)


STALE_APPEAL_FORM = _(
    "Your appeal was not sent: this site accepts a form only from its own page, with the "
    "cookie that page set. Your text is kept below: please send it again."
)


def _appeal_page(request, context, status=HTTPStatus.OK):
    context = {
        "appeal_days": settings.COMMENTS_APPEAL_DAYS,
        "contact_email": settings.CONTACT_EMAIL,
        **context,
    }
    return render(request, "comments/appeal.html", context, status=status)


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


# The commenter's own links, from their e-mail: no login, no cookie, each signed.


def link_invalid(request, expired_token=None, gone=False, status=HTTPStatus.BAD_REQUEST):
    """A link that is broken or too old: said plainly, with a way to ask for a new one."""
    context = {"expired_token": expired_token, "gone": gone}
    return render(request, "comments/link_invalid.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_address(request, token):
    """The confirmation link: a page with one button (a mail scanner's GET confirms nothing)."""
    try:
        value = notifications.read_confirm_token(token)
    except signing.SignatureExpired:
        return link_invalid(request, expired_token=token)
    except signing.BadSignature:
        return link_invalid(request)
    address = CommenterAddress.objects.for_email(value.get("e", "")).first()
    if address is None:
        return link_invalid(request)
    comment = Comment.objects.filter(pk=value.get("c"), email__iexact=address.email).first()
    context = {"address": address, "comment": comment, "token": token}
    if request.method == "POST":
        address.confirm()
        if comment is not None:
            comment.start_following()
        context["done"] = True
    elif address.is_confirmed() and (comment is None or comment.follow):
        context["done"] = True
    if comment is not None:
        context["own_url"] = reverse("comments:own", args=[notifications.own_token(comment)])
    response = render(request, "comments/confirm.html", context)
    if request.method == "POST":  # this browser's next comments with the address need no e-mail
        remember_address(request, response, address.email)
    return response


@never_cache
@require_POST
def confirm_again(request):
    """A new confirmation e-mail for the comment an expired (but genuine) link named."""
    try:
        value = notifications.read_confirm_token(request.POST.get("token", ""), expired_too=True)
    except signing.BadSignature:
        return link_invalid(request)
    comment = Comment.objects.filter(pk=value.get("c"), email__iexact=value.get("e", "")).first()
    if comment is None:
        return link_invalid(request)
    mail = notifications.request_confirmation(comment, rules.client_ip(request), again=True)
    status = HTTPStatus.OK if mail is not None else HTTPStatus.TOO_MANY_REQUESTS
    return render(request, "comments/confirm_sent.html", {"sent": mail is not None}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def own_comment(request, token):
    """The commenter's own comment, from any device: its state, and withdrawal while pending."""
    try:
        value = notifications.read_own_token(token)
    except signing.BadSignature:
        return link_invalid(request)
    found = Comment.objects.select_related("article").filter(pk=value.get("c"))
    comment = found.filter(email__iexact=value.get("e", "")).first()
    if comment is None:  # purged since, or erased at its author's request
        return link_invalid(request, gone=True, status=HTTPStatus.NOT_FOUND)
    withdrawn = None
    if request.method == "POST":
        comment, withdrawn = Comment.objects.moderate(
            comment.pk, lambda c, by: c.withdraw(), None, [Comment.Status.PENDING]
        )
    context = {"comment": comment, "article": comment.article, "withdrawn_now": withdrawn,
               "is_withdrawn": comment.is_withdrawn()}  # fmt: skip
    too_late = withdrawn is False and not context["is_withdrawn"]  # a moderator came first
    context["too_late"] = too_late
    # The e-mailed link proves the comment is theirs: it opens the edit page while that is open.
    context["edit_url"] = edits.edit_url(comment) if comment.is_editable() else ""
    context["shown_url"] = comment_url(comment) if comment.is_approved() else ""
    status = HTTPStatus.CONFLICT if too_late else HTTPStatus.OK
    return render(request, "comments/own.html", context, status=status)


@csrf_exempt  # the signed token is the authority; RFC 8058 one-click POSTs carry no cookie
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET: a page with one button; POST (that button, or a mail client's one-click): done."""
    try:
        email = notifications.read_unsubscribe_token(token)
    except signing.BadSignature:
        return link_invalid(request)
    address = CommenterAddress.objects.for_email(email).first()
    if address is None:  # erased: nothing is kept, so nothing will be sent
        return render(request, "comments/unsubscribe.html", {"email": email, "done": True})
    if request.method == "POST":
        address.unsubscribe()
    context = {"email": address.email, "done": address.unsubscribed_at is not None}
    return render(request, "comments/unsubscribe.html", context)
