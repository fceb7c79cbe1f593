"""First run to a browsable library: welcome, add a folder, indexing in the background, photos shown."""

import time

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent

from conftest import PHOTO_COUNT, wait_indexed


def test_first_run_welcomes_then_shows_the_photos_of_the_added_folder(qtbot, window, flickr_photos):
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=5000)
    window.welcome.foldersChosen.emit([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    assert window.stack.currentWidget() is window.library_page
    assert window.folders_panel.folders == [str(flickr_photos)]
    assert window.count_label.text() == f"{PHOTO_COUNT} photos"
    assert "Up to date" in window.indexing_status.label.text()


def test_the_event_loop_stays_responsive_while_indexing(qtbot, window, flickr_photos, shared_data):
    for i, source in enumerate(sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))[12:60]):
        (flickr_photos / f"more{i}.jpg").write_bytes(source.read_bytes())
    total = len(list(flickr_photos.glob("*.jpg")))
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    window.folders_panel.add_folders([str(flickr_photos)])
    qtbot.waitUntil(lambda: window.context.indexing.state != "idle", timeout=5000)
    started = last[0] = time.perf_counter()
    gaps.clear()
    wait_indexed(qtbot, window, total)
    timer.stop()
    seconds = time.perf_counter() - started
    # The event loop turned all through the run: no gap between ticks comes near the run's own
    # length, as one would if indexing (or a load) ran on the GUI thread. How short the gaps are
    # is a speed target (none over 100 ms) that bench/gui_indexing.py measures; on a shared
    # 2-core CI machine a gap of 100-300 ms also comes from waiting for a core, so it is not
    # asserted here.
    assert len(gaps) > 10
    assert max(gaps) < seconds / 4, f"the GUI thread stalled for {max(gaps) * 1000:.0f} ms of a {seconds:.1f} s run"


def test_photos_appear_while_indexing_runs(qtbot, window, flickr_photos):
    controller = window.context.indexing
    controller._refresh_seconds = 0  # reload the grid on every progress report
    reloads = []
    controller.photosChanged.connect(lambda: reloads.append(controller.state))
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, PHOTO_COUNT)
    assert "indexing" in reloads  # at least one reload came before the run finished


def test_dropping_a_folder_on_the_window_adds_it(qtbot, window, flickr_photos):
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(flickr_photos))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    wait_indexed(qtbot, window, PHOTO_COUNT)


def test_pause_resume_and_cancel(qtbot, window, flickr_photos, shared_data):
    import sqlite3

    for i, source in enumerate(sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))[12:60]):
        (flickr_photos / f"more{i}.jpg").write_bytes(source.read_bytes())
    controller = window.context.indexing
    seen = []
    controller.progressed.connect(lambda p: seen.append(p.done))
    controller._watch = False
    window.context.library.add_folder(flickr_photos)
    # While the test holds the database's write lock no batch (of 8) can be committed, so the
    # run cannot end on its own before the pause and the cancel below reach it.
    blocker = sqlite3.connect(window.context.library.path / "library.db", isolation_level=None, timeout=30)
    controller.start()
    qtbot.waitUntil(lambda: any(seen), timeout=10_000)
    blocker.execute("BEGIN IMMEDIATE")
    assert blocker.execute("SELECT count(*) FROM photos").fetchone()[0] < 60 - 16
    controller.pause()
    assert controller.state == "paused" and window.indexing_status.pause_button.text() == "Resume"
    blocker.execute("ROLLBACK")  # the batch in hand is committed, then the run waits
    qtbot.wait(300)  # a report already on its way may still arrive
    done = max(seen)
    qtbot.wait(400)
    assert max(seen) == done < 60  # nothing moves while paused
    blocker.execute("BEGIN IMMEDIATE")
    controller.resume()
    assert controller.state == "indexing"
    qtbot.waitUntil(lambda: max(seen) > done, timeout=10_000)  # reading again
    controller.cancel()
    blocker.execute("ROLLBACK")
    blocker.close()
    qtbot.waitUntil(lambda: controller.state == "idle", timeout=10_000)
    summary = controller.last_summary
    assert summary.cancelled is True and 0 < summary.indexed < 60
    assert window.context.library.photos.counts().get("ok", 0) == summary.indexed


def test_photos_keep_their_places_while_batches_arrive(qtbot, window, flickr_photos, shared_data):
    import os

    for i, source in enumerate(sorted((shared_data / "flickr8k" / "images").glob("*.jpg"))[12:40]):
        (flickr_photos / f"more{i}.jpg").write_bytes(source.read_bytes())
    # File dates that interleave with the scan order: each batch brings photos older and newer
    # than those already shown, so sorting every batch in moves them around.
    for n, path in enumerate(sorted(flickr_photos.glob("*.jpg"))):
        stamp = 1_500_000_000 + (n * 17 % 40) * 86_400
        os.utime(path, (stamp, stamp))
    total = len(list(flickr_photos.glob("*.jpg")))
    controller = window.context.indexing
    controller._refresh_seconds = 0  # reload the grid on every progress report
    page = window.library_page
    shown = []
    page.rowsShown.connect(lambda: controller.state != "idle" and shown.append(list(page.model.rows.ids)))
    window.folders_panel.add_folders([str(flickr_photos)])
    wait_indexed(qtbot, window, total)
    assert len(shown) >= 2, "the run was over before a second batch was shown"
    for before, after in zip(shown, shown[1:]):
        assert after[: len(before)] == before  # nobody moved: newcomers come after them
    taken = page.model.rows.taken
    assert taken == sorted(taken, reverse=True)  # sorted (newest first) once the run is over
