"""Real-browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live_server.

Run them with ``.venv/bin/python -m pytest tests/e2e -q`` (or ``-m e2e`` from the whole suite).
They need Chromium from Debian (``make browser``) and axe-core from npm (``npm ci``); Playwright's
own browser download cannot work on these machines.

Fixtures for every module here:

- ``page``: pytest-playwright's page; the test fails if the page requests any other host.
  Uploads under MEDIA_URL are served from MEDIA_ROOT, as a production web server would.
- ``seeded``: the demo site loaded by ``manage.py seed``; returns the full reference article.
- ``discussion``: ``seeded`` plus ``manage.py seed_comments``, with the comment form's timing and
  flood limits and Akismet off; returns the reference article.
- ``login(page, username, password=PASSWORD)``: logs in through the admin's login form.
- ``axe_violations(page)``: runs axe-core with the WCAG 2.2 AA rules; returns the violations.
- ``screenshot(page, name)``: saves a full-page PNG as ``test-results/<name>.png``
  (pytest-playwright empties test-results/ when a pytest session starts).
"""

import io
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from articles.markup import CALLOUT_LABELS
from articles.models import Article

E2E_DIR = Path(__file__).resolve().parent
ROOT = E2E_DIR.parents[1]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-results"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

CHROMIUM = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    # Keep Chromium's own background traffic (updater, sign-in, autofill) off the network:
    # names other than loopback fail to resolve, and any other address goes to a dead port.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
]

# Serve the site on IPv4 loopback, so Chromium does not try [::1] first for "localhost".
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _test_database_before_live_server(django_db_setup):
    """Set up the test database before the live server starts.

    The server shares an in-memory SQLite test database with the tests only if that database
    exists when the server starts; otherwise each request thread opens (and leaks) its own
    connection.
    """


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("e2e-media")


@pytest.fixture(autouse=True)
def _e2e_settings(settings, _media_root):
    # One media folder for the session, so the seed draws its pictures once and then reuses them.
    settings.MEDIA_ROOT = _media_root
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def page(page, live_server, request):
    """The browser page; the test fails if the page requests anything but the local server."""
    request.node.foreign_requests = []
    page.on("request", lambda req: _note_foreign(req.url, request.node.foreign_requests))
    page.route(f"{live_server.url}{_media_prefix()}**", _serve_media)
    page.set_default_timeout(10_000)
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    foreign = getattr(item, "foreign_requests", [])
    if foreign:
        pytest.fail(f"The page requested other hosts: {foreign}")
    return result


def _note_foreign(url, foreign):
    parts = urlsplit(url)
    if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
        foreign.append(url)


def _media_prefix():
    return "/" + settings.MEDIA_URL.strip("/") + "/"


def _serve_media(route):
    """Uploads, as a production web server would serve them (Django does only when DEBUG)."""
    path = unquote(urlsplit(route.request.url).path).removeprefix(_media_prefix())
    file = (Path(settings.MEDIA_ROOT) / path).resolve()
    if file.is_file() and Path(settings.MEDIA_ROOT).resolve() in file.parents:
        route.fulfill(path=file)
    else:
        route.fulfill(status=404)


@pytest.fixture
def seeded(transactional_db):
    """Load the demo site through the seed command; return its full reference article."""
    call_command("seed", stdout=io.StringIO())
    return reference_article()


@pytest.fixture
def discussion(seeded, settings):
    """The reference article with its demo discussion; a person's typing pace is not needed."""
    call_command("seed_comments", stdout=io.StringIO())
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.AKISMET_API_KEY = ""
    return seeded


def reference_article():
    """The published demo article with FAQs, related picks and all four callout kinds."""
    candidates = (
        Article.objects.published()
        .filter(faqs__isnull=False, picks__isnull=False)
        .distinct()
        .order_by("pk")
    )
    for article in candidates:
        if all(f":::{kind}" in article.body for kind in CALLOUT_LABELS):
            return article
    raise AssertionError("The seed has no article with FAQs, related picks and all callouts.")


@pytest.fixture
def login(live_server):
    """A function that logs a staff user in through the admin's login form."""

    def log_in(page, username, password=PASSWORD):
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{live_server.url}/admin/")

    return log_in


@pytest.fixture(scope="session")
def _axe_source():
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` at the repository root.")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def axe_violations(_axe_source):
    """A function that runs axe-core in the page with the WCAG 2.2 AA rules.

    axe is injected with ``page.evaluate``: the site's Content-Security-Policy blocks the inline
    script that ``page.add_script_tag`` would add. Every impact counts, minor included: the
    result is not filtered. Returns one short dict per violated rule.
    """

    def run(page):
        page.evaluate(_axe_source)
        result = page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            WCAG_22_AA,
        )
        return [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "nodes": [node["target"] for node in violation["nodes"]],
            }
            for violation in result["violations"]
        ]

    return run


@pytest.fixture
def screenshot():
    """A function that saves a full-page screenshot in test-results/ (git-ignored)."""

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        # Scroll to the end first, so lazily loaded pictures are in the shot.
        page.keyboard.press("End")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=path, full_page=True)
        return path

    return take
