"""Settings: thresholds, ages, deadlines and sample sizes, in one documented file.

The defaults live in ``settings.toml`` beside this module (the figures of
census-rules.md and scenario-gangu.md). A county's file overrides any subset of
keys; unknown keys and values of the wrong type are errors naming the key.
A run records the settings it used with :meth:`Settings.to_dict`.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import SettingsError

__all__ = ["DEFAULT_SETTINGS_FILE", "Settings", "load_settings", "settings_from_record"]

DEFAULT_SETTINGS_FILE = Path(__file__).with_name("settings.toml")


@dataclass(frozen=True)
class Settings:
    """Validated settings, read as ``settings.section.key`` (e.g. ``settings.income.poverty_line``).

    Dates are :class:`datetime.date`. Use :func:`load_settings` to build one.
    """

    data: dict[str, dict[str, Any]]
    source: str

    def __getattr__(self, section: str) -> Any:
        try:
            return _Section(section, self.data[section])
        except KeyError:
            raise AttributeError(section) from None

    def __reduce__(self):
        # Pickle through the constructor (for Dask workers): ``__getattr__`` would recurse
        # on an instance that has no ``data`` yet.
        return (Settings, (self.data, self.source))

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Return the settings as JSON-ready nested dicts (dates as ISO strings)."""
        return json.loads(json.dumps(self.data, default=str))

    def fingerprint(self) -> str:
        """Return the SHA-256 of the canonical JSON form of the settings."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def replace(self, **sections: dict[str, Any]) -> Settings:
        """Return a copy with some keys changed: ``s.replace(income={"poverty_line": 4200})``."""
        data = copy.deepcopy(self.data)
        _merge(data, sections, "overrides")
        return Settings(data, self.source)


class _Section:
    def __init__(self, name: str, values: dict[str, Any]) -> None:
        self._name = name
        self._values = values

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"{self._name}.{key}") from None


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError("找不到设置文件", "settings file not found", file=str(path)) from None
    except UnicodeDecodeError:
        raise SettingsError(
            "设置文件不是 UTF-8 编码：请在记事本中「另存为」UTF-8",
            "the settings file is not UTF-8 encoded: save it as UTF-8",
            file=str(path),
        ) from None
    except IsADirectoryError:
        raise SettingsError(
            "设置文件是一个文件夹", "the settings path is a folder", file=str(path)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"设置文件格式错误：{exc}", f"settings file is not valid TOML: {exc}", file=str(path)
        ) from None


def _merge(base: dict, override: dict, source: str) -> None:
    for section, values in override.items():
        if section not in base or not isinstance(values, dict):
            raise SettingsError(
                f"未知的设置节「{section}」",
                f"unknown settings section {section!r}",
                file=source,
                parameter=section,
            )
        for key, value in values.items():
            if key not in base[section]:
                raise SettingsError(
                    f"未知的设置项「{section}.{key}」",
                    f"unknown setting {section}.{key}",
                    file=source,
                    parameter=f"{section}.{key}",
                )
            base[section][key] = _coerce(base[section][key], value, f"{section}.{key}", source)


def _coerce(default: Any, value: Any, key: str, source: str) -> Any:
    """Give ``value`` the type of ``default``; raise SettingsError when it cannot have it."""
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
        elif isinstance(default, int):
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif isinstance(default, float):
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        elif isinstance(default, dt.date):
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        elif isinstance(default, str):
            if isinstance(value, str):
                return value
    except ValueError:
        pass
    kind = type(default).__name__
    raise SettingsError(
        f"设置项「{key}」的值 {value!r} 无效，应为 {kind} 类型",
        f"setting {key} = {value!r} is not a valid {kind}",
        file=source,
        parameter=key,
    )


def _parse_dates(data: dict) -> None:
    for values in data.values():
        for key, value in values.items():
            if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
                values[key] = dt.date.fromisoformat(value)


def _check(data: dict, source: str) -> None:
    inc, edu, thr = data["income"], data["education"], data["thresholds"]
    problems = []
    if inc["poverty_line"] <= 0:
        problems.append(("income.poverty_line", "必须大于 0", "must be positive"))
    if not 0 <= edu["compulsory_age_min"] <= edu["compulsory_age_max"]:
        problems.append(("education.compulsory_age_min", "年龄范围无效", "invalid age range"))
    for key, value in thr.items():
        if not 0 < value < 1:
            problems.append((f"thresholds.{key}", "必须在 0 与 1 之间", "must lie in (0, 1)"))
    if not 0 < data["census"]["confidence"] < 1:
        problems.append(("census.confidence", "必须在 0 与 1 之间", "must lie in (0, 1)"))
    if data["census"]["nonregistered_sample"] < 0:
        problems.append(("census.nonregistered_sample", "不能为负数", "must not be negative"))
    sim = data["simulation"]
    if sim["runs"] < 1:
        problems.append(("simulation.runs", "至少为 1", "must be at least 1"))
    for key, value in sim.items():
        if key.endswith(("_rate", "_share")) and not 0 <= value <= 1:
            problems.append((f"simulation.{key}", "必须在 0 与 1 之间", "must lie in [0, 1]"))
    if data["census"]["sample_design"] not in ("stratified", "two-stage"):
        problems.append(
            (
                "census.sample_design",
                "只能是 stratified 或 two-stage",
                "must be 'stratified' or 'two-stage'",
            )
        )
    for key, value in data["ingest"].items():
        if value <= 0:
            problems.append((f"ingest.{key}", "必须大于 0", "must be positive"))
    if problems:
        key, zh, en = problems[0]
        raise SettingsError(
            f"设置项「{key}」{zh}", f"setting {key} {en}", file=source, parameter=key
        )


def load_settings(path: str | Path | None = None, **overrides: dict[str, Any]) -> Settings:
    """Load the default settings, then a county's file over them, then keyword overrides.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file holding any subset of the sections and keys of the defaults.
    **overrides
        Sections of values, e.g. ``income={"poverty_line": 4200.0}``.

    Returns
    -------
    Settings

    Raises
    ------
    SettingsError
        On an unknown section or key, a value of the wrong type, or an invalid value.

    Examples
    --------
    >>> s = load_settings()
    >>> s.income.poverty_line
    4000.0
    """
    data = _read(DEFAULT_SETTINGS_FILE)
    _parse_dates(data)
    source = str(DEFAULT_SETTINGS_FILE)
    if path is not None:
        source = str(path)
        _merge(data, _read(Path(path)), source)
    if overrides:
        _merge(data, overrides, "overrides")
    _check(data, source)
    return Settings(data, source)


def settings_from_record(recorded: dict | None) -> Settings:
    """Rebuild the settings a Dataset or run recorded (``dataset.json``, ``manifest.json``).

    Keys this version does not know (recorded by a newer version) are left out;
    every known key takes its recorded value, validated as in :func:`load_settings`.
    """
    if not recorded:
        return load_settings()
    known = _read(DEFAULT_SETTINGS_FILE)
    kept = {
        section: {k: v for k, v in values.items() if k in known[section]}
        for section, values in recorded.items()
        if section in known and isinstance(values, dict)
    }
    return load_settings(**kept)
