"""The production documents: built from the order, rendered as text, JSON and HTML, and
through ``prodcore document``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import pytest

from prodcore.adapters import open_store
from prodcore.app import handle, put_master_data
from prodcore.cli import main
from prodcore.clock import FixedClock
from prodcore.documents import (
    KINDS,
    load_document,
    render_html,
    render_json,
    render_text,
)
from prodcore.errors import InvalidValueError, NotFoundError
from prodcore.masterdata import Item, ManufacturingSetup
from prodcore.orders.journals import AdjustInventory, AdjustmentLine, PickComponents, PickLine
from prodcore.orders.lifecycle import ChangeStatus, CreateOrder
from prodcore.orders.model import OrderStatus
from prodcore.testing.shop import DUE, T0
from tests.warehouse.conftest import records, warehouse_shop
from tests.warehouse.test_picking import pick


def test_the_picking_list_groups_by_production_bin_and_names_the_storage_bins() -> None:
    shop = warehouse_shop()
    pick(shop, 30)
    doc = load_document(shop.uow, "picking-list", order_id="PO-1")
    (section,) = doc.sections
    assert section.title == "To bin ASSY-IN"
    row = dict(zip(section.columns, section.rows[0], strict=True))
    assert row["Item"] == "COMP" and row["Description"] == "Spoke 2.0 mm"
    assert (row["Needed"], row["Picked"], row["To pick"]) == ("100", "30", "70")
    assert row["Take from"] == "S-01: 170"
    assert load_document(shop.uow, "picking-list", centre="ASSY").sections == doc.sections
    assert load_document(shop.uow, "picking-list", centre="PAINT").sections == ()


def test_route_and_job_card_show_the_operation_its_times_and_bins() -> None:
    shop = warehouse_shop()
    route = load_document(shop.uow, "route-card", order_id="PO-1")
    assert route.sections[0].rows[0][:5] == (
        "10",
        "ASSY",
        "Lace the wheel; true to 0.5 mm",
        "15 MIN",
        "2 MIN",
    )
    job = load_document(shop.uow, "job-card", order_id="PO-1", operation_no="10")
    fields = dict(job.fields)
    assert fields["Components from bin"] == "ASSY-IN"
    assert fields["Output to bin"] == "ASSY-OUT"
    assert fields["To make"] == "100 PCS"
    components, record = job.sections
    assert components.rows == (("COMP", "Spoke 2.0 mm", "100", "PCS", "ASSY-IN"),)
    assert record.blank_rows == 6 and "Start" in record.columns


def test_every_kind_renders_as_text_json_and_html_from_the_same_data() -> None:
    shop = warehouse_shop()
    for kind in KINDS:
        doc = load_document(shop.uow, kind, order_id="PO-1", operation_no="10")
        text, html = render_text(doc), render_html(doc)
        assert json.loads(render_json(doc)) == doc.to_dict()
        for s in doc.sections:
            assert s.title in text and s.title in html
            for row in s.rows:
                assert all(cell in text and cell in html for cell in row)
        assert "size: A4" in html and "@media print" in html
    assert "size: Letter" in render_html(doc, paper="Letter")


def test_html_escapes_what_master_data_holds() -> None:
    shop = warehouse_shop()
    comp = shop.records[3]
    assert isinstance(comp, Item) and comp.no == "COMP"
    put_master_data(shop.uow, [attrs.evolve(comp, description="<script>alert(1)</script>")])
    html = render_html(load_document(shop.uow, "picking-list", order_id="PO-1"))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


def test_bad_requests_are_refused_with_typed_errors() -> None:
    shop = warehouse_shop()
    with pytest.raises(InvalidValueError):
        load_document(shop.uow, "route-card")  # which order?
    with pytest.raises(InvalidValueError):
        load_document(shop.uow, "job-card", order_id="PO-1")  # which operation?
    with pytest.raises(NotFoundError):
        load_document(shop.uow, "job-card", order_id="PO-1", operation_no="99")
    with pytest.raises(InvalidValueError):
        render_html(load_document(shop.uow, "route-card", order_id="PO-1"), paper="A5")


def sqlite_store(path: Path) -> str:
    """A SQLite store with the warehouse shop's order PO-1, 30 COMP picked."""
    url = f"sqlite:///{path}"
    clock = FixedClock(T0)
    with open_store(url, migrate=True) as factory:
        uow = factory()
        put_master_data(uow, records(), setup=ManufacturingSetup(allow_negative_inventory=False))
        adjust = AdjustmentLine("COMP", 200, "MAIN", bin_code="S-01")
        handle(uow, AdjustInventory("k1", (adjust,)), clock=clock)
        handle(
            uow, CreateOrder("PO-1", "BIKE", 100, due_date=DUE, location_code="MAIN"), clock=clock
        )
        handle(uow, ChangeStatus("PO-1", OrderStatus.RELEASED), clock=clock)
        handle(
            uow, PickComponents("k2", "PO-1", (PickLine(10000, 10000, 30, "S-01"),)), clock=clock
        )
    return url


def test_the_cli_prints_a_document_and_writes_its_html(tmp_path: Path) -> None:
    url = sqlite_store(tmp_path / "shop.db")
    out = io.StringIO()
    html = tmp_path / "pick.html"
    argv = ["document", "picking-list", "--order", "PO-1", "--store", url, "--html", str(html)]
    assert main(argv, out) == 0
    assert "To bin ASSY-IN" in out.getvalue() and "S-01: 170" in out.getvalue()
    assert "<td>COMP</td>" in html.read_text(encoding="utf-8")
    out = io.StringIO()
    assert main(["document", "route-card", "--order", "PO-1", "--store", url, "--json"], out) == 0
    assert json.loads(out.getvalue())["kind"] == "route-card"
    assert main(["document", "job-card", "--order", "PO-9", "--store", url], io.StringIO()) == 1
