"""The moderators' rules and the site's policies, each through a real comment POST."""

import pytest
from django.test import RequestFactory

from comments.models import Rule
from comments.rules import client_ip, count_links, word_pattern


@pytest.fixture(autouse=True)
def _trusted_commenters(settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False


@pytest.mark.parametrize("field", ["name", "email", "url", "body"])
def test_a_disallowed_word_anywhere_makes_the_comment_spam(post, article, field):
    Rule.objects.create(kind="disallowed_word", value="casino")
    values = {
        "name": "Casino King",
        "email": "casino@example.net",
        "url": "https://casino.example",
        "body": "Best CASINO in town.",
    }

    comment = post(article, **{field: values[field]}).comment

    assert comment.is_spam()
    assert comment.reasons == ["disallowed_word"]
    assert comment.events.filter(kind="rule_matched", data__reason="disallowed_word").exists()


@pytest.mark.parametrize(
    "text", ["I love casinos.", "Occasional casinoesque vibes", "a xcasino b", "casino_royale"]
)
def test_a_word_inside_another_word_does_not_match(post, article, text):
    Rule.objects.create(kind="disallowed_word", value="casino")

    assert post(article, body=text).comment.is_approved()


def test_a_rule_may_be_a_phrase_with_punctuation(post, article):
    Rule.objects.create(kind="hold_word", value="free $$$")

    assert post(article, body="Get FREE $$$ now").comment.reasons == ["hold_word"]


def test_a_hold_word_holds_the_comment_for_a_moderator(post, article):
    Rule.objects.create(kind="hold_word", value="lawsuit")

    comment = post(article, body="There will be a Lawsuit, mark my words.").comment

    assert comment.is_pending()
    assert comment.reasons == ["hold_word"]


def test_a_disallowed_email_address_makes_the_comment_spam(post, article):
    Rule.objects.create(kind="disallowed_email", value="Troll@Example.net")

    assert post(article, email="troll@example.net").comment.reasons == ["disallowed_email"]
    assert post(article, email="nottroll@example.net").comment.is_approved()


def test_a_disallowed_domain_makes_every_address_there_spam(post, article):
    Rule.objects.create(kind="disallowed_email", value="@spam.example")

    assert post(article, email="anyone@spam.example").comment.is_spam()


def test_a_disallowed_ip_or_network_makes_the_comment_spam(post, article):
    Rule.objects.create(kind="disallowed_ip", value="203.0.113.7")
    Rule.objects.create(kind="disallowed_ip", value="192.0.2.0/24")

    assert post(article, ip="203.0.113.7").comment.reasons == ["disallowed_ip"]
    assert post(article, ip="192.0.2.200").comment.reasons == ["disallowed_ip"]
    assert post(article, ip="203.0.113.8").comment.is_approved()


def test_a_disallowed_comment_is_spam_even_with_hold_reasons_too(post, article):
    Rule.objects.create(kind="disallowed_word", value="casino")
    Rule.objects.create(kind="hold_word", value="tonight")

    comment = post(article, body="casino tonight").comment

    assert comment.is_spam()
    assert set(comment.reasons) == {"disallowed_word", "hold_word"}


def test_two_links_hold_the_comment_and_one_does_not(post, article):
    one = post(article, body="See https://example.org for details.").comment
    two = post(article, body="See [this](https://example.org) and www.example.com too.").comment

    assert one.is_approved()
    assert two.reasons == ["link_limit"]


def test_the_link_limit_is_a_setting(post, article, settings):
    settings.COMMENTS_LINK_LIMIT = 1

    assert post(article, body="See https://example.org").comment.reasons == ["link_limit"]


def test_first_time_commenters_are_held_by_default_and_the_hold_can_be_switched_off(
    post, article, settings
):
    settings.COMMENTS_HOLD_FIRST_TIME = True
    assert post(article).comment.reasons == ["first_time"]

    settings.COMMENTS_HOLD_FIRST_TIME = False
    assert post(article).comment.is_approved()


def test_staff_are_approved_even_when_a_hold_rule_matches(client, post, article, moderator):
    Rule.objects.create(kind="hold_word", value="lawsuit")
    client.force_login(moderator)

    assert post(article, body="No lawsuit here.").comment.is_approved()


def test_staff_are_not_exempt_from_disallowed_words(client, post, article, moderator):
    Rule.objects.create(kind="disallowed_word", value="casino")
    client.force_login(moderator)

    assert post(article, body="casino").comment.is_spam()


def test_word_patterns_match_whole_words_in_any_case():
    pattern = word_pattern("cheap")

    assert pattern.search("So CHEAP!")
    assert not pattern.search("cheapest")
    assert not pattern.search("scheap")


def test_links_are_counted_as_they_will_be_shown():
    assert count_links("no links") == 0
    assert count_links("[a](https://a.example) https://b.org `https://c.org`") == 2


# The commenter's IP address, behind the proxies the site trusts.


def request_from(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().post("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxies_the_ip_is_remote_addr_and_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("198.51.100.1", "203.0.113.9")) == "198.51.100.1"


def test_behind_one_proxy_the_ip_is_the_last_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    request = request_from("10.0.0.2", "6.6.6.6, 203.0.113.9")

    assert client_ip(request) == "203.0.113.9"


def test_behind_two_proxies_the_ip_is_the_second_address_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    request = request_from("10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2")

    assert client_ip(request) == "203.0.113.9"


def test_a_missing_or_garbled_forwarded_for_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"
    assert client_ip(request_from("10.0.0.2", "not-an-ip")) == "10.0.0.2"


def test_a_posted_comment_stores_the_ip_the_trusted_proxy_saw(post, article, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    comment = post(
        article, ip="10.0.0.2", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}
    ).comment

    assert comment.ip == "203.0.113.9"
