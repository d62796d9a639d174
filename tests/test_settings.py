"""The production values in the README pass Django's deployment checks; mistakes are refused."""

import os
import subprocess
import sys

from django.conf import settings as django_settings

ROOT = django_settings.BASE_DIR
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "news.example.org",
    "SITE_URL": "https://news.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://news.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_PRELOAD": "true",
    "TRUSTED_PROXY_COUNT": "1",
    "EMAIL_URL": "smtp+tls://newsroom:secret@smtp.example.org:587",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_documented_production_values_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_on_the_development_key():
    values = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = manage("check", **values)

    assert result.returncode != 0
    assert "Set SECRET_KEY: the development key is public." in result.stderr


def test_smtp_without_a_host_fails_the_checks_instead_of_the_first_comment():
    result = manage("check", EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")

    assert result.returncode != 0
    assert "comments.E001" in result.stderr
    assert "E-mail cannot be sent" in result.stderr


def test_smtp_comes_from_email_url_with_a_timeout():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.core.mail import mailers; m = mailers.default; "
        "print(m.host, m.port, m.username, m.use_tls, m.use_ssl, m.timeout)",
        EMAIL_URL="smtp+ssl://ann:pw@mail.example.org:465",
        EMAIL_TIMEOUT="7",
    )

    assert result.stdout.split() == ["mail.example.org", "465", "ann", "False", "True", "7.0"]


def test_check_deploy_warns_when_a_proxy_is_in_front_but_none_is_counted():
    result = manage("check", "--deploy", **{**PRODUCTION, "TRUSTED_PROXY_COUNT": "0"})

    assert "comments.W001" in result.stderr
    assert "TRUSTED_PROXY_COUNT is 0" in result.stderr


def test_a_task_lease_a_live_task_could_outlast_is_warned_about():
    assert manage("check", "--fail-level", "WARNING").returncode == 0

    result = manage("check", "--fail-level", "WARNING", AKISMET_TIMEOUT="5")

    assert result.returncode != 0
    assert "comments.W002" in result.stderr
    assert "COMMENTS_TASK_LEASE_SECONDS (300)" in result.stderr


def test_the_log_in_limit_and_cool_off_come_from_the_environment():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))",
        ADMIN_LOGIN_FAILURE_LIMIT="8",
        ADMIN_LOGIN_COOLOFF_MINUTES="45",
    )

    assert result.stdout.split() == ["8", "2700"]


def test_postgresql_connections_are_checked_from_the_socket_unless_asked_for_the_query():
    show = ("from django.conf import settings; d = settings.DATABASES['default']; "
            "print(d['ENGINE'], d['OPTIONS']['keepalives_idle'])")  # fmt: skip
    url = "postgres://postgres@127.0.0.1:5432/newsroom"

    socket = manage("shell", "--no-imports", "-c", show, DATABASE_URL=url)
    query = manage("shell", "--no-imports", "-c", show, DATABASE_URL=url,
                   DATABASE_HEALTH_CHECK="query")  # fmt: skip

    assert socket.stdout.split() == ["newsroom.db.postgresql", "15"], socket.stderr
    assert query.stdout.split() == ["django.db.backends.postgresql", "15"], query.stderr
