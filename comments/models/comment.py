import contextlib
import datetime

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import normalize_newlines
from django.utils.translation import gettext_lazy as _

from articles.markup import render_comment
from articles.models import Article
from comments.models.desk import ClaimQuerySet, RemovalReason
from comments.models.records import STATUS_KINDS, CommentEvent, CommentReason
from comments.models.rows import QuickInsert, insert_rows
from comments.models.scopes import articles_moderated_by, moderated_sections


class Reason(models.TextChoices):
    """Machine-readable reasons recorded on a comment: why it was held, rejected or approved."""

    FIRST_TIME = "first_time", _("First comment from this e-mail address")
    LINK_LIMIT = "link_limit", _("Too many links")
    HOLD_WORD = "hold_word", _("Contains a word held for review")
    DISALLOWED_WORD = "disallowed_word", _("Contains a disallowed word")
    DISALLOWED_EMAIL = "disallowed_email", _("Disallowed e-mail address")
    DISALLOWED_IP = "disallowed_ip", _("Disallowed IP address")
    AKISMET_SPAM = "akismet_spam", _("Akismet says spam")
    AKISMET_DISCARD = "akismet_discard", _("Akismet says blatant spam")
    AWAITING_SPAM_CHECK = "awaiting_spam_check", _("Awaiting spam check")
    PREMODERATED = "premoderated", _("Pre-moderated (the article or its section)")
    REPORTED = "reported", _("Reported by readers")
    STAFF = "staff", _("Posted by staff")
    EDITED = "edited", _("Edited by the commenter after it was published")


# Reasons that decide a comment is spam without asking Akismet.
SPAM_REASONS = {Reason.DISALLOWED_WORD, Reason.DISALLOWED_EMAIL, Reason.DISALLOWED_IP}


