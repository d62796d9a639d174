"""Newsroom settings. Every value comes from the environment, with a default that runs locally."""

import datetime
import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env")

# Core
DEVELOPMENT_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_KEY)
DEBUG = env.bool("DEBUG", default=True)
if not DEBUG and SECRET_KEY == DEVELOPMENT_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: the development key is public.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env("SITE_NAME", default="The Newsroom Ledger")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "reversion",
    "django_tasks_db",
    "axes",
    "articles",
    "comments",
]

# The database outage middleware comes first: it has the last word on its 503 (no cookies).
# The site speaks one language (LANGUAGE_CODE): no LocaleMiddleware, so pages do not vary by
# Accept-Language. Responses pass up through the page cache compressed, with their validator.
MIDDLEWARE = [
    "articles.middleware.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "articles.middleware.WordPressRedirectMiddleware",  # only on a 404, and /?p=ID
    "articles.middleware.PageCacheMiddleware",
    "articles.middleware.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, so its 400 page gets every header above, and before any view or the CSRF check.
    "articles.middleware.ReadableRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a locked-out log-in into its own page
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "articles.context_processors.site",
            ],
        },
    },
]

# Data
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database that refuses, hangs or stalls must not hold requests until gunicorn kills the
# worker: give up connecting (the whole handshake) after the connect timeout, have the server
# cancel a statement after the statement timeout (0: none; migrations and bulk commands may need
# that), and drop a connection whose sent data is not acknowledged in time (a host gone
# mid-query). Seconds; values given in DATABASE_URL win.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=10.0)
DATABASE_TCP_USER_TIMEOUT = env.float("DATABASE_TCP_USER_TIMEOUT", default=10.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Kept connections are health-checked from their socket (no round trip), unless "query".
    if env("DATABASE_HEALTH_CHECK", default="socket") != "query":
        DATABASES["default"]["ENGINE"] = "newsroom.db.postgresql"
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # A kept connection whose server went away unannounced is found while it is idle.
    for _name, _value in {"keepalives": 1, "keepalives_idle": 15, "keepalives_interval": 5,
                          "keepalives_count": 3}.items():  # fmt: skip
        _options.setdefault(_name, _value)
    _options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    _options.setdefault("tcp_user_timeout", round(DATABASE_TCP_USER_TIMEOUT * 1000))
    # Opt-in: parameters bound by the server, and a statement run this many times on a
    # connection kept prepared there, parsed and planned once. Off by default: a prepared
    # statement fails ("cached plan must not change result type") once a migration changes the
    # type of a column it reads, until the process reconnects, so every process must restart
    # after such a migration; and PgBouncer in transaction mode before 1.21 cannot keep them.
    _prepare = env("DATABASE_PREPARE_THRESHOLD", default="off")
    if _prepare.lower() not in ("", "off", "none"):
        _options.setdefault("server_side_binding", True)
        _options.setdefault("prepare_threshold", int(_prepare))
    if DATABASE_STATEMENT_TIMEOUT and "statement_timeout" not in _options.get("options", ""):
        _statement = f"-c statement_timeout={round(DATABASE_STATEMENT_TIMEOUT * 1000)}"
        _options["options"] = f"{_options.get('options', '')} {_statement}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent writers: WAL lets readers go on while one writes,
    # IMMEDIATE takes the write lock when a transaction begins (no deadlocked upgrades), and a
    # writer waits for the lock (up to 20 s) instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    # Tests use a file too: an in-memory database shared by threads locks whole tables, so it
    # could not show how the real one behaves under concurrent writers.
    # One per test process, so two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"newsroom-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# CACHE_URL, else REDIS_URL (a Redis server as the cache), else local memory.
_cache_url = env("CACHE_URL", default="") or env("REDIS_URL", default="")
CACHES = {"default": env.cache_url_config(_cache_url or "locmemcache://newsroom")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "newsroom.cache.RedisCache"  # one client per pool
    # A Redis that stops answering costs each request this long, once per call, and pages are
    # then built from the database (articles/caching.py); without it a request would wait on.
    _cache_timeout = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=_cache_timeout, socket_timeout=_cache_timeout
    )
# Set to the release (e.g. the commit) when deploying: pages and fragments rendered by the
# previous release's templates are then never served again.
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")

# Reader pages in the shared cache (and in Varnish or a CDN, through their headers).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)  # 0: whole pages not cached
PAGE_CACHE_STALE_SECONDS = env.int("PAGE_CACHE_STALE_SECONDS", default=30)
PAGE_CACHE_FRAGMENTS = env.bool("PAGE_CACHE_FRAGMENTS", default=True)
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=3600)
# A request carrying one of these is one reader's (staff, their own comments): never shared.
PAGE_CACHE_BYPASS_COOKIES = ["sessionid", "comments_pending", "comments_own", "comments_author"]
# Varnish instances to ban changed pages from, e.g. http://127.0.0.1:6081/
HTTP_CACHE_PURGE_URLS = env.list("HTTP_CACHE_PURGE_URLS", default=[])
HTTP_CACHE_TIMEOUT = env.float("HTTP_CACHE_TIMEOUT", default=2.0)

