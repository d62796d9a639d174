"""A reader opts in to e-mail under the form, then confirms and withdraws from the e-mail's
links in another browser (no cookies of theirs); every page they see passes axe."""

import datetime
import re

import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from comments import notifications
from comments.models import Comment, CommenterAddress


def email_links(message, base):
    return dict(
        (name, path)
        for path in re.findall(rf"{re.escape(base)}(/\S+)", message.body)
        for name in ("confirm", "mine", "unsubscribe")
        if path.startswith(f"/comments/{name}/")
    )


def test_opting_in_confirming_and_withdrawing_from_the_email(
    page, browser, live_server, discussion, settings, axe_violations
):
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}{discussion.get_absolute_url()}")
    page.locator("#id_name").fill("Ilse Marrow")
    page.locator("#id_email").fill("ilse.marrow@example.net")
    page.locator("#id_body").fill("Will the pads stay open through September?")
    opt_in = page.get_by_label("E-mail me when my comment is published, and when someone replies")
    expect(opt_in).not_to_be_checked()
    opt_in.check()
    page.locator(".comment-form button[type=submit]").click()
    comment = Comment.objects.get(email="ilse.marrow@example.net")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("awaiting moderation")
    assert not comment.follow  # until the address's owner says yes from the e-mail

    [message] = [m for m in mail.outbox if m.to == ["ilse.marrow@example.net"]]
    found = email_links(message, live_server.url)
    elsewhere = browser.new_context().new_page()  # another device: none of the poster's cookies

    elsewhere.goto(f"{live_server.url}{found['confirm']}")
    assert axe_violations(elsewhere) == []
    elsewhere.get_by_role("button", name="Confirm my address").click()
    expect(elsewhere.get_by_role("status")).to_contain_text("is confirmed")
    assert CommenterAddress.objects.get(email="ilse.marrow@example.net").is_confirmed()
    comment.refresh_from_db()
    assert comment.follow

    elsewhere.get_by_role("link", name="See your comment").click()
    expect(elsewhere.locator(".own-comment")).to_contain_text("Awaiting moderation.")
    expect(elsewhere.locator("blockquote")).to_contain_text("stay open through September")
    assert axe_violations(elsewhere) == []
    elsewhere.get_by_role("button", name="Withdraw my comment").click()
    expect(elsewhere.get_by_role("status")).to_contain_text("Your comment is withdrawn")
    assert axe_violations(elsewhere) == []
    comment.refresh_from_db()
    assert comment.is_withdrawn()
    elsewhere.context.close()


def test_the_unsubscribe_and_broken_link_pages_pass_axe(
    page, live_server, seeded, settings, axe_violations
):
    address = CommenterAddress.for_email("axe@example.net")
    address.confirm()
    page.goto(notifications.unsubscribe_url(address).replace(settings.SITE_URL, live_server.url))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("status")).to_contain_text("no more e-mail")
    assert axe_violations(page) == []

    page.goto(f"{live_server.url}/comments/mine/not-a-real-link/")
    expect(page.locator("h1")).to_have_text("This link does not work")
    assert axe_violations(page) == []


def test_the_expired_link_new_link_and_refused_edit_pages_pass_axe(
    page, live_server, seeded, settings, axe_violations
):
    settings.SITE_URL = live_server.url
    comment = Comment.objects.create(
        article=seeded, name="Old Link", email="old.link@example.net", body="From last week."
    )
    comment.hold("first_time")
    with time_machine.travel(timezone.now() - datetime.timedelta(days=4)):
        expired = notifications.confirm_url(comment)

    page.goto(expired)
    expect(page.locator("h1")).to_have_text("This link does not work")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("status")).to_contain_text("We have sent you a new e-mail")
    assert axe_violations(page) == []
    assert [m.to for m in mail.outbox] == [["old.link@example.net"]]

    page.goto(f"{live_server.url}/comments/{comment.pk}/edit/")  # not this browser's comment
    expect(page.get_by_role("alert")).to_contain_text("This browser cannot edit this comment")
    assert axe_violations(page) == []
