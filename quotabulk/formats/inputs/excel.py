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
from quotabulk.formats.inputs.facts import WorkbookFacts
from quotabulk.formats.inputs.prescan_ods import DeclaresEntities, scan_ods
from quotabulk.formats.inputs.prescan_xls import scan_xls
from quotabulk.formats.inputs.tables import no_header_message, read_table

# calamine loads a sheet whole; a sheet of a million rows unpacks to ~150 MB of XML.
# A workbook that claims far more than that is a zip bomb, not a quota list.
MAX_UNPACKED_BYTES = 1_500_000_000


# Which of them are zip archives (checked for their unpacked size before reading).
ZIPPED = (".xlsx", ".xlsm", ".ods")


def load_excel(path: Path, name: str, options: LoadOptions) -> Loaded:
    """Read every recognised sheet, or the sheets picked with `--sheet`."""
    kind = path.suffix.lower()
    if kind == ".xlsb":  # binary records: its error cells and formats cannot be seen
        raise InputError(name, said.UNCHECKABLE(kind=kind))
    facts = _prescan_zip(path, name, kind) if kind in ZIPPED else _prescan_xls(path)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise InputError(name, said.PASSWORD()) from None
    except calamine.CalamineError as exc:
        raise InputError(name, said.BAD_WORKBOOK(kind=kind, detail=str(exc))) from None
    if facts is None:  # calamine reads what xlrd could not: its cells cannot be checked
        workbook.close()
        raise InputError(name, said.UNCHECKABLE(kind=kind))
    try:
        return _read_sheets(workbook, name, options, facts)
    finally:
        workbook.close()


def _read_sheets(
    workbook: calamine.CalamineWorkbook, name: str, options: LoadOptions, facts: WorkbookFacts
) -> Loaded:
    available = list(workbook.sheet_names)
    if options.sheets:
        missing = [sheet for sheet in options.sheets if sheet not in available]
        if missing:
            listed = ", ".join(f"«{sheet}»" for sheet in available)
            raise InputError(name, said.NO_SUCH_SHEET(sheet=missing[0], sheets=listed))
    rules = options.sheet_rules
    left_out = [s for s in available if s in rules and rules[s].skip and s not in options.sheets]
    picked = list(options.sheets) or [s for s in available if s not in left_out]
    loaded = Loaded()
    skipped: list[str] = []
    for sheet_name in picked:
        where = Location(name, sheet_name)
        rule = rules.get(sheet_name)
        aliases = options.aliases.adding(rule.mapped) if rule else options.aliases
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
            first_column = sheet.start[1] if sheet.start else 0
            sheet_facts = facts.get(sheet_name)
            if sheet_facts is None and sheet.height:  # never read a sheet unchecked
                raise InputError(where, said.UNCHECKABLE(kind=Path(name).suffix.lower()))
            table = read_table(
                sheet.iter_rows(),
                where,
                aliases,
                required=bool(options.sheets),
                facts=sheet_facts.shifted(first_column) if sheet_facts else None,
                hidden=options.hidden,
                account=rule.account if rule else None,
            )
        except calamine.CalamineError as exc:
            raise InputError(where, said.BAD_SHEET(detail=str(exc))) from None
        if table is None:
            skipped.append(sheet_name)
        else:
            loaded.extend(table)
    if not picked or (skipped and len(skipped) == len(picked)):
        raise InputError(name, said.NO_SHEET_HAS_HEADER(detail=no_header_message()))
    loaded.notices.extend(said.SHEET_LEFT_OUT(where=name, sheet=sheet) for sheet in left_out)
    loaded.notices.extend(said.SHEET_SKIPPED(where=name, sheet=sheet) for sheet in skipped)
    return loaded


def _prescan_xls(path: Path) -> WorkbookFacts | None:
    """xlrd's facts of an `.xls`; None when xlrd cannot read it (calamine then says why,
    or the file is refused as one whose cells cannot be checked)."""
    try:
        return scan_xls(path)
    except Exception:  # xlrd raises anything on a damaged file
        return None


def _prescan_zip(path: Path, name: str, kind: str) -> WorkbookFacts:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise InputError(name, said.UNPACKS_LARGE(mb=unpacked // 1_000_000))
            if kind == ".ods":
                return scan_ods(archive)
            return prescan.check_workbook(archive)
    except (prescan.TooFar, prescan.TooLong) as exc:
        raise InputError(name, str(exc)) from None
    except (KeyError, DeclaresEntities, SyntaxError):  # no content.xml, or not XML
        raise InputError(name, said.OTHER_FORMAT(kind=kind)) from None
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
