"""The site's Content-Security-Policy blocks nothing the public pages or the admin need.

The policy (SECURE_CSP) allows scripts and styles from the site's own origin only, with no
'unsafe-inline': any inline script, inline style or foreign resource a page uses is a violation
the browser reports, and it is what an attacker's injected markup would look like too.
"""

import pytest
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment
from tests.e2e.public_pages import PUBLIC_PAGES
from tests.factories import UserFactory

# Runs before any script of each document, so it also hears about what the markup itself trips.
LISTENER = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const note = `${event.violatedDirective} blocked ${event.blockedURI || "?"}`
    + ` (${event.sourceFile || document.location.href}:${event.lineNumber})`;
  window.cspViolations.push(note);
  window.noteCspViolation(note);
});
"""


@pytest.fixture
def csp_violations(page):
    """The list of CSP violations the page reports, filled in as it browses."""
    found = []
    page.expose_function("noteCspViolation", lambda note: found.append(note))
    page.add_init_script(LISTENER)
    page.on("console", lambda message: _note_console(message, found))
    return found


def _note_console(message, found):
    if "Content Security Policy" in message.text:
        found.append(f"console: {message.text}")


def settle(page):
    """Let the page finish loading, so whatever it was going to trip has been reported."""
    page.wait_for_load_state("load")
    assert page.evaluate("window.cspViolations") is not None


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_trips_no_content_security_policy_violation(
    name, page, live_server, discussion, csp_violations
):
    PUBLIC_PAGES[name](page, live_server.url, discussion)
    settle(page)
    assert csp_violations == []


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_visits(article, comment):
    """What a desk editor and a moderator open in the admin, in the order they would."""
    return [
        "/admin/",
        "/admin/comments/comment/",
        f"/admin/comments/comment/{comment.pk}/change/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        f"/preview/{article.pk}/",
        f"/admin/articles/article/{article.pk}/change/",
    ]


def test_admin_trips_no_content_security_policy_violation(
    page, live_server, login, superuser, discussion, csp_violations
):
    comment = Comment.objects.filter(article=discussion).order_by("pk").first()
    login(page, "root")
    for path in admin_visits(discussion, comment):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        settle(page)

    # The widgets' scripts build markup as they open: open the autocomplete and the calendar.
    page.locator("#id_tags + .select2").click()
    page.locator('[aria-controls="select2-id_tags-results"]').fill("h")
    expect(page.locator("#select2-id_tags-results li").first).to_be_visible()
    page.keyboard.press("Escape")
    page.locator("#calendarlink0").click()
    expect(page.locator("#calendarbox0")).to_be_visible()
    page.keyboard.press("Escape")
    # A second revision, saved through the form, so history has two to compare.
    page.get_by_label("Dek").fill("A new dek, so the revisions differ.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    page.get_by_role("link", name="History").click()
    page.get_by_role("button", name="Compare selected revisions").click()
    expect(page.locator(".revision-diff").first).to_be_visible()
    settle(page)
    page.get_by_role("link", name="History").click()
    page.locator("#change-history tbody th a").last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revert")
    settle(page)

    assert Article.objects.get(pk=discussion.pk).dek.startswith("A new dek")
    assert csp_violations == []
