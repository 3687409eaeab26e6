"""Read desired quotas from YAML, Excel and CSV files into one validated set of rows.

Each format is a small plug-in (`Loader`) registered by file suffix; `load_inputs` reads
them all, then checks what only the union can show: the same subscriber written twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from quotabulk.domain import messages as said
from quotabulk.domain.errors import InputError, RowProblem, UsageError
from quotabulk.domain.models import DesiredRow, InvalidRow
from quotabulk.domain.periods import check_periods, has_periods, take_day
from quotabulk.formats.inputs.base import Loaded, Loader, LoadOptions
from quotabulk.formats.inputs.csv_file import load_csv
from quotabulk.formats.inputs.excel import load_excel
from quotabulk.i18n import today


def load_yaml(path: Path, name: str, options: LoadOptions) -> Loaded:
    """PyYAML is imported only when a YAML file is read."""
    from quotabulk.formats.inputs.yaml_doc import load_yaml as load

    return load(path, name, options)


LOADERS: dict[str, Loader] = {
    ".yaml": load_yaml,
    ".yml": load_yaml,
    ".xlsx": load_excel,
    ".xlsm": load_excel,
    ".xlsb": load_excel,
    ".xls": load_excel,
    ".ods": load_excel,
    ".csv": load_csv,
}

# Every kind of file quotabulk reads, as the console's upload and the messages list them.
# `.xlsb` has a loader only to be refused with the way out (save it as .xlsx).
INPUT_SUFFIXES = tuple(kind for kind in LOADERS if kind != ".xlsb")

__all__ = ["INPUT_SUFFIXES", "LOADERS", "LoadOptions", "Loaded", "load_inputs"]


def load_inputs(
    paths: Sequence[Path], options: LoadOptions | None = None, names: Sequence[str] = ()
) -> Loaded:
    """Load every file; the desired state is their union. Raises `InputError` for a file
    that cannot be read at all; row problems are returned in `Loaded.invalid`. `names`:
    how sources and messages name the files (the console: the uploaded file's own name,
    never where the server keeps it); the paths as given when empty."""
    if not paths:
        raise UsageError(said.NO_INPUTS(kinds=", ".join(INPUT_SUFFIXES)))
    options = options or LoadOptions()
    loaded = Loaded()
    for path, name in zip(paths, names or [str(path) for path in paths], strict=True):
        loaded.extend(_load_one(path, name, options))
    _move_duplicates(loaded)
    _hold_back_doubtful_numbers(loaded)
    loaded.day = options.day or today()
    loaded.schedule = take_day(loaded, loaded.day)
    return loaded


def _load_one(path: Path, name: str, options: LoadOptions) -> Loaded:
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(INPUT_SUFFIXES)
        raise InputError(name, said.UNKNOWN_KIND(known=known))
    if not path.is_file():
        raise InputError(name, said.MISSING() if not path.exists() else said.NOT_A_FILE())
    return loader(path, name, options)


def _hold_back_doubtful_numbers(loaded: Loaded) -> None:
    """A number with an invalid row of a period: which of its rows holds on a day is in
    doubt, so its other rows are invalid too — with `--skip-invalid` the standing row is
    never sent alone while the trip row it stands beside is broken."""
    doubtful = {row.msisdn for row in loaded.invalid if row.dated and row.msisdn}
    if not doubtful:
        return
    kept: list[DesiredRow] = []
    for row in loaded.rows:
        if row.msisdn not in doubtful:
            kept.append(row)
            continue
        problem = RowProblem(row.source, None, said.NUMBER_IN_DOUBT(msisdn=row.msisdn))
        loaded.invalid.append(InvalidRow(row.source, row.msisdn, (problem,), row.extras))
    loaded.rows = kept


def _move_duplicates(loaded: Loaded) -> None:
    """Every row of a subscriber written more than once becomes invalid — unless the
    number's rows are periods («Действует с/по») that do not overlap, beside one row
    without dates (`domain.periods`). Each names the first occurrence and how many there
    are, so a sheet of one number repeated 20 000 times costs linear time and memory,
    not a message listing all the others."""
    # The common case, no duplicate and no period, costs one set built in C.
    dated = {row.msisdn for row in loaded.rows if row.dated} if has_periods(loaded.rows) else set()
    if not dated and len({row.msisdn for row in loaded.rows}) == len(loaded.rows):
        return
    first_seen: dict[str, DesiredRow] = {}
    count: dict[str, int] = {}
    periods: dict[str, list[DesiredRow]] = {m: [] for m in dated}
    for row in loaded.rows:
        first_seen.setdefault(row.msisdn, row)
        count[row.msisdn] = count.get(row.msisdn, 0) + 1
        if row.msisdn in periods:
            periods[row.msisdn].append(row)
    refused = check_periods(periods.values())
    loaded.invalid.extend(refused)
    refused_numbers = {row.msisdn for row in refused}
    kept: list[DesiredRow] = []
    for row in loaded.rows:
        if row.msisdn in refused_numbers:
            continue
        times = count[row.msisdn]
        if times == 1 or row.msisdn in periods:
            kept.append(row)
            continue
        first = first_seen[row.msisdn]
        message = (
            said.WRITTEN_TWICE_HERE(msisdn=row.msisdn, n=times)
            if first is row
            else said.WRITTEN_TWICE(msisdn=row.msisdn, n=times, first=first.source)
        )
        problem = RowProblem(row.source, None, message)
        loaded.invalid.append(InvalidRow(row.source, row.msisdn, (problem,), row.extras))
    loaded.rows = kept
