"""The rollup's compiled rows equal a straightforward compilation, exponents included.

The compiler shares equal values between rows (by their text) and the computation
shares purchased items' results (by the identity of their unit cost). On random graphs
whose values mix equal numbers of other exponents (1, 1.0; 0, 0.0), and whose records
share value objects or not:

* every item's row (components, quantities, lot size, indirect part, overhead for the
  lot) equals the one computed line by line from BC's formulas, value and exponent;
* the rollup of the same master data rebuilt with a new object for every value gives
  the same results, as text, as the rollup of the shared objects (a memo keyed by an
  object's identity or by its value would break one of the two).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar, cast

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from prodcore.costing import roll_up
from prodcore.costing.rollup_graph import _Compiler
from prodcore.masterdata import (
    BomLine,
    CalculationFormula,
    CapacityType,
    Item,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    WorkCenter,
)
from prodcore.numbers import Duration, TimeUnit
from prodcore.orders.explosion import accumulate_routing_scrap

D = Decimal
ONE, HUNDRED = D(1), D(100)
# equal values of other exponents: a memo keyed by value would mix them up
_QTY_PER = (D("1"), D("1.0"), D("2"), D("0.5"), D("0.50"), D("3"))
_SCRAP = (D("0"), D("0.0"), D("5"), D("5.0"), D("10"))
_LOTS = (D("1"), D("1.0"), D("2"), D("10"))
_RATES = (D("0"), D("1"), D("1.00"), D("2.5"))


@st.composite
def master_data(draw: st.DrawFn) -> MasterData:
    """Items 0..n-1, each made only of lower-numbered ones, on a few shared routings."""
    shared = draw(st.booleans())  # False: every value a new object, as a store loads them

    def value(pool: tuple[Decimal, ...]) -> Decimal:
        chosen = draw(st.sampled_from(pool))
        return chosen if shared else D(str(chosen))

    routings = [
        Routing(
            f"R{r}",
            tuple(
                RoutingLine(
                    str((k + 1) * 10),
                    CapacityType.WORK_CENTER,
                    "W",
                    setup_time=Duration(value((D(0), D(15))), TimeUnit.MINUTE),
                    run_time=Duration(value((D(1), D("2.5"))), TimeUnit.MINUTE),
                    scrap_factor_percent=value(_SCRAP),
                    fixed_scrap_quantity=value((D(0), D(1), D("1.0"))),
                    routing_link_code=f"L{k}",
                )
                for k in range(draw(st.integers(1, 3)))
            ),
        )
        for r in range(draw(st.integers(1, 3)))
    ]
    items = [Item("I0", base_unit="PCS", unit_cost=value(_RATES))]
    boms = []
    for i in range(1, draw(st.integers(2, 25))):
        if draw(st.integers(0, 3)) == 0:
            items.append(Item(f"I{i}", base_unit="PCS", unit_cost=value(_RATES)))
            continue
        lines = tuple(
            BomLine(
                f"I{draw(st.integers(0, i - 1))}",
                value(_QTY_PER),
                scrap_percent=value(_SCRAP),
                routing_link_code=draw(st.sampled_from([None, "L0", "L1", "L9"])),
                formula=draw(
                    st.sampled_from(
                        [CalculationFormula.NONE] * 3 + [CalculationFormula.FIXED_QUANTITY]
                    )
                ),
            )
            for _ in range(draw(st.integers(1, 4)))
        )
        boms.append(ProductionBom(f"B{i}", lines))
        items.append(
            Item(
                f"I{i}",
                base_unit="PCS",
                replenishment=Replenishment.PRODUCTION,
                lot_size=value(_LOTS),
                scrap_percent=value(_SCRAP),
                indirect_cost_percent=value(_SCRAP),
                overhead_rate=value(_RATES),
                production_bom_no=f"B{i}",
                routing_no=draw(st.sampled_from([None, *(r.no for r in routings)])),
            )
        )
    return MasterData.of(
        items=items,
        boms=boms,
        routings=routings,
        work_centers=[WorkCenter("W", direct_unit_cost=D(12), capacity_unit=TimeUnit.MINUTE)],
    )


def reference_row(md: MasterData, item: Item, index: dict[str, int]) -> tuple[str, ...]:
    """What a produced item's row holds, computed line by line from BC's formulas (see
    ``costing/rollup.py``), every Decimal as its repr (digits and exponent)."""
    lot = item.lot_size
    mfg = lot * (ONE + item.scrap_percent / HUNDRED) if item.scrap_percent else lot
    lines = md.routing(item.routing_no).active_lines(None) if item.routing_no else ()
    accums = accumulate_routing_scrap(lines)
    first = (ONE + accums[0][0], accums[0][1]) if lines else (ONE, D(0))
    by_link = {
        line.routing_link_code: (ONE + accum, fixed)
        for line, (accum, fixed) in zip(lines, accums, strict=True)
    }
    assert item.production_bom_no is not None
    components, quantities = [], []
    for line in md.bom(item.production_bom_no).lines:
        components.append(index[line.no])
        if line.formula is CalculationFormula.FIXED_QUANTITY:
            quantities.append(line.quantity_per)
            continue
        factor, fixed = by_link.get(line.routing_link_code, first)
        need = mfg * factor
        if line.scrap_percent:
            need *= ONE + line.scrap_percent / HUNDRED
        quantities.append(line.quantity_per * (need + fixed))
    return (
        repr(tuple(components)),
        repr(tuple(quantities)),
        repr(lot),
        repr(item.indirect_cost_percent / HUNDRED),
        repr(item.overhead_rate * lot),
    )


@settings(max_examples=150, deadline=None)
@given(md=master_data())
def test_rows_equal_the_straightforward_compilation(md: MasterData) -> None:
    index = {no: i for i, no in enumerate(md.items)}
    compiler = _Compiler(md, None)
    for item in md.items.values():
        row, _ = compiler.row(item, index.__getitem__)
        if item.replenishment is Replenishment.PRODUCTION:
            got = (repr(row[11]), repr(row[12]), repr(row[2]), repr(row[3]), repr(row[4]))
            assert got == reference_row(md, item, index)
        else:
            assert not row[0]
            assert repr(row[1]) == repr(item.unit_cost)


def _as_text(md: MasterData) -> list[str]:
    rollup = roll_up(md)
    return [
        f"{c.item_no} {c.single_level.as_tuple()!r} {c.rolled_up.as_tuple()!r}"
        for c in rollup.items()
    ]


_T = TypeVar("_T")


def _fresh(value: _T) -> _T:
    """``value`` rebuilt with a new object for every Decimal in it (attrs records, tuples)."""
    rebuilt: Any = value
    if isinstance(value, Decimal):
        rebuilt = D(str(value))
    elif isinstance(value, tuple):
        rebuilt = tuple(_fresh(v) for v in value)
    elif attrs.has(type(value)):
        kind: Any = type(value)
        rebuilt = kind(
            **{a.name: _fresh(getattr(value, a.name)) for a in attrs.fields(kind) if a.init}
        )
    return cast(_T, rebuilt)


@settings(max_examples=60, deadline=None)
@given(md=master_data())
def test_new_objects_for_every_value_give_the_same_results(md: MasterData) -> None:
    fresh = MasterData.of(
        items=[_fresh(i) for i in md.items.values()],
        boms=[_fresh(b) for b in md.boms.values()],
        routings=[_fresh(r) for r in md.routings.values()],
        work_centers=list(md.work_centers.values()),
    )
    assert _as_text(fresh) == _as_text(md)
