"""What moderators set around comments: word, e-mail and IP rules, and each article's policy."""

import ipaddress

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class Rule(models.Model):
    """A moderator's rule: words, e-mail addresses or IPs that make a comment spam or held."""

    class Kind(models.TextChoices):
        DISALLOWED_WORD = "disallowed_word", _("Disallowed word (spam)")
        DISALLOWED_EMAIL = "disallowed_email", _("Disallowed e-mail or @domain (spam)")
        DISALLOWED_IP = "disallowed_ip", _("Disallowed IP or network (spam)")
        HOLD_WORD = "hold_word", _("Hold word (held for review)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value = models.CharField(
        _("value"),
        max_length=200,
        help_text=_(
            "A word or phrase (matched as whole words, any case), an e-mail address or "
            "@domain, or an IP address or network such as 203.0.113.0/24."
        ),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("moderation rule")
        verbose_name_plural = _("moderation rules")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="one_rule_per_kind_and_value")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self):
        self.value = self.value.strip()
        if self.kind == self.Kind.DISALLOWED_EMAIL:
            self.value = self.value.lower()
        if self.kind == self.Kind.DISALLOWED_IP:
            try:
                ipaddress.ip_network(self.value, strict=False)
            except ValueError:
                raise ValidationError(
                    {"value": _("Enter an IP address or a network such as 203.0.113.0/24.")}
                ) from None


class ArticleCommentPolicy(Article):
    """Articles as moderators see them: only whether, and how, readers may comment."""

    class Meta:
        proxy = True
        verbose_name = _("article comment policy")
        verbose_name_plural = _("article comment policies")

    def set_comment_policy(self, policy):
        self.comment_policy = policy
        self.save(update_fields=["comment_policy", "modified_at"])
