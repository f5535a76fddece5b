"""Hypothesis strategies for prodcore's value objects, master data and commands.

Every strategy produces valid, finite Decimals (never floats) and frozen records.
``master_data()`` builds acyclic BOM graphs by construction: an item's BOM only uses
items created before it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from prodcore.masterdata import (
    BomLine,
    BomLineType,
    CapacityType,
    CostingMethod,
    FlushingMethod,
    Item,
    ItemUnitOfMeasure,
    MachineCenter,
    ManufacturingSetup,
    MasterData,
    ProductionBom,
    Replenishment,
    Routing,
    RoutingLine,
    UnitCostCalculation,
    WorkCenter,
)
from prodcore.numbers import Duration, Money, Quantity, TimeUnit

__all__ = [
    "decimals",
    "durations",
    "master_data",
    "money",
    "percents",
    "quantities",
    "routing_lines",
    "work_centers",
]


def decimals(
    *, min_value: Decimal | int = 0, max_value: Decimal | int = 10_000, places: int = 3
) -> st.SearchStrategy[Decimal]:
    """Finite Decimals with at most ``places`` decimal places."""
    return st.decimals(
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


def percents() -> st.SearchStrategy[Decimal]:
    return decimals(min_value=0, max_value=50, places=2)


_CODES = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=8)


def quantities(unit: str | None = None) -> st.SearchStrategy[Quantity]:
    units = st.just(unit) if unit else st.sampled_from(["PCS", "KG", "M", "L"])
    return st.builds(Quantity, decimals(min_value=-1000, max_value=1000), units)


def money(currency: str = "EUR") -> st.SearchStrategy[Money]:
    return st.builds(
        Money, decimals(min_value=-100_000, max_value=100_000, places=5), st.just(currency)
    )


def durations() -> st.SearchStrategy[Duration]:
    return st.builds(Duration, decimals(max_value=600, places=2), st.sampled_from(list(TimeUnit)))


def work_centers(no: str) -> st.SearchStrategy[WorkCenter]:
    return st.builds(
        WorkCenter,
        st.just(no),
        capacity=decimals(min_value=1, max_value=5, places=0),
        efficiency_percent=decimals(min_value=50, max_value=150, places=0),
        direct_unit_cost=decimals(max_value=100, places=2),
        indirect_cost_percent=percents(),
        overhead_rate=decimals(max_value=10, places=2),
        unit_cost_calculation=st.sampled_from(list(UnitCostCalculation)),
        flushing_method=st.sampled_from(
            [FlushingMethod.MANUAL, FlushingMethod.FORWARD, FlushingMethod.BACKWARD]
        ),
    )


def routing_lines(operation_no: str, centres: list[str]) -> st.SearchStrategy[RoutingLine]:
    return st.builds(
        RoutingLine,
        st.just(operation_no),
        st.just(CapacityType.WORK_CENTER),
        st.sampled_from(centres),
        setup_time=durations(),
        run_time=durations(),
        scrap_factor_percent=percents(),
        fixed_scrap_quantity=decimals(max_value=5, places=1),
    )


@st.composite
def master_data(draw: st.DrawFn, *, max_items: int = 8, with_phantoms: bool = True) -> MasterData:
    """A random, consistent, acyclic set of master data."""
    centres = [f"WC{i}" for i in range(draw(st.integers(1, 3)))]
    wcs = [draw(work_centers(no)) for no in centres]
    mcs = [MachineCenter(f"MC-{wc.no}", wc.no) for wc in wcs[:1]]
    items: list[Item] = []
    boms: list[ProductionBom] = []
    routings: list[Routing] = []
    for n in range(draw(st.integers(2, max_items))):
        no = f"I{n}"
        produced = n > 0 and draw(st.booleans())
        bom_no = routing_no = None
        if produced:
            children = draw(
                st.lists(
                    st.sampled_from([i.no for i in items]), min_size=1, max_size=4, unique=True
                )
            )
            lines = [
                BomLine(
                    c,
                    draw(decimals(min_value=Decimal("0.01"), max_value=5, places=2)),
                    scrap_percent=draw(percents()),
                )
                for c in children
            ]
            phantoms = [b.no for b in boms if b.no.startswith("PH")]
            if with_phantoms and phantoms and draw(st.booleans()):
                lines.append(
                    BomLine(draw(st.sampled_from(phantoms)), 1, type=BomLineType.PRODUCTION_BOM)
                )
            bom_no = f"B{n}"
            boms.append(ProductionBom(bom_no, tuple(lines)))
            if draw(st.booleans()):
                boms.append(
                    ProductionBom(
                        f"PH{n}",
                        (BomLine(children[0], draw(decimals(min_value=1, max_value=3, places=0))),),
                    )
                )
            ops = draw(st.integers(1, 3))
            routing_no = f"R{n}"
            routings.append(
                Routing(
                    routing_no,
                    tuple(draw(routing_lines(str((k + 1) * 10), centres)) for k in range(ops)),
                )
            )
        items.append(
            Item(
                no,
                base_unit="PCS",
                units=(ItemUnitOfMeasure("BOX", qty_per_base=12),),
                replenishment=Replenishment.PRODUCTION if produced else Replenishment.PURCHASE,
                costing_method=draw(st.sampled_from(list(CostingMethod))),
                unit_cost=draw(decimals(max_value=100, places=2)),
                standard_cost=draw(decimals(max_value=100, places=2)),
                scrap_percent=draw(percents()) if produced else Decimal(0),
                flushing_method=draw(st.sampled_from(list(FlushingMethod))),
                production_bom_no=bom_no,
                routing_no=routing_no,
            )
        )
    return MasterData.of(
        items=items,
        boms=boms,
        routings=routings,
        work_centers=wcs,
        machine_centers=mcs,
        setup=ManufacturingSetup(),
    )


def dates() -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
