"""The public API is deliberate: every exported name exists, is documented, and importing
prodcore does no I/O and leaves no global state behind."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import prodcore

PACKAGES = [
    "prodcore",
    "prodcore.orders",
    "prodcore.numbers",
    "prodcore.errors",
    "prodcore.masterdata",
    "prodcore.app",
    "prodcore.commands",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_exist_and_are_sorted_unique(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported)
    for attr in exported:
        assert hasattr(module, attr), f"{name}.{attr} is in __all__ but missing"


@pytest.mark.parametrize("name", PACKAGES)
def test_public_classes_and_functions_have_docstrings(name: str) -> None:
    module = importlib.import_module(name)
    missing = [
        attr
        for attr in module.__all__
        if callable(getattr(module, attr)) and not getattr(module, attr).__doc__
    ]
    assert not missing, f"undocumented in {name}: {missing}"


def test_core_names_are_at_the_top() -> None:
    for name in [
        "ProductionOrder",
        "CreateOrder",
        "Quantity",
        "Money",
        "ProdcoreError",
        "handle",
        "InMemoryUnitOfWork",
    ]:
        assert name in prodcore.__all__


def test_import_has_no_side_effects() -> None:
    code = (
        "import sys, os; before = set(os.listdir('.'));"
        "import prodcore, prodcore.orders, prodcore.serialization;"
        "assert set(os.listdir('.')) == before;"
        "assert 'psycopg' not in sys.modules and 'hypothesis' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
