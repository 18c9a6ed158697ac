"""Plain-text tables that never truncate: readable at 80 columns, in a pipe, in a log file.

A table that does not fit its width first drops the columns its caller marked as low-value
(saying which, and where to find them), then abbreviates headers, and as a last resort prints
each row as a block of ``header: value`` lines. A cell is never cut (no "…"). The width is the
terminal's, or ``COLUMNS``, or 80 when neither is known (a pipe)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

GAP = "  "  # between columns


@dataclass(frozen=True)
class Column:
    """``header``; ``short``: a shorter header for narrow widths; ``right``: right-aligned
    (numbers); ``drop``: 0 — always shown, else dropped when too wide (highest first)."""

    header: str
    short: str | None = None
    right: bool = False
    drop: int = 0


def width() -> int:
    """The output width: the terminal's, else $COLUMNS, else 80."""
    return shutil.get_terminal_size((80, 24)).columns


def _wrap(text: str, w: int, indent: str = "") -> list[str]:
    return textwrap.wrap(text, w, subsequent_indent=indent, break_long_words=False) or [""]


def _fits(
    cols: Sequence[Column], rows: Sequence[Sequence[str]], headers: list[str], w: int
) -> bool:
    return sum(_widths(headers, rows, range(len(cols)))) + len(GAP) * (len(cols) - 1) <= w


def _widths(headers: list[str], rows: Sequence[Sequence[str]], idx: Sequence[int]) -> list[int]:
    return [max([len(headers[i]), *(len(r[i]) for r in rows)]) for i in idx]


def render(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str = "",
    notes: Sequence[str] = (),
    max_width: int | None = None,
    elsewhere: str = "",
    heading: int = 1,
) -> str:
    """The table as text, at most ``max_width`` (default: ``width()``) columns wide where any
    layout can be; cells are never shortened. ``elsewhere``: where dropped columns can be
    found (said under the table); ``heading``: how many leading cells head a row's block when
    even the essential columns do not fit side by side."""
    w = max_width or width()
    keep = list(range(len(columns)))
    headers = [c.header for c in columns]
    dropped: list[str] = []

    def fits() -> bool:
        sub = [[r[i] for i in keep] for r in rows]
        return _fits([columns[i] for i in keep], sub, [headers[i] for i in keep], w)

    for i in sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: -columns[i].drop):
        if fits():
            break
        keep.remove(i)
        dropped.append(columns[i].header)
    if not fits():  # the essential columns, abbreviated headers
        headers = [c.short or c.header for c in columns]
    out: list[str] = []
    if title:
        out += _wrap(title, w)
    if fits():
        ws = _widths(headers, rows, keep)

        def line(cells: list[str]) -> str:
            parts = [
                cells[j].rjust(ws[j]) if columns[i].right else cells[j].ljust(ws[j])
                for j, i in enumerate(keep)
            ]
            return GAP.join(parts).rstrip()

        out.append(line([headers[i] for i in keep]))
        out.append(GAP.join("-" * x for x in ws))
        out += [line([r[i] for i in keep]) for r in rows]
    else:  # one block per row: the leading cells as its heading, the others as header: value
        rest = [i for i in keep if i >= heading]
        pad = max((len(columns[i].header) for i in rest), default=0)
        for r in rows:
            out += _wrap(" ".join(r[:heading]), w)
            for i in rest:
                out += _wrap(f"  {columns[i].header.ljust(pad)}  {r[i]}", w, " " * (pad + 4))
    if dropped:
        where = f"; {elsewhere} has them" if elsewhere else ""
        notes = [*notes, f"not shown at {w} columns: {', '.join(dropped)}{where}"]
    for n in notes:
        out += _wrap(n, w, "  ")
    return "\n".join(out)
