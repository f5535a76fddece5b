"""A pytest plugin that collects scenario files as tests (installed with prodcore, loaded by
pytest through the ``pytest11`` entry point).

Every ``*.scenario.json`` and ``*.scenario.toml`` file under the paths pytest collects is
one test item: the scenario runs on an empty store and passes when every expectation of
its steps holds (what ``prodcore test`` checks). ``--scenario-store`` picks the store:
``memory`` (the default), ``sqlite`` or a ``postgresql://`` URL, so an adapter can be
checked against golden files.

>>> is_scenario_file(Path("golden/costing.scenario.json")), is_scenario_file(Path("x.json"))
(True, False)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prodcore.cli import FileOutcome, check_file

__all__ = ["ScenarioFailedError", "ScenarioItem", "is_scenario_file"]

_SUFFIXES = (".scenario.json", ".scenario.toml")


def is_scenario_file(path: Path) -> bool:
    """Whether pytest collects ``path`` as a scenario test."""
    return path.name.endswith(_SUFFIXES)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--scenario-store",
        default="memory",
        help="store for *.scenario.json/.toml tests: memory, sqlite or a postgresql:// URL",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFailedError(Exception):
    """A scenario file's expectations failed (or the file could not be read)."""

    def __init__(self, outcome: FileOutcome) -> None:
        super().__init__(outcome.path)
        self.outcome = outcome


class ScenarioFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        return [ScenarioItem.from_parent(self, name=self.path.name)]


class ScenarioItem(pytest.Item):
    """One scenario file run as a test."""

    def runtest(self) -> None:
        outcome = check_file(self.path, store=str(self.config.getoption("scenario_store")))
        if not outcome.passed:
            raise ScenarioFailedError(outcome)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: str | None = None,
    ) -> str:
        if isinstance(excinfo.value, ScenarioFailedError):
            o = excinfo.value.outcome
            if o.malformed:
                return o.malformed
            return "\n".join(f"{o.path}:{f.line}: {f}" for f in o.failures)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.name}"
