#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL server (stdlib only).

    python scripts/pg_server.py -- .venv/bin/coverage run -m pytest

Finds the PostgreSQL binaries (installing Debian's ``postgresql`` package with apt-get
if they are missing and we are root), ``initdb``s a cluster in a temporary directory,
starts it on a unix socket in that directory (fsync, full-page writes and synchronous
commit off: the data is thrown away anyway), creates a database, exports
``PRODCORE_TEST_PG_DSN`` and runs the command. The server is stopped and the directory
removed whatever happens; the exit code is the command's.

PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres`` user
(created if missing) and the server runs through ``runuser -u postgres``; otherwise it
runs as the current user.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PG_USER = "postgres"


def _log(message: str) -> None:
    print(f"[pg_server] {message}", file=sys.stderr, flush=True)


def find_bindir(install: bool = True) -> str:
    """The directory holding ``initdb`` and ``pg_ctl`` (newest version first)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split("/")[-2].split(".")],
        reverse=True,
    )
    for bindir in candidates:
        if os.path.exists(os.path.join(bindir, "initdb")):
            return bindir
    for name in ("pg_ctl", "initdb"):
        found = shutil.which(name)
        if found and os.path.exists(os.path.join(os.path.dirname(found), "initdb")):
            return os.path.dirname(found)
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        _log("PostgreSQL not found; installing it with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
            check=True,
            env=env,
        )
        return find_bindir(install=False)
    raise SystemExit(
        "pg_server: no PostgreSQL binaries found (looked in /usr/lib/postgresql/*/bin and "
        "PATH); install PostgreSQL (e.g. apt-get install postgresql)"
    )


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        _log(f"creating system user {PG_USER!r}")
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
        )
        return pwd.getpwnam(PG_USER)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--" in argv:
        split = argv.index("--")
        ours, command = argv[:split], argv[split + 1 :]
    else:
        ours, command = argv, []
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dbname", default="prodcore_test")
    parser.add_argument("--max-connections", type=int, default=100)
    parser.add_argument("--port", type=int, default=5432, help="used for the socket name only")
    args = parser.parse_args(ours)
    if not command:
        parser.error("give the command to run after --")

    bindir = find_bindir()
    as_root = os.geteuid() == 0
    runner: list[str] = []
    # a unix socket path must stay under ~100 bytes: avoid a long $TMPDIR
    base = None if len(tempfile.gettempdir()) < 60 or not os.path.isdir("/tmp") else "/tmp"
    tmp = tempfile.mkdtemp(prefix="prodcore-pg-", dir=base)
    if as_root:
        user = _ensure_user()
        os.chown(tmp, user.pw_uid, user.pw_gid)
        runner = ["runuser", "-u", PG_USER, "--"]
        db_user = PG_USER
    else:
        db_user = pwd.getpwuid(os.geteuid()).pw_name
    os.chmod(tmp, 0o700)
    data = os.path.join(tmp, "data")
    logfile = os.path.join(tmp, "server.log")
    started = False

    def pg(*cmd: str, **kw: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*runner, *cmd], check=True, **kw)  # type: ignore[call-overload, no-any-return]

    def stop(*_: object) -> None:
        nonlocal started
        if started:
            started = False
            subprocess.run(
                [*runner, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )

    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        t0 = time.monotonic()
        pg(
            f"{bindir}/initdb",
            "-D",
            data,
            "-U",
            db_user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            stdout=subprocess.DEVNULL,
        )
        options = (
            f"-k {tmp} -c listen_addresses='' -p {args.port} -c fsync=off "
            f"-c full_page_writes=off -c synchronous_commit=off "
            f"-c max_connections={args.max_connections}"
        )
        started = True
        pg(
            f"{bindir}/pg_ctl",
            "-D",
            data,
            "-l",
            logfile,
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            stdout=subprocess.DEVNULL,
        )
        pg(f"{bindir}/createdb", "-h", tmp, "-p", str(args.port), "-U", db_user, args.dbname)
        dsn = f"postgresql://{db_user}@/{args.dbname}?host={tmp}&port={args.port}"
        _log(f"PostgreSQL ready in {time.monotonic() - t0:.1f}s: PRODCORE_TEST_PG_DSN={dsn}")
        env = {**os.environ, "PRODCORE_TEST_PG_DSN": dsn}
        return subprocess.run(command, env=env, check=False).returncode
    except subprocess.CalledProcessError as err:
        _log(f"failed: {err}")
        if os.path.exists(logfile):
            with open(logfile, encoding="utf-8", errors="replace") as f:
                sys.stderr.write(f.read()[-4000:])
        return 1
    finally:
        stop()
        shutil.rmtree(tmp, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
