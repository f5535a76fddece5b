"""The SQL stores' cache of decoded documents: bounded, and when full the oldest texts go
first, so the documents read now (the orders' newest versions) stay decoded."""

from __future__ import annotations

from prodcore.adapters._sql import _DecodedCache


def test_when_full_the_oldest_texts_go_first_and_the_newest_stay() -> None:
    cache = _DecodedCache(max_chars=10)
    for doc in ('"aaaa"', '"bbbb"'):  # 6 characters each: the second fills it past 10
        cache.put(doc, str, doc.strip('"'))
    assert list(cache.found) == [(str, '"bbbb"')]
    assert cache.chars == 6
    assert cache.get('"bbbb"', str) == "bbbb"
    assert cache.get('"cc"', str) == "cc"  # decoded on a miss, and kept
    assert list(cache.found) == [(str, '"bbbb"'), (str, '"cc"')]
    assert cache.chars == 10


def test_a_text_put_twice_is_counted_once() -> None:
    cache = _DecodedCache(max_chars=100)
    cache.put('"x"', str, "x")
    cache.put('"x"', str, "x")
    assert cache.chars == 3
