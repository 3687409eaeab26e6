"""Workbooks — `.xlsx`, `.xlsm`, `.xlsb`, old Excel `.xls` and OpenDocument `.ods` — read
with python-calamine (8× faster here than openpyxl read-only), formula cells by their
saved values."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import python_calamine as calamine

from quotabulk.domain import messages as said
from quotabulk.domain.errors import InputError, Location
from quotabulk.formats.inputs import prescan
from quotabulk.formats.inputs.base import Loaded, LoadOptions
from quotabulk.formats.inputs.tables import no_header_message, read_table

# calamine loads a sheet whole; a sheet of a million rows unpacks to ~150 MB of XML.
# A workbook that claims far more than that is a zip bomb, not a quota list.
MAX_UNPACKED_BYTES = 1_500_000_000


# Which of them are zip archives (checked for their unpacked size before reading).
ZIPPED = (".xlsx", ".xlsm", ".xlsb", ".ods")


def load_excel(path: Path, name: str, options: LoadOptions) -> Loaded:
    """Read every recognised sheet, or the sheets picked with `--sheet`."""
    kind = path.suffix.lower()
    if kind in ZIPPED:
        _refuse_non_workbook(path, name, kind)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise InputError(name, said.PASSWORD()) from None
    except calamine.CalamineError as exc:
        raise InputError(name, said.BAD_WORKBOOK(kind=kind, detail=str(exc))) from None
    try:
        return _read_sheets(workbook, name, options)
    finally:
        workbook.close()


def _read_sheets(workbook: calamine.CalamineWorkbook, name: str, options: LoadOptions) -> Loaded:
    available = list(workbook.sheet_names)
    if options.sheets:
        missing = [sheet for sheet in options.sheets if sheet not in available]
        if missing:
            listed = ", ".join(f"«{sheet}»" for sheet in available)
            raise InputError(name, said.NO_SUCH_SHEET(sheet=missing[0], sheets=listed))
    picked = list(options.sheets) or available
    loaded = Loaded()
    skipped: list[str] = []
    for sheet_name in picked:
        where = Location(name, sheet_name)
        try:
            rows = workbook.get_sheet_by_name(sheet_name).iter_rows()
            table = read_table(rows, where, options.aliases, required=bool(options.sheets))
        except calamine.CalamineError as exc:
            raise InputError(where, said.BAD_SHEET(detail=str(exc))) from None
        if table is None:
            skipped.append(sheet_name)
        else:
            loaded.extend(table)
    if skipped and len(skipped) == len(picked):
        raise InputError(name, said.NO_SHEET_HAS_HEADER(detail=no_header_message()))
    loaded.notices.extend(said.SHEET_SKIPPED(where=name, sheet=sheet) for sheet in skipped)
    return loaded


def _refuse_non_workbook(path: Path, name: str, kind: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise InputError(name, said.UNPACKS_LARGE(mb=unpacked // 1_000_000))
            if kind in (".xlsx", ".xlsm"):
                prescan.check_workbook(archive)
    except (prescan.TooFar, prescan.TooLong) as exc:
        raise InputError(name, str(exc)) from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        UnicodeDecodeError,
        ValueError,
        EOFError,
        zlib.error,
        NotImplementedError,
    ):
        # A damaged archive surfaces as any of these, depending on where it is damaged.
        if kind != ".ods" and _is_encrypted_office_file(path):
            raise InputError(name, said.PASSWORD()) from None
        raise InputError(name, said.OTHER_FORMAT(kind=kind)) from None
    except OSError as exc:
        raise InputError(name, said.CANNOT_READ(detail=str(exc.strerror))) from None


# An Excel file saved with a password is not a zip but an OLE container holding the
# encrypted package: recognise it, so the user is told the real reason.
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def _is_encrypted_office_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return head.startswith(_OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in head