class CommentQuerySet(ClaimQuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def spam(self):
        return self.filter(status=Comment.Status.SPAM)

    def removed(self):
        return self.filter(status=Comment.Status.REMOVED)

    def for_article(self, article):
        return self.filter(article=article)

    def editable(self, now=None):
        """Comments their commenter may still edit (see ``Comment.is_editable``)."""
        now = now or timezone.now()
        window = edit_window()
        if not window:
            return self.none()
        acted = CommentEvent.objects.moderators_since_edit().filter(
            comment=OuterRef("pk"), created_at__gte=OuterRef("edited_at")
        )
        return self.filter(status__in=EDITABLE_STATUSES, submitted_at__gt=now - window).exclude(
            Exists(acted)
        )

    def awaiting_spam_check(self):
        """Pending comments Akismet has not answered for yet (not asked, or it failed)."""
        return self.pending().filter(akismet__in=Comment.UNANSWERED)

    def due_for_check(self, now=None):
        """Comments awaiting a spam check whose back-off has run out."""
        now = now or timezone.now()
        return self.awaiting_spam_check().filter(
            Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
        )

    def awaiting_notification(self):
        """Held comments (spam check done) whose moderators' e-mail has not gone out yet.

        Imported comments never are: they were waiting on the old site, not posted here."""
        return (
            self.pending()
            .exclude(akismet__in=[*Comment.UNANSWERED, Comment.Akismet.IMPORTED])
            .filter(notified_at=None)
        )

    def blatant(self):
        return self.spam().filter(is_blatant=True)

    def reported(self):
        """Comments with reader reports no moderator has acted on yet."""
        return self.filter(reported_at__isnull=False)

    def with_reason(self, reason):
        """Comments recorded with ``reason``, looked up through the reason rows' index."""
        rows = CommentReason.objects.filter(reason=reason, comment=OuterRef("pk"))
        return self.filter(Exists(rows))

    def feedback_due(self):
        """Comments whose correction (spam or ham) still has to be sent to Akismet."""
        return self.exclude(akismet_feedback="")

    def moderated_by(self, user):
        """The comments ``user`` may see and act on: their sections' (ModeratorProfile), or
        all for a site-wide moderator. Every moderation view and action reads through this."""
        if moderated_sections(user) is None:
            return self
        # A subquery, not a join: row locks (select_for_update) stay on the comments.
        return self.filter(article__in=articles_moderated_by(user).values("pk"))

    def from_commenter(self, email):
        return self.filter(email__iexact=email) if email else self.none()

    def featured(self):
        """Approved comments a moderator picked ("Editors' pick")."""
        return self.approved().filter(featured_at__isnull=False)

    def moderate(self, pk, verb, by, sources, expected=None, **options):
        """Apply a moderator's ``verb`` to one comment under a row lock; the first one wins.

        ``verb`` is the method itself (``Comment.approve``). Returns ``(comment, applied)``.
        Nothing is applied when the comment's status is not the ``expected`` one (someone else
        acted since the moderator looked) or not among the ``sources`` the verb applies to;
        then ``comment`` shows what it is now. ``options`` go to the verb (a removal's
        ``reason``). Nothing is queued here: the caller queues the correction Akismet may be
        due (``comments.tasks.queue_feedback``).
        """
        with transaction.atomic():
            comment = self.select_for_update().select_related("article").filter(pk=pk).first()
            if comment is None:
                return None, False
            if comment.status not in sources or expected not in (None, comment.status):
                return comment, False
            applied = verb(comment, by=by, **options)
            return comment, applied is not False  # a verb says False when it did nothing


class Comment(QuickInsert, models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SPAM = "spam", _("Spam")
        REMOVED = "removed", _("Removed")

    class Akismet(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        HAM = "ham", _("Ham")
        SPAM = "spam", _("Spam")
        DISCARD = "discard", _("Blatant spam")
        ERROR = "error", _("Check failed")
        DISABLED = "disabled", _("Akismet off")
        IMPORTED = "imported", _("Imported, never sent to Akismet")

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        PINGBACK = "pingback", _("Pingback")
        TRACKBACK = "trackback", _("Trackback")

    UNANSWERED = [Akismet.UNCHECKED, Akismet.ERROR]

    # No index of its own: comment_article_idx (article, status, submitted_at) opens with it,
    # and every INSERT paid for the second one.
    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("article"),
        db_index=False,
    )
    # This and the other mostly empty references are indexed where set (Meta.indexes): a
    # top-level comment by a reader adds no entry for its parent, user or claimer.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254)
    url = models.URLField(_("website"), max_length=200, blank=True)
    body = models.TextField(_("comment"), max_length=5000, help_text=_("Markdown."))
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    is_blatant = models.BooleanField(
        _("blatant spam"), default=False, help_text=_("Akismet says there is no need to review it.")
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    akismet = models.CharField(
        _("Akismet verdict"), max_length=20, choices=Akismet.choices, default=Akismet.UNCHECKED
    )
    akismet_payload = models.JSONField(
        _("data sent to Akismet"), default=dict, blank=True, editable=False
    )
    # Pingbacks and trackbacks come only from WordPress imports: readers post comments.
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    referrer = models.CharField(_("referrer"), max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("user"),
        db_index=False,
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    checked_at = models.DateTimeField(_("spam-checked"), null=True, blank=True)
    spam_check_attempts = models.PositiveSmallIntegerField(_("spam-check attempts"), default=0)
    next_check_at = models.DateTimeField(_("next spam check"), null=True, blank=True)
    notified_at = models.DateTimeField(_("moderators notified"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("Never purge or anonymize this comment (for example, it is evidence)."),
    )
    anonymized_at = models.DateTimeField(_("personal data anonymized"), null=True, blank=True)
    # Set by report(), cleared with the reports by a moderator's decision: the reported view
    # reads an index on it rather than probing the reports for every comment in order.
    reported_at = models.DateTimeField(
        _("open reports since"), null=True, blank=True, editable=False
    )
    akismet_feedback = models.CharField(
        _("correction to send to Akismet"), max_length=10, blank=True, editable=False
    )
    akismet_told = models.CharField(
        _("correction sent to Akismet"), max_length=10, blank=True, editable=False
    )
    # Set by the one worker sending the correction, so it can send holding no lock.
    feedback_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Posted by a staff member under their account's name: readers see a staff badge.
    by_staff = models.BooleanField(_("posted by staff"), default=False, editable=False)
    # The moderator working on it at the desk, until then (see ClaimQuerySet.claim_next).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("claimed by"),
        db_index=False,
    )
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True, editable=False)
    # Picked by a moderator ("Editors' pick"): shown above the thread while it stays approved.
    featured_at = models.DateTimeField(_("featured"), null=True, blank=True, editable=False)
    # When its commenter last edited it; readers see "edited" with this time.
    edited_at = models.DateTimeField(_("edited by the commenter"), null=True, blank=True)
    # Why a moderator took it down, for its statement of reasons; empty while it is up.
    removal_reason = models.CharField(
        _("reason for removal"),
        max_length=20,
        choices=RemovalReason.choices,
        blank=True,
        editable=False,
    )

    # The author asked to be e-mailed when it is published and when someone replies (sent
    # only once their address is confirmed: comments.notifications).
    follow = models.BooleanField(_("e-mail the author"), default=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["article", "status", "submitted_at"], name="comment_article_idx"),
            # An article's approved threads in order: where a new comment's thread is
            # (comments.views.comment_url), counted without reading the table.
            models.Index(
                fields=["article", "submitted_at"],
                name="comment_thread_idx",
                condition=Q(parent__isnull=True, status="approved"),
            ),
            # The queue's views, each in its order (oldest first, the pk breaking ties); the
            # partial ones also make their capped counts index-only.
            models.Index(fields=["status", "submitted_at", "id"], name="comment_queue_idx"),
            models.Index(fields=["submitted_at", "id"], name="comment_submitted_idx"),
            models.Index(
                fields=["submitted_at", "id"],
                name="comment_awaiting_idx",
                condition=Q(status="pending", akismet__in=["unchecked", "error"]),
            ),
            models.Index(
                fields=["submitted_at", "id"],
                name="comment_spam_idx",
                condition=Q(status="spam", is_blatant=False),
            ),
            models.Index(
                fields=["submitted_at", "id"],
                name="comment_blatant_idx",
                condition=Q(status="spam", is_blatant=True),
            ),
            models.Index(
                fields=["submitted_at", "id"],
                name="comment_reported_idx",
                condition=Q(reported_at__isnull=False),
            ),
            models.Index(fields=["status", "akismet", "next_check_at"], name="comment_check_idx"),
            models.Index(fields=["email"], name="comment_email_idx"),
            models.Index(fields=["ip"], name="comment_ip_idx"),
            models.Index(
                fields=["akismet_feedback"],
                name="comment_feedback_idx",
                condition=~Q(akismet_feedback=""),
            ),
            models.Index(
                fields=["parent"], name="comment_parent_idx", condition=Q(parent__isnull=False)
            ),
            models.Index(fields=["user"], name="comment_user_idx", condition=Q(user__isnull=False)),
            models.Index(
                fields=["claimed_by"],
                name="comment_claimer_idx",
                condition=Q(claimed_by__isnull=False),
            ),
        ]
        permissions = [
            (
                "manage_personal_data",
                _("Can export and erase a commenter's personal data"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "spam", "removed"]),
                name="comment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_blatant=False) | Q(status="spam"), name="blatant_comment_is_spam"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="comment_not_reply_to_itself"
            ),
            models.CheckConstraint(
                condition=Q(featured_at__isnull=True) | Q(status="approved"),
                name="featured_comment_is_approved",
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.body[:60]}"

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_loaded", {})
        self.body = normalize_newlines(self.body)  # browsers send textareas with CRLF
        update_fields = kwargs.get("update_fields")
        # Rendered once per change of the text, never on bookkeeping saves.
        if not self.body_html or loaded.get("body") != self.body:
            self.body_html = render_comment(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        stored = [] if self._state.adding else getattr(self, "_stored_reasons", None)
        self._status_before_save = loaded.get("status")  # read by the post_save signal
        super().save(*args, **kwargs)
        self._loaded = {**loaded, "status": self.status, "body": self.body}
        if update_fields is None or "reasons" in update_fields:
            self._store_reason_rows(stored)

    def get_absolute_url(self):
        """The comment's lasting address: it redirects to the page of the discussion the comment
        is on at the time (``comments.views.comment_permalink``). A link to the article's page
        and the comment's anchor goes wrong once the discussion has more than one page."""
        return reverse("comments:comment", args=[self.pk])

    def get_anchor_url(self, query=""):
        """The comment's anchor on its article's page: the first, right while there is one
        page, unless ``query`` (``cpage=3``) names another."""
        return f"{self.article.get_absolute_url()}{'?' if query else ''}{query}#comment-{self.pk}"

    def get_admin_url(self):
        return reverse("admin:comments_comment_change", args=[self.pk])

    # What was read (to tell changes), and the reason rows kept in step with ``reasons``.
    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        comment = super().from_db(db, field_names, values, **kwargs)
        comment._loaded = dict(zip(field_names, values, strict=True))
        if "reasons" in field_names:
            comment._stored_reasons = list(comment.reasons)
        return comment

    def _store_reason_rows(self, stored):
        """Bring the reason rows in step with ``reasons``; ``stored`` is None when unknown."""
        if "reasons" in self.get_deferred_fields():
            return
        if stored == self.reasons:
            self._stored_reasons = list(self.reasons)  # known now: the next save compares
            return
        wanted = set(self.reasons)
        if stored is None or set(stored) - wanted:
            self.reason_rows.exclude(reason__in=wanted).delete()
        missing = wanted - set(stored or [])
        insert_rows(
            [CommentReason(comment=self, reason=r) for r in sorted(missing)], ignore_conflicts=True
        )
        self._stored_reasons = list(self.reasons)

    # Predicates, each the twin of a QuerySet method.
    def is_moderated_by(self, user):
        """The twin of ``Comment.objects.moderated_by(user)``."""
        sections = moderated_sections(user)
        return sections is None or self.article.section_id in sections

    def is_approved(self):
        return self.status == self.Status.APPROVED

    def is_pending(self):
        return self.status == self.Status.PENDING

    def is_spam(self):
        return self.status == self.Status.SPAM

    def is_removed(self):
        return self.status == self.Status.REMOVED

    def is_for_article(self, article):
        return self.article_id == article.pk

    def is_editable(self, now=None):
        """Whether its commenter may still edit it: pending or approved, inside the edit window
        (COMMENTS_EDIT_MINUTES from submission), and no moderator has acted on it since its
        last edit."""
        now = now or timezone.now()
        window = edit_window()
        if not window or self.status not in EDITABLE_STATUSES:
            return False
        if now >= self.submitted_at + window:
            return False
        if self.edited_at is None:
            return True
        acted = CommentEvent.objects.moderators_since_edit()
        return not acted.filter(comment=self, created_at__gte=self.edited_at).exists()

    def is_awaiting_spam_check(self):
        return self.is_pending() and self.akismet in self.UNANSWERED

    def is_due_for_check(self, now=None):
        now = now or timezone.now()
        return self.is_awaiting_spam_check() and (
            self.next_check_at is None or self.next_check_at <= now
        )

    def is_awaiting_notification(self):
        return (
            self.is_pending()
            and self.akismet not in [*self.UNANSWERED, self.Akismet.IMPORTED]
            and not self.notified_at
        )

    def is_reply(self):
        return self.parent_id is not None

    def is_blatant_spam(self):
        return self.is_spam() and self.is_blatant

    def is_reported(self):
        return any(report.is_open() for report in self.reports.all())

    def is_feedback_due(self):
        return bool(self.akismet_feedback)

    def has_reason(self, reason):
        return reason in self.reasons

    def is_from_commenter(self, email):
        return bool(email) and self.email.lower() == email.lower()

    def is_featured(self):
        return self.is_approved() and self.featured_at is not None

    def was_approved(self):
        """Whether it was approved before its last save: readers saw it until then."""
        return getattr(self, "_status_before_save", None) == self.Status.APPROVED

    # Verbs: every status change goes through one of these and leaves an event.
    @classmethod
    def create_imported(cls, source, **fields):
        """A comment brought over from another site (``source``: its id there), with the status
        it had there; not sent to Akismet, not e-mailed to anyone."""
        comment = cls(akismet=cls.Akismet.IMPORTED, **fields)
        comment.status_changed_at = comment.submitted_at
        comment.save()
        comment.record(CommentEvent.Kind.IMPORTED, source=source, status=comment.status)
        return comment

    def approve(self, by=None):
        """Publish the comment; a moderator approving what Akismet called spam teaches it ham."""
        self.is_blatant = False
        self.removal_reason = ""
        self._set_status(self.Status.APPROVED, CommentEvent.Kind.APPROVED, by)

    def unapprove(self, by=None):
        """Take an approved comment off the page, back into the queue."""
        self.removal_reason = ""
        self._set_status(self.Status.PENDING, CommentEvent.Kind.UNAPPROVED, by)

    def restore(self, by=None):
        """Undo a removal: back to the status it had before, or to the queue."""
        removal = self.events.filter(kind=CommentEvent.Kind.REMOVED).order_by("pk").last()
        previous = removal.data.get("previous") if removal else None
        if previous not in (self.Status.APPROVED, self.Status.PENDING, self.Status.SPAM):
            previous = self.Status.PENDING
        self.removal_reason = ""
        self._set_status(previous, CommentEvent.Kind.RESTORED, by)

    def hold(self, *reasons, by=None):
        """Keep (or put) the comment in the queue, adding ``reasons``."""
        self.add_reasons(*reasons)
        self._set_status(self.Status.PENDING, CommentEvent.Kind.HELD, by, reasons=list(reasons))

    def mark_spam(self, by=None, blatant=False, reason=""):
        """Spam; a moderator marking spam what Akismet called ham teaches it spam."""
        self.is_blatant = blatant
        self._take_down(reason)
        self._set_status(
            self.Status.SPAM, CommentEvent.Kind.MARKED_SPAM, by, blatant=blatant, **self._why(by)
        )

    def remove(self, by=None, reason=""):
        """Take it down; ``reason`` (a RemovalReason) goes into its statement of reasons."""
        self.is_blatant = False
        self._take_down(reason)
        self._set_status(self.Status.REMOVED, CommentEvent.Kind.REMOVED, by, **self._why(by))

    def undo_decision(self, event, by=None):
        """Undo the decision ``event`` recorded: back to the status before it.

        Back in the queue, a correction not yet sent to Akismet is withdrawn (nobody has decided
        any more); back to spam or approved, it is planned again as for any decision.
        """
        previous = event.data.get("previous")
        if previous not in self.Status.values:
            previous = self.Status.PENDING
        self.removal_reason = ""
        if previous in (self.Status.REMOVED, self.Status.SPAM):
            self.removal_reason = self._reason_before(event)
        if previous == self.Status.PENDING:
            self.akismet_feedback = ""
        self.is_blatant = False
        self._set_status(previous, CommentEvent.Kind.UNDONE, by, undone=event.kind)

    def withdraw(self):
        """The author takes back their comment before a moderator decides; False if too late.

        It becomes removed (no reason: nobody moderated it), so it leaves the queue and is
        purged after the spam period like any removed comment; the text is kept until then.
        """
        if not self.is_pending():
            return False
        self.is_blatant = False
        self.removal_reason = ""
        self.akismet_feedback = ""
        self._set_status(self.Status.REMOVED, CommentEvent.Kind.WITHDRAWN, None)
        return True

    def is_withdrawn(self):
        """Removed by its author (``withdraw``): the last status event says so."""
        if not self.is_removed():
            return False
        last = self.events.filter(kind__in=STATUS_KINDS).order_by("pk").last()
        return last is not None and last.kind == CommentEvent.Kind.WITHDRAWN

    def _take_down(self, reason):
        if reason and reason not in RemovalReason.values:
            raise ValueError(f"Not a reason for removal: {reason!r}")
        self.removal_reason = reason

    def _reason_before(self, event):
        """The reason recorded by the last take-down before ``event``, if any."""
        kinds = [CommentEvent.Kind.REMOVED, CommentEvent.Kind.MARKED_SPAM]
        earlier = self.events.filter(kind__in=kinds, pk__lt=event.pk).order_by("pk").last()
        return earlier.data.get("reason", "") if earlier else ""

    def _why(self, by):
        # "by_person" outlasts the actor's account: a statement of reasons read after that
        # account is deleted still says a person decided (comments.appeals.statement_for).
        why = {"by_person": True} if by is not None else {}
        return {**why, "reason": self.removal_reason} if self.removal_reason else why

    def dismiss_reports(self, by=None):
        """Keep the comment as it is and close its open reports; False when it had none.

        The reports stay on record: each reporter's address still counts them against its
        hourly quota, and the audit trail says who dismissed how many.
        """
        closed = self.reports.open().update(resolved_at=timezone.now())
        if not closed:
            return False
        self.reported_at = None
        self.save(update_fields=["reported_at"])
        self.record(CommentEvent.Kind.REPORTS_DISMISSED, by=by, reports=closed)
        return True

    def edit(self, by=None, **changes):
        """A moderator's correction (typo, redaction); the audit trail keeps what it was."""
        changed = {f: (getattr(self, f), v) for f, v in changes.items() if getattr(self, f) != v}
        if not changed:
            return
        for field, (_before, after) in changed.items():
            setattr(self, field, after)
        self.save()
        self.record(
            CommentEvent.Kind.EDITED,
            by=by,
            before={f: before for f, (before, _a) in changed.items()},
            after={f: after for f, (_b, after) in changed.items()},
        )

    def feature(self, by=None):
        """Make it an Editors' pick; False (nothing done) unless approved and not picked yet."""
        if not self.is_approved() or self.is_featured():
            return False
        self.featured_at = timezone.now()
        self.save(update_fields=["featured_at"])
        self.record(CommentEvent.Kind.FEATURED, by=by)
        return True

    def unfeature(self, by=None):
        """No longer an Editors' pick; False when it was not one."""
        if self.featured_at is None:
            return False
        self.featured_at = None
        self.save(update_fields=["featured_at"])
        self.record(CommentEvent.Kind.UNFEATURED, by=by)
        return True

    def start_following(self):
        """Its author said from our e-mail that they want mail about it; False if they had."""
        if self.follow:
            return False
        self.follow = True
        self.save(update_fields=["follow"])
        return True

    def revise(self, body, by=None):
        """The commenter's own edit of the text; the event it records (None when unchanged).

        Only the text changes here; what the new text leads to (the rules and Akismet again) is
        ``comments.verdicts.decide_edit``. The event keeps both versions for the moderators.
        """
        body = normalize_newlines(body)
        if body == self.body:
            return None
        before, self.body = self.body, body
        event = CommentEvent(
            comment=self,
            kind=CommentEvent.Kind.COMMENTER_EDITED,
            actor=by,
            data={"before": {"body": before}, "after": {"body": body}},
        )
        self.edited_at = event.created_at
        self.save()
        event.save()
        return event

    def set_legal_hold(self, on, by=None):
        if self.legal_hold == on:
            return
        self.legal_hold = on
        self.save(update_fields=["legal_hold"])
        self.record(CommentEvent.Kind.LEGAL_HOLD, by=by, on=on)

    def report(self, ip, reason, note=""):
        """A reader's report; enough of them from different addresses send it back to the queue.

        Returns the new Report, or None when this address already reported this comment.
        """
        with transaction.atomic():
            locked = Comment.objects.select_for_update().get(pk=self.pk)
            if locked.reports.filter(ip=ip).exists():
                return None
            report = locked.reports.create(ip=ip, reason=reason, note=note)
            if locked.reported_at is None:
                locked.reported_at = report.created_at
                locked.save(update_fields=["reported_at"])
            locked.record(CommentEvent.Kind.REPORTED, reason=reason, note=note)
            voices = locked.reports.open().values("ip").distinct().count()
            if locked.is_approved() and voices >= settings.COMMENTS_REPORT_THRESHOLD:
                locked.hold(Reason.REPORTED)
        self.refresh_from_db()
        return report

    def _set_status(self, status, kind, by, **data):
        previous = self.status  # a new comment's verdict: it was pending until now
        self.status = status
        self.status_changed_at = timezone.now()
        if status != self.Status.APPROVED and self.featured_at is not None:
            self.featured_at = None  # only approved comments are picks: taken down, unpicked
            data["unfeatured"] = True
        if by is not None:
            self._plan_akismet_feedback()
            self.reported_at = None  # the open reports are settled below
        self.save()
        event = self.record(kind, by=by, previous=previous, **data)
        if by is not None and self.pk:
            self.reports.open().update(resolved_at=self.status_changed_at)
        # The e-mails a decision sends (queued on commit); imported here because the
        # notifications module builds on these models.
        from comments import notifications

        notifications.comment_decided(self, event)

    def _plan_akismet_feedback(self):
        """After a moderator's decision: what Akismet should be told, if it thinks otherwise."""
        believes = self.akismet_told or AKISMET_BELIEFS.get(self.akismet)
        if believes is None or not self.akismet_payload or self.is_removed():
            return
        decided = AKISMET_LESSONS.get(self.status)
        if decided is not None:
            self.akismet_feedback = "" if decided == believes else decided

    def record_feedback(self, sent_as, error=""):
        """The outcome of telling Akismet: sent (once), or failed and to be tried again."""
        if error:
            attempts = self.events.filter(kind=CommentEvent.Kind.FEEDBACK_FAILED).count() + 1
            self.record(
                CommentEvent.Kind.FEEDBACK_FAILED, sent_as=sent_as, error=error, attempt=attempts
            )
            return attempts
        self.akismet_told = sent_as
        self.akismet_feedback = ""
        self._plan_akismet_feedback()  # a moderator may have changed their mind meanwhile
        self.save(update_fields=["akismet_told", "akismet_feedback"])
        self.record(CommentEvent.Kind.SUBMITTED_TO_AKISMET, sent_as=sent_as)
        return 0

    # Bookkeeping verbs for the spam check and the moderators' e-mail.
    def add_reasons(self, *reasons):
        self.reasons = [*self.reasons, *(str(r) for r in reasons if r not in self.reasons)]

    def record_spam_check(self, verdict, payload, save=True):
        """Store Akismet's answer and the exact data that was sent; "disabled" when it is off.

        With Akismet off no check happened: no check time, and nothing in the audit trail.
        ``save=False``: the caller saves the comment next (with the status the answer leads to).
        """
        self.akismet = verdict
        self.akismet_payload = payload
        self.next_check_at = None
        self.reasons = [r for r in self.reasons if r != Reason.AWAITING_SPAM_CHECK]
        checked = verdict != self.Akismet.DISABLED
        if checked:
            self.checked_at = timezone.now()
        if save:
            self.save()
        if checked:
            self.record(CommentEvent.Kind.SPAM_CHECKED, verdict=str(verdict))

    def forget_spam_check(self):
        """Its text changed: Akismet's answer, and the data it was sent, were about the old one."""
        self.akismet = self.Akismet.UNCHECKED
        self.akismet_payload = {}
        self.spam_check_attempts = 0
        self.next_check_at = None
        self.akismet_feedback = ""
        self.akismet_told = ""

    def record_spam_check_failure(self, error, payload, retry_in):
        """The check failed: the comment stays held, to be checked again after ``retry_in``."""
        self.akismet = self.Akismet.ERROR
        self.akismet_payload = payload
        self.spam_check_attempts += 1
        self.next_check_at = timezone.now() + retry_in
        self.add_reasons(Reason.AWAITING_SPAM_CHECK)
        self.save()
        self.record(
            CommentEvent.Kind.SPAM_CHECK_FAILED,
            error=error,
            attempt=self.spam_check_attempts,
            next_check_at=self.next_check_at.isoformat(),
        )

    def record_notified(self, recipients, digests=0):
        self.notified_at = timezone.now()
        self.save(update_fields=["notified_at"])
        more = {"digests": digests} if digests else {}
        self.record(CommentEvent.Kind.NOTIFIED, recipients=len(recipients), **more)

    def record(self, kind, by=None, **data):
        event = CommentEvent(comment=self, kind=kind, actor=by, data=data)
        together = getattr(self, "_recorded_together", None)
        if together is None:
            event.save()
        else:
            together.append(event)
        return event

    @contextlib.contextmanager
    def recording_together(self):
        """The events recorded inside are written in one INSERT as the block ends (a posting's
        submission, rule matches and verdict), once the comment itself is saved. Inside, the
        events ``record`` returns have no pk, then or after (nothing may need one)."""
        self._recorded_together = []
        try:
            yield
            if self.pk is None:
                self.save()
            for event in self._recorded_together:
                event.comment = self  # recorded before the comment had its pk
            insert_rows(self._recorded_together)
        finally:
            self._recorded_together = None

    # Presentation.
    @property
    def comment_type(self):
        """Akismet's name for what this is."""
        return "reply" if self.is_reply() else "comment"

    @property
    def editable_until(self):
        return self.submitted_at + edit_window()

    def reason_labels(self):
        # Plain strings: the template filter "join" cannot join lazy translations.
        return [str(Reason(r).label) if r in Reason.values else r for r in self.reasons]


# What a commenter may edit: their comment in the queue or on the page, not one taken down.
EDITABLE_STATUSES = [Comment.Status.PENDING, Comment.Status.APPROVED]


def edit_window():
    """How long after posting a commenter may edit their comment; zero: never."""
    return datetime.timedelta(minutes=settings.COMMENTS_EDIT_MINUTES)


# What Akismet believes a comment is, from its verdict.
AKISMET_BELIEFS = {
    Comment.Akismet.HAM: Comment.Akismet.HAM,
    Comment.Akismet.SPAM: Comment.Akismet.SPAM,
    Comment.Akismet.DISCARD: Comment.Akismet.SPAM,
}
# What a moderator's decision tells Akismet the comment is (removal and the queue tell nothing).
AKISMET_LESSONS = {
    Comment.Status.SPAM: Comment.Akismet.SPAM,
    Comment.Status.APPROVED: Comment.Akismet.HAM,
}


def retry_delay(attempts):
    """Back-off between spam-check attempts: 2, 4, 8… minutes, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** max(attempts, 1), 360))
