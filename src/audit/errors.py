"""The exception hierarchy of the workbook.

Every error a user can meet is an :class:`AuditError`: it carries a Chinese
message for the office and an English one for the log, and, where known, the
place of the problem (file, sheet, row as the user sees it, column, parameter).
The command line prints both messages and exits with :attr:`AuditError.exit_code`.
"""

from __future__ import annotations

__all__ = [
    "EXIT_CODES",
    "AuditError",
    "InputError",
    "OutputError",
    "SchemaError",
    "SettingsError",
]

#: Exit statuses of the ``audit`` command, documented in README.md and docs/bad-input.md.
EXIT_CODES = {
    0: "成功 / success",
    1: "已完成，但有被拒绝的行或失败的乡镇报告 / done, but rows were rejected or a report failed",
    2: "输入不可用（文件、设置、参数）/ unusable input (file, settings, argument)",
    3: "无法写出结果（只读、磁盘已满、会覆盖输入或非本工具的文件夹）/ cannot write the outputs",
    4: "内部错误（已写入错误日志）/ internal error (written to a crash log)",
    130: "被中断（Ctrl-C）/ interrupted",
}


class AuditError(Exception):
    """Base class of all errors raised by the workbook.

    Parameters
    ----------
    zh : str
        The message in Chinese, for users.
    en : str
        The same message in English.
    file, sheet, row, column, parameter : optional
        Where the problem is. ``row`` is the row number as the user sees it
        (1-based, spreadsheet numbering), not a pandas index.
    """

    exit_code = 2

    def __init__(
        self,
        zh: str,
        en: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        parameter: str | None = None,
    ) -> None:
        self.zh = zh
        self.en = en
        self.file = None if file is None else str(file)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.parameter = parameter
        super().__init__(self.__str__())

    def location(self) -> str:
        """Return where the problem is, as ``file ▸ sheet ▸ row ▸ column``."""
        parts = []
        if self.file:
            parts.append(f"文件/file {self.file}")
        if self.sheet:
            parts.append(f"工作表/sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"行/row {self.row}")
        if self.column:
            parts.append(f"列/column {self.column}")
        if self.parameter:
            parts.append(f"参数/parameter {self.parameter}")
        return " ▸ ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        head = f"[{where}] " if where else ""
        return f"{head}{self.zh} / {self.en}"


class InputError(AuditError):
    """An input file or folder cannot be used (unreadable, empty, wrong content)."""


class SchemaError(InputError):
    """A table is missing, or a column is missing or of the wrong type."""

    def __init__(self, zh: str, en: str, *, table: str | None = None, **where) -> None:
        self.table = table
        super().__init__(zh, en, **where)


class SettingsError(AuditError):
    """A settings file or a setting value is invalid."""


class OutputError(AuditError):
    """The outputs cannot be written.

    Read-only folder, disk full, or a folder that must not be replaced (an
    input, or a folder this tool did not write).
    """

    exit_code = 3
