"""The documentation site builds strictly, and its pages cite nothing the reader lacks."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md"))

# Labels of reference notes that are not in the repository: a page states the rule instead.
NOTE_LABEL = re.compile(
    r"\b(?:[ED]\d{1,2}\b(?!\s*=)|[Dd]ecision \d|bc-d365|domain notes|reference notes)"
)


def _mkdocs(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Not -q: mkdocs then drops the warnings that --strict counts, and a broken link passes.
    pytest.importorskip("mkdocstrings", reason="the docs extra builds the site")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )


def test_the_site_builds_strictly_with_every_page_and_the_api_reference(tmp_path: Path) -> None:
    result = _mkdocs("-d", str(tmp_path / "site"), cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("tutorial", "howto", "costing", "reference/orders"):
        assert (tmp_path / "site" / page / "index.html").is_file()
    api = (tmp_path / "site" / "reference" / "orders" / "index.html").read_text(encoding="utf-8")
    assert "CreateOrder" in api


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copytree(ROOT / "src", tmp_path / "src")
    tutorial = tmp_path / "docs" / "tutorial.md"
    tutorial.write_text(tutorial.read_text() + "\nSee [nowhere](no-such-page.md).\n")
    result = _mkdocs("-d", str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode != 0
    assert "no-such-page.md" in result.stdout + result.stderr


def test_every_page_is_in_the_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert f" {page.relative_to(ROOT / 'docs').as_posix()}\n" in config, page


@pytest.mark.parametrize("page", [*PAGES, ROOT / "README.md"], ids=lambda p: p.name)
def test_pages_cite_no_note_outside_the_repository(page: Path) -> None:
    hits = [m.group(0) for m in NOTE_LABEL.finditer(page.read_text(encoding="utf-8"))]
    assert hits == [], f"{page.name} cites {hits}: state the rule and its example instead"


def test_site_output_is_ignored_and_not_collected() -> None:
    assert "site/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'norecursedirs = \[[^]]*"site"', text)