# Background tasks: inline by default; production uses the database queue and `manage.py db_worker`.
TASK_BACKEND = env("TASK_BACKEND", default="django.tasks.backends.immediate.ImmediateBackend")
TASKS = {"default": {"BACKEND": TASK_BACKEND}}

# Passwords
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English"))]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Static and uploaded files
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# In production static files get hashed names, gzip and brotli copies, and far-future headers
# (whitenoise); that needs `collectstatic` first.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail (Django 6.1 mailers), console by default. EMAIL_URL sets up SMTP, for example
# smtp+tls://user:password@smtp.example.org:587 or smtp+ssl://user:password@host:465;
# EMAIL_BACKEND alone picks a backend that needs no options (locmem, console).
_mail = env.email_url("EMAIL_URL", default="consolemail://")
MAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)  # seconds, per SMTP operation
MAILERS = {"default": {"BACKEND": env("EMAIL_BACKEND", default=_mail["EMAIL_BACKEND"])}}
if MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": _mail["EMAIL_HOST"],
        "port": _mail["EMAIL_PORT"],
        "username": _mail["EMAIL_HOST_USER"],
        "password": _mail["EMAIL_HOST_PASSWORD"],
        "use_tls": _mail.get("EMAIL_USE_TLS", False),
        "use_ssl": _mail.get("EMAIL_USE_SSL", False),
        "timeout": MAIL_TIMEOUT,
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
# Where readers write about their data (copies, erasure); shown on the privacy page.
CONTACT_EMAIL = env("CONTACT_EMAIL", default=DEFAULT_FROM_EMAIL)

