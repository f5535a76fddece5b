"""The posting engine's modules import downward only: no module of ``prodcore.orders``
imports one of its own layer or above, at module level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import prodcore.orders

#: each module's layer; a module may import only modules of lower layers
LAYERS = {
    "model": 0,
    "explosion": 1,
    "flushing": 1,
    "checks": 1,
    "rescaling": 1,
    "profiles": 1,
    "outputs": 1,
    "splitting": 2,
    "journals": 2,
    "lifecycle": 2,
    "lifecycle_messages": 1,
    "builder": 3,
    # below the model, which stores the registrations of an order
    "registration": -1,
    "registering": 8,
    "output_lines": 3,
    "consumption": 4,
    "capacity": 4,
    "reversal": 4,
    "tracking": 4,
    "output": 5,
    "reverse_all": 5,
    "finishing": 6,
    "execution": 7,
    "quality": 7,
    "subcontracting": 7,
    "d365": 7,
    "bins": 2,
    "picking": 5,
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module.startswith("prodcore.orders."):
                found.add(node.module.removeprefix("prodcore.orders."))
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("prodcore.orders.")
                for a in node.names
                if a.name.startswith("prodcore.orders.")
            )
    return found


def test_every_module_has_a_layer() -> None:
    package = Path(prodcore.orders.__file__).parent
    modules = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    assert modules == set(LAYERS)


def test_orders_modules_import_downward_only() -> None:
    package = Path(prodcore.orders.__file__).parent
    upward = [
        (name, target)
        for name, layer in LAYERS.items()
        for target in sorted(_imports(package / f"{name}.py"))
        if LAYERS[target] >= layer
    ]
    assert upward == []
