"""Moderators' own settings: the sections they moderate, and how they want to be e-mailed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Section


def moderated_sections(user):
    """The pks of the sections ``user`` moderates, or None for the whole site.

    No profile, or a profile without sections, is site-wide; so is a superuser. A top-level
    section includes its subsections. Read once per user object (one request).
    """
    if user is None:
        return None
    if not hasattr(user, "_moderated_sections"):
        user._moderated_sections = _read_sections(user)
    return user._moderated_sections


def _read_sections(user):
    if user is None or not user.is_authenticated or user.is_superuser:
        return None
    mine = Q(moderators__user=user) | Q(parent__moderators__user=user)
    return sorted(set(Section.objects.filter(mine).values_list("pk", flat=True))) or None


def articles_moderated_by(user):
    """The articles whose comments ``user`` may see and act on (all for site-wide moderators)."""
    sections = moderated_sections(user)
    if sections is None:
        return Article.objects.all()
    return Article.objects.filter(section__in=sections)


class ModeratorProfileQuerySet(models.QuerySet):
    def digesting(self):
        """Profiles of moderators who get a digest rather than one e-mail per comment."""
        return self.filter(digest_minutes__gt=0)

    def digest_due(self, now=None):
        """Digests whose window has run out (or never started)."""
        now = now or timezone.now()
        return self.digesting().filter(Q(next_digest_at=None) | Q(next_digest_at__lte=now))


class ModeratorProfile(models.Model):
    """A moderator's scope and e-mail preference; without one, a moderator is site-wide and
    e-mailed about every held comment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        on_delete=models.CASCADE,
        related_name="moderator_profile",
    )
    sections = models.ManyToManyField(
        Section,
        verbose_name=_("sections"),
        blank=True,
        related_name="moderators",
        help_text=_(
            "The sections whose comments this moderator sees and decides, a section with its "
            "subsections. None: the whole site."
        ),
    )
    digest_minutes = models.PositiveSmallIntegerField(
        _("digest every (minutes)"),
        default=0,
        help_text=_(
            "0: one e-mail for each held comment. Otherwise at most one e-mail in this many "
            "minutes, listing the comments that came in."
        ),
    )
    # The digest window: the last digest went out at digest_sent_at, the next may at
    # next_digest_at. One worker claims a window with one guarded UPDATE of both.
    digest_sent_at = models.DateTimeField(_("last digest"), null=True, blank=True, editable=False)
    next_digest_at = models.DateTimeField(_("next digest"), null=True, blank=True, editable=False)

    objects = ModeratorProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderator profile")
        verbose_name_plural = _("moderator profiles")
        indexes = [
            models.Index(
                fields=["next_digest_at"],
                name="moderator_digest_idx",
                condition=Q(digest_minutes__gt=0),
            )
        ]

    def __str__(self):
        return self.user.get_username()

    def is_site_wide(self):
        return not self.sections.exists()

    def is_digesting(self):
        return self.digest_minutes > 0
