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


def apply_result(comment, result):
    """The status a spam check leads to: approved only when nothing else held the comment."""
    if result.verdict == spam.Verdict.ERROR:
        comment.record_spam_check_failure(
            result.error, result.payload, retry_delay(comment.spam_check_attempts + 1)
        )
        return
    comment.record_spam_check(result.verdict, result.payload)
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
