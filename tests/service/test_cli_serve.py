"""``prodcore serve``: a real process serving a store, and its usage errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from prodcore.cli import main


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_prodcore_serve_serves_a_store_behind_api_keys(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# who key\nana k-1\n", encoding="utf-8")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "prodcore",
        "serve",
        "--store",
        str(tmp_path / "s.db"),
        "--port",
        str(port),
        "--api-keys",
        str(keys),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"{base}/health", headers={"X-API-Key": "k-1"})
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        assert response.json() == {"status": "ok"}
        assert httpx.get(f"{base}/health").status_code == 401
    finally:
        process.terminate()
        process.wait(10)
        assert process.stdout is not None
        process.stdout.close()


def test_serve_hands_its_options_to_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import prodcore.service.server as server

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(server, "serve", lambda url, **kw: calls.append((url, kw)))
    assert main(["serve", "--store", "memory:", "--host", "0.0.0.0", "--port", "9"]) == 0
    assert calls == [("memory:", {"host": "0.0.0.0", "port": 9, "api_keys": None})]


def test_a_malformed_key_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    keys.write_text("ana\n", encoding="utf-8")
    assert main(["serve", "--store", "memory:", "--api-keys", str(keys)]) == 2
    assert "line 1: expected 'user key'" in capsys.readouterr().err


def test_without_the_service_extra_serve_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "prodcore.service.server", None)
    assert main(["serve", "--store", "memory:"]) == 2
    assert "pip install 'prodcore[service]'" in capsys.readouterr().err
