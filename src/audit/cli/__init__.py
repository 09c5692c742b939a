"""The ``audit`` command line: one module per command (or pair of commands).

Every command prints Chinese messages for users; an :class:`~audit.errors.AuditError`
is shown in Chinese and English with its place and ends the command with the
error's exit status (2 for unusable input), never with a traceback. To add a
command, write ``audit/cli/<name>.py`` registering on :data:`main` and import it here.
"""

from audit.cli import (  # noqa: F401  (register their commands)
    boundaries,
    check,
    compare,
    ingest,
    partition,
    privacy,
    run,
    sample,
    simulate,
    synth,
    track,
)
from audit.cli.main import main

__all__ = ["main"]
