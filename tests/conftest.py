"""Hypothesis profiles (fast locally, thorough and derandomized in CI) and the PostgreSQL
fixtures: they skip without a server, or fail when one is required.

``PRODCORE_TEST_PG_DSN`` names a server (``scripts/pg_server.py`` starts a throwaway one
and sets it); with ``PRODCORE_REQUIRE_PG=1`` a missing server fails the run instead.
Each test gets its own schema, dropped afterwards. Under pytest-xdist each worker also
gets its own database (see ``pytest_configure``).
"""

from __future__ import annotations

import functools
import os
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci",
    parent=settings.get_profile("ci"),
    max_examples=150,
    deadline=None,
    suppress_health_check=(HealthCheck.too_slow,),
)
settings.register_profile("nightly", max_examples=2000, deadline=None, stateful_step_count=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _vouched_records_are_storable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record the application vouches for (staged without the storable check) is
    checked anyway in the tests: a domain path that builds one that would not read back
    fails the test that makes it."""
    from prodcore.adapters._staging import StagingUnitOfWork
    from prodcore.adapters._storable import storable_problem

    vouch = StagingUnitOfWork.vouch

    @functools.wraps(vouch)
    def checked(uow: StagingUnitOfWork, record: Any) -> Any:
        problem = storable_problem(record)
        assert problem is None, f"vouched for, but not storable: {problem}: {record!r}"
        return vouch(uow, record)

    monkeypatch.setattr(StagingUnitOfWork, "vouch", checked)


def _worker_url(dsn: str, dbname: str) -> str:
    """``dsn`` naming database ``dbname`` instead (a URL stays a URL: some tests need one)."""
    parts = urllib.parse.urlsplit(dsn)
    if parts.scheme in ("postgresql", "postgres"):
        return parts._replace(path=f"/{dbname}").geturl()
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, dbname=dbname)


@pytest.hookimpl(trylast=True)  # after xdist's, which registers its controller
def pytest_configure(config: pytest.Config) -> None:
    """Coverage measures the pytest processes only, and under pytest-xdist each worker
    gets a database of its own on the PostgreSQL test server.

    coverage's ``patch = subprocess`` (pyproject.toml) is there for the xdist workers,
    which the controller starts after this hook: the programs tests start (CLI runs, a
    benchmark of another commit's copy of the package) stay unmeasured, as they were.

    Schemas keep tables apart, but PostgreSQL's advisory locks (the store's numbering
    step and posting tickets) and ``pg_locks`` span a whole database: two workers' tests
    in one database would wait on, or count, each other's locks.
    """
    if not config.pluginmanager.hasplugin("dsession"):  # not an xdist controller
        os.environ.pop("COVERAGE_PROCESS_CONFIG", None)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    dsn = os.environ.get("PRODCORE_TEST_PG_DSN")
    if not worker or not dsn:
        return
    import psycopg

    dbname = f"prodcore_test_{worker}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {dbname}")
    # the environment, not a fixture: tests and the CLI subprocesses they start read it
    os.environ["PRODCORE_TEST_PG_DSN"] = _worker_url(dsn, dbname)


def _dsn() -> str:
    dsn = os.environ.get("PRODCORE_TEST_PG_DSN")
    if not dsn:
        if os.environ.get("PRODCORE_REQUIRE_PG") == "1":
            pytest.fail("PRODCORE_REQUIRE_PG=1 but PRODCORE_TEST_PG_DSN is not set")
        pytest.skip("no PostgreSQL server (set PRODCORE_TEST_PG_DSN)")
    return dsn


@pytest.fixture
def pg_dsn() -> Iterator[str]:
    """A DSN whose search_path is a fresh, empty schema."""
    dsn = _dsn()
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        if os.environ.get("PRODCORE_REQUIRE_PG") == "1":
            pytest.fail("psycopg is not installed")
        pytest.skip("psycopg is not installed")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    if dsn.startswith(("postgresql:", "postgres:")):
        sep = "&" if "?" in dsn else "?"
        yield f"{dsn}{sep}options={urllib.parse.quote(f'-c search_path={schema}')}"
    else:
        yield f"{dsn} options='-c search_path={schema}'"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_base_dsn() -> str:
    """The server's DSN (tests that make their own schemas)."""
    return _dsn()
