"""System checks: settings that would make the comment pipeline fail at the first comment."""

from django.conf import settings
from django.core import checks
from django.core.mail import InvalidMailer, mailers


@checks.register(checks.Tags.compatibility)
def mail_can_be_sent(app_configs, **kwargs):
    """Moderators' notices need a working mailer; a missing SMTP host fails here, not later."""
    try:
        mailers["default"]  # built from its settings; nothing is sent
    except InvalidMailer as error:
        return [
            checks.Error(
                f"E-mail cannot be sent: {error}",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587.",
                id="comments.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def proxies_are_counted(app_configs, **kwargs):
    """Varnish or a TLS proxy in front, but no proxy counted: readers would share one address."""
    behind_proxy = settings.HTTP_CACHE_PURGE_URLS or getattr(
        settings, "SECURE_PROXY_SSL_HEADER", None
    )
    if behind_proxy and settings.TRUSTED_PROXY_COUNT <= 0:
        return [
            checks.Warning(
                "A proxy is configured (HTTP_CACHE_PURGE_URLS or SECURE_PROXY_SSL_HEADER) but "
                "TRUSTED_PROXY_COUNT is 0: every reader would share the proxy's address for "
                "flood control, report limits and spam checks.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of the site.",
                id="comments.W001",
            )
        ]
    return []
