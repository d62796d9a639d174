from django.db import models
from django.utils.translation import gettext_lazy as _


class WordPressComment(models.Model):
    """A WordPress comment id and the comment it became; kept when the comment is deleted here
    (a purge, an erasure), so importing again does not bring it back."""

    wordpress_id = models.PositiveBigIntegerField(unique=True)
    comment = models.OneToOneField(
        "comments.Comment", on_delete=models.SET_NULL, null=True, related_name="wordpress"
    )

    class Meta:
        verbose_name = _("WordPress comment")
        verbose_name_plural = _("WordPress comments")

    def __str__(self):
        return str(self.wordpress_id)
