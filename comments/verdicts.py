"""A comment's verdict, in one place: the posting decision and what an Akismet answer leads to.

Everything here changes the comment through its verbs and queues nothing: the caller (the
posting view, the seed command, the spam-check tasks) queues the background work afterwards,
so this module needs nothing from ``comments.tasks``.
"""

from comments import spam
from comments.models import CommentEvent, Reason, retry_delay


def decide(comment, outcome):
    """Local rules first; unless they settled it, held for Akismet (or, with it off, decided)."""
    for reason in outcome.reasons:
        comment.record(CommentEvent.Kind.RULE_MATCHED, reason=reason)
    if outcome.is_spam():
        comment.add_reasons(*outcome.reasons)
        comment.mark_spam()
    elif outcome.is_staff():
        comment.add_reasons(Reason.STAFF)
        comment.approve(by=comment.user)
    elif spam.is_enabled():
        comment.hold(*outcome.held_for(), Reason.AWAITING_SPAM_CHECK)
    else:
        comment.add_reasons(*outcome.held_for())
        apply_result(comment, spam.Result(spam.Verdict.DISABLED, {}))


def decide_edit(comment, outcome):
    """A commenter's edit, through the local rules again; unless they settle it, Akismet again.

    Spam by the rules is spam, and staff stay approved. Otherwise the reasons start again from
    the new text (a held comment keeps those it was held for): a published comment the rules
    hold goes back to the queue with the reason "edited". With Akismet on, the edited comment
    waits in the queue for the check of its new text (``comments.tasks.check_edit``), which
    publishes it again, as a new comment, when nothing holds it.
    """
    for reason in outcome.reasons:
        comment.record(CommentEvent.Kind.RULE_MATCHED, reason=reason, edit=True)
    if outcome.is_staff():
        return
    was_approved = comment.is_approved()
    comment.reasons = [] if was_approved else [r for r in comment.reasons if r not in AUTOMATIC]
    if outcome.is_spam():
        comment.add_reasons(*outcome.reasons)
        comment.mark_spam()
        return
    held = outcome.held_for()
    if was_approved:
        comment.notified_at = None  # back in the queue, it is news to the moderators again
        if held:
            comment.add_reasons(Reason.EDITED)
    if spam.is_enabled():
        comment.forget_spam_check()
        comment.hold(*held, Reason.AWAITING_SPAM_CHECK)
    elif held or (comment.is_pending() and comment.reasons):
        comment.hold(*held)
    elif comment.is_pending():
        comment.approve()
    else:
        comment.save()


# Reasons the checks themselves set, which an edit's checks set again if they still apply.
AUTOMATIC = {Reason.AWAITING_SPAM_CHECK, Reason.AKISMET_SPAM, Reason.AKISMET_DISCARD}


def apply_result(comment, result):
    """The status a spam check leads to: approved only when nothing else held the comment."""
    if result.verdict == spam.Verdict.ERROR:
        comment.record_spam_check_failure(
            result.error, result.payload, retry_delay(comment.spam_check_attempts + 1)
        )
        return
    # Saved by the status verb that follows, each of which saves: a new comment is written in
    # one INSERT with its verdict, not an INSERT and an UPDATE.
    comment.record_spam_check(result.verdict, result.payload, save=False)
    if _marked_spam(comment, result):
        return
    if comment.reasons:
        comment.hold()
    else:
        comment.approve()


def apply_recheck(comment, result):
    """A held comment checked again: spam now makes it spam; ham leaves it held.

    The caller holds the comment's row lock and has checked it is still pending.
    """
    if result.verdict == spam.Verdict.ERROR:
        comment.record(CommentEvent.Kind.SPAM_CHECK_FAILED, error=result.error, recheck=True)
        return
    comment.record_spam_check(result.verdict, result.payload)
    _marked_spam(comment, result)


def _marked_spam(comment, result):
    """Akismet's spam (or blatant spam) verdict makes the comment spam; False for anything else."""
    if result.verdict == spam.Verdict.DISCARD:
        comment.add_reasons(Reason.AKISMET_DISCARD)
        comment.mark_spam(blatant=True)
    elif result.verdict == spam.Verdict.SPAM:
        comment.add_reasons(Reason.AKISMET_SPAM)
        comment.mark_spam()
    else:
        return False
    return True
