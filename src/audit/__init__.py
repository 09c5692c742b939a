"""Census-readiness audit workbook for a county poverty-alleviation office.

The public interface (see DESIGN.md "Contracts"): :func:`load_dataset`,
:class:`Dataset`, :func:`load_settings`, the error classes, and the modules
:mod:`audit.synth`, :mod:`audit.schema`, :mod:`audit.idnumber`.
"""

from audit.dataset import Dataset, load_dataset, load_truth
from audit.errors import AuditError, InputError, OutputError, SchemaError, SettingsError
from audit.settings import Settings, load_settings

__version__ = "0.1.0"

__all__ = [
    "AuditError",
    "Dataset",
    "InputError",
    "OutputError",
    "SchemaError",
    "Settings",
    "SettingsError",
    "__version__",
    "load_dataset",
    "load_settings",
    "load_truth",
]
