"""A PostgreSQL refusal that a retry may cure (serialization failure, deadlock, lock
timeout) becomes a ConcurrencyError that still says which one it was, in the server's
words: a deadlock that keeps coming back is a bug to look into, not noise."""

from __future__ import annotations

import pytest

from prodcore.errors import ConcurrencyError

errors = pytest.importorskip("psycopg.errors")


@pytest.mark.parametrize(
    "driver_error",
    [errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable],
)
def test_a_retryable_refusal_keeps_its_kind_and_message(driver_error: type[Exception]) -> None:
    from prodcore.adapters.postgres import _translate

    translated = _translate(driver_error("the server's words"))
    assert isinstance(translated, ConcurrencyError)
    assert translated.key == "commit"
    assert translated.actual == f"{driver_error.__name__}: the server's words"
