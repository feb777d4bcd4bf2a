"""Go's `text/tabwriter` column layout, which kubectl's tables and `describe` are written through.

Cells are tab-terminated; a column block is a run of consecutive lines that have a cell in
that column, and every cell of the block is padded to the widest cell plus `padding`
(at least `minwidth`). The text after a line's last tab is not a column and is written as
is. Mirrors the `format`/`writeLines` recursion of `text/tabwriter` (left-aligned, spaces).
"""

from __future__ import annotations


class TabWriter:
    """Collect text with tabs; `getvalue()` returns it laid out as Go's tabwriter would."""

    def __init__(self, minwidth: int = 0, tabwidth: int = 8, padding: int = 1) -> None:
        self.minwidth = minwidth
        self.padding = padding
        self._text: list[str] = []

    def write(self, text: str) -> None:
        self._text.append(text)

    def getvalue(self) -> str:
        text = "".join(self._text)
        if not text:
            return ""
        trailing_newline = text.endswith("\n")
        lines = [line.split("\t") for line in (text[:-1] if trailing_newline else text).split("\n")]
        out: list[str] = []
        self._format(lines, 0, len(lines), [], out)
        return "\n".join(out) + ("\n" if trailing_newline else "")

    def _format(self, lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            self._write_lines(lines, line0, this, widths, out)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + self.padding)
                this += 1
            self._format(lines, line0, this, widths + [width], out)
            line0 = this
        self._write_lines(lines, line0, line1, widths, out)

    @staticmethod
    def _write_lines(lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]) -> None:
        for cells in lines[line0:line1]:
            parts = []
            for j, cell in enumerate(cells):
                parts.append(cell.ljust(widths[j]) if j < len(widths) else cell)
            out.append("".join(parts))


def layout(rows: list[list[str]], padding: int = 3, minwidth: int = 0) -> str:
    """Lay out rows as kubectl's `get` tables do (padding 3); no trailing newline."""
    tw = TabWriter(minwidth=minwidth, padding=padding)
    for row in rows:
        tw.write("\t".join(row) + "\n")
    return tw.getvalue().rstrip("\n")