# Security: pages load nothing from any other host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# HTTPS in production: redirect, and tell browsers to stay on it (a year once it works).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a proxy that terminates TLS: SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto (with
# TRUSTED_PROXY_COUNT), so Django knows the reader's request was HTTPS.
if _proxy_header := env("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
LOGIN_URL = "admin:login"

# Log-in throttling (django-axes): after ADMIN_LOGIN_FAILURE_LIMIT failed log-ins for one
# username from one address, that pair is refused, even with the right password, until
# ADMIN_LOGIN_COOLOFF_MINUTES have passed without another try. Counted in the database, which
# every worker shares; the address is read as for comments (TRUSTED_PROXY_COUNT).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "comments.rules.client_ip"
AXES_LOCKOUT_CALLABLE = "articles.logins.lockout_response"
AXES_RESET_ON_SUCCESS = True  # the limit is on failures in a row
AXES_DISABLE_ACCESS_LOG = True  # only failures are kept, not a record of every log-in
AXES_VERBOSE = False  # no banner on every start; each failure is still logged

# Publishing
ARTICLE_PAGE_PARTS = ["comments.display.comment_area"]  # what other apps add to article pages
ARTICLE_POLICY_IN_EFFECT = "comments.admin.policy.policy_in_effect"  # shown in the article admin
ARTICLE_CARD_PARTS = ["comments.display.comment_counts"]  # ... and to each listing card
ARTICLES_PER_PAGE = env.int("ARTICLES_PER_PAGE", default=12)
RELATED_ARTICLES_COUNT = env.int("RELATED_ARTICLES_COUNT", default=4)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One console line per record: Django's own console handler would print them twice.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Comments
COMMENTS_CLOSE_AFTER_DAYS = env.int("COMMENTS_CLOSE_AFTER_DAYS", default=None)  # None: never
COMMENTS_LINK_LIMIT = env.int("COMMENTS_LINK_LIMIT", default=2)
COMMENTS_HOLD_FIRST_TIME = env.bool("COMMENTS_HOLD_FIRST_TIME", default=True)
COMMENTS_THREAD_DEPTH = env.int("COMMENTS_THREAD_DEPTH", default=5)
COMMENTS_PAGE_SIZE = env.int("COMMENTS_PAGE_SIZE", default=50)
COMMENTS_NEWEST_PAGE_FIRST = env.bool("COMMENTS_NEWEST_PAGE_FIRST", default=False)
COMMENTS_FLOOD_SECONDS = env.int("COMMENTS_FLOOD_SECONDS", default=15)
COMMENTS_MIN_SUBMIT_SECONDS = env.float("COMMENTS_MIN_SUBMIT_SECONDS", default=3.0)
COMMENTS_MAX_FORM_AGE = env.int("COMMENTS_MAX_FORM_AGE", default=2 * 60 * 60)  # seconds
COMMENTS_PENDING_COOKIE_DAYS = env.int("COMMENTS_PENDING_COOKIE_DAYS", default=7)
COMMENTS_EDIT_MINUTES = env.int("COMMENTS_EDIT_MINUTES", default=10)  # 0: no edits
COMMENTS_ANONYMIZE_AFTER_DAYS = env.int("COMMENTS_ANONYMIZE_AFTER_DAYS", default=90)
COMMENTS_SPAM_PURGE_DAYS = env.int("COMMENTS_SPAM_PURGE_DAYS", default=30)  # spam and removed
COMMENTS_BLATANT_PURGE_DAYS = env.int("COMMENTS_BLATANT_PURGE_DAYS", default=7)
COMMENTS_REPORT_THRESHOLD = env.int("COMMENTS_REPORT_THRESHOLD", default=3)  # distinct IPs
COMMENTS_REPORTS_PER_HOUR = env.int("COMMENTS_REPORTS_PER_HOUR", default=10)  # per IP
# How long the appeal link in a statement of reasons works (within the purge period).
COMMENTS_APPEAL_DAYS = env.int("COMMENTS_APPEAL_DAYS", default=14)
# A task still running after this long lost its worker (killed, machine gone) and is re-queued
# by `recheck_comments`; longer than the slowest task (100 Akismet checks, an SMTP send).
COMMENTS_TASK_LEASE_SECONDS = env.int("COMMENTS_TASK_LEASE_SECONDS", default=300)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)  # 0: use REMOTE_ADDR
# Commenters' e-mail (comments.notifications): link lifetimes, the confirmation e-mail's hourly
# limits, and how long a worker holds an e-mail it is sending before another may retry it.
COMMENTS_CONFIRM_LINK_DAYS = env.int("COMMENTS_CONFIRM_LINK_DAYS", default=3)
COMMENTS_OWN_LINK_DAYS = env.int("COMMENTS_OWN_LINK_DAYS", default=30)
COMMENTS_CONFIRM_MAILS_PER_HOUR = env.int("COMMENTS_CONFIRM_MAILS_PER_HOUR", default=3)
COMMENTS_CONFIRM_MAILS_PER_IP_PER_HOUR = env.int(
    "COMMENTS_CONFIRM_MAILS_PER_IP_PER_HOUR", default=10
)
COMMENTS_MAIL_CLAIM_SECONDS = env.int("COMMENTS_MAIL_CLAIM_SECONDS", default=15 * 60)

# Akismet (no key: the spam check is off, and the admin says so)
AKISMET_API_KEY = env("AKISMET_API_KEY", default="")
AKISMET_BLOG_URL = env("AKISMET_BLOG_URL", default=SITE_URL)
AKISMET_API_URL = env("AKISMET_API_URL", default="https://rest.akismet.com")
AKISMET_TIMEOUT = env.float("AKISMET_TIMEOUT", default=2.0)
AKISMET_TEST_MODE = env.bool("AKISMET_TEST_MODE", default=False)
