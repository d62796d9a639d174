"""The comment policy an article really has, and where each part of it comes from.

Precedence, nearest first: the article's own switch ("set on this article"), its section,
the section's parent (a subsection inherits whatever it leaves empty), then the site's
settings. The open/pre-moderated/closed switch and the auto-close age are taken from the
nearest level that sets them. The link limit and the hold words add up instead, on top of
the site's: the lowest link limit of the article's sections and the site applies, and a hold
word of the section, of its parent or of the site's rules holds the comment.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from articles.models import Article, Section

Mode = Article.CommentPolicy


@dataclass(frozen=True)
class EffectivePolicy:
    mode: str  # open, premoderated or closed (an Article.CommentPolicy value)
    mode_source: str
    close_after_days: int | None
    close_source: str
    link_limit: int
    link_source: str
    hold_words: tuple  # (word, source) pairs, from the sections only

    def is_open(self, article, now=None):
        if self.mode == Mode.CLOSED:
            return False
        closes = self.closes_at(article)
        return closes is None or (now or timezone.now()) < closes

    def is_premoderated(self):
        return self.mode == Mode.PREMODERATED

    def closes_at(self, article):
        if self.close_after_days is None or article.published_at is None:
            return None
        return article.published_at + datetime.timedelta(days=self.close_after_days)

    @property
    def mode_label(self):
        return Mode(self.mode).label

    def lines(self):
        """What an editor reads: each part with where it comes from, as (label, source)."""
        days, limit = self.close_after_days, self.link_limit
        closing = (
            ngettext(
                "closes %(days)d day after publication",
                "closes %(days)d days after publication",
                days,
            )
            % {"days": days}
            if days
            else _("never closes by age")
        )
        links = ngettext("held at %(count)d link", "held at %(count)d links", limit)
        lines = [
            (str(self.mode_label), self.mode_source),
            (closing, self.close_source),
            (links % {"count": limit}, self.link_source),
        ]
        for word, source in self.hold_words:
            lines.append((_("hold word “%(word)s”") % {"word": word}, source))
        return lines

    def summary(self):
        return "; ".join(f"{label} ({source})" for label, source in self.lines())


def from_section(section):
    return _("from section %(name)s") % {"name": section.name}


SET_ON_ARTICLE = gettext_lazy("set on this article")
SITE_DEFAULT = gettext_lazy("the site's default")
SITE_SETTING = gettext_lazy("the site's setting")


def section_chain(section):
    """The section, then its parent: the levels a subsection takes what it leaves empty from."""
    return [section, section.parent] if section.parent_id else [section]


def effective_policy(article):
    """The article's comment policy; read ``article.section`` with ``select_related``
    (``section__parent``) to keep it free of queries."""
    chain = section_chain(article.section)
    return EffectivePolicy(
        *_mode(article, chain),
        *_close_after(chain),
        *_link_limit(chain),
        hold_words=tuple(
            (word, from_section(section)) for section in chain for word in section.hold_words
        ),
    )


def _mode(article, chain):
    if article.comment_policy != Mode.SECTION:
        return article.comment_policy, str(SET_ON_ARTICLE)
    for section in chain:
        if section.comment_policy != Section.CommentPolicy.INHERIT:
            return section.comment_policy, from_section(section)
    return Mode.OPEN, str(SITE_DEFAULT)


def _close_after(chain):
    for section in chain:
        if section.comments_close_after_days is not None:
            return section.comments_close_after_days, from_section(section)
    return settings.COMMENTS_CLOSE_AFTER_DAYS, str(SITE_SETTING)


def _link_limit(chain):
    limits = [(s.comment_link_limit, from_section(s)) for s in chain if s.comment_link_limit]
    limits.append((settings.COMMENTS_LINK_LIMIT, str(SITE_SETTING)))
    return min(limits, key=lambda limit: limit[0])  # the nearest level wins a tie
