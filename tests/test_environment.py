"""The environment is locked: pyproject.toml, environment.yml and requirements.lock agree."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from audit.runner.manifest import LOCK_FILE, environment_lock

ROOT = Path(__file__).resolve().parents[1]
#: Conda spells a few pip packages (and their extras) differently.
CONDA_NAMES = {"dask[distributed]": ("dask", "distributed")}


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out = {}
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        req = Requirement(line)
        key = f"{req.name}[{','.join(sorted(req.extras))}]" if req.extras else req.name
        for name in CONDA_NAMES.get(key, (req.name,)):
            out[canonicalize_name(name)] = str(req.specifier)
    return out


def _environment_yml() -> tuple[str, dict[str, str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    entries = []
    for dep in env["dependencies"]:
        entries.extend(dep["pip"] if isinstance(dep, dict) else [dep])
    python, out = None, {}
    for entry in entries:
        name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", entry).groups()
        if name == "python":
            python = spec
        elif name != "pip":
            out[canonicalize_name(name)] = str(Requirement(f"x{spec}").specifier)
    return python, out


def test_environment_yml_names_the_same_packages_and_ranges_as_pyproject():
    python, conda = _environment_yml()
    pip = _pyproject()
    assert python == "=3.11"
    assert sorted(set(pip) - set(conda)) == [], "in pyproject.toml, not in environment.yml"
    assert sorted(set(conda) - set(pip)) == [], "in environment.yml, not in pyproject.toml"
    assert {k: conda[k] for k in pip} == pip


def test_the_lock_pins_every_declared_package_within_its_range():
    text = (ROOT / LOCK_FILE).read_text(encoding="utf-8")
    pins = {
        canonicalize_name(m.group(1)): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)==(\S+)", text, re.MULTILINE)
    }
    for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]:
        assert canonicalize_name(Requirement(line).name) in pins, line
    for name, spec in _pyproject().items():
        assert name in pins, f"{name} is not in {LOCK_FILE}: run `make lock`"
        assert Requirement(f"{name}{spec}").specifier.contains(pins[name]), (name, spec)
    assert "--hash=sha256:" in text  # installed with --require-hashes


def test_installed_packages_are_the_locked_ones_and_the_manifest_says_so():
    lock = environment_lock()
    assert lock["file"] == LOCK_FILE and len(lock["sha256"]) == 64
    assert lock["matches"], lock["differs"]


def test_a_drifted_environment_is_named_in_the_manifest(tmp_path):
    text = (ROOT / LOCK_FILE).read_text(encoding="utf-8")
    drifted = re.sub(r"^pandas==\S+", "pandas==0.0.1", text, flags=re.MULTILINE)
    (tmp_path / LOCK_FILE).write_text(drifted, encoding="utf-8")
    lock = environment_lock(tmp_path)
    assert lock["matches"] is False
    assert [d for d in lock["differs"] if d.startswith("pandas ")] == [
        f"pandas {importlib.metadata.version('pandas')} (lock 0.0.1)"
    ]
    assert environment_lock(tmp_path / "nowhere")["sha256"] is None
