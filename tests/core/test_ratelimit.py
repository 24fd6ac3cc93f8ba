"""The cache-backed limiter: a window per key, counted with the cache's atomic add and incr."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from jiceng.core import ratelimit


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_hits_within_the_limit_pass_and_the_next_is_refused():
    assert [ratelimit.hit("t:a", 3, 60) for _ in range(5)] == [True, True, True, False, False]
    assert ratelimit.hit("t:b", 3, 60)  # another key counts alone


def test_a_new_window_starts_when_the_key_is_gone():
    for _ in range(2):
        ratelimit.hit("t:a", 1, 60)
    assert not ratelimit.hit("t:a", 1, 60)
    cache.delete(f"{ratelimit.PREFIX}:t:a")  # what the cache does when the window's timeout passes
    assert ratelimit.hit("t:a", 1, 60)


def test_the_count_is_kept_in_the_shared_cache():
    ratelimit.hit("t:a", 5, 60)
    ratelimit.hit("t:a", 5, 60)
    assert cache.get(f"{ratelimit.PREFIX}:t:a") == 2


def test_client_address_is_the_servers_view_not_a_header():
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert ratelimit.client_address(request) == "10.1.2.3"


def test_concurrent_hits_are_counted_once_each():
    import threading

    results = []

    def worker():
        results.extend(ratelimit.hit("t:race", 100, 60) for _ in range(25))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 100 and results.count(False) == 100
