"""System checks: settings that would make the comment pipeline fail at the first comment."""

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
