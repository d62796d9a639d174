"""The gate's claims: every key of a post, or none, also when posts race for shared keys.

Against whichever cache the settings give: local memory on the SQLite pass, Redis on the
PostgreSQL pass (CI sets REDIS_URL), where they go in one round trip.
"""

import os
import threading
import uuid

import pytest
from django.core.cache import cache

from comments.rules import claim_all

on_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


@pytest.fixture
def keys():
    prefix = f"claim-check-{uuid.uuid4().hex}"
    names = [f"{prefix}-{n}" for n in range(40)]
    yield names
    cache.delete_many(names)


def test_every_key_is_taken_or_none_and_the_first_one_held_is_named(keys):
    first, second, third, fourth = keys[:4]

    assert claim_all({first: 30, second: 30}) == (None, [first, second])
    assert claim_all({third: 30, second: 30, fourth: 30}) == (second, [])

    assert cache.get(first) == 1 and cache.get(second) == 1
    assert cache.get(third) is None and cache.get(fourth) is None  # none taken


def test_a_key_for_no_time_is_checked_but_not_kept_and_one_for_none_is_kept(keys):
    brief, kept, held = keys[:3]
    cache.set(held, 1, 30)

    assert claim_all({brief: 0, held: 0})[0] == held  # a held key still stops the claim
    assert claim_all({brief: 0, kept: None}) == (None, [brief, kept])

    assert cache.get(brief) is None
    assert cache.get(kept) == 1
    assert claim_all({brief: 30})[0] is None


@on_redis
def test_in_redis_each_key_is_taken_for_its_own_time_in_one_round_trip(keys, monkeypatch):
    client = cache._cache.get_client(write=True)
    claim_all({keys[39]: 10})  # Redis has the script from now on
    sent = []
    execute = type(client).execute_command
    monkeypatch.setattr(
        type(client), "execute_command", lambda c, *a, **k: sent.append(a[0]) or execute(c, *a, **k)
    )

    assert claim_all({keys[0]: 10, keys[1]: 600, keys[2]: None})[0] is None

    assert sent == ["EVALSHA"]
    ttls = [client.ttl(cache.make_and_validate_key(key)) for key in keys[:3]]
    assert 0 < ttls[0] <= 10 and 590 < ttls[1] <= 600 and ttls[2] == -1  # -1: no expiry


@on_redis
def test_racing_posts_never_take_part_of_their_keys(keys):
    # Twenty claims at once, each wanting two keys its neighbours want too (a ring): the ones
    # that win hold both of theirs, no claim that lost holds anything, and each one lost to
    # a winner that holds a key it wanted (with keys taken one by one and given back, two
    # neighbours can both lose to each other).
    wanted = [{keys[n]: 30, keys[(n + 1) % 20]: 30} for n in range(20)]
    start = threading.Barrier(20)
    results = ["not run"] * 20

    def claim(n):
        start.wait()
        results[n] = claim_all(wanted[n])[0]

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "not run" not in results
    winners = [n for n in range(20) if results[n] is None]
    held = {key for key in keys[:20] if cache.get(key) is not None}
    won = {key for n in winners for key in wanted[n]}
    assert held == won and len(won) == 2 * len(winners)  # no two winners share a key
    assert all(results[n] in won for n in range(20) if n not in winners)
