"""The Events view (cards, timeline) and 'On this day', on real photos with written EXIF."""

from datetime import date, datetime, timedelta

from PySide6.QtWidgets import QInputDialog

from conftest import wait_indexed
from photo_files import copy_with_capture_exif

LYON, KYOTO = (45.764, 4.8357), (35.0116, 135.7681)


def _photos(folder, shared_data):
    sources = iter(sorted((shared_data / "flickr8k" / "images").glob("*.jpg")))
    shots = [(datetime(2020, 3, 1 + i // 3, 9 + 4 * (i % 3)), KYOTO) for i in range(6)]  # a trip
    shots += [(datetime(2019, 9, 14, 15) + timedelta(minutes=40 * i), LYON) for i in range(6)]  # a party
    shots += [(datetime(2019, 10, 2, 12), LYON), (datetime(2019, 11, 20, 12), LYON)]  # everyday
    for i, (when, (lat, lon)) in enumerate(shots):
        copy_with_capture_exif(next(sources), folder / f"{i:02}.jpg", when, lat, lon)
    return len(shots)


def test_events_view_shows_cards_and_timeline_and_opens_an_event(qtbot, window, shared_data, tmp_path, monkeypatch):
    folder = tmp_path / "Pictures"
    count = _photos(folder, shared_data)
    window.folders_panel.add_folders([str(folder)])
    wait_indexed(qtbot, window, count)
    window.set_view("events")
    view = window.view_widget("events")
    qtbot.waitUntil(lambda: view.cards.count() == 2, timeout=20_000)
    texts = [view.cards.item(row).text() for row in range(2)]
    assert texts[0].startswith("Kyoto, 1–2 Mar 2020\nTrip") and "6 photos" in texts[0]
    assert texts[1].startswith("14 Sep 2019\nEvent")
    # The timeline: newest first, events and the months of the other photos.
    titles = [s.title for s in view.sections]
    assert titles == ["Kyoto, 1–2 Mar 2020", "November 2019", "October 2019", "14 Sep 2019"]
    with qtbot.waitSignal(view.photosOpened, timeout=10_000):
        view.open_event(0)
    assert window.view == "library" and window.library_page.model.rowCount() == 6
    assert window.albums_panel.albums == []  # events live in their own view

    window.set_view("events")
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Japan", True))
    view.rename("Kyoto, 1–2 Mar 2020")
    qtbot.waitUntil(lambda: view.cards.count() == 2 and view.events[0].name == "Japan", timeout=20_000)


def test_on_this_day_offers_photos_from_earlier_years(qtbot, window, shared_data, tmp_path):
    from album.ui.library.on_this_day import OnThisDay

    folder = tmp_path / "Pictures"
    count = _photos(folder, shared_data)
    window.folders_panel.add_folders([str(folder)])
    wait_indexed(qtbot, window, count)
    bar = OnThisDay(window.context, today=date(2024, 9, 14))
    qtbot.addWidget(bar)
    bar.refresh()
    qtbot.waitUntil(lambda: bool(bar.years), timeout=10_000)
    assert [(y.year, len(y.photo_ids)) for y in bar.years] == [(2019, 6)] and "2019" in bar.text()
    with qtbot.waitSignal(bar.photosOpened, timeout=10_000) as opened:
        bar.open_year("2019")
    assert opened.args[0] == "On this day, 2019" and len(opened.args[1]) == 6
