"""Where each cell of a sectioned photo grid lies: plain arithmetic over sections, no Qt.

The grid is a run of sections (a month when the library is shown by date; one untitled section
for search results and albums). A titled section starts on a new line with a full-width header
line; its photos fill lines of `columns` square cells. Every question a view asks (where is this
row, which row is under this point, which rows meet this rectangle, what is above/below) is
answered from the sections' top edges by bisection: O(log sections), whatever the photo count,
and a new layout (a reset, a resize) costs O(sections), not O(photos).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    start: int  # the model row of its first photo
    count: int
    title: str = ""  # "" : no header line


class GridGeometry:
    def __init__(self, sections: list[Section], columns: int, side: int, header_height: int):
        self.sections = sections
        self.columns, self.side, self.header_height = max(1, columns), max(1, side), header_height
        self._starts = [s.start for s in sections]
        self.titled = any(s.title for s in sections)  # any header lines at all (search results: none)
        self._tops: list[int] = []  # the y of each section's first pixel (its header, or its first line)
        y = 0
        for section in sections:
            self._tops.append(y)
            y += self._header(section) + self._lines(section) * self.side
        self.height = y

    # --- one section --------------------------------------------------------------------------------

    def _header(self, section: Section) -> int:
        return self.header_height if section.title else 0

    def _lines(self, section: Section) -> int:
        return -(-section.count // self.columns)

    def _body_top(self, i: int) -> int:
        return self._tops[i] + self._header(self.sections[i])

    def section_of_row(self, row: int) -> int:
        return bisect_right(self._starts, row) - 1

    def _section_at_y(self, y: int) -> int:
        return max(0, bisect_right(self._tops, y) - 1)

    # --- cells ----------------------------------------------------------------------------------------

    def cell(self, row: int) -> tuple[int, int]:
        """The top-left corner of `row`'s cell (its size is side × side)."""
        i = self.section_of_row(row)
        k = row - self.sections[i].start
        return (k % self.columns) * self.side, self._body_top(i) + (k // self.columns) * self.side

    def row_at(self, x: int, y: int) -> int | None:
        """The row whose cell holds this point; None on a header, past a line's end or outside."""
        if not self.sections or x < 0 or y < 0 or y >= self.height or x >= self.columns * self.side:
            return None
        i = self._section_at_y(y)
        section, inside = self.sections[i], y - self._body_top(i)
        if inside < 0:
            return None  # the header line
        k = (inside // self.side) * self.columns + x // self.side
        return section.start + k if k < section.count else None

    def rows_in(self, left: int, top: int, right: int, bottom: int) -> list[tuple[int, int]]:
        """The rows whose cells meet this rectangle (edges included), as (first, last) runs in order."""
        first_column, last_column = max(0, left // self.side), min(self.columns - 1, right // self.side)
        if not self.sections or first_column > last_column or bottom < 0 or top >= self.height:
            return []
        runs: list[tuple[int, int]] = []
        for i in range(self._section_at_y(max(0, top)), self._section_at_y(bottom) + 1):
            section, body = self.sections[i], self._body_top(i)
            if bottom < body:
                continue
            first_line = max(0, (top - body) // self.side)
            last_line = min(self._lines(section) - 1, (bottom - body) // self.side)
            for line in range(first_line, last_line + 1):
                begin = section.start + line * self.columns
                a, b = begin + first_column, min(begin + last_column, section.start + section.count - 1)
                if a > b:
                    continue
                if runs and runs[-1][1] + 1 == a:  # whole lines join into one run
                    runs[-1] = (runs[-1][0], b)
                else:
                    runs.append((a, b))
        return runs

    def headers_in(self, top: int, bottom: int) -> list[tuple[int, Section]]:
        """(y, section) of each header line that meets the band top..bottom."""
        if not self.sections:
            return []
        found = []
        for i in range(self._section_at_y(max(0, top)), self._section_at_y(max(0, bottom)) + 1):
            section, y = self.sections[i], self._tops[i]
            if section.title and y <= bottom and y + self.header_height > top:
                found.append((y, section))
        return found

    def pinned_header(self, top: int) -> tuple[int, Section] | None:
        """The header kept at the top of a view scrolled to `top` (the month being looked at, as
        photo apps keep it): that of the section under the top edge once its own header has
        scrolled away, pushed up by the next header as it arrives. (its y in the view, section)."""
        if not self.titled or top <= 0:
            return None
        i = self._section_at_y(top)
        section = self.sections[i]
        if not section.title or self._tops[i] >= top:
            return None
        y = 0
        if i + 1 < len(self.sections):
            y = min(0, self._tops[i + 1] - top - self.header_height)
        return y, section

    # --- moving between cells (the keyboard) ----------------------------------------------------------

    def row_above(self, row: int) -> int:
        """The photo above in the same column; from a section's first line, the previous section's
        last line (its last photo when that line is shorter); the same row at the very top."""
        i = self.section_of_row(row)
        k = row - self.sections[i].start
        if k >= self.columns:
            return row - self.columns
        if i == 0:
            return row
        above = self.sections[i - 1]
        last_line = (self._lines(above) - 1) * self.columns
        return above.start + min(last_line + k, above.count - 1)

    def row_below(self, row: int) -> int:
        """The photo below in the same column: the next line's last photo when it is shorter, the next
        section's first line after a section's last line, the same row at the very end."""
        i = self.section_of_row(row)
        section = self.sections[i]
        k = row - section.start
        if k + self.columns < section.count:
            return row + self.columns
        if k // self.columns < self._lines(section) - 1:
            return section.start + section.count - 1
        if i + 1 == len(self.sections):
            return row
        below = self.sections[i + 1]
        return below.start + min(k % self.columns, below.count - 1)

    def row_near(self, x: int, y: int) -> int | None:
        """The row nearest to a point (paging): clamped into the grid; a header means its first line."""
        if not self.sections:
            return None
        y = min(max(0, y), self.height - 1)
        i = self._section_at_y(y)
        section = self.sections[i]
        line = min(max(0, (y - self._body_top(i)) // self.side), self._lines(section) - 1)
        column = min(max(0, x // self.side), self.columns - 1)
        return section.start + min(line * self.columns + column, section.count - 1)
