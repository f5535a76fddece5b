"""Each document rendered by a real browser: headless Chromium prints the HTML to a PNG;
the page is not blank and the browser's DOM holds the order's lines.

Skipped where no Chromium is installed (``scripts/check.sh`` installs Debian's
``chromium`` when it runs as root)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from prodcore.documents import KINDS, load_document, render_html
from tests.warehouse.conftest import warehouse_shop
from tests.warehouse.test_picking import pick

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    pytest.skip(
        "no headless Chromium on PATH (apt-get install chromium; scripts/check.sh does it as root)"
    )


def chromium(html: Path, *args: str) -> str:
    """Run headless Chromium on the page ``html``; its stdout."""
    done = subprocess.run(
        [
            browser(),
            "--headless",
            "--no-sandbox",  # tests may run as root in a container
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=900,1100",
            *args,
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def screenshot(html: Path, png: Path) -> None:
    chromium(html, f"--screenshot={png}")


@pytest.mark.parametrize("kind", KINDS)
def test_chromium_renders_the_document_with_the_orders_lines(kind: str, tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image", reason="Pillow checks the screenshot")
    shop = warehouse_shop()
    pick(shop, 30)
    doc = load_document(shop.uow, kind, order_id="PO-1", operation_no="10")
    page = tmp_path / f"{kind}.html"
    page.write_text(render_html(doc), encoding="utf-8")
    png = tmp_path / f"{kind}.png"
    screenshot(page, png)
    with image.open(png) as shot:
        grey = shot.convert("L")
        dark = sum(grey.histogram()[:128])  # pixels of text and rules
        assert grey.size == (900, 1100)
        assert dark > 2000, "the page is blank"
    dom = chromium(page, "--dump-dom")
    assert "PO-1" in dom and doc.title in dom
    for section in doc.sections:
        for row in section.rows:
            for cell in row:
                assert f">{cell}<" in dom.replace("&amp;", "&") or not cell
