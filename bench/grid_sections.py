"""The month-sectioned photo grid at library scale (prints numbers; not a test).

On synthetic rows (a photo every ~2 hours from 2012, 1% without a date) it times, per size:
- `index_months`: finding the month runs (on the worker thread that reads the rows);
- reset: `PhotoListModel.set_rows` with the grid shown, through its new layout (GUI thread);
- resize: a new column count (GUI thread);
- paint: one full screen of cells and headers;
- keys: 200 Down-arrow presses (moving and scrolling);
and, for comparison in the same run, the previous grid (a QListView in icon mode with uniform
cells, month badges on a tile) after the same reset, laid out completely.

    .venv/bin/python bench/grid_sections.py [--photos 50000 100000]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def synthetic_rows(n: int):
    from album.ui.common.photo_rows import PhotoRows

    base = 1_700_000_000  # newest first, back from late 2023
    taken = [time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base - i * 7200)) for i in range(n)]
    for i in range(n - n // 100, n):
        taken[i] = None  # the undated photos sort last
    return PhotoRows(ids=list(range(1, n + 1)), hashes=[None] * n, taken=taken,
                     paths=[f"/photos/{i // 1000:03d}/IMG_{i:06d}.jpg" for i in range(n)], grouped_by_month=True)


def best_of(times: int, action) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, nargs="+", default=[50_000, 100_000])
    args = parser.parse_args()

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QListView

    from album.ui.library.photo_list_model import PhotoListModel
    from album.ui.library.photo_grid import CELL, PhotoGridView

    app = QApplication.instance() or QApplication([])
    grid = PhotoGridView()
    model = PhotoListModel(parent=grid)
    grid.setModel(model)
    grid.resize(1200, 900)
    grid.show()
    app.processEvents()

    old = QListView()  # the grid before month sections, configured as it was
    old.setViewMode(QListView.ViewMode.IconMode)
    old.setMovement(QListView.Movement.Static)
    old.setResizeMode(QListView.ResizeMode.Adjust)
    old.setUniformItemSizes(True)
    old.setGridSize(CELL)
    old.setWrapping(True)
    old_model = PhotoListModel(parent=old)
    old.setModel(old_model)
    old.resize(1200, 900)
    old.show()

    for n in args.photos:
        rows = synthetic_rows(n)
        months = best_of(3, rows.index_months)
        rows.index_hashes()

        def reset():
            model.set_rows(rows)
            app.processEvents()

        def resize():
            grid.resize(1000 if grid.width() == 1200 else 1200, 900)
            app.processEvents()

        def keys():
            grid.setCurrentIndex(model.index(0, 0))
            for _ in range(200):
                QTest.keyClick(grid, Qt.Key.Key_Down)

        def old_reset():
            old_model.set_rows(rows)
            old.doItemsLayout()  # the whole layout, as the batched one ends up doing
            app.processEvents()

        reset_s = best_of(3, reset)
        resize_s = best_of(4, resize)  # an even count: back to the first width
        paint_s = best_of(5, grid.viewport().repaint)
        keys_s = best_of(1, keys)
        old_s = best_of(3, old_reset)
        sections = len(model.sections())
        print(f"{n:,} photos, {sections} sections, {grid.cells.columns} columns: index_months {months * 1000:.1f} ms, "
              f"reset+layout {reset_s * 1000:.1f} ms, resize {resize_s * 1000:.1f} ms, "
              f"paint one screen {paint_s * 1000:.1f} ms, 200 Down keys {keys_s * 1000:.0f} ms "
              f"({keys_s / 200 * 1000:.2f} ms each) | previous QListView reset+full layout {old_s * 1000:.1f} ms",
              flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} (the machine is shared: numbers are upper bounds)")
    grid.close()
    old.close()


if __name__ == "__main__":
    main()
