"""Header blocks: «Лимит» merged over «сумма, руб.» and «порог, руб.» is one header of two
rows. The header row is found as for one row; the block extends down (at most two more
rows) while the next row holds no phone-like value and each of its labels sits under a
cell merged across columns in the rows above. Title rows above the header are never
part of it. Each column's label is its parts joined, parent first: «Лимит / порог, руб.».
"""

from __future__ import annotations

from collections.abc import Sequence

from quotabulk.formats.inputs.columns import cell_label
from quotabulk.formats.inputs.facts import Merge
from quotabulk.formats.inputs.phones import is_phone_like

MOST_ROWS = 3


def parent_row(head: Sequence[Sequence[object]], index: int, merges: Sequence[Merge]) -> bool:
    """Whether row `index` (from 0) can head a block: it starts a cell merged across
    columns, and holds a label outside it (a title merged over the whole width is no
    part of a header)."""
    across = [m for m in merges if m.first_row == index + 1 and m.across]
    if not across:
        return False
    row = head[index]
    return any(
        cell_label(cell) and not any(m.first_column <= c <= m.last_column for m in across)
        for c, cell in enumerate(row)
    )


def block_rows(head: Sequence[Sequence[object]], index: int, merges: Sequence[Merge]) -> list[int]:
    """The rows of the header block starting at row `index` (from 0)."""
    block = [index]
    while len(block) < MOST_ROWS and block[-1] + 1 < len(head):
        below = block[-1] + 1
        filled = [c for c, cell in enumerate(head[below]) if cell_label(cell)]
        if not filled or any(is_phone_like(cell) for cell in head[below]):
            break
        if not all(_under_merge(block, c, merges) for c in filled):
            break
        block.append(below)
    return block


def composed_parts(
    head: Sequence[Sequence[object]], block: Sequence[int], merges: Sequence[Merge]
) -> list[tuple[str, ...]]:
    """Each column's labels from the top of the block down, a merged cell's label under
    every column it spans; repeats (a cell merged down) count once."""
    width = max(len(head[r]) for r in block)
    columns: list[tuple[str, ...]] = []
    for column in range(width):
        parts: list[str] = []
        for r in block:
            label = _label_at(head, r, column, merges)
            if label and (not parts or parts[-1] != label):
                parts.append(label)
        columns.append(tuple(parts))
    return columns


def _label_at(
    head: Sequence[Sequence[object]], row: int, column: int, merges: Sequence[Merge]
) -> str:
    own = cell_label(head[row][column]) if column < len(head[row]) else ""
    if own:
        return own
    for m in merges:
        if m.first_row == row + 1 and m.first_column < column <= m.last_column:
            owner = head[row]
            return cell_label(owner[m.first_column]) if m.first_column < len(owner) else ""
    return ""


def _under_merge(block: Sequence[int], column: int, merges: Sequence[Merge]) -> bool:
    return any(
        m.across and m.first_row - 1 in block and m.first_column <= column <= m.last_column
        for m in merges
    )
