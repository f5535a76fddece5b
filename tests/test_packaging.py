"""The distribution: what the wheel and sdist carry, the metadata, the set-up scripts."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("hatchling", reason="the dev extra builds the distributions")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def test_the_wheel_carries_the_license_and_declares_it(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = wheel.namelist()
        license_files = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert license_files, names
        assert "MIT License" in wheel.read(license_files[0]).decode()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Changelog", "Issues", "Source"} <= set(urls)
    assert "prodcore/py.typed" in names
    assert "prodcore/schemas/run-output.v1.json" in names  # the --json schema is package data


def test_the_sdist_carries_license_changelog_docs_and_tests(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for required in ("LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "SECURITY.md", "README.md"):
        assert required in names
    assert "mkdocs.yml" in names
    assert "docs/tutorial.md" in names
    assert "tests/test_packaging.py" in names
    assert not any(n.startswith(("site/", ".venv")) for n in names)


def _check_script_supported() -> list[str]:
    script = (ROOT / "scripts" / "check.sh").read_text(encoding="utf-8")
    match = re.search(r'^SUPPORTED="([^"]+)"$', script, re.MULTILINE)
    assert match, "scripts/check.sh must name the supported versions"
    return match.group(1).split()


def test_every_python_classifier_is_tested_by_the_check_script() -> None:
    classified = [
        c.rsplit(" :: ", 1)[1]
        for c in PYPROJECT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert classified == _check_script_supported()
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert classified[0] == minimum


def test_the_dev_extra_includes_docs_and_the_docs_extra_has_mkdocs() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "prodcore[docs]" in extras["dev"]
    assert {re.split(r"[\[>=]", d)[0] for d in extras["docs"]} == {
        "mkdocs",
        "mkdocs-material",
        "mkdocstrings",
    }


def test_the_changelog_states_the_versioning_and_deprecation_policy() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "semantic versioning" in text
    assert "stored data" in text.lower()
    assert "DeprecationWarning" in text
    assert f"## [{PYPROJECT['project']['version']}]" in text


def test_the_readme_commands_are_the_scripts_and_ci_runs_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert blocks[:2] == ["bash scripts/demo.sh\n", "bash scripts/check.sh\n"]
    assert "bash scripts/check.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _bash(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"source {ROOT / 'scripts' / 'venv.sh'}\n{script}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_venv_falls_back_to_the_system_pip_when_venv_has_no_ensurepip(
    tmp_path: Path,
) -> None:
    # A stand-in for Debian's python3 without python3-venv: `-m venv` fails, except with
    # --without-pip; `-m pip --python DIR` then puts pip into the environment.
    fake = tmp_path / "python3"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1 $2" = "-m venv" ] && [ "$3" != "--without-pip" ]; then exit 1; fi\n'
        'if [ "$1 $2" = "-m virtualenv" ]; then exit 1; fi\n'
        'if [ "$1 $2 $3" = "-m venv --without-pip" ]; then mkdir -p "$4/bin"; exit 0; fi\n'
        'if [ "$1 $2 $3" = "-m pip --version" ]; then exit 0; fi\n'
        'if [ "$1 $2 $3" = "-m pip --python" ]; then\n'
        f'  printf "#!/usr/bin/env bash\\nexit 0\\n" > "$4"; chmod +x "$4"; echo "$@" > {tmp_path}/pip-args; exit 0\n'
        "fi\n"
        "exit 3\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    result = _bash(f"make_venv {fake} env", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "installed into env by the system's pip" in result.stderr
    assert (tmp_path / "pip-args").read_text().split()[:5] == [
        "-m",
        "pip",
        "--python",
        "env/bin/python",
        "install",
    ]


def test_make_venv_keeps_a_working_environment(tmp_path: Path) -> None:
    env = tmp_path / "env" / "bin"
    env.mkdir(parents=True)
    (env / "python").symlink_to(sys.executable)  # a python whose `-m pip --version` works
    result = _bash("make_venv /nonexistent/python3 env && echo kept", tmp_path)
    assert result.stdout.strip() == "kept", result.stderr


def test_make_venv_says_what_to_install_when_nothing_works(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text(
        '#!/usr/bin/env bash\nif [ "$1" = "-c" ]; then echo 3.99; exit 0; fi\nexit 1\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    # Not root, or no apt-get: the script must not try to install, only explain.
    result = _bash(f"id() {{ echo 1000; }}\nmake_venv {fake} env", tmp_path)
    assert result.returncode == 1
    assert "apt-get install python3.99-venv" in result.stderr
    assert not (tmp_path / "env").exists()
