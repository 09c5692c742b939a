"""The ``audit`` command group and what every command shares.

Every command prints Chinese messages for users; an :class:`~audit.errors.AuditError`
is shown in Chinese and English with its place (file, sheet, row, column) and
ends the command with the error's exit status (2 for unusable input), never with
a traceback.
"""

from __future__ import annotations

import functools
import sys

import click

from audit.errors import AuditError

__all__ = ["friendly", "load_settings_option", "main", "settings_option"]


def friendly(func):
    """Turn AuditError into a clear message and exit status."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except AuditError as exc:
            click.echo(f"错误 / error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断 / interrupted", err=True)
            sys.exit(130)

    return wrapper


def load_settings_option(path):
    """Load settings from the ``--settings`` file (defaults when None)."""
    from audit.settings import load_settings

    return load_settings(path)


settings_option = click.option(
    "--settings",
    "settings_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="设置文件（TOML），缺省为内置默认值 / settings file (TOML)",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gangu-audit")
def main():
    """普查准备度审计工作簿 / census-readiness audit workbook."""
