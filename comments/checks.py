"""System checks: settings that would make the comment pipeline fail at the first comment."""

from django.conf import settings
from django.core import checks
from django.core.mail import InvalidMailer, mailers

# An e-mail is about this many SMTP operations (connect, EHLO, STARTTLS, login, envelope, data),
# each allowed EMAIL_TIMEOUT.
SMTP_STEPS = 10


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


@checks.register(checks.Tags.compatibility)
def task_lease_outlasts_the_slowest_task(app_configs, **kwargs):
    """Tasks still running past the lease are taken for dead and run again: mind the timeouts."""
    from comments.tasks import RECHECK_BATCH

    slowest = max(RECHECK_BATCH * settings.AKISMET_TIMEOUT, SMTP_STEPS * settings.MAIL_TIMEOUT)
    if settings.COMMENTS_TASK_LEASE_SECONDS > slowest:
        return []
    return [
        checks.Warning(
            f"COMMENTS_TASK_LEASE_SECONDS ({settings.COMMENTS_TASK_LEASE_SECONDS}) is not longer "
            f"than the slowest task can take ({slowest:g} s): live tasks would be run twice.",
            hint=f"Raise it above {slowest:g}, or lower AKISMET_TIMEOUT / EMAIL_TIMEOUT.",
            id="comments.W002",
        )
    ]
