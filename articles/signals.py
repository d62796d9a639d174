from django.db.models.signals import post_save
from django.dispatch import receiver

from articles.models import Article, SlugRedirect


@receiver(post_save, sender=Article)
def remember_old_slug(sender, instance, **kwargs):
    """Keep an article's previous address working after its slug changes."""
    old = instance.loaded_slug
    if old and old != instance.slug:
        SlugRedirect.objects.update_or_create(old_slug=old, defaults={"article": instance})
        SlugRedirect.objects.filter(old_slug=instance.slug).delete()
