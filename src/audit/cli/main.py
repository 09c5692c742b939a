"""The ``audit`` command group and what every command shares.

Every command prints Chinese messages for users; an :class:`~audit.errors.AuditError`
is shown in Chinese and English with its place (file, sheet, row, column) and
ends the command with the error's exit status (:data:`audit.errors.EXIT_CODES`),
never with a traceback. An operating-system error (disk full, read-only folder)
becomes an :class:`~audit.errors.OutputError`; anything unexpected is written
with its traceback to a private crash log, and the user sees a short bilingual
message naming that log (exit 4).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import tempfile
import traceback
from pathlib import Path

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
            _fail(exc)
        except KeyboardInterrupt:
            click.echo("已中断，未写出任何结果 / interrupted, nothing was written", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # the last resort: no traceback on the user's screen
            cause = _os_cause(exc)  # an OSError, or one a library wrapped (disk full …)
            if cause is not None:
                from audit.fsutil import os_error

                _fail(os_error(cause))
            log = crash_log(exc)
            click.echo(
                f"错误 / error: 程序内部错误（{type(exc).__name__}），详情已写入 {log}；"
                f"请把该文件发给维护人员 / internal error, details written to {log}",
                err=True,
            )
            sys.exit(4)

    return wrapper


def _fail(err: AuditError):
    """Print ``err`` (Chinese and English, with its place) and exit with its status."""
    click.echo(f"错误 / error: {err}", err=True)
    sys.exit(err.exit_code)


def _os_cause(exc: BaseException) -> OSError | None:
    """``exc`` itself when an :class:`OSError`, else one a library wrapped into it."""
    if isinstance(exc, OSError):
        return exc
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def crash_log(exc: BaseException) -> Path:
    """Write ``exc`` with its traceback to a private file and return its path.

    The file goes to ``$AUDIT_CRASH_DIR`` (default: ``<tmp>/gangu-audit``),
    readable by its owner only.
    """
    folder = Path(os.environ.get("AUDIT_CRASH_DIR") or Path(tempfile.gettempdir()) / "gangu-audit")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"crash-{stamp}-{os.getpid()}.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"audit {' '.join(sys.argv[1:])}\n")
        fh.write("".join(traceback.format_exception(exc)))
    return path


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
