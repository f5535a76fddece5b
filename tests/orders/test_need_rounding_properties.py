"""Properties of BC's rounding of component needs and of the BOM's unit of measure."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prodcore.masterdata import (
    QUANTITY_PRECISION,
    BomLine,
    Item,
    ItemUnitOfMeasure,
    MasterData,
    NeedRounding,
    ProductionBom,
    Replenishment,
)
from prodcore.numbers import Rounding
from prodcore.orders.explosion import explode_order_lines

PRECISIONS = st.sampled_from([Decimal(s) for s in ("1", "0.5", "0.25", "0.01", "0.00001")])
NEEDS = st.decimals(min_value=0, max_value=10**6, places=8)


@given(precision=PRECISIONS, need=NEEDS)
def test_a_need_rounds_up_by_less_than_one_step(precision: Decimal, need: Decimal) -> None:
    rounded = NeedRounding(precision).apply(need)
    at_ledger_precision = Rounding(QUANTITY_PRECISION).apply(need)
    assert rounded % precision == 0
    assert at_ledger_precision <= rounded < max(at_ledger_precision, need) + precision
    assert (rounded > 0) == (need > 0)  # never vanishes, never appears


@given(
    box=st.sampled_from([2, 3, 7, 12]),
    qper=st.decimals(min_value=0, max_value=100, places=3),
    boxes=st.integers(min_value=0, max_value=1000),
    precision=PRECISIONS,
)
def test_a_bom_in_boxes_needs_per_box_what_a_bom_in_pieces_needs_per_piece(
    box: int, qper: Decimal, boxes: int, precision: Decimal
) -> None:
    """An order for ``boxes`` boxes of a BOM in BOX needs what an order for ``boxes``
    pieces of the same BOM in the base unit needs, whatever the division's noise."""

    def expected(unit: str | None, quantity: int) -> Decimal:
        md = MasterData.of(
            items=[
                Item(
                    "P",
                    base_unit="PCS",
                    replenishment=Replenishment.PRODUCTION,
                    production_bom_no="B",
                    units=(ItemUnitOfMeasure("BOX", qty_per_base=box),),
                ),
                Item("C", base_unit="PCS", rounding_precision=precision),
            ],
            boms=[ProductionBom("B", (BomLine("C", qper),), unit=unit)],
        )
        (line,) = explode_order_lines("P", Decimal(quantity), md, due_date=None)
        return line.components[0].expected_quantity

    assert expected("BOX", boxes * box) == expected(None, boxes)
