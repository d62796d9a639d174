"""Admin log-in throttling (django-axes), through the admin's log-in form."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"  # the factories' password
LOCKED = "Too many failed log-ins for this account from your address. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def _three_tries(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def editor(db):
    return UserFactory(username="sam", is_staff=True)


def log_in(client, username, password, ip="192.0.2.10", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers
    )


def fail(client, username, times, **kwargs):
    for _ in range(times):
        assert log_in(client, username, "wrong", **kwargs).status_code in (200, 429)


def test_after_the_limit_the_right_password_is_refused_on_the_login_page(client, editor):
    first, second = (log_in(client, "sam", "wrong") for _ in range(2))
    third = log_in(client, "sam", "wrong")

    response = log_in(client, "sam", PASSWORD)

    html = response.content.decode()
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert LOCKED in third.content.decode()
    assert response.status_code == 429
    assert LOCKED in html
    assert 'name="username" value="sam"' in html  # the login form again, the name kept
    assert "Please enter the correct username" not in html
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_still_let_the_right_password_in(client, editor):
    fail(client, "sam", 2)

    assert log_in(client, "sam", PASSWORD).status_code == 302
    client.logout()
    fail(client, "sam", 2)  # a success starts the count again
    assert log_in(client, "sam", PASSWORD).status_code == 302


def test_the_lock_holds_only_that_username_from_that_address(client, editor):
    UserFactory(username="rita", is_staff=True)
    fail(client, "sam", 3)

    assert log_in(client, "sam", PASSWORD).status_code == 429
    assert log_in(client, "rita", PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "sam", PASSWORD, ip="198.51.100.7").status_code == 302


def test_behind_a_trusted_proxy_the_address_is_the_forwarded_one(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    fail(client, "sam", 3, ip=proxy, x_forwarded_for="203.0.113.5")

    from_elsewhere = log_in(client, "sam", PASSWORD, ip=proxy, x_forwarded_for="203.0.113.9")
    client.logout()
    # A spoofed left-hand entry does not dodge the lock: the proxy's own entry counts.
    spoofed = log_in(client, "sam", PASSWORD, ip=proxy, x_forwarded_for="198.51.100.1, 203.0.113.5")

    assert from_elsewhere.status_code == 302
    assert spoofed.status_code == 429


def at(start, minutes):
    return time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False)


def test_after_the_cool_off_the_right_password_works_again(client, editor):
    start = timezone.now()
    with at(start, 0):
        fail(client, "sam", 3)
        assert log_in(client, "sam", PASSWORD).status_code == 429

    with at(start, 16):
        assert log_in(client, "sam", PASSWORD).status_code == 302


def test_each_try_during_the_lock_starts_the_wait_again(client, editor):
    start = timezone.now()
    with at(start, 0):
        fail(client, "sam", 3)
    for minutes in (14, 28):
        with at(start, minutes):
            assert log_in(client, "sam", PASSWORD).status_code == 429

    with at(start, 44):
        assert log_in(client, "sam", PASSWORD).status_code == 302


def test_force_login_and_client_login_with_a_request_still_work(client, editor, rf):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    client.logout()

    assert client.login(request=rf.get("/"), username="sam", password=PASSWORD)
